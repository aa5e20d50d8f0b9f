/**
 * Database maintenance endpoints on the exact bytes of CouchDB 3.5.0 (couchdb-3.5-api.md §3),
 * served by MockCouch; each test names its recording and checks what reached the server.
 */
import { CouchAuth, CouchClient, Database } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

/** The response headers every recording below has (request ids left out). */
const couch35 = {
  "cache-control": "must-revalidate",
  "content-type": "application/json",
  server: "CouchDB/3.5.0 (Erlang OTP/25)"
}
const reply = (status: number, body: string) => MockCouch.raw(status, body, couch35)

const recorded = {
  /** 3.21 revs diff: `POST /api/_revs_diff` */
  revsDiff: reply(
    200,
    `{"b5":{"missing":["4-44444444444444444444444444444444"],"possible_ancestors":["3-0123456789abcdef0123456789abcdef"]},"nope":{"missing":["1-abcdef"]},"b1":{"missing":["2-00000000000000000000000000000000"],"possible_ancestors":["1-7a7e4b29f3af401e69b6f86e4c26b727"]}}\n`
  ),
  /** 3.22 missing revs: `POST /api/_missing_revs` */
  missingRevs: reply(200, `{"missing_revs":{"nope":["1-abcdef"],"b1":["2-00000000000000000000000000000000"]}}\n`),
  /** 3.23 get revs limit, 3.27 get purged infos limit: a bare number */
  limit: reply(200, `1000\n`),
  /** 3.24 set revs limit, 3.28 set purged infos limit */
  ok: reply(200, `{"ok":true}\n`),
  /** 3.25 set revs limit to a non-integer: `PUT /api/_revs_limit` */
  revsLimitNotInteger: MockCouch.raw(500, `{"error":"unknown_error","reason":"function_clause","ref":1641458982}\n`, {
    ...couch35,
    "x-couch-stack-hash": "1641458982"
  }),
  /** 3.26 purge a doc revision: `POST /api/_purge` */
  purge: reply(201, `{"purge_seq":null,"purged":{"b3":["1-c7a7a74ea67a7e7b62067bb33379fc2b"],"nope":[]}}\n`),
  /** 3.29 compact with Content-Type json, 3.31 view cleanup: 202 */
  accepted: reply(202, `{"ok":true}\n`),
  /** 3.30 compact without Content-Type: `POST /api/_compact` */
  badContentType: reply(415, `{"error":"bad_content_type","reason":"Content-Type must be application/json"}\n`),
  /** 3.32 ensure full commit: `POST /api/_ensure_full_commit` */
  fullCommit: reply(201, `{"ok":true,"instance_start_time":"1796081691"}\n`)
}

/** Answers as CouchDB 3.5 does: 415 (recording 3.30) unless the POST says it is JSON. */
const requiresJson = (answer: MockCouch.Reply) => (request: MockCouch.RecordedRequest) =>
  request.headers["content-type"] === "application/json" ? answer : recorded.badContentType

const TestLive = (routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const api = Effect.map(CouchClient.CouchClient, (couch) => couch.database("api"))

/** Each request as `METHOD path content-type body`. */
const sent = Effect.map(
  MockCouch.requests,
  (requests) =>
    requests.map((r) =>
      [`${r.method} ${r.path}`, r.headers["content-type"] ?? "", r.body ?? ""].filter((part) => part !== "").join(" ")
    )
)

describe("Database.revsDiff and Database.missingRevs", () => {
  it.effect("revsDiff: the {id: [revs]} body, missing revisions and ancestors (CouchDB 3.5 recording 3.21)", () =>
    Effect.gen(function*() {
      const diff = yield* Database.revsDiff(yield* api, {
        b1: ["1-7a7e4b29f3af401e69b6f86e4c26b727", "2-00000000000000000000000000000000"],
        b5: ["2-1111111111111111111111111111111a", "4-44444444444444444444444444444444"],
        nope: ["1-abcdef"]
      })
      expect(diff).toEqual({
        b5: {
          missing: ["4-44444444444444444444444444444444"],
          possible_ancestors: ["3-0123456789abcdef0123456789abcdef"]
        },
        nope: { missing: ["1-abcdef"] },
        b1: {
          missing: ["2-00000000000000000000000000000000"],
          possible_ancestors: ["1-7a7e4b29f3af401e69b6f86e4c26b727"]
        }
      })
      expect(yield* sent).toEqual([
        `POST /api/_revs_diff application/json {"b1":["1-7a7e4b29f3af401e69b6f86e4c26b727","2-00000000000000000000000000000000"],"b5":["2-1111111111111111111111111111111a","4-44444444444444444444444444444444"],"nope":["1-abcdef"]}`
      ])
    }).pipe(Effect.provide(TestLive([MockCouch.route("POST", "/api/_revs_diff", recorded.revsDiff)]))))

  it.effect("missingRevs: the missing revisions per document (CouchDB 3.5 recording 3.22)", () =>
    Effect.gen(function*() {
      const missing = yield* (yield* api).pipe(Database.missingRevs({
        b1: ["1-7a7e4b29f3af401e69b6f86e4c26b727", "2-00000000000000000000000000000000"],
        nope: ["1-abcdef"]
      }))
      expect(missing).toEqual({ nope: ["1-abcdef"], b1: ["2-00000000000000000000000000000000"] })
      expect(yield* sent).toEqual([
        `POST /api/_missing_revs application/json {"b1":["1-7a7e4b29f3af401e69b6f86e4c26b727","2-00000000000000000000000000000000"],"nope":["1-abcdef"]}`
      ])
    }).pipe(Effect.provide(TestLive([MockCouch.route("POST", "/api/_missing_revs", recorded.missingRevs)]))))
})

describe("Database revision and purge limits", () => {
  it.effect("revsLimit reads a bare number; setRevsLimit sends one (CouchDB 3.5 recordings 3.23, 3.24)", () =>
    Effect.gen(function*() {
      const db = yield* api
      expect(yield* Database.revsLimit(db)).toBe(1000)
      expect(yield* db.pipe(Database.setRevsLimit(500))).toEqual({ ok: true })
      expect(yield* sent).toEqual(["GET /api/_revs_limit", "PUT /api/_revs_limit application/json 500"])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("GET", "/api/_revs_limit", recorded.limit),
      MockCouch.route("PUT", "/api/_revs_limit", recorded.ok)
    ]))))

  it.effect("a limit that is not a positive integer is refused before I/O (CouchDB would 500, recording 3.25)", () =>
    Effect.gen(function*() {
      const db = yield* api
      for (const limit of [0, -5, 1.5, Number.NaN]) {
        expect((yield* Effect.flip(Database.setRevsLimit(db, limit)))._tag).toBe("InvalidRequest")
        expect((yield* Effect.flip(Database.setPurgedInfosLimit(db, limit)))._tag).toBe("InvalidRequest")
      }
      expect(yield* sent).toEqual([])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("PUT", "/api/_revs_limit", recorded.revsLimitNotInteger),
      MockCouch.route("PUT", "/api/_purged_infos_limit", recorded.revsLimitNotInteger)
    ]))))

  it.effect("purgedInfosLimit and setPurgedInfosLimit (CouchDB 3.5 recordings 3.27, 3.28)", () =>
    Effect.gen(function*() {
      const db = yield* api
      expect(yield* Database.purgedInfosLimit(db)).toBe(1000)
      expect(yield* Database.setPurgedInfosLimit(db, 2000)).toEqual({ ok: true })
      expect(yield* sent).toEqual([
        "GET /api/_purged_infos_limit",
        "PUT /api/_purged_infos_limit application/json 2000"
      ])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("GET", "/api/_purged_infos_limit", recorded.limit),
      MockCouch.route("PUT", "/api/_purged_infos_limit", recorded.ok)
    ]))))

  it.effect("purgedInfos: the purge history; another shape is a DecodeError (the API reference; no 3.5 recording)", () => {
    const answers = [
      reply(
        200,
        `{"purged_infos":[{"id":"doc_id","revs":["1-85cfcb946ba8fea03ba81ec38a7a9998","2-c6548393a891f2cec9c7755832ff9d6f"]}]}\n`
      ),
      reply(200, `{"purged_infos":{}}\n`)
    ]
    return Effect.gen(function*() {
      expect(yield* Database.purgedInfos(yield* api)).toEqual({
        purged_infos: [{
          id: "doc_id",
          revs: ["1-85cfcb946ba8fea03ba81ec38a7a9998", "2-c6548393a891f2cec9c7755832ff9d6f"]
        }]
      })
      expect((yield* Effect.flip(Database.purgedInfos(yield* api)))._tag).toBe("DecodeError")
      expect(yield* sent).toEqual(["GET /api/_purged_infos", "GET /api/_purged_infos"])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("GET", "/api/_purged_infos", () => answers.shift() ?? recorded.badContentType)
    ])))
  })

  it.effect("purge: 201, purge_seq null, an unknown document purges nothing (CouchDB 3.5 recording 3.26)", () =>
    Effect.gen(function*() {
      const purged = yield* Database.purge(yield* api, { b3: ["1-c7a7a74ea67a7e7b62067bb33379fc2b"], nope: ["1-abc"] })
      expect(purged).toEqual({ purge_seq: null, purged: { b3: ["1-c7a7a74ea67a7e7b62067bb33379fc2b"], nope: [] } })
      expect(yield* sent).toEqual([
        `POST /api/_purge application/json {"b3":["1-c7a7a74ea67a7e7b62067bb33379fc2b"],"nope":["1-abc"]}`
      ])
    }).pipe(Effect.provide(TestLive([MockCouch.route("POST", "/api/_purge", recorded.purge)]))))
})

describe("Database maintenance POSTs say they are JSON", () => {
  it.effect("compact sends Content-Type: application/json and no body (CouchDB 3.5 recordings 3.29, 3.30)", () =>
    Effect.gen(function*() {
      expect(yield* Database.compact(yield* api)).toEqual({ ok: true })
      const [request] = yield* MockCouch.requests
      expect(request?.headers["content-type"]).toBe("application/json")
      expect(request?.body).toBeUndefined()
    }).pipe(Effect.provide(TestLive([MockCouch.route("POST", "/api/_compact", requiresJson(recorded.accepted))]))))

  it.effect("without it CouchDB answers 415, an UnsupportedMediaType (CouchDB 3.5 recording 3.30)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip((yield* api).client.resource("api", "_compact").post())
      expect(error).toMatchObject({ _tag: "UnsupportedMediaType", error: "bad_content_type" })
    }).pipe(Effect.provide(TestLive([MockCouch.route("POST", "/api/_compact", requiresJson(recorded.accepted))]))))

  it.effect("viewCleanup (CouchDB 3.5 recording 3.31)", () =>
    Effect.gen(function*() {
      expect(yield* Database.viewCleanup(yield* api)).toEqual({ ok: true })
      expect(yield* sent).toEqual(["POST /api/_view_cleanup application/json"])
    }).pipe(
      Effect.provide(TestLive([MockCouch.route("POST", "/api/_view_cleanup", requiresJson(recorded.accepted))]))
    ))

  it.effect("searchCleanup and nouveauCleanup: 202 Accepted (the API reference; no 3.5 recording)", () =>
    Effect.gen(function*() {
      expect(yield* Database.searchCleanup(yield* api)).toEqual({ ok: true })
      expect(yield* Database.nouveauCleanup(yield* api)).toEqual({ ok: true })
      expect(yield* sent).toEqual([
        "POST /api/_search_cleanup application/json",
        "POST /api/_nouveau_cleanup application/json"
      ])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("POST", "/api/_search_cleanup", requiresJson(recorded.accepted)),
      MockCouch.route("POST", "/api/_nouveau_cleanup", requiresJson(recorded.accepted))
    ]))))

  it.effect("ensureFullCommit (CouchDB 3.5 recording 3.32)", () =>
    Effect.gen(function*() {
      expect(yield* Database.ensureFullCommit(yield* api)).toEqual({ ok: true, instance_start_time: "1796081691" })
      expect(yield* sent).toEqual(["POST /api/_ensure_full_commit application/json"])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("POST", "/api/_ensure_full_commit", requiresJson(recorded.fullCommit))
    ]))))
})

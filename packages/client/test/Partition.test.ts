/**
 * Partitions against MockCouch, on the exact bytes of CouchDB 3.5's answers (recordings
 * 8.6–8.11 and 12.16 of couchdb-3.5-api.md): partition info and Mango queries with a partition
 * as their target. A partition's `_all_docs` and views are tested with `View`, in
 * View.test.ts. pouchdb-server has no partitions, so there is no integration test.
 */
import { CouchAuth, CouchClient, Database, Mango, Partition } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Option, Stream } from "effect"

interface Recording {
  readonly request?: string
  readonly status: number
  readonly chunks?: ReadonlyArray<string>
  readonly body?: string
}

/** CouchDB 3.5.0's answers, as recorded (chunks as framed on the wire). */
const recorded = {
  /** 8.6 mango index (partitioned): `POST /api-part/_index` */
  "8.6": {
    request: `{"index":{"fields":["kind"]},"name":"kind","ddoc":"kind-idx"}`,
    status: 200,
    body: `{"result":"created","id":"_design/kind-idx","name":"kind"}\n`
  },
  /** 8.7 partition info: `GET /api-part/_partition/p1` */
  "8.7": {
    status: 200,
    body:
      `{"db_name":"api-part","sizes":{"active":152,"external":36},"partition":"p1","doc_count":2,"doc_del_count":0}\n`
  },
  /** 8.8 partition info for an empty partition: `GET /api-part/_partition/zz` */
  "8.8": {
    status: 200,
    body: `{"db_name":"api-part","sizes":{"active":0,"external":0},"partition":"zz","doc_count":0,"doc_del_count":0}\n`
  },
  /** 8.10 partition _find: `POST /api-part/_partition/p1/_find` */
  "8.10": {
    request: `{"selector":{"kind":"x"},"fields":["_id","n"]}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n{"_id":"p1:a","n":1}\r\n]`,
      `,\r\n"bookmark": "g1AAAAA7eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYqzFBhaJYLkOGByOUBRRpAUY0VWFgDQBw9F"}\r\n`,
      `\n`
    ]
  },
  /** 8.11 partition _explain: `POST /api-part/_partition/p1/_explain` */
  "8.11": {
    request: `{"selector":{"kind":"x"},"fields":["_id","n"]}`,
    status: 200,
    body:
      `{"dbname":"api-part","index":{"ddoc":"_design/kind-idx","name":"kind","type":"json","partitioned":true,"def":{"fields":[{"kind":"asc"}]}},"partitioned":true,"selector":{"kind":{"$eq":"x"}},"opts":{"use_index":[],"bookmark":"nil","limit":25,"skip":0,"sort":{},"fields":["_id","n"],"partition":"p1","r":1,"conflicts":false,"stale":false,"update":true,"stable":false,"execution_stats":false,"allow_fallback":true},"limit":25,"skip":0,"fields":["_id","n"],"index_candidates":[{"index":{"ddoc":null,"name":"_all_docs","type":"special","def":{"fields":[{"_id":"asc"}]}},"analysis":{"usable":true,"reasons":[{"name":"unfavored_type"}],"ranking":1,"covering":null}}],"selector_hints":[{"type":"json","indexable_fields":["kind"],"unindexable_fields":[]}],"mrargs":{"include_docs":true,"view_type":"map","reduce":false,"partition":"p1","start_key":["x"],"end_key":["x","<MAX>"],"direction":"fwd","stable":false,"update":true,"conflicts":"undefined"},"covering":false}\n`
  },
  /** 12.16 400 partition endpoint on a non-partitioned db: `GET /api/_partition/p1` */
  "12.16": {
    status: 400,
    body: `{"error":"bad_request","reason":"database is not partitioned"}\n`
  }
} satisfies Record<string, Recording>

/** The client over MockCouch answering with `routes`, no auth. */
const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

/** A recording as a MockCouch reply. */
const reply = (recording: Recording): MockCouch.Reply =>
  recording.chunks !== undefined
    ? MockCouch.chunked(recording.status, recording.chunks)
    : MockCouch.raw(recording.status, recording.body ?? "", { "content-type": "application/json" })

const partitioned = Effect.map(CouchClient.CouchClient, (couch) => couch.database("api-part"))

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** Method, path and body of every request sent. */
const sent = Effect.map(
  MockCouch.requests,
  (requests) => requests.map((request) => [`${request.method} ${request.path}${request.url.search}`, request.body])
)

describe("Partition.info", () => {
  it.effect("counts and sizes of a partition, zeros for an empty one (recordings 8.7, 8.8)", () =>
    Effect.gen(function*() {
      const db = yield* partitioned
      expect(yield* Partition.info(Database.partition(db, "p1"))).toEqual({
        db_name: "api-part",
        partition: "p1",
        doc_count: 2,
        doc_del_count: 0,
        sizes: { active: 152, external: 36 }
      })
      expect(yield* db.pipe(Database.partition("zz"), Partition.info)).toMatchObject({ partition: "zz", doc_count: 0 })
      expect((yield* sent).map(([request]) => request)).toEqual([
        "GET /api-part/_partition/p1",
        "GET /api-part/_partition/zz"
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/api-part/_partition/p1", reply(recorded["8.7"])),
      MockCouch.route("GET", "/api-part/_partition/zz", reply(recorded["8.8"]))
    ))))

  it.effect("on a database that is not partitioned: BadRequest (recording 12.16)", () =>
    Effect.gen(function*() {
      const db = (yield* CouchClient.CouchClient).database("api")
      const error = yield* Effect.flip(Partition.info(Partition.make(db, "p1")))
      expect(error).toMatchObject({ _tag: "BadRequest", error: "bad_request", reason: "database is not partitioned" })
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", "/api/_partition/p1", reply(recorded["12.16"]))))))

  it.effect("a partition name with reserved characters is one escaped segment", () =>
    Effect.gen(function*() {
      yield* Effect.ignore(Partition.info(Database.partition(yield* partitioned, "a/b c")))
      expect((yield* sent).map(([request]) => request)).toEqual(["GET /api-part/_partition/a%2Fb%20c"])
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", /^\/api-part\/_partition\//, reply(recorded["8.8"]))))))
})

describe("Mango queries within a partition", () => {
  it.scoped("find: the documents of the partition, then the bookmark (recording 8.10)", () =>
    Effect.gen(function*() {
      const p1 = Database.partition(yield* partitioned, "p1")
      const feed = yield* Mango.open(p1, { selector: { kind: "x" }, fields: ["_id", "n"] })
      expect(yield* collect(feed.docs)).toEqual([{ _id: "p1:a", n: 1 }])
      expect((yield* feed.meta).bookmark).toEqual(
        Option.some("g1AAAAA7eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYqzFBhaJYLkOGByOUBRRpAUY0VWFgDQBw9F")
      )
      expect(yield* sent).toEqual([["POST /api-part/_partition/p1/_find", recorded["8.10"].request]])
    }).pipe(Effect.provide(Couch(MockCouch.route("POST", "/api-part/_partition/p1/_find", reply(recorded["8.10"]))))))

  it.effect("explain reports the partition (recording 8.11)", () =>
    Effect.gen(function*() {
      const p1 = Database.partition(yield* partitioned, "p1")
      const explained = yield* p1.pipe(Mango.explain({ selector: { kind: "x" }, fields: ["_id", "n"] }))
      expect(explained).toMatchObject({
        dbname: "api-part",
        partitioned: true,
        index: { ddoc: "_design/kind-idx", name: "kind", partitioned: true },
        opts: { partition: "p1", limit: 25 },
        mrargs: { partition: "p1", start_key: ["x"], end_key: ["x", "<MAX>"] }
      })
      expect(yield* sent).toEqual([["POST /api-part/_partition/p1/_explain", recorded["8.11"].request]])
    }).pipe(
      Effect.provide(Couch(MockCouch.route("POST", "/api-part/_partition/p1/_explain", reply(recorded["8.11"]))))
    ))

  it.effect("indexes are created on the database; partitioned by default there (recording 8.6)", () =>
    Effect.gen(function*() {
      const created = yield* Mango.createIndex(yield* partitioned, {
        index: { fields: ["kind"] },
        name: "kind",
        ddoc: "kind-idx"
      })
      expect(created).toEqual({ result: "created", id: "_design/kind-idx", name: "kind" })
      expect(yield* sent).toEqual([["POST /api-part/_index", recorded["8.6"].request]])
    }).pipe(Effect.provide(Couch(MockCouch.route("POST", "/api-part/_index", reply(recorded["8.6"]))))))
})

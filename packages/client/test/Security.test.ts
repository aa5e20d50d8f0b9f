/**
 * `_security` on the exact bytes of CouchDB 3.5.0 (couchdb-3.5-api.md §3.33–3.39), and the
 * read-modify-write helpers against a MockCouch server that keeps the object (and, where a
 * test says so, lets another writer change it at the worst moment).
 */
import { CouchAuth, CouchClient, Security } from "@effect-couchdb/client"
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
  /** 3.33 get security (new db): `GET /api/_security` */
  newDb: reply(200, `{"members":{"roles":["_admin"]},"admins":{"roles":["_admin"]}}\n`),
  /** 3.34 set security: `PUT /api/_security` */
  ok: reply(200, `{"ok":true}\n`),
  /** 3.35 get security after set: `GET /api/_security` */
  afterSet: reply(
    200,
    `{"admins":{"names":[],"roles":["api_admins"]},"members":{"names":["alice"],"roles":["api_readers"]}}\n`
  ),
  /** 3.36 set security as anonymous: `PUT /api/_security` */
  anonymous: reply(401, `{"error":"unauthorized","reason":"You are not authorized to access this db."}\n`),
  /** 3.37 set security as a member who is not a db admin (proxy auth): `PUT /api/_security` */
  member: reply(500, `{"error":"error","reason":"no_majority"}\n`),
  /** 3.39 set security as a non-member (proxy auth): `PUT /api/_security` */
  nonMember: reply(403, `{"error":"forbidden","reason":"You are not allowed to access this db."}\n`)
}

const TestLive = (routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const api = Effect.map(CouchClient.CouchClient, (couch) => couch.database("api"))

/** Each request: its method, and the JSON body of a PUT (parsed: key order is not compared). */
const sent = Effect.map(
  MockCouch.requests,
  (requests) => requests.map((r): unknown => r.body === undefined ? r.method : [r.method, JSON.parse(r.body)])
)

/**
 * A `_security` that keeps what is PUT, as CouchDB does. `afterPut` stands for another writer:
 * it sees each stored object (and the PUT's index) and says what is stored instead.
 */
const securityServer = (
  initial: object,
  afterPut: (written: object, index: number) => object = (written) => written
) => {
  let stored = initial
  let puts = 0
  return [
    MockCouch.route("GET", "/api/_security", () => MockCouch.json(200, stored)),
    MockCouch.route("PUT", "/api/_security", (request) => {
      stored = afterPut(JSON.parse(request.body ?? "null"), puts++)
      return recorded.ok
    })
  ]
}

const newDb = { members: { roles: ["_admin"] }, admins: { roles: ["_admin"] } }

describe("Security.get and Security.put", () => {
  it.effect("a new CouchDB 3 database is admins-only (CouchDB 3.5 recording 3.33)", () =>
    Effect.gen(function*() {
      expect(yield* Security.get(yield* api)).toEqual(newDb)
      expect((yield* MockCouch.requests).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/_security"])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/api/_security", recorded.newDb)]))))

  it.effect("put sends the object as it is, get reads it back (CouchDB 3.5 recordings 3.34, 3.35)", () =>
    Effect.gen(function*() {
      const db = yield* api
      const security = {
        admins: { names: [], roles: ["api_admins"] },
        members: { names: ["alice"], roles: ["api_readers"] }
      }
      expect(yield* db.pipe(Security.put(security))).toEqual({ ok: true })
      expect(yield* Security.get(db)).toEqual(security)
      expect(yield* sent).toEqual([
        ["PUT", {
          "admins": { "names": [], "roles": ["api_admins"] },
          "members": { "names": ["alice"], "roles": ["api_readers"] }
        }],
        "GET"
      ])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("PUT", "/api/_security", recorded.ok),
      MockCouch.route("GET", "/api/_security", recorded.afterSet)
    ]))))

  it.effect("who may not: anonymous 401, a mere member 500 no_majority, a non-member 403 (recordings 3.36, 3.37, 3.39)", () =>
    Effect.gen(function*() {
      const db = yield* api
      const errors = []
      for (let i = 0; i < 3; i++) errors.push(yield* Effect.flip(Security.put(db, { admins: {}, members: {} })))
      expect(errors.map((e) => [e._tag, "error" in e ? e.error : undefined])).toEqual([
        ["Unauthorized", "unauthorized"],
        ["InternalServerError", "error"],
        ["Forbidden", "forbidden"]
      ])
      expect(yield* sent).toEqual(Array(3).fill(["PUT", { admins: {}, members: {} }]))
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "PUT",
        "/api/_security",
        (() => {
          const answers = [recorded.anonymous, recorded.member, recorded.nonMember]
          let n = 0
          return () => answers[n++] ?? recorded.ok
        })()
      )
    ]))))

  it.effect("fields besides admins and members are kept, inside groups too", () =>
    Effect.gen(function*() {
      const db = yield* api
      const security = yield* Security.get(db)
      expect(security).toEqual({ ...newDb, couchdb_auth_only: true, members: { roles: ["_admin"], note: "x" } })
      yield* Security.put(db, security)
      expect(yield* sent).toEqual([
        "GET",
        ["PUT", {
          "members": { "roles": ["_admin"], "note": "x" },
          "admins": { "roles": ["_admin"] },
          "couchdb_auth_only": true
        }]
      ])
    }).pipe(Effect.provide(TestLive(
      securityServer({
        members: { roles: ["_admin"], note: "x" },
        admins: { roles: ["_admin"] },
        couchdb_auth_only: true
      })
    ))))

  it.effect("a value that is not a security object is an InvalidRequest, and nothing is sent", () =>
    Effect.gen(function*() {
      // A caller without types: `names` must be an array.
      const bad: Security.SecurityObject = JSON.parse(`{"members":{"names":"alice"}}`)
      const error = yield* Effect.flip(Security.put(yield* api, bad))
      expect(error).toMatchObject({ _tag: "InvalidRequest", description: expect.stringContaining("members") })
      expect(yield* sent).toEqual([])
    }).pipe(Effect.provide(TestLive(securityServer({})))))
})

describe("Security helpers change only what they are asked to", () => {
  it.effect("addMembers and addAdmins add names and roles once, keeping the rest (recording 3.33's object)", () =>
    Effect.gen(function*() {
      const db = yield* api
      const after = yield* Security.addMembers(db, { names: ["alice", "alice"], roles: ["_admin", "readers"] })
      expect(after).toEqual({
        members: { roles: ["_admin", "readers"], names: ["alice"] },
        admins: { roles: ["_admin"] },
        couchdb_auth_only: true
      })
      yield* db.pipe(Security.addAdmins({ names: ["root"] }))
      expect(yield* sent).toEqual([
        "GET",
        ["PUT", {
          "members": { "roles": ["_admin", "readers"], "names": ["alice"] },
          "admins": { "roles": ["_admin"] },
          "couchdb_auth_only": true
        }],
        "GET",
        "GET",
        ["PUT", {
          "members": { "roles": ["_admin", "readers"], "names": ["alice"] },
          "admins": { "roles": ["_admin"], "names": ["root"] },
          "couchdb_auth_only": true
        }],
        "GET"
      ])
    }).pipe(Effect.provide(TestLive(securityServer({ ...newDb, couchdb_auth_only: true })))))

  it.effect("removeMembers and removeAdmins remove names and roles, keeping the rest", () =>
    Effect.gen(function*() {
      const db = yield* api
      yield* Security.removeMembers(db, { names: ["bob"], roles: ["readers"] })
      const after = yield* Security.removeAdmins(db, { roles: ["_admin"] })
      expect(after).toEqual({ members: { names: ["alice"], roles: [] }, admins: { names: ["root"], roles: [] } })
    }).pipe(Effect.provide(TestLive(securityServer({
      members: { names: ["alice", "bob"], roles: ["readers"] },
      admins: { names: ["root"], roles: ["_admin"] }
    })))))

  it.effect("a change that changes nothing sends no PUT: adding what is there, removing from a group that is not", () =>
    Effect.gen(function*() {
      const db = yield* api
      yield* Security.addMembers(db, { roles: ["_admin"] })
      yield* Security.removeMembers(db, { names: ["alice"] })
      yield* Security.addAdmins(db, {})
      yield* Security.update(db, (security) => ({ ...security }))
      expect(yield* sent).toEqual(["GET", "GET", "GET", "GET"])
    }).pipe(Effect.provide(TestLive(securityServer({ members: { roles: ["_admin"] } })))))
})

describe("Security.update and concurrent writers (no revision: detected by reading back)", () => {
  const bobAdmin = (security: object) => ({ ...security, admins: { roles: ["_admin"], names: ["bob"] } })

  it.effect("a write that lands after ours undoes it: f is applied again to that object and written", () =>
    Effect.gen(function*() {
      const after = yield* Security.addMembers(yield* api, { names: ["alice"] })
      // Both changes survive: bob's admin rights and alice's membership.
      expect(after).toEqual({
        members: { roles: ["_admin"], names: ["alice"] },
        admins: { roles: ["_admin"], names: ["bob"] }
      })
      expect(yield* sent).toEqual([
        "GET",
        ["PUT", { "members": { "roles": ["_admin"], "names": ["alice"] }, "admins": { "roles": ["_admin"] } }],
        "GET",
        ["PUT", {
          "members": { "roles": ["_admin"], "names": ["alice"] },
          "admins": { "roles": ["_admin"], "names": ["bob"] }
        }],
        "GET"
      ])
    }).pipe(Effect.provide(TestLive(
      // Another writer read the object before our PUT and writes its change (bob) right after it.
      securityServer(newDb, (written, index) => index === 0 ? bobAdmin(newDb) : written)
    ))))

  it.effect("when the other writer's object already holds our change, nothing is written again", () =>
    Effect.gen(function*() {
      yield* Security.addMembers(yield* api, { names: ["alice"] })
      expect(yield* sent).toHaveLength(3)
    }).pipe(Effect.provide(TestLive(securityServer(newDb, (written) => bobAdmin(written))))))

  it.effect("an object changed after every write fails with Conflict after 5 writes", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Security.addMembers(yield* api, { names: ["alice"] }))
      expect(error).toMatchObject({
        _tag: "Conflict",
        method: "PUT",
        url: "http://couch.test:5984/api/_security",
        reason: expect.stringContaining("detected by the client")
      })
      const requests = yield* sent
      expect(requests.filter((r) => r !== "GET")).toHaveLength(5)
      expect(requests).toHaveLength(11)
    }).pipe(Effect.provide(TestLive(securityServer(newDb, () => newDb)))))
})

import { CouchAuth, CouchClient, Users } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { inspect } from "node:util"
import { recordings, reply, requestBody } from "./recordings.js"
import { recordingSpans } from "./tracing.js"

const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

/** A JSON reply with the exact body bytes of a recording. */
const recorded = (status: number, body: string) => MockCouch.raw(status, body, { "content-type": "application/json" })

const couch = CouchClient.CouchClient
const alicePath = "/_users/org.couchdb.user%3Aalice"

const alice9_3 = recordings["9.3"].body
const conflict = recorded(409, `{"error":"conflict","reason":"Document update conflict."}\n`)

const bodyOf = (request: MockCouch.RecordedRequest | undefined): unknown => JSON.parse(request?.body ?? "null")

describe("Users.create (CouchDB 3.5 recordings 9.2, 9.6)", () => {
  it.effect("PUTs name, password, roles and type \"user\" at org.couchdb.user:{name} (9.2)", () =>
    Effect.gen(function*() {
      const result = yield* Users.create(yield* couch, {
        name: "alice",
        password: Redacted.make("apple123"),
        roles: ["api_readers"]
      })
      expect(result).toEqual({ ok: true, id: "org.couchdb.user:alice", rev: "10-3047865a54cbea5f926ab446445f1bbf" })
      const [request] = yield* MockCouch.requests
      expect(request?.method).toBe("PUT")
      expect(request?.path).toBe(alicePath)
      expect(bodyOf(request)).toEqual(requestBody("9.2"))
    }).pipe(Effect.provide(Couch(MockCouch.route("PUT", alicePath, reply("9.2"))))))

  it.effect("piped, with the id prefix given, without roles, in another authentication database", () =>
    Effect.gen(function*() {
      const db = (yield* couch).database("my_users")
      yield* db.pipe(Users.create({ name: "org.couchdb.user:bob", password: Redacted.make("pw") }))
      const [request] = yield* MockCouch.requests
      expect(request?.path).toBe("/my_users/org.couchdb.user%3Abob")
      expect(bodyOf(request)).toEqual({ name: "bob", password: "pw", roles: [], type: "user" })
    }).pipe(Effect.provide(Couch(MockCouch.route("PUT", /^\/my_users\//, reply("9.2"))))))

  it.effect("the server's refusal is Forbidden with its reason (9.6); an existing user is Conflict", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const mismatch = yield* Effect.flip(Users.create(client, { name: "bob", password: Redacted.make("x") }))
      expect(mismatch).toMatchObject({ _tag: "Forbidden", reason: "Doc ID must be of the form org.couchdb.user:name" })
      const exists = yield* Effect.flip(Users.create(client, { name: "carol", password: Redacted.make("x") }))
      expect(exists._tag).toBe("Conflict")
    }).pipe(Effect.provide(Couch(
      MockCouch.route(
        "PUT",
        "/_users/org.couchdb.user%3Abob",
        reply("9.6")
      ),
      MockCouch.route("PUT", "/_users/org.couchdb.user%3Acarol", conflict)
    ))))

  it.effect("an empty name is an InvalidRequest and nothing is sent", () =>
    Effect.gen(function*() {
      const client = yield* couch
      for (const name of ["", "org.couchdb.user:"]) {
        const error = yield* Effect.flip(Users.create(client, { name, password: Redacted.make("x") }))
        expect(error).toMatchObject({ _tag: "InvalidRequest", description: "Users.create: the user name is empty" })
      }
      expect(yield* Effect.flip(Users.get(client, ""))).toMatchObject({ _tag: "InvalidRequest" })
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(Couch())))
})

describe("Users.get (CouchDB 3.5 recordings 9.3, 9.4)", () => {
  it.effect("decodes the derived fields; no password is ever there (9.3)", () =>
    Effect.gen(function*() {
      const user = yield* Users.get(yield* couch, "alice")
      expect(user).toEqual({
        _id: "org.couchdb.user:alice",
        _rev: "10-3047865a54cbea5f926ab446445f1bbf",
        name: "alice",
        roles: ["api_readers"],
        type: "user",
        password_scheme: "pbkdf2",
        pbkdf2_prf: "sha256",
        salt: "af7b79f0662eaa31c1459f64d1e64c02",
        iterations: 600000,
        derived_key: "2528530529511b60bc1473f32110e352358cc7950d70a80ac00956c6fe921710"
      })
      expect(Object.keys(user)).not.toContain("password")
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", alicePath, reply("9.3"))))))

  it.effect("a non-admin reading the user is Forbidden (9.4), a missing one NotFound", () =>
    Effect.gen(function*() {
      const client = yield* couch
      expect(yield* Effect.flip(Users.get(client, "alice"))).toMatchObject({
        _tag: "Forbidden",
        reason: "You are not allowed to access this db."
      })
      expect((yield* Effect.flip(Users.get(client, "nobody")))._tag).toBe("NotFound")
    }).pipe(Effect.provide(Couch(
      MockCouch.route(
        "GET",
        alicePath,
        reply("9.4")
      ),
      MockCouch.route("GET", "/_users/org.couchdb.user%3Anobody", recorded(404, `{"error":"not_found"}\n`))
    ))))
})

/** A user document route answering GETs with `docs` in turn (the last one repeats). */
const userDoc = (docs: ReadonlyArray<object>) => {
  let reads = 0
  return MockCouch.route("GET", alicePath, () => MockCouch.json(200, docs[Math.min(reads++, docs.length - 1)]))
}

/** A PUT route answering with `replies` in turn (the last one repeats). */
const writes = (method: string, replies: ReadonlyArray<MockCouch.Reply>) => {
  let n = 0
  return MockCouch.route(method, alicePath, () => replies[Math.min(n++, replies.length - 1)] ?? conflict)
}

const only = (requests: ReadonlyArray<MockCouch.RecordedRequest>, method: string) =>
  requests.filter((r) => r.method === method)

describe("Users.setPassword and setRoles: read, change, write back with the revision (recordings 9.3, 9.8)", () => {
  it.effect("setPassword drops the derived fields and sends the new password with _rev (9.3 then 9.8)", () =>
    Effect.gen(function*() {
      const result = yield* Users.setPassword(yield* couch, "alice", Redacted.make("banana456"))
      expect(result.rev).toBe("11-c646048eaf58928c1125ac148df50026")
      const [put] = only(yield* MockCouch.requests, "PUT")
      expect(bodyOf(put)).toEqual({
        _id: "org.couchdb.user:alice",
        _rev: "10-3047865a54cbea5f926ab446445f1bbf",
        name: "alice",
        roles: ["api_readers"],
        type: "user",
        password: "banana456"
      })
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", alicePath, reply("9.3")),
      MockCouch.route("PUT", alicePath, reply("9.8"))
    ))))

  it.effect("setRoles replaces the roles and keeps every other field", () =>
    Effect.gen(function*() {
      yield* (yield* couch).pipe(Users.setRoles("alice", ["editors", "readers"]))
      const [put] = only(yield* MockCouch.requests, "PUT")
      expect(bodyOf(put)).toEqual({ ...JSON.parse(alice9_3), email: "a@example.com", roles: ["editors", "readers"] })
    }).pipe(Effect.provide(Couch(
      userDoc([{ ...JSON.parse(alice9_3), email: "a@example.com" }]),
      MockCouch.route("PUT", alicePath, reply("9.8"))
    ))))

  it.effect("on Conflict, reads again and writes with the fresh revision", () =>
    Effect.gen(function*() {
      yield* Users.setRoles(yield* couch, "alice", ["x"])
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => r.method)).toEqual(["GET", "PUT", "GET", "PUT"])
      expect(only(requests, "PUT").map((r) => (bodyOf(r) as { _rev: string })._rev)).toEqual(["1-a", "2-b"])
    }).pipe(Effect.provide(Couch(
      userDoc([{ _id: "org.couchdb.user:alice", _rev: "1-a" }, { _id: "org.couchdb.user:alice", _rev: "2-b" }]),
      writes("PUT", [conflict, reply("9.8")])
    ))))

  it.effect("after `retries` conflicts the Conflict is the result", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Users.setPassword(yield* couch, "alice", Redacted.make("p"), { retries: 2 }))
      expect(error._tag).toBe("Conflict")
      expect(only(yield* MockCouch.requests, "PUT")).toHaveLength(3)
    }).pipe(
      Effect.provide(Couch(userDoc([{ _id: "org.couchdb.user:alice", _rev: "1-a" }]), writes("PUT", [conflict])))
    ))

  it.effect("other failures are not retried (the refusal of recording 9.7)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Users.setRoles(yield* couch, "alice", []))
      expect(error._tag).toBe("Forbidden")
      expect(yield* MockCouch.requests).toHaveLength(2)
    }).pipe(Effect.provide(Couch(
      userDoc([{ _id: "org.couchdb.user:alice", _rev: "1-a" }]),
      writes("PUT", [reply("9.7")])
    ))))
})

describe("Users.remove (CouchDB 3.5 recording 9.14)", () => {
  it.effect("deletes the current revision, read first", () =>
    Effect.gen(function*() {
      const result = yield* Users.remove(yield* couch, "alice")
      expect(result.rev).toBe("12-397d163913f1e6697e6827608f93b27a")
      const [, del] = yield* MockCouch.requests
      expect(del?.method).toBe("DELETE")
      expect(del?.url.search).toBe("?rev=11-c646048eaf58928c1125ac148df50026")
    }).pipe(Effect.provide(Couch(
      userDoc([{ ...JSON.parse(alice9_3), _rev: "11-c646048eaf58928c1125ac148df50026" }]),
      MockCouch.route("DELETE", alicePath, reply("9.14"))
    ))))

  it.effect("with a revision, deletes that one without reading", () =>
    Effect.gen(function*() {
      yield* Users.remove(yield* couch, "alice", { rev: "11-c646048eaf58928c1125ac148df50026" })
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => [r.method, r.url.search])).toEqual([
        ["DELETE", "?rev=11-c646048eaf58928c1125ac148df50026"]
      ])
    }).pipe(Effect.provide(Couch(MockCouch.route("DELETE", alicePath, reply("9.14"))))))
})

describe("the password never appears in errors, spans, logs or toString", () => {
  const secret = "s3cret-Pa55word"
  const failing = Couch(
    MockCouch.route("PUT", "/_users/org.couchdb.user%3Aconflict", conflict),
    MockCouch.route(
      "PUT",
      "/_users/org.couchdb.user%3Abroken",
      recorded(500, `{"error":"unknown_error","reason":"function_clause"}\n`)
    ),
    MockCouch.route("PUT", "/_users/org.couchdb.user%3Adown", MockCouch.transportFailure("ECONNRESET")),
    MockCouch.route("GET", "/_users/org.couchdb.user%3Aalice", MockCouch.json(200, JSON.parse(alice9_3))),
    MockCouch.route("PUT", alicePath, conflict)
  )

  it.effect("through every failure of create and setPassword", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const password = Redacted.make(secret)
      const lines: Array<string> = []
      const logger = Logger.make((options) => lines.push(Logger.logfmtLogger.log(options)))

      const attempts = Effect.gen(function*() {
        const errors = []
        for (const name of ["conflict", "broken", "down"]) {
          const user: Users.NewUser = { name, password, roles: ["r"] }
          yield* Effect.logDebug("creating", user)
          errors.push(yield* Effect.flip(Users.create(client, user)))
        }
        errors.push(yield* Effect.flip(Users.setPassword(client, "alice", password, { retries: 1 })))
        return errors
      }).pipe(
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.All)
      )
      const { result, spans } = yield* recordingSpans(attempts)
      if (result._tag !== "Success") return expect.unreachable("the failures were collected")
      const errors = result.value
      expect(errors.map((e) => e._tag)).toEqual(["Conflict", "InternalServerError", "TransportError", "Conflict"])

      const renderings = [
        ...errors.flatMap((
          e
        ) => [JSON.stringify(e), String(e), e.message, inspect(e, { depth: 10 }), Cause.pretty(Cause.fail(e))]),
        ...spans.map((s) => JSON.stringify({ name: s.name, attributes: [...s.attributes], events: s.recordedEvents })),
        ...lines,
        String(password),
        JSON.stringify({ name: "x", password }),
        inspect({ name: "x", password })
      ]
      expect(spans).toHaveLength(7)
      expect(lines.length).toBe(3)
      for (const rendering of renderings) expect(rendering).not.toContain(secret)

      // It was sent, in the bodies only: its absence above means something.
      const requests = yield* MockCouch.requests
      expect(requests.filter((r) => r.body?.includes(secret))).toHaveLength(5)
      for (const request of requests) {
        expect(JSON.stringify(request.headers)).not.toContain(secret)
        expect(request.url.href).not.toContain(secret)
      }
    }).pipe(Effect.provide(failing)))
})

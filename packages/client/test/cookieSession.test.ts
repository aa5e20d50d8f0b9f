import { CouchAuth, CouchClient } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Layer, Redacted, Schema, TestClock } from "effect"

const BASE = "http://couch.test:5984"
const credentials = { username: "alice", password: Redacted.make("cookie-Pa55word") }

/**
 * A server that behaves as CouchDB 3.5 does with `[chttpd_auth] timeout = 60` (recordings
 * 2.3–2.5): each login hands out a cookie stamped with the login time; `GET /_session`
 * answers for the cookie's user while it is fresh and — like every endpoint anonymous users
 * may read — silently as anonymous once it has expired, with no 401.
 */
const sessionServer = (cookieAttributes: (loginAt: number) => string) => {
  let logins = 0
  const issued = new Map<string, number>()
  const cookieOf = (request: MockCouch.RecordedRequest) =>
    request.headers["cookie"]?.split(/;\s*/).find((p) => p.startsWith("AuthSession="))?.slice(12)
  return [
    MockCouch.route("POST", "/_session", () =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const value = `alice-${++logins}`
        issued.set(value, now)
        return MockCouch.json(200, { ok: true, name: "alice", roles: [] }, {
          "set-cookie": `AuthSession=${value}; Version=1; ${cookieAttributes(now)}Path=/; HttpOnly`
        })
      })),
    MockCouch.route("GET", "/_session", (request) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        const cookie = cookieOf(request)
        const at = cookie === undefined ? undefined : issued.get(cookie)
        const fresh = at !== undefined && now - at < 60_000
        return MockCouch.json(200, { ok: true, userCtx: { name: fresh ? "alice" : null, roles: [] } })
      }))
  ]
}

const withMaxAge = (loginAt: number) =>
  `Expires=${new Date(loginAt + 60_000).toUTCString().replace(/ (\d\d) (\w\w\w) /, " $1-$2-")}; Max-Age=60; `

const TestLive = (routes: ReadonlyArray<MockCouch.Route>) =>
  CouchClient.layerWithoutAuth({ url: BASE }).pipe(Layer.provideMerge(MockCouch.layer(routes)))

const whoAmI = Effect.flatMap(
  CouchClient.CouchClient,
  (couch) =>
    couch.resource("_session").getJson(
      Schema.Struct({ userCtx: Schema.Struct({ name: Schema.NullOr(Schema.String) }) })
    )
).pipe(Effect.map((session) => session.userCtx.name))

const loginsSent = Effect.map(MockCouch.requests, (requests) => requests.filter((r) => r.method === "POST").length)

/** `GET /db`, whose second answer refreshes the session cookie (as CouchDB does after 10% of the timeout). */
const refreshOnSecondGet = () => {
  let gets = 0
  return MockCouch.route("GET", "/db", () =>
    ++gets === 2
      ? MockCouch.json(200, { ok: true }, { "set-cookie": "AuthSession=refreshed; Max-Age=60; Path=/; HttpOnly" })
      : MockCouch.json(200, { ok: true }))
}

describe("cookie sessions never turn anonymous", () => {
  it.effect("after a pause longer than the session's Max-Age, logs in again before the request", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      expect(yield* whoAmI.pipe(CouchAuth.withProvider(provider))).toBe("alice")
      yield* TestClock.adjust("75 seconds")
      expect(yield* whoAmI.pipe(CouchAuth.withProvider(provider))).toBe("alice")
      expect(yield* loginsSent).toBe(2)
    }).pipe(Effect.provide(TestLive(sessionServer(withMaxAge)))))

  it.effect("renews shortly before the expiry, not on every request", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      for (let second = 0; second < 50; second += 10) {
        expect(yield* whoAmI.pipe(CouchAuth.withProvider(provider))).toBe("alice")
        yield* TestClock.adjust("10 seconds")
      }
      expect(yield* loginsSent).toBe(1)
      // 50 s in: less than a tenth of the 60 s lifetime left after 4 more seconds.
      yield* TestClock.adjust("5 seconds")
      expect(yield* whoAmI.pipe(CouchAuth.withProvider(provider))).toBe("alice")
      expect(yield* loginsSent).toBe(2)
    }).pipe(Effect.provide(TestLive(sessionServer(withMaxAge)))))

  it.effect("without Max-Age or Expires, the sessionTimeout option sets the lifetime", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie({ ...credentials, sessionTimeout: "60 seconds" })
      expect(yield* whoAmI.pipe(CouchAuth.withProvider(provider))).toBe("alice")
      yield* TestClock.adjust("75 seconds")
      expect(yield* whoAmI.pipe(CouchAuth.withProvider(provider))).toBe("alice")
      expect(yield* loginsSent).toBe(2)
    }).pipe(Effect.provide(TestLive(sessionServer(() => "")))))

  it.effect("a refreshed cookie from any response extends the session", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      yield* Effect.flatMap(CouchClient.CouchClient, (couch) => couch.resource("db").get()).pipe(
        CouchAuth.withProvider(provider)
      )
      yield* TestClock.adjust("40 seconds")
      // This response refreshes the cookie.
      yield* Effect.flatMap(CouchClient.CouchClient, (couch) => couch.resource("db").get()).pipe(
        CouchAuth.withProvider(provider)
      )
      yield* TestClock.adjust("40 seconds")
      yield* Effect.flatMap(CouchClient.CouchClient, (couch) => couch.resource("db").get()).pipe(
        CouchAuth.withProvider(provider)
      )
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.path} ${r.headers["cookie"] ?? ""}`)).toEqual([
        "POST /_session ",
        "GET /db AuthSession=alice-1",
        "GET /db AuthSession=alice-1",
        "GET /db AuthSession=refreshed"
      ])
    }).pipe(Effect.provide(TestLive([...sessionServer(withMaxAge), refreshOnSecondGet()]))))
})

describe("JWT tokens are fetched again before their exp claim", () => {
  const jwtWith = (exp: number) =>
    `${Buffer.from("{\"alg\":\"HS256\"}").toString("base64url")}.${
      Buffer.from(JSON.stringify({ sub: "u", exp })).toString("base64url")
    }.signature`

  it.effect("a token near its expiry is replaced before it is sent", () =>
    Effect.gen(function*() {
      let fetched = 0
      const token = Effect.map(Clock.currentTimeMillis, (now) => {
        fetched++
        return Redacted.make(jwtWith(Math.floor(now / 1000) + 300))
      })
      const provider = yield* CouchAuth.jwt(token)
      const get = Effect.flatMap(CouchClient.CouchClient, (couch) => couch.resource("db").get()).pipe(
        CouchAuth.withProvider(provider)
      )
      yield* get
      yield* TestClock.adjust("200 seconds")
      yield* get
      expect(fetched).toBe(1)
      yield* TestClock.adjust("80 seconds")
      yield* get
      expect(fetched).toBe(2)
      const sent = (yield* MockCouch.requests).map((r) => r.headers["authorization"])
      expect(new Set(sent).size).toBe(2)
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/db", MockCouch.json(200, { ok: true }))]))))
})

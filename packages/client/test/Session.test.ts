/**
 * Sessions on the exact bytes of CouchDB 3.5.0 (couchdb-3.5-api.md §2), served by MockCouch:
 * what each call sends, the provider a login returns, and that the password stays secret.
 */
import { CouchAuth, CouchClient, Session } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Layer, Logger, LogLevel, Redacted, TestClock } from "effect"
import { inspect } from "node:util"
import { recordingSpans } from "./tracing.js"

const couch35 = {
  "cache-control": "must-revalidate",
  "content-type": "application/json",
  server: "CouchDB/3.5.0 (Erlang OTP/25)"
}
const cookie35 =
  "AuthSession=YWRtaW46NkIwRTA4MUE6dinLMqP6TyfFQxhM24z7kvaMsnaJcLXCiePqxSy1zsM; Version=1; Expires=Mon, 30-Nov-2026 23:35:50 GMT; Max-Age=60; Path=/; HttpOnly"
const cleared35 = "AuthSession=; Version=1; Expires=Mon, 30-Nov-2026 23:35:50 GMT; Max-Age=60; Path=/; HttpOnly"
const sessionValue = "YWRtaW46NkIwRTA4MUE6dinLMqP6TyfFQxhM24z7kvaMsnaJcLXCiePqxSy1zsM"

const recorded = {
  /** 2.1 anonymous: `GET /_session` */
  anonymous: MockCouch.raw(
    200,
    `{"ok":true,"userCtx":{"name":null,"roles":[]},"info":{"authentication_handlers":["proxy","jwt","cookie","default"]}}\n`,
    couch35
  ),
  /** 2.2 basic auth admin: `GET /_session` */
  basic: MockCouch.raw(
    200,
    `{"ok":true,"userCtx":{"name":"admin","roles":["_admin"]},"info":{"authentication_handlers":["proxy","jwt","cookie","default"],"authenticated":"default"}}\n`,
    couch35
  ),
  /** 2.3 login with JSON credentials: `POST /_session` */
  login: MockCouch.raw(200, `{"ok":true,"name":"admin","roles":["_admin"]}\n`, { ...couch35, "set-cookie": cookie35 }),
  /** 2.4 session via cookie: `GET /_session` */
  cookie: MockCouch.raw(
    200,
    `{"ok":true,"userCtx":{"name":"admin","roles":["_admin"]},"info":{"authentication_handlers":["proxy","jwt","cookie","default"],"authenticated":"cookie"}}\n`,
    couch35
  ),
  /** 2.6 login with wrong password: `POST /_session` */
  wrongPassword: MockCouch.raw(401, `{"error":"unauthorized","reason":"Name or password is incorrect."}\n`, {
    ...couch35,
    "set-cookie": cleared35
  }),
  /** 2.7 logout: `DELETE /_session` */
  logout: MockCouch.raw(200, `{"ok":true}\n`, { ...couch35, "set-cookie": cleared35 }),
  /** 2.8 basic auth with wrong password on GET /_session: `GET /_session` */
  basicWrong: MockCouch.raw(401, `{"error":"unauthorized","reason":"Name or password is incorrect."}\n`, {
    ...couch35,
    "x-couch-request-id": "2c9ebb88ba",
    "x-couchdb-body-time": "0"
  })
}

const TestLive = (routes: ReadonlyArray<MockCouch.Route>, auth = CouchAuth.layerNone, httpSpans = false) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984", httpSpans }), auth).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const couch = CouchClient.CouchClient
const password = Redacted.make("secret")
const admin = { name: "admin", password }

/** Each request as `METHOD path cookie=… authorization=… body`. */
const sent = Effect.map(MockCouch.requests, (requests) =>
  requests.map((r) =>
    [
      `${r.method} ${r.url.pathname}${r.url.search}`,
      r.headers["cookie"] !== undefined ? `cookie=${r.headers["cookie"]}` : "",
      r.headers["authorization"] !== undefined ? `authorization=${r.headers["authorization"]}` : "",
      r.body ?? ""
    ].filter((part) => part !== "").join(" ")
  ))

describe("Session.get", () => {
  it.effect("anonymous: name null, no authenticated handler (CouchDB 3.5 recording 2.1)", () =>
    Effect.gen(function*() {
      const session = yield* Session.get(yield* couch)
      expect(session.userCtx).toEqual({ name: null, roles: [] })
      expect(session.info).toEqual({ authentication_handlers: ["proxy", "jwt", "cookie", "default"] })
      expect(yield* sent).toEqual(["GET /_session"])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_session", recorded.anonymous)]))))

  it.effect("with the ambient basic auth; basic=true reaches the server (CouchDB 3.5 recording 2.2)", () =>
    Effect.gen(function*() {
      const session = yield* (yield* couch).pipe(Session.get({ basic: true }))
      expect(session.userCtx).toEqual({ name: "admin", roles: ["_admin"] })
      expect(session.info.authenticated).toBe("default")
      expect(yield* sent).toEqual(["GET /_session?basic=true authorization=Basic YWRtaW46c2VjcmV0"])
    }).pipe(Effect.provide(TestLive(
      [MockCouch.route("GET", "/_session", recorded.basic)],
      CouchAuth.layerBasic({ username: "admin", password })
    ))))

  it.effect("wrong basic credentials are Unauthorized (CouchDB 3.5 recording 2.8)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Session.get(yield* couch))
      expect(error).toMatchObject({ _tag: "Unauthorized", reason: "Name or password is incorrect." })
    }).pipe(Effect.provide(TestLive(
      [MockCouch.route("GET", "/_session", recorded.basicWrong)],
      CouchAuth.layerBasic({ username: "admin", password: Redacted.make("wrong") })
    ))))
})

describe("Session.login", () => {
  it.effect("sends CouchDB's JSON body without the ambient credentials, returns a provider holding the session (recordings 2.3, 2.4)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const login = yield* Session.login(client, admin)
      expect({ ok: login.ok, name: login.name, roles: login.roles }).toEqual({
        ok: true,
        name: "admin",
        roles: ["_admin"]
      })
      expect(login.provider.name).toBe("cookie")
      const session = yield* Session.get(client).pipe(CouchAuth.withProvider(login.provider))
      expect(session.info.authenticated).toBe("cookie")
      // One login: the provider's first request sends the cookie the login got.
      expect(yield* sent).toEqual([
        `POST /_session {"name":"admin","password":"secret"}`,
        `GET /_session cookie=AuthSession=${sessionValue}`
      ])
    }).pipe(Effect.provide(TestLive(
      [MockCouch.route("POST", "/_session", recorded.login), MockCouch.route("GET", "/_session", recorded.cookie)],
      CouchAuth.layerBasic({ username: "someone-else", password: Redacted.make("other") })
    ))))

  it.effect("the provider keeps the cookie's Max-Age and logs in again with the same credentials after it (recording 2.3)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const login = yield* client.pipe(Session.login(admin))
      const whoAmI = Session.get(client).pipe(CouchAuth.withProvider(login.provider))
      yield* TestClock.adjust("50 seconds")
      yield* whoAmI
      // Max-Age=60: less than a tenth of it left, so the provider renews before sending.
      yield* TestClock.adjust("5 seconds")
      yield* whoAmI
      expect(yield* sent).toEqual([
        `POST /_session {"name":"admin","password":"secret"}`,
        `GET /_session cookie=AuthSession=${sessionValue}`,
        `POST /_session {"name":"admin","password":"secret"}`,
        `GET /_session cookie=AuthSession=${sessionValue}`
      ])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("POST", "/_session", recorded.login),
      MockCouch.route("GET", "/_session", recorded.cookie)
    ]))))

  it.effect("does not touch the session of an ambient cookie provider", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const whoAmI = Session.get(client)
      yield* whoAmI
      yield* Session.login(client, admin)
      yield* whoAmI
      expect(yield* sent).toEqual([
        `POST /_session {"name":"bob","password":"bob-pw"}`,
        "GET /_session cookie=AuthSession=bob-session",
        `POST /_session {"name":"admin","password":"secret"}`,
        "GET /_session cookie=AuthSession=bob-session"
      ])
    }).pipe(Effect.provide(TestLive(
      [
        MockCouch.route("POST", "/_session", (request) =>
          request.body?.includes("bob") === true
            ? MockCouch.json(200, { ok: true, name: "bob", roles: [] }, {
              "set-cookie": "AuthSession=bob-session; Max-Age=600; Path=/; HttpOnly"
            })
            : recorded.login),
        MockCouch.route("GET", "/_session", recorded.cookie)
      ],
      CouchAuth.layerCookie({ username: "bob", password: Redacted.make("bob-pw") })
    ))))

  it.effect("an answer without an AuthSession cookie is an InvalidRequest; an empty name is refused before I/O", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const noCookie = yield* Effect.flip(Session.login(client, admin))
      expect(noCookie).toMatchObject({ _tag: "InvalidRequest", description: expect.stringContaining("AuthSession") })
      const empty = yield* Effect.flip(Session.login(client, { name: "", password }))
      expect(empty._tag).toBe("InvalidRequest")
      expect(yield* MockCouch.requests).toHaveLength(1)
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("POST", "/_session", MockCouch.json(200, { ok: true, name: "admin", roles: ["_admin"] }))
    ]))))
})

describe("the password stays secret", () => {
  const secret = "Pa55-never-shown"
  it.effect.each([false, true])(
    "not in errors, spans, logs or the provider (httpSpans: %s; recordings 2.3, 2.6)",
    (httpSpans) =>
      Effect.gen(function*() {
        const client = yield* couch
        const logs: Array<string> = []
        const capture = Logger.replace(
          Logger.defaultLogger,
          Logger.make(({ annotations, message }) => logs.push(inspect({ message, annotations: [...annotations] })))
        )
        const { result, spans } = yield* recordingSpans(
          Effect.gen(function*() {
            const login = yield* Session.login(client, { name: "admin", password: Redacted.make(secret) })
            yield* TestClock.adjust("2 minutes")
            // The session expired: the provider logs in again with the password it keeps.
            yield* Session.get(client).pipe(CouchAuth.withProvider(login.provider))
            const failed = yield* Effect.flip(Session.login(client, { name: "wrong", password: Redacted.make(secret) }))
            return { login, failed }
          }).pipe(Effect.provide(capture), Logger.withMinimumLogLevel(LogLevel.All))
        )
        if (!Exit.isSuccess(result)) return expect.unreachable(Cause.pretty(result.cause))
        const { failed, login } = result.value
        // It was sent, three times, so its absence below means something.
        const bodies = (yield* MockCouch.requests).map((r) => r.body ?? "")
        expect(bodies.filter((body) => body.includes(secret))).toHaveLength(3)
        expect(failed._tag).toBe("Unauthorized")
        expect(spans.length).toBeGreaterThanOrEqual(4)
        expect(logs.length).toBeGreaterThan(0)
        const renderings = [
          String(failed),
          failed.message,
          JSON.stringify(failed),
          inspect(failed, { depth: 10 }),
          String(login.provider),
          JSON.stringify(login),
          inspect(login, { depth: 10, showHidden: true }),
          // What a tracer exports: name, attributes, events, and the failure of a failed span. (With
          // `httpSpans`, the platform's own span also keeps the request object as its exit value.)
          ...spans.map((span) =>
            inspect({
              name: span.name,
              attributes: [...span.attributes],
              events: "events" in span ? span.events : [],
              failure: span.status._tag === "Ended" && Exit.isFailure(span.status.exit)
                ? Cause.pretty(span.status.exit.cause)
                : undefined
            }, { depth: 10 })
          ),
          ...logs
        ]
        for (const rendering of renderings) expect(rendering).not.toContain(secret)
      }).pipe(Effect.provide(TestLive(
        [
          MockCouch.route(
            "POST",
            "/_session",
            (request) => request.body?.includes("wrong") === true ? recorded.wrongPassword : recorded.login
          ),
          MockCouch.route("GET", "/_session", recorded.cookie)
        ],
        CouchAuth.layerNone,
        httpSpans
      )))
  )
})

describe("Session.logout", () => {
  it.effect("DELETE /_session with the provider's cookie; the provider drops it (CouchDB 3.5 recording 2.7)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const login = yield* Session.login(client, admin)
      yield* Session.logout(client).pipe(CouchAuth.withProvider(login.provider))
      // The cleared cookie was taken: the next request logs in again instead of sending the old one.
      yield* Session.get(client).pipe(CouchAuth.withProvider(login.provider))
      expect(yield* sent).toEqual([
        `POST /_session {"name":"admin","password":"secret"}`,
        `DELETE /_session cookie=AuthSession=${sessionValue}`,
        `POST /_session {"name":"admin","password":"secret"}`,
        `GET /_session cookie=AuthSession=${sessionValue}`
      ])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("POST", "/_session", recorded.login),
      MockCouch.route("DELETE", "/_session", recorded.logout),
      MockCouch.route("GET", "/_session", recorded.cookie)
    ]))))
})

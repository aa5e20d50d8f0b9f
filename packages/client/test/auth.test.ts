import { CouchAuth, CouchClient, CouchError } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import { describe, expect, it } from "@effect/vitest"
import { Cause, type Context, Effect, type Exit, Layer, Option, Redacted, Stream, Tracer } from "effect"
import { createHmac, randomBytes } from "node:crypto"
import { inspect } from "node:util"

const BASE = "http://couch.test:5984"
const OTHER = "http://other.test:5984"

const ok = MockCouch.json(200, { ok: true })

/** The client at `BASE` over a mock server answering `routes`, with the mock's recorder. */
const mockLayer = (
  routes: ReadonlyArray<MockCouch.Route>,
  options: Omit<CouchClient.Options, "url"> & { readonly url?: string } = {}
) => CouchClient.layer({ url: BASE, ...options }).pipe(Layer.provideMerge(MockCouch.layer(routes)))

const setCookie = (value: string) => ({ "set-cookie": `AuthSession=${value}; Version=1; Path=/; HttpOnly` })

/** A `POST /_session` route that hands out `AuthSession=<prefix>1`, `<prefix>2`, … */
const loginRoute = (prefix = "session-") => {
  let logins = 0
  return MockCouch.route("POST", "/_session", () => {
    logins++
    return MockCouch.json(200, { ok: true, name: "alice", roles: [] }, setCookie(`${prefix}${logins}`))
  })
}

/**
 * `GET /db` answering 401 to its first five requests and 200 after that, so a client that
 * replays more than once ends with a success instead of hanging the test.
 */
const unauthorizedGetDb = () => {
  let gets = 0
  return MockCouch.route(
    "GET",
    "/db",
    () => ++gets <= 5 ? MockCouch.json(401, { error: "unauthorized", reason: "You are not authorized" }) : ok
  )
}

const db = Effect.map(CouchClient.CouchClient, (couch) => couch.resource("db"))
const getDb = Effect.flatMap(db, (r) => r.get())

const only = (requests: ReadonlyArray<MockCouch.RecordedRequest>, method: string, path: string) =>
  requests.filter((r) => r.method === method && r.path === path)

const authSession = (request: MockCouch.RecordedRequest | undefined): string | undefined => {
  const header = request?.headers["cookie"]
  if (header === undefined) return undefined
  const part = header.split(/;\s*/).find((p) => p.startsWith("AuthSession="))
  return part?.slice("AuthSession=".length)
}

/** Asserts that no rendering of `error` holds any of `secrets`. */
const expectNoSecrets = (error: CouchError.CouchError, secrets: ReadonlyArray<string>) => {
  const renderings = [JSON.stringify(error), String(error), error.message, Cause.pretty(Cause.fail(error))]
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(3)
    for (const rendering of renderings) {
      expect(rendering).not.toContain(secret)
    }
  }
}

const rfc3986 = (s: string): string =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

const hex = (n: number) => randomBytes(n).toString("hex")

/** A span that keeps every attribute and event it is given. */
class RecordingSpan implements Tracer.Span {
  readonly _tag = "Span"
  readonly spanId = hex(8)
  readonly traceId: string
  readonly attributes = new Map<string, unknown>()
  readonly events: Array<{ readonly name: string; readonly attributes: Record<string, unknown> | undefined }> = []
  readonly links: Array<Tracer.SpanLink>
  readonly sampled = true
  status: Tracer.SpanStatus
  constructor(
    readonly name: string,
    readonly parent: Option.Option<Tracer.AnySpan>,
    readonly context: Context.Context<never>,
    links: ReadonlyArray<Tracer.SpanLink>,
    startTime: bigint,
    readonly kind: Tracer.SpanKind
  ) {
    this.traceId = Option.match(parent, { onNone: () => hex(16), onSome: (p) => p.traceId })
    this.links = [...links]
    this.status = { _tag: "Started", startTime }
  }
  end(endTime: bigint, exit: Exit.Exit<unknown, unknown>) {
    this.status = { _tag: "Ended", startTime: this.status.startTime, endTime, exit }
  }
  attribute(key: string, value: unknown) {
    this.attributes.set(key, value)
  }
  event(name: string, _startTime: bigint, attributes?: Record<string, unknown>) {
    this.events.push({ name, attributes })
  }
  addLinks(links: ReadonlyArray<Tracer.SpanLink>) {
    this.links.push(...links)
  }
}

const recordingTracer = () => {
  const spans: Array<RecordingSpan> = []
  const tracer = Tracer.make({
    span: (name, parent, context, links, startTime, kind, options) => {
      const span = new RecordingSpan(name, parent, context, links, startTime, kind)
      for (const [key, value] of Object.entries(options?.attributes ?? {})) span.attribute(key, value)
      spans.push(span)
      return span
    },
    context: (f) => f()
  })
  const render = (value: unknown): string => typeof value === "string" ? value : JSON.stringify(value) ?? String(value)
  /** Every attribute and event of every span, as `span key=value` lines. */
  const dump = () =>
    spans.flatMap((span) => [
      ...[...span.attributes].map(([key, value]) => `${span.name} ${key}=${render(value)}`),
      ...span.events.flatMap((event) =>
        Object.entries(event.attributes ?? {}).map(([key, value]) => `${span.name} event ${key}=${render(value)}`)
      )
    ])
  return { tracer, spans, dump }
}

describe("Basic auth", () => {
  it.effect("sends Basic base64(utf8(user:pass)), non-ASCII included", () =>
    Effect.gen(function*() {
      const password = "pässwörd😀"
      yield* getDb.pipe(CouchAuth.withProvider(CouchAuth.basic({ username: "jöe", password: Redacted.make(password) })))
      const [request] = yield* MockCouch.requests
      const header = request?.headers["authorization"] ?? ""
      expect(header).toMatch(/^Basic [A-Za-z0-9+/]+=*$/)
      expect(Buffer.from(header.slice("Basic ".length), "base64").toString("utf8")).toBe(`jöe:${password}`)
      expect(header).toBe(`Basic ${Buffer.from(`jöe:${password}`, "utf8").toString("base64")}`)
    }).pipe(Effect.provide(mockLayer([MockCouch.route("GET", "/db", ok)]))))

  it.effect("accepts a Redacted user name and sends the same header on every request", () =>
    Effect.gen(function*() {
      const provider = CouchAuth.basic({ username: Redacted.make("admin"), password: Redacted.make("s3cr3t-pw") })
      yield* getDb.pipe(CouchAuth.withProvider(provider))
      yield* getDb.pipe(CouchAuth.withProvider(provider))
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => r.headers["authorization"])).toEqual([
        `Basic ${Buffer.from("admin:s3cr3t-pw").toString("base64")}`,
        `Basic ${Buffer.from("admin:s3cr3t-pw").toString("base64")}`
      ])
    }).pipe(Effect.provide(mockLayer([MockCouch.route("GET", "/db", ok)]))))

  it.effect("fails with InvalidRequest on an empty user name and sends nothing", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        getDb.pipe(CouchAuth.withProvider(CouchAuth.basic({ username: "", password: Redacted.make("empty-user-pw") })))
      )
      expect(error._tag).toBe("InvalidRequest")
      expectNoSecrets(error, ["empty-user-pw"])
      expect(yield* MockCouch.requests).toHaveLength(0)
    }).pipe(Effect.provide(mockLayer([MockCouch.route("GET", "/db", ok)]))))
})

describe("Cookie auth", () => {
  const credentials = { username: "alice", password: Redacted.make("cookie-Pa55word") }

  it.effect("logs in with POST /_session once, then sends the AuthSession cookie", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      yield* getDb.pipe(CouchAuth.withProvider(provider))
      yield* getDb.pipe(CouchAuth.withProvider(provider))
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /_session", "GET /db", "GET /db"])
      const [login, first, second] = requests
      expect(login?.url.href).toBe(`${BASE}/_session`)
      expect(login?.headers["content-type"]).toMatch(/^application\/json/)
      expect(JSON.parse(login?.body ?? "null")).toEqual({ name: "alice", password: "cookie-Pa55word" })
      expect(login?.headers["cookie"]).toBeUndefined()
      expect(login?.headers["authorization"]).toBeUndefined()
      expect(first?.headers["cookie"]).toBe("AuthSession=session-1")
      expect(second?.headers["cookie"]).toBe("AuthSession=session-1")
    }).pipe(Effect.provide(mockLayer([loginRoute(), MockCouch.route("GET", "/db", ok)]))))

  it.effect("keeps other cookies of the request and replaces a stale AuthSession in them", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      yield* Effect.flatMap(db, (r) => r.get({ headers: { cookie: "theme=dark; AuthSession=stale" } })).pipe(
        CouchAuth.withProvider(provider)
      )
      const [, request] = yield* MockCouch.requests
      expect(request?.headers["cookie"]).toBe("theme=dark; AuthSession=session-1")
    }).pipe(Effect.provide(mockLayer([loginRoute(), MockCouch.route("GET", "/db", ok)]))))

  it.effect("takes a refreshed AuthSession from any later response", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      for (let i = 0; i < 3; i++) yield* getDb.pipe(CouchAuth.withProvider(provider))
      const requests = yield* MockCouch.requests
      expect(only(requests, "POST", "/_session")).toHaveLength(1)
      expect(only(requests, "GET", "/db").map(authSession)).toEqual(["session-1", "refreshed", "refreshed"])
    }).pipe(Effect.provide(mockLayer([
      loginRoute(),
      MockCouch.route("GET", "/db", (request) =>
        authSession(request) === "session-1" ? MockCouch.json(200, { ok: true }, setCookie("refreshed")) : ok)
    ]))))

  it.effect("logs in again when the server clears the AuthSession cookie", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      yield* Effect.flatMap(CouchClient.CouchClient, (c) => c.resource("_session").delete()).pipe(
        CouchAuth.withProvider(provider)
      )
      yield* getDb.pipe(CouchAuth.withProvider(provider))
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "POST /_session",
        "DELETE /_session",
        "POST /_session",
        "GET /db"
      ])
      expect(authSession(requests[3])).toBe("session-2")
    }).pipe(Effect.provide(mockLayer([
      loginRoute(),
      MockCouch.route("DELETE", "/_session", MockCouch.json(200, { ok: true }, setCookie(""))),
      MockCouch.route("GET", "/db", ok)
    ]))))

  it.effect("on a 401 logs in again once and replays the request", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      const response = yield* Effect.flatMap(db, (r) => r.put({ json: { replay: "me" } })).pipe(
        CouchAuth.withProvider(provider)
      )
      expect(response.status).toBe(201)
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "POST /_session",
        "PUT /db",
        "POST /_session",
        "PUT /db"
      ])
      expect(only(requests, "PUT", "/db").map(authSession)).toEqual(["session-1", "session-2"])
      expect(only(requests, "PUT", "/db").map((r) => r.body)).toEqual([`{"replay":"me"}`, `{"replay":"me"}`])
    }).pipe(Effect.provide(mockLayer([
      loginRoute(),
      MockCouch.route("PUT", "/db", (request) =>
        authSession(request) === "session-1"
          ? MockCouch.json(401, { error: "unauthorized", reason: "Session expired" })
          : MockCouch.json(201, { ok: true }))
    ]))))

  it.effect("returns the second 401 as Unauthorized without looping", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      const error = yield* Effect.flip(getDb.pipe(CouchAuth.withProvider(provider)))
      expect(error._tag).toBe("Unauthorized")
      const requests = yield* MockCouch.requests
      expect(only(requests, "POST", "/_session")).toHaveLength(2)
      expect(only(requests, "GET", "/db")).toHaveLength(2)
      expectNoSecrets(error, ["cookie-Pa55word", "session-1", "session-2"])
    }).pipe(Effect.provide(mockLayer([
      loginRoute(),
      unauthorizedGetDb()
    ]))))

  it.effect("reports a rejected login as Unauthorized without the password", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      const error = yield* Effect.flip(getDb.pipe(CouchAuth.withProvider(provider)))
      expect(error._tag).toBe("Unauthorized")
      expectNoSecrets(error, ["cookie-Pa55word"])
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /_session"])
    }).pipe(Effect.provide(mockLayer([
      MockCouch.route(
        "POST",
        "/_session",
        MockCouch.json(401, { error: "unauthorized", reason: "Name or password is incorrect." })
      ),
      MockCouch.route("GET", "/db", ok)
    ]))))

  it.effect("fails with InvalidRequest when the login answers without an AuthSession cookie", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      const error = yield* Effect.flip(getDb.pipe(CouchAuth.withProvider(provider)))
      expect(error._tag).toBe("InvalidRequest")
      expectNoSecrets(error, ["cookie-Pa55word"])
      expect(only(yield* MockCouch.requests, "GET", "/db")).toHaveLength(0)
    }).pipe(Effect.provide(mockLayer([
      MockCouch.route("POST", "/_session", MockCouch.json(200, { ok: true })),
      MockCouch.route("GET", "/db", ok)
    ]))))

  it.live("shares one login among concurrent requests", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      yield* Effect.all(Array.from({ length: 10 }, () => getDb), { concurrency: "unbounded" }).pipe(
        CouchAuth.withProvider(provider)
      )
      const requests = yield* MockCouch.requests
      expect(only(requests, "POST", "/_session")).toHaveLength(1)
      const gets = only(requests, "GET", "/db")
      expect(gets).toHaveLength(10)
      expect(new Set(gets.map(authSession))).toEqual(new Set(["session-1"]))
    }).pipe(Effect.provide(mockLayer([
      MockCouch.route(
        "POST",
        "/_session",
        () => Effect.as(Effect.sleep("30 millis"), MockCouch.json(200, { ok: true }, setCookie("session-1")))
      ),
      MockCouch.route("GET", "/db", ok)
    ]))))

  it.live("shares one re-login among concurrent requests that all got a 401", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      yield* Effect.all(Array.from({ length: 10 }, () => getDb), { concurrency: "unbounded" }).pipe(
        CouchAuth.withProvider(provider)
      )
      const requests = yield* MockCouch.requests
      expect(only(requests, "POST", "/_session")).toHaveLength(2)
      const gets = only(requests, "GET", "/db")
      expect(gets.filter((r) => authSession(r) === "session-2")).toHaveLength(10)
    }).pipe(Effect.provide(mockLayer([
      (() => {
        let logins = 0
        return MockCouch.route("POST", "/_session", () => {
          logins++
          return Effect.as(
            Effect.sleep("20 millis"),
            MockCouch.json(200, { ok: true }, setCookie(`session-${logins}`))
          )
        })
      })(),
      MockCouch.route("GET", "/db", (request) =>
        authSession(request) === "session-2"
          ? ok
          : Effect.as(Effect.sleep("10 millis"), MockCouch.json(401, { error: "unauthorized" })))
    ]))))

  it.effect("keeps one session per origin: another client logs in separately and never gets the first cookie", () =>
    Effect.gen(function*() {
      const here = yield* CouchClient.make({ url: BASE })
      const there = yield* CouchClient.make({ url: `${OTHER}/` })
      const provider = yield* CouchAuth.cookie(credentials)
      yield* Effect.all([
        here.resource("db").get(),
        there.resource("db").get(),
        here.resource("db").get(),
        there.resource("db").get()
      ]).pipe(CouchAuth.withProvider(provider))
      const requests = yield* MockCouch.requests
      const logins = only(requests, "POST", "/_session")
      expect(logins.map((r) => r.url.origin).sort()).toEqual([BASE, OTHER])
      for (const request of requests) {
        const headers = JSON.stringify(request.headers)
        if (request.url.origin === BASE) {
          expect(headers).not.toContain("other.test-session")
        } else {
          expect(request.url.origin).toBe(OTHER)
          expect(headers).not.toContain("couch.test-session")
        }
      }
      expect(only(requests, "GET", "/db").map((r) => `${r.url.host} ${authSession(r)}`)).toEqual([
        "couch.test:5984 couch.test-session",
        "other.test:5984 other.test-session",
        "couch.test:5984 couch.test-session",
        "other.test:5984 other.test-session"
      ])
    }).pipe(Effect.provide(MockCouch.layer([
      MockCouch.route(
        "POST",
        "/_session",
        (request) => MockCouch.json(200, { ok: true }, setCookie(`${request.url.hostname}-session`))
      ),
      MockCouch.route("GET", "/db", ok)
    ]))))

  it.effect("does not replay a request whose body is a Stream", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie(credentials)
      const attachment = Effect.map(db, (r) => r.document("doc").attachment("file.bin"))
      const error = yield* Effect.flip(
        Effect.flatMap(attachment, (r) =>
          r.put({ body: Stream.make(new TextEncoder().encode("chunk")), contentType: "application/octet-stream" }))
          .pipe(
            CouchAuth.withProvider(provider)
          )
      )
      expect(error._tag).toBe("Unauthorized")
      const requests = yield* MockCouch.requests
      expect(requests.map((r) =>
        `${r.method} ${r.path}`
      )).toEqual(["POST /_session", "PUT /db/doc/file.bin"])

      // The same request with bytes is replayed, so the mock really answers 401 once.
      const replayed = yield* Effect.flatMap(attachment, (r) => r.put({ body: new TextEncoder().encode("chunk") }))
        .pipe(
          CouchAuth.withProvider(provider)
        )
      expect(replayed.status).toBe(201)
      const after = yield* MockCouch.requests
      expect(after.slice(2).map((r) => `${r.method} ${r.path}`)).toEqual([
        "PUT /db/doc/file.bin",
        "POST /_session",
        "PUT /db/doc/file.bin"
      ])
    }).pipe(Effect.provide(mockLayer([
      loginRoute(),
      MockCouch.route("PUT", "/db/doc/file.bin", (request) =>
        authSession(request) === "session-1"
          ? MockCouch.json(401, { error: "unauthorized" })
          : MockCouch.json(201, { ok: true }))
    ]))))
})

describe("credentials and redirects to another origin", () => {
  const evil = "http://evil.test:8080"
  const redirectRoutes = [
    MockCouch.route("POST", "/_session", MockCouch.json(200, { ok: true }, setCookie("redirect-session"))),
    MockCouch.route("GET", "/db/doc", (request) =>
      request.url.origin === BASE
        ? MockCouch.raw(302, "", { location: `${evil}/steal?from=couch` })
        : MockCouch.json(404, { error: "not_found" })),
    MockCouch.route("GET", "/steal", ok)
  ]
  const followLayer = mockLayer(redirectRoutes, { transformClient: HttpClient.followRedirects() })

  const cases: ReadonlyArray<{
    readonly name: string
    readonly provider: Effect.Effect<CouchAuth.Provider>
    readonly headers: ReadonlyArray<string>
    readonly secret: string
  }> = [
    {
      name: "basic",
      provider: Effect.succeed(CouchAuth.basic({ username: "bob", password: Redacted.make("redirect-pw") })),
      headers: ["authorization"],
      secret: Buffer.from("bob:redirect-pw").toString("base64")
    },
    {
      name: "cookie",
      provider: CouchAuth.cookie({ username: "bob", password: Redacted.make("redirect-pw") }),
      headers: ["cookie"],
      secret: "redirect-session"
    },
    {
      name: "jwt",
      provider: CouchAuth.jwt(Effect.succeed(Redacted.make("redirect-jwt-token"))),
      headers: ["authorization"],
      secret: "redirect-jwt-token"
    },
    {
      name: "oauth",
      provider: Effect.succeed(CouchAuth.oauth({
        consumerKey: "ck",
        consumerSecret: Redacted.make("cs"),
        token: "tk",
        tokenSecret: Redacted.make("ts")
      })),
      headers: ["authorization"],
      secret: "oauth_signature"
    },
    {
      name: "proxy",
      provider: Effect.succeed(
        CouchAuth.proxy({ username: "bob", roles: ["r"], secret: Redacted.make("proxy-s3cret") })
      ),
      headers: ["x-auth-couchdb-username", "x-auth-couchdb-roles", "x-auth-couchdb-token"],
      secret: createHmac("sha1", "proxy-s3cret").update("bob").digest("hex")
    },
    {
      name: "proxy with custom header names",
      provider: Effect.succeed(CouchAuth.proxy({
        username: "bob",
        roles: ["r"],
        secret: Redacted.make("proxy-s3cret"),
        headers: { username: "X-Proxy-User", roles: "X-Proxy-Roles", token: "X-Proxy-Token" }
      })),
      headers: ["x-proxy-user", "x-proxy-roles", "x-proxy-token"],
      secret: createHmac("sha1", "proxy-s3cret").update("bob").digest("hex")
    }
  ]

  for (const c of cases) {
    it.effect(`${c.name}: credential headers are not sent along a redirect to another origin`, () =>
      Effect.gen(function*() {
        const provider = yield* c.provider
        const response = yield* Effect.flatMap(db, (r) => r.document("doc").get()).pipe(
          CouchAuth.withProvider(provider)
        )
        expect(response.status).toBe(200)
        const requests = yield* MockCouch.requests
        const [original] = only(requests, "GET", "/db/doc")
        const [redirected] = only(requests, "GET", "/steal")
        expect(redirected?.url.origin).toBe(evil)
        for (const name of c.headers) {
          expect(original?.headers[name]).toBeDefined()
          expect(redirected?.headers[name]).toBeUndefined()
        }
        expect(JSON.stringify(original?.headers)).toContain(c.secret)
        expect(JSON.stringify(redirected?.headers)).not.toContain(c.secret)
      }).pipe(Effect.provide(followLayer)))
  }

  it.effect("a cookie set by another origin is not taken as the session", () =>
    Effect.gen(function*() {
      const provider = yield* CouchAuth.cookie({ username: "bob", password: Redacted.make("redirect-pw") })
      yield* Effect.flatMap(db, (r) => r.document("doc").get()).pipe(CouchAuth.withProvider(provider))
      yield* getDb.pipe(CouchAuth.withProvider(provider))
      const [after] = only(yield* MockCouch.requests, "GET", "/db")
      expect(authSession(after)).toBe("redirect-session")
    }).pipe(Effect.provide(mockLayer([
      ...redirectRoutes.filter((r) => r.path !== "/steal"),
      MockCouch.route("GET", "/steal", MockCouch.json(200, { ok: true }, setCookie("planted-by-evil"))),
      MockCouch.route("GET", "/db", ok)
    ], { transformClient: HttpClient.followRedirects() }))))
})

describe("Proxy auth", () => {
  const run = (provider: CouchAuth.Provider) =>
    Effect.gen(function*() {
      yield* getDb.pipe(CouchAuth.withProvider(provider))
      const [request] = yield* MockCouch.requests
      return request?.headers ?? {}
    }).pipe(Effect.provide(mockLayer([MockCouch.route("GET", "/db", ok)])))

  it.effect("sends only the default user name header without roles or secret", () =>
    Effect.gen(function*() {
      const headers = yield* run(CouchAuth.proxy({ username: "carol" }))
      expect(headers["x-auth-couchdb-username"]).toBe("carol")
      expect(headers["x-auth-couchdb-roles"]).toBeUndefined()
      expect(headers["x-auth-couchdb-token"]).toBeUndefined()
      expect(headers["authorization"]).toBeUndefined()
    }))

  it.effect("joins roles with a comma", () =>
    Effect.gen(function*() {
      const headers = yield* run(CouchAuth.proxy({ username: "carol", roles: ["_admin", "writer", "reader"] }))
      expect(headers["x-auth-couchdb-roles"]).toBe("_admin,writer,reader")
      expect(headers["x-auth-couchdb-token"]).toBeUndefined()
    }))

  it.effect("matches the aiocouchdb HMAC-SHA1 test vector", () =>
    Effect.gen(function*() {
      const headers = yield* run(CouchAuth.proxy({ username: "username", secret: Redacted.make("s3cr1t") }))
      expect(headers["x-auth-couchdb-username"]).toBe("username")
      expect(headers["x-auth-couchdb-token"]).toBe("56c8cdc87a39677c2c334c244dc78108e74b55d2")
      expect(headers["x-auth-couchdb-roles"]).toBeUndefined()
    }))

  it.effect("computes an HMAC-SHA256 token when asked", () =>
    Effect.gen(function*() {
      const headers = yield* run(
        CouchAuth.proxy({
          username: "dävid",
          roles: ["a"],
          secret: Redacted.make("sha256-s3cret"),
          algorithm: "sha256"
        })
      )
      const expected = createHmac("sha256", Buffer.from("sha256-s3cret", "utf8"))
        .update(Buffer.from("dävid", "utf8"))
        .digest("hex")
      expect(expected).toHaveLength(64)
      expect(headers["x-auth-couchdb-token"]).toBe(expected)
    }))

  it.effect("uses custom header names", () =>
    Effect.gen(function*() {
      const headers = yield* run(CouchAuth.proxy({
        username: "username",
        roles: ["x", "y"],
        secret: Redacted.make("s3cr1t"),
        headers: { username: "X-Custom-User", roles: "X-Custom-Roles", token: "X-Custom-Token" }
      }))
      expect(headers["x-custom-user"]).toBe("username")
      expect(headers["x-custom-roles"]).toBe("x,y")
      expect(headers["x-custom-token"]).toBe("56c8cdc87a39677c2c334c244dc78108e74b55d2")
      expect(Object.keys(headers).filter((h) => h.startsWith("x-auth-couchdb-"))).toEqual([])
    }))

  it.effect("fails with InvalidRequest on an empty user name without leaking the secret", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        getDb.pipe(CouchAuth.withProvider(CouchAuth.proxy({ username: "", secret: Redacted.make("proxy-secret-x") })))
      )
      expect(error._tag).toBe("InvalidRequest")
      expectNoSecrets(error, ["proxy-secret-x", createHmac("sha1", "proxy-secret-x").update("").digest("hex")])
      expect(yield* MockCouch.requests).toHaveLength(0)
    }).pipe(Effect.provide(mockLayer([MockCouch.route("GET", "/db", ok)]))))
})

describe("credentials in responses", () => {
  it.effect("inspecting or serialising a response shows no token, Authorization or Cookie value", () =>
    Effect.gen(function*() {
      const cookie = yield* CouchAuth.cookie({ username: "erin", password: Redacted.make("resp-cookie-pw") })
      const responses = [
        yield* getDb.pipe(
          CouchAuth.withProvider(CouchAuth.proxy({ username: "erin", secret: Redacted.make("resp-s3cret") }))
        ),
        yield* getDb.pipe(
          CouchAuth.withProvider(CouchAuth.basic({ username: "erin", password: Redacted.make("resp-basic-pw") }))
        ),
        yield* getDb.pipe(CouchAuth.withProvider(cookie))
      ]
      const sent = (yield* MockCouch.requests).filter((r) => r.url.pathname === "/db").map((r) => r.headers)
      const secrets = [
        sent[0]?.["x-auth-couchdb-token"],
        sent[1]?.["authorization"],
        "resp-basic-pw",
        "cookie-resp-session"
      ]
      // The values really were sent, so their absence below means something.
      expect(sent[0]?.["x-auth-couchdb-token"]).toMatch(/^[0-9a-f]{40}$/)
      expect(sent[2]?.["cookie"]).toContain("cookie-resp-session")
      for (const response of responses) {
        const renderings = [inspect(response, { depth: 10 }), JSON.stringify(response), String(response)]
        for (const secret of secrets) {
          for (const rendering of renderings) expect(rendering).not.toContain(secret)
        }
      }
    }).pipe(Effect.provide(mockLayer([
      MockCouch.route("POST", "/_session", MockCouch.json(200, { ok: true }, setCookie("cookie-resp-session"))),
      MockCouch.route("GET", "/db", ok)
    ]))))
})

describe("credentials in spans", () => {
  // With `httpSpans` the platform's span records every request header, redacted or not.
  it.effect.each([false, true])(
    "no span attribute holds a token, Authorization or Cookie value (httpSpans: %s)",
    (httpSpans) =>
      Effect.gen(function*() {
        const { dump, spans, tracer } = recordingTracer()
        const proxyToken = createHmac("sha1", "span-s3cret").update("erin").digest("hex")
        const customToken = createHmac("sha256", "span-s3cret").update("erin").digest("hex")
        const basicValue = Buffer.from("erin:span-basic-pw").toString("base64")
        const cookie = yield* CouchAuth.cookie({ username: "erin", password: Redacted.make("span-cookie-pw") })
        const jwt = yield* CouchAuth.jwt(Effect.succeed(Redacted.make("span-jwt-token")))
        yield* Effect.gen(function*() {
          yield* getDb.pipe(CouchAuth.withProvider(CouchAuth.proxy({
            username: "erin",
            roles: ["r"],
            secret: Redacted.make("span-s3cret")
          })))
          yield* getDb.pipe(CouchAuth.withProvider(CouchAuth.proxy({
            username: "erin",
            secret: Redacted.make("span-s3cret"),
            algorithm: "sha256",
            headers: { token: "X-Secret-Token" }
          })))
          yield* getDb.pipe(
            CouchAuth.withProvider(CouchAuth.basic({ username: "erin", password: Redacted.make("span-basic-pw") }))
          )
          yield* getDb.pipe(CouchAuth.withProvider(cookie))
          yield* getDb.pipe(CouchAuth.withProvider(jwt))
          yield* getDb.pipe(CouchAuth.withProvider(CouchAuth.oauth({
            consumerKey: "ck",
            consumerSecret: Redacted.make("span-consumer-secret"),
            token: "tk",
            tokenSecret: Redacted.make("span-token-secret")
          })))
        }).pipe(Effect.withTracer(tracer))

        const requests = yield* MockCouch.requests
        // The values really were sent, so their absence from the spans means something.
        const sent = JSON.stringify(requests.map((r) => r.headers))
        for (
          const value of [
            proxyToken,
            customToken,
            basicValue,
            "cookie-span-session",
            "span-jwt-token",
            "oauth_signature"
          ]
        ) {
          expect(sent).toContain(value)
        }
        const oauthHeader = requests.at(-1)?.headers["authorization"] ?? ""
        expect(oauthHeader).toMatch(/^OAuth /)

        const lines = dump()
        const clientSpans = spans.filter((s) => s.name.startsWith("http.client"))
        expect(clientSpans.length).toBe(httpSpans ? requests.length : 0)
        expect(spans.filter((s) => s.name === "GET /{db} db")).toHaveLength(6)
        if (httpSpans) {
          // The platform span records request headers: the credential headers are there, redacted.
          expect(lines).toContain("http.client GET http.request.header.x-auth-couchdb-token=<redacted>")
          expect(lines).toContain("http.client GET http.request.header.x-secret-token=<redacted>")
          expect(lines).toContain("http.client GET http.request.header.authorization=<redacted>")
          expect(lines).toContain("http.client GET http.request.header.cookie=<redacted>")
          expect(lines).toContain("http.client POST http.request.header.accept=application/json")
        }
        const text = lines.join("\n")
        for (
          const secret of [
            proxyToken,
            customToken,
            basicValue,
            "span-basic-pw",
            "cookie-span-session",
            "span-cookie-pw",
            "span-jwt-token",
            "span-consumer-secret",
            "span-token-secret",
            oauthHeader,
            oauthHeader.slice("OAuth ".length, 60)
          ]
        ) {
          expect(text).not.toContain(secret)
        }
        expect(text).not.toMatch(/oauth_signature/)
      }).pipe(Effect.provide(mockLayer([
        MockCouch.route("POST", "/_session", MockCouch.json(200, { ok: true }, setCookie("cookie-span-session"))),
        MockCouch.route("GET", "/db", ok)
      ], { httpSpans })))
  )
})

describe("OAuth 1.0a", () => {
  const parseOAuthHeader = (header: string): Record<string, string> => {
    expect(header).toMatch(/^OAuth /)
    const params: Record<string, string> = {}
    for (const match of header.slice("OAuth ".length).matchAll(/([A-Za-z0-9_%.~-]+)="([^"]*)"/g)) {
      const [, key, value] = match
      if (key !== undefined && value !== undefined) params[decodeURIComponent(key)] = decodeURIComponent(value)
    }
    return params
  }

  /** The RFC 5849 §3.4.1 signature base string of a request as the server received it. */
  const baseString = (method: string, url: URL, oauthParams: Record<string, string>): string => {
    const pairs: Array<[string, string]> = []
    // Query parameters, decoded as the server decodes them.
    for (const [key, value] of url.searchParams) pairs.push([rfc3986(key), rfc3986(value)])
    for (const [key, value] of Object.entries(oauthParams)) {
      if (key !== "oauth_signature" && key !== "realm") pairs.push([rfc3986(key), rfc3986(value)])
    }
    pairs.sort(([ak, av], [bk, bv]) => ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0)
    const normalized = pairs.map(([k, v]) => `${k}=${v}`).join("&")
    const baseUri = `${url.protocol.toLowerCase()}//${url.host.toLowerCase()}${url.pathname}`
    return [method.toUpperCase(), rfc3986(baseUri), rfc3986(normalized)].join("&")
  }

  const sign = (algorithm: "sha1" | "sha256", base: string, consumerSecret: string, tokenSecret: string) =>
    createHmac(algorithm, `${rfc3986(consumerSecret)}&${rfc3986(tokenSecret)}`).update(base).digest("base64")

  const consumerSecret = "c0nsumer&sécret=1"
  const tokenSecret = "t0ken s%cret"

  const verify = (
    signatureMethod: "HMAC-SHA1" | "HMAC-SHA256",
    query: Readonly<Record<string, CouchClient.QueryValue>>
  ) =>
    Effect.gen(function*() {
      const algorithm = signatureMethod === "HMAC-SHA1" ? "sha1" : "sha256"
      const provider = CouchAuth.oauth({
        consumerKey: "consumer-key",
        consumerSecret: Redacted.make(consumerSecret),
        token: "token-key",
        tokenSecret: Redacted.make(tokenSecret),
        signatureMethod
      })
      // Twice with one provider: the key it imported for the first request signs the second too.
      const post = Effect.flatMap(db, (r) => r.resource("_find").post({ query, json: { selector: {} } }))
      yield* Effect.zipRight(post, post).pipe(CouchAuth.withProvider(provider))
      const requests = yield* MockCouch.requests
      expect(requests).toHaveLength(2)
      for (const request of requests) {
        expect(request?.method).toBe("POST")
        const params = parseOAuthHeader(request?.headers["authorization"] ?? "")
        expect(params["oauth_consumer_key"]).toBe("consumer-key")
        expect(params["oauth_token"]).toBe("token-key")
        expect(params["oauth_signature_method"]).toBe(signatureMethod)
        expect(params["oauth_version"]).toBe("1.0")
        expect(params["oauth_nonce"]).toMatch(/^[A-Za-z0-9]{8,}$/)
        expect(Math.abs(Number(params["oauth_timestamp"]) - Date.now() / 1000)).toBeLessThan(120)
        const url = request?.url ?? new URL(BASE)
        const expected = sign(algorithm, baseString("POST", url, params), consumerSecret, tokenSecret)
        expect(params["oauth_signature"]).toBe(expected)
        // What aiocouchdb signed (GET, no query) gives another signature: the check above has teeth.
        const bare = new URL(url.href)
        bare.search = ""
        expect(sign(algorithm, baseString("GET", bare, params), consumerSecret, tokenSecret)).not.toBe(expected)
        expect(sign(algorithm, baseString("POST", bare, params), consumerSecret, tokenSecret)).not.toBe(expected)
      }
      return requests[0]?.url ?? new URL(BASE)
    }).pipe(Effect.provide(mockLayer([MockCouch.route("POST", "/db/_find", ok)])))

  it.effect("HMAC-SHA1 signs the real method and the query string", () =>
    Effect.gen(function*() {
      const url = yield* verify("HMAC-SHA1", { a: 1, b: "x y", c: "ü" })
      expect(url.searchParams.get("b")).toBe("x y")
      expect(url.searchParams.get("c")).toBe("ü")
    }))

  it.effect("HMAC-SHA256 signs the real method and the query string", () =>
    Effect.gen(function*() {
      yield* verify("HMAC-SHA256", { a: 1, b: "x y", c: "ü" })
    }))

  it.effect("signs JSON array parameters, reserved characters and names that need escaping", () =>
    Effect.gen(function*() {
      const url = yield* verify("HMAC-SHA1", {
        keys: ["zeta", "alpha", "a+b=c&d"],
        "näme with space": "v!*'()",
        descending: true,
        empty: ""
      })
      expect(url.searchParams.getAll("keys")).toEqual(["[\"zeta\",\"alpha\",\"a+b=c&d\"]"])
      expect(url.searchParams.get("näme with space")).toBe("v!*'()")
    }))
})

describe("JWT auth", () => {
  const counter = () => {
    let runs = 0
    const token = Effect.sync(() => {
      runs++
      return Redacted.make(`jwt-token-${runs}`)
    })
    return { token, runs: () => runs }
  }

  it.effect("sends Authorization: Bearer and caches the token across requests", () =>
    Effect.gen(function*() {
      const source = counter()
      const provider = yield* CouchAuth.jwt(source.token)
      expect(source.runs()).toBe(0)
      for (let i = 0; i < 3; i++) yield* getDb.pipe(CouchAuth.withProvider(provider))
      expect(source.runs()).toBe(1)
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => r.headers["authorization"])).toEqual([
        "Bearer jwt-token-1",
        "Bearer jwt-token-1",
        "Bearer jwt-token-1"
      ])
    }).pipe(Effect.provide(mockLayer([MockCouch.route("GET", "/db", ok)]))))

  it.effect("fetches a new token after a 401 and replays the request with it", () =>
    Effect.gen(function*() {
      const source = counter()
      const provider = yield* CouchAuth.jwt(source.token)
      const response = yield* getDb.pipe(CouchAuth.withProvider(provider))
      expect(response.status).toBe(200)
      expect(source.runs()).toBe(2)
      yield* getDb.pipe(CouchAuth.withProvider(provider))
      expect(source.runs()).toBe(2)
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => r.headers["authorization"])).toEqual([
        "Bearer jwt-token-1",
        "Bearer jwt-token-2",
        "Bearer jwt-token-2"
      ])
    }).pipe(Effect.provide(mockLayer([
      MockCouch.route("GET", "/db", (request) =>
        request.headers["authorization"] === "Bearer jwt-token-1"
          ? MockCouch.json(401, { error: "unauthorized", reason: "token expired" })
          : ok)
    ]))))

  it.effect("returns the second 401 as Unauthorized, without the tokens", () =>
    Effect.gen(function*() {
      const source = counter()
      const provider = yield* CouchAuth.jwt(source.token)
      const error = yield* Effect.flip(getDb.pipe(CouchAuth.withProvider(provider)))
      expect(error._tag).toBe("Unauthorized")
      expect(source.runs()).toBe(2)
      expect(yield* MockCouch.requests).toHaveLength(2)
      expectNoSecrets(error, ["jwt-token-1", "jwt-token-2"])
    }).pipe(Effect.provide(mockLayer([
      unauthorizedGetDb()
    ]))))
})

describe("per-request provider", () => {
  it.effect("withProvider overrides the ambient provider for one request only", () =>
    Effect.gen(function*() {
      yield* getDb
      yield* getDb.pipe(
        CouchAuth.withProvider(
          CouchAuth.proxy({ username: "end-user", roles: ["viewer"], secret: Redacted.make("px") })
        )
      )
      yield* getDb
      const [before, proxied, after] = yield* MockCouch.requests
      const basicHeader = `Basic ${Buffer.from("service:ambient-pw").toString("base64")}`
      for (const request of [before, after]) {
        expect(request?.headers["authorization"]).toBe(basicHeader)
        expect(Object.keys(request?.headers ?? {}).filter((h) => h.startsWith("x-auth-couchdb-"))).toEqual([])
      }
      expect(proxied?.headers["authorization"]).toBeUndefined()
      expect(proxied?.headers["x-auth-couchdb-username"]).toBe("end-user")
      expect(proxied?.headers["x-auth-couchdb-roles"]).toBe("viewer")
      expect(proxied?.headers["x-auth-couchdb-token"]).toBe(createHmac("sha1", "px").update("end-user").digest("hex"))
    }).pipe(
      Effect.provide(Layer.merge(
        mockLayer([MockCouch.route("GET", "/db", ok)]),
        CouchAuth.layerBasic({ username: "service", password: Redacted.make("ambient-pw") })
      ))
    ))
})

describe("credentials never appear in errors", () => {
  const failing = mockLayer([
    MockCouch.route("POST", "/_session", MockCouch.json(200, { ok: true }, setCookie("transport-session"))),
    MockCouch.route("GET", "/db", MockCouch.transportFailure("ECONNREFUSED"))
  ])

  it.effect("TransportError holds no credential of any provider", () =>
    Effect.gen(function*() {
      const basicValue = Buffer.from("frank:transport-pw").toString("base64")
      const proxyToken = createHmac("sha1", "transport-secret").update("frank").digest("hex")
      const providers: ReadonlyArray<{
        readonly provider: CouchAuth.Provider
        /** Must not appear in the error. */
        readonly secrets: ReadonlyArray<string>
        /** Was really sent (in a header or the login body), so its absence from the error means something. */
        readonly sent: ReadonlyArray<string>
      }> = [
        {
          provider: CouchAuth.basic({ username: "frank", password: Redacted.make("transport-pw") }),
          secrets: ["transport-pw", basicValue],
          sent: [basicValue]
        },
        {
          provider: yield* CouchAuth.cookie({ username: "frank", password: Redacted.make("transport-pw") }),
          secrets: ["transport-pw", "transport-session"],
          sent: ["transport-pw", "transport-session"]
        },
        {
          provider: yield* CouchAuth.jwt(Effect.succeed(Redacted.make("transport-jwt"))),
          secrets: ["transport-jwt"],
          sent: ["transport-jwt"]
        },
        {
          provider: CouchAuth.proxy({ username: "frank", secret: Redacted.make("transport-secret") }),
          secrets: ["transport-secret", proxyToken],
          sent: [proxyToken]
        },
        {
          provider: CouchAuth.oauth({
            consumerKey: "ck",
            consumerSecret: Redacted.make("transport-consumer"),
            token: "tk",
            tokenSecret: Redacted.make("transport-token")
          }),
          secrets: ["transport-consumer", "transport-token", "oauth_signature"],
          sent: ["oauth_signature"]
        }
      ]
      for (const { provider, secrets } of providers) {
        const error = yield* Effect.flip(getDb.pipe(CouchAuth.withProvider(provider)))
        expect(error._tag).toBe("TransportError")
        if (error._tag === "TransportError") expect(error.kind).toBe("Connect")
        expectNoSecrets(error, secrets)
      }
      const sent = JSON.stringify((yield* MockCouch.requests).map((r) => [r.headers, r.body]))
      for (const value of providers.flatMap((p) => p.sent)) expect(sent).toContain(value)
    }).pipe(Effect.provide(failing)))

  it.effect("a failing token effect passes its error through and sends nothing", () =>
    Effect.gen(function*() {
      let runs = 0
      const provider = yield* CouchAuth.jwt(
        Effect.suspend(() => {
          runs++
          return runs === 1
            ? Effect.fail(new CouchError.InvalidRequest({ description: "the identity provider is down" }))
            : Effect.succeed(Redacted.make("later-jwt-token"))
        })
      )
      const error = yield* Effect.flip(getDb.pipe(CouchAuth.withProvider(provider)))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("the identity provider is down")
      expect(yield* MockCouch.requests).toHaveLength(0)
      // The failure is not cached: the next request asks again.
      yield* getDb.pipe(CouchAuth.withProvider(provider))
      const [request] = yield* MockCouch.requests
      expect(request?.headers["authorization"]).toBe("Bearer later-jwt-token")
    }).pipe(Effect.provide(mockLayer([MockCouch.route("GET", "/db", ok)]))))

  describe("credentials in the configured URL", () => {
    const url = "http://admin:pa55w0rd@couch.test:5984"

    it.effect("are taken out of the client URL, never sent by themselves and never in errors", () =>
      Effect.gen(function*() {
        const couch = yield* CouchClient.CouchClient
        expect(couch.url).toBe(BASE)
        expect(couch.resource("db", "doc").url).toBe(`${BASE}/db/doc`)
        expect(couch.credentials).toBeDefined()
        expect(couch.credentials && Redacted.value(couch.credentials.username)).toBe("admin")
        expect(couch.credentials && Redacted.value(couch.credentials.password)).toBe("pa55w0rd")
        expect(JSON.stringify(couch.credentials)).not.toContain("pa55w0rd")
        expect(String(couch.credentials?.password)).not.toContain("pa55w0rd")

        const notFound = yield* Effect.flip(couch.resource("missing").get())
        expect(notFound._tag).toBe("NotFound")
        if (notFound._tag === "NotFound") expect(notFound.url).toBe(`${BASE}/missing`)
        expectNoSecrets(notFound, ["pa55w0rd"])

        const transport = yield* Effect.flip(couch.resource("down").get())
        expect(transport._tag).toBe("TransportError")
        if (transport._tag === "TransportError") expect(transport.url).toBe(`${BASE}/down`)
        expectNoSecrets(transport, ["pa55w0rd"])

        const unauthorized = yield* Effect.flip(couch.resource("private").get())
        expect(unauthorized._tag).toBe("Unauthorized")
        expectNoSecrets(unauthorized, ["pa55w0rd"])

        const requests = yield* MockCouch.requests
        expect(requests).toHaveLength(3)
        for (const request of requests) {
          expect(request.url.username).toBe("")
          expect(request.url.password).toBe("")
          expect(request.headers["authorization"]).toBeUndefined()
          expect(JSON.stringify(request.headers)).not.toContain("pa55w0rd")
        }
      }).pipe(
        Effect.provide(Layer.merge(
          mockLayer([
            MockCouch.route("GET", "/missing", MockCouch.json(404, { error: "not_found", reason: "missing" })),
            MockCouch.route("GET", "/down", MockCouch.transportFailure("ECONNRESET")),
            MockCouch.route("GET", "/private", MockCouch.json(401, { error: "unauthorized" }))
          ], { url }),
          CouchAuth.layerNone
        ))
      ))

    it.effect("the same holds with the URL given as Redacted and with a path prefix", () =>
      Effect.gen(function*() {
        const couch = yield* CouchClient.make({ url: Redacted.make("http://admin:pa55w0rd@couch.test:5984/couch/") })
        expect(couch.url).toBe(`${BASE}/couch`)
        const error = yield* Effect.flip(couch.resource("missing").get().pipe(CouchAuth.withProvider(CouchAuth.none)))
        expect(error._tag).toBe("NotFound")
        expectNoSecrets(error, ["pa55w0rd"])
        const [request] = yield* MockCouch.requests
        expect(request?.url.href).toBe(`${BASE}/couch/missing`)
      }).pipe(Effect.provide(MockCouch.layer([], { unrouted: "notFound" }))))

    it.effect("an invalid URL fails with InvalidRequest that does not repeat it", () =>
      Effect.gen(function*() {
        for (const bad of ["http://admin:pa55w0rd@couch test:5984", "ftp://admin:pa55w0rd@couch.test"]) {
          const error = yield* Effect.flip(CouchClient.make({ url: bad }))
          expect(error._tag).toBe("InvalidRequest")
          expectNoSecrets(error, ["pa55w0rd"])
        }
      }).pipe(Effect.provide(MockCouch.layer([]))))
  })
})

import { CouchAuth, CouchClient } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Config, ConfigProvider, Effect, Exit, Layer, Schema, Stream } from "effect"
import { recordingSpans } from "./tracing.js"

const ok = MockCouch.json(200, { ok: true })
const everything = [MockCouch.route("*", /.*/, ok)]

const clientWith = (routes: ReadonlyArray<MockCouch.Route>, options: Partial<CouchClient.Options> = {}) =>
  Layer.mergeAll(CouchClient.layer({ url: "http://couch.test:5984/prefix/", ...options }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const lastRequest = Effect.map(MockCouch.requests, (requests) => {
  const last = requests.at(-1)
  if (last === undefined) throw new Error("no request was sent")
  return last
})

describe("CouchClient requests", () => {
  it.effect("escapes segments below the base path and asks for JSON", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const doc = couch.resource("my/db").resource("a b+c?d#e")
      expect(doc.url).toBe("http://couch.test:5984/prefix/my%2Fdb/a%20b%2Bc%3Fd%23e")
      yield* doc.get()
      const sent = yield* lastRequest
      expect(sent.method).toBe("GET")
      expect(sent.url.href).toBe("http://couch.test:5984/prefix/my%2Fdb/a%20b%2Bc%3Fd%23e")
      expect(sent.headers.accept).toBe("application/json")
      expect(sent.body).toBeUndefined()
    }).pipe(Effect.provide(clientWith(everything))))

  it.effect("a request's own Accept header, in any case, replaces the JSON default", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      yield* couch.resource("db", "doc", "att").get({ headers: { Accept: "image/png", "X-Extra": "1" } })
      const sent = yield* lastRequest
      expect(sent.headers.accept).toBe("image/png")
      expect(sent.headers["x-extra"]).toBe("1")
    }).pipe(Effect.provide(clientWith(everything))))

  it.effect("encodes query values: booleans as true/false, arrays and objects as JSON, undefined left out", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      yield* couch.resource("db", "_all_docs").get({
        query: {
          include_docs: true,
          descending: false,
          limit: 10,
          skip: undefined,
          key: "\"a&b=c\"",
          open_revs: ["1-a", "2-b"],
          selector: { a: [1, null] },
          nothing: null
        }
      })
      const sent = yield* lastRequest
      expect(sent.url.search).toBe(
        "?include_docs=true&descending=false&limit=10&key=%22a%26b%3Dc%22" +
          "&open_revs=%5B%221-a%22%2C%222-b%22%5D&selector=%7B%22a%22%3A%5B1%2Cnull%5D%7D&nothing=null"
      )
      expect(sent.query.get("key")).toBe("\"a&b=c\"")
      expect(sent.query.getAll("open_revs")).toEqual(["[\"1-a\",\"2-b\"]"])
    }).pipe(Effect.provide(clientWith(everything))))

  it.effect("rejects a query number that is not finite, before sending", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const error = yield* Effect.flip(couch.resource("db").get({ query: { limit: Number.NaN } }))
      expect(error._tag).toBe("InvalidRequest")
      expect(yield* MockCouch.requests).toHaveLength(0)
    }).pipe(Effect.provide(clientWith(everything))))

  it.effect("sends JSON bodies as application/json", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      yield* couch.resource("db", "doc").put({ json: { foo: "bar", n: [1, null] } })
      const sent = yield* lastRequest
      expect(sent.headers["content-type"]).toBe("application/json")
      expect(sent.body).toBe("{\"foo\":\"bar\",\"n\":[1,null]}")
    }).pipe(Effect.provide(clientWith(everything))))

  it.effect("streams a body given as a Stream", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const body = Stream.make("hello ", "streamed ", "world").pipe(Stream.encodeText)
      yield* couch.resource("db", "doc", "file.txt").put({ body, contentType: "text/plain" })
      const sent = yield* lastRequest
      expect(sent.headers["content-type"]).toBe("text/plain")
      expect(sent.body).toBe("hello streamed world")
    }).pipe(Effect.provide(clientWith(everything))))

  it.effect("sends COPY with its Destination header", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      yield* couch.resource("db").document("from").copy({ headers: { destination: "to?rev=1-a" } })
      const sent = yield* lastRequest
      expect(sent.method).toBe("COPY")
      expect(sent.headers.destination).toBe("to?rev=1-a")
    }).pipe(Effect.provide(clientWith(everything))))

  it.effect("decodes JSON responses with a Schema", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const info = yield* couch.root.getJson(Schema.Struct({ couchdb: Schema.String, version: Schema.String }))
      expect(info).toEqual({ couchdb: "Welcome", version: "3.5.0" })
    }).pipe(Effect.provide(clientWith([
      MockCouch.route("GET", "/prefix", MockCouch.json(200, { couchdb: "Welcome", version: "3.5.0", uuid: "x" }))
    ]))))

  it.effect("applies transformClient to every request", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      yield* couch.resource("db").get()
      expect((yield* lastRequest).headers["x-tenant"]).toBe("acme")
    }).pipe(Effect.provide(clientWith(everything, {
      transformClient: HttpClient.mapRequest(HttpClientRequest.setHeader("x-tenant", "acme"))
    }))))
})

describe("tracing", () => {
  it.effect("one span per request with OpenTelemetry database attributes", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const { result, spans } = yield* recordingSpans(couch.resource("orders").document("o-1").get())
      expect(Exit.isSuccess(result)).toBe(true)
      // OpenTelemetry's database span name: `{db.operation.name} {target}`, the target being the database.
      const span = spans.find((s) => s.name === "GET /{db}/{docid} orders")
      expect(span?.kind).toBe("client")
      expect(span?.attributes.has("db.system")).toBe(false)
      expect(Object.fromEntries(span?.attributes ?? [])).toMatchObject({
        "db.system.name": "couchdb",
        "db.namespace": "orders",
        "db.operation.name": "GET /{db}/{docid}",
        "db.response.status_code": "200",
        "server.address": "couch.test",
        "server.port": 5984,
        "http.request.method": "GET"
      })
      // The operation span stands in for the platform's HTTP span, and is the one propagated.
      expect(spans.filter((s) => s.name.startsWith("http.client"))).toEqual([])
      expect((yield* lastRequest).headers["traceparent"]).toBe(`00-${span?.traceId}-${span?.spanId}-01`)
    }).pipe(Effect.provide(clientWith(everything))))

  it.effect("with httpSpans, the platform's HTTP span nests under the operation's and is propagated", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const { spans } = yield* recordingSpans(couch.resource("orders").document("o-1").get())
      const span = spans.find((s) => s.name === "GET /{db}/{docid} orders")
      const http = spans.find((s) => s.name.startsWith("http.client"))
      expect(http?.parent._tag === "Some" && http.parent.value.spanId).toBe(span?.spanId)
      expect((yield* lastRequest).headers["traceparent"]).toBe(`00-${http?.traceId}-${http?.spanId}-01`)
    }).pipe(Effect.provide(clientWith(everything, { httpSpans: true }))))

  it.effect("propagates nothing when the platform's propagation is off", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      yield* couch.resource("orders").get().pipe(Effect.locally(HttpClient.currentTracerPropagation, false))
      const headers = (yield* lastRequest).headers
      expect(headers["traceparent"]).toBeUndefined()
      expect(headers["b3"]).toBeUndefined()
    }).pipe(Effect.provide(clientWith(everything))))

  it.effect("names operations by the API reference's route templates and records the status as error.type", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const db = couch.resource("orders")
      const { spans } = yield* recordingSpans(Effect.all([
        Effect.ignore(db.resource("_design", "app", "_view", "by_day").get()),
        Effect.ignore(db.document("_design/app").put({ json: {} })),
        Effect.ignore(db.document("d").attachment("a/b.png").get()),
        Effect.ignore(couch.resource("_all_dbs").get()),
        Effect.ignore(couch.resource("_users").document("org.couchdb.user:x").get()),
        Effect.ignore(couch.resource("_node", "_local", "_config", "couchdb", "max_dbs_open").get()),
        Effect.ignore(db.resource("_partition", "p1", "_design", "app", "_view", "v").get())
      ]))
      const names = spans.filter((s) => !s.name.startsWith("http.client")).map((s) => s.name)
      expect(names).toEqual([
        "GET /{db}/_design/{ddoc}/_view/{view} orders",
        "PUT /{db}/_design/{ddoc} orders",
        "GET /{db}/{docid}/{attname} orders",
        "GET /_all_dbs couch.test:5984",
        "GET /_users/{docid} _users",
        "GET /_node/{node-name}/_config/{section}/{key} couch.test:5984",
        "GET /{db}/_partition/{partition_id}/_design/{ddoc}/_view/{view} orders"
      ])
      const failed = spans.find((s) => s.name.startsWith("PUT /{db}/_design/{ddoc}"))
      expect(failed?.attributes.get("error.type")).toBe("409")
      expect(failed?.attributes.get("couchdb.error")).toBe("Conflict")
      expect(spans.find((s) => s.name.startsWith("GET /_users/"))?.attributes.get("db.namespace")).toBe("_users")
    }).pipe(Effect.provide(clientWith([
      MockCouch.route("PUT", /_design/, MockCouch.json(409, { error: "conflict", reason: "x" })),
      ...everything
    ]))))

  it.effect("sends the deprecated db.system only when asked", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const { spans } = yield* recordingSpans(couch.resource("orders").get())
      expect(spans[0]?.attributes.get("db.system")).toBe("couchdb")
      expect(spans[0]?.attributes.get("db.system.name")).toBe("couchdb")
    }).pipe(Effect.provide(clientWith(everything, { legacySpanAttributes: true }))))
})

describe("credentials in the URL", () => {
  const withUrl = (url: string, extra: Record<string, string> = {}) =>
    Layer.provide(
      Layer.setConfigProvider(ConfigProvider.fromMap(new Map([["COUCHDB_URL", url], ...Object.entries(extra)])))
    )
  const login = MockCouch.route(
    "POST",
    "/_session",
    MockCouch.json(200, { ok: true }, { "set-cookie": "AuthSession=c00kie; Max-Age=600; Path=/; HttpOnly" })
  )

  it.effect("layerConfig with user:password@ gives an authenticated client (basic auth) in one line", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      expect(couch.url).toBe("http://couch.test:5984")
      yield* couch.resource("db").get()
      const sent = yield* lastRequest
      expect(sent.headers["authorization"]).toBe(`Basic ${Buffer.from("admin:pä ss").toString("base64")}`)
      expect(sent.url.href).toBe("http://couch.test:5984/db")
    }).pipe(Effect.provide(
      CouchClient.layerConfig({ url: Config.redacted("COUCHDB_URL") }).pipe(
        Layer.provideMerge(MockCouch.layer(everything)),
        withUrl("http://admin:p%C3%A4%20ss@couch.test:5984/")
      )
    )))

  it.effect("auth: \"cookie\" logs in with the URL's credentials instead", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      yield* couch.resource("db").get()
      const [session, get] = yield* MockCouch.requests
      expect(JSON.parse(session?.body ?? "")).toEqual({ name: "admin", password: "secret" })
      expect(get?.headers["cookie"]).toBe("AuthSession=c00kie")
      expect(get?.headers["authorization"]).toBeUndefined()
    }).pipe(Effect.provide(
      CouchClient.layerConfig({ url: Config.redacted("COUCHDB_URL"), auth: Config.succeed("cookie" as const) }).pipe(
        Layer.provideMerge(MockCouch.layer([login, ...everything])),
        withUrl("http://admin:secret@couch.test:5984")
      )
    )))

  it.effect("without credentials in the URL requests are anonymous", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      expect(couch.credentials).toBeUndefined()
      yield* couch.resource("db").get()
      expect((yield* lastRequest).headers["authorization"]).toBeUndefined()
    }).pipe(Effect.provide(
      CouchClient.layer({ url: "http://couch.test:5984" }).pipe(Layer.provideMerge(MockCouch.layer(everything)))
    )))

  it.effect("auth layers read their settings from Config", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      yield* couch.resource("db").get()
      expect((yield* lastRequest).headers["authorization"]).toBe(
        `Basic ${Buffer.from("bob:hunter2").toString("base64")}`
      )
    }).pipe(Effect.provide(
      Layer.mergeAll(
        CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }),
        CouchAuth.layerBasicConfig({
          username: Config.string("COUCHDB_USER"),
          password: Config.redacted("COUCHDB_PASSWORD")
        })
      ).pipe(
        Layer.provideMerge(MockCouch.layer(everything)),
        withUrl("unused", { COUCHDB_USER: "bob", COUCHDB_PASSWORD: "hunter2" })
      )
    )))
})

import { CouchAuth, CouchClient, CouchError } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Option, Redacted, Schema } from "effect"

const clientWith = (routes: ReadonlyArray<MockCouch.Route>, url = "http://couch.test:5984") =>
  Layer.mergeAll(CouchClient.layer({ url }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const getDoc = Effect.flatMap(CouchClient.CouchClient, (couch) => couch.resource("db", "doc").get())

const statusTags: ReadonlyArray<readonly [number, string]> = [
  [400, "BadRequest"],
  [401, "Unauthorized"],
  [403, "Forbidden"],
  [404, "NotFound"],
  [405, "MethodNotAllowed"],
  [406, "NotAcceptable"],
  [407, "ProxyAuthenticationRequired"],
  [408, "RequestTimeout"],
  [409, "Conflict"],
  [410, "Gone"],
  [411, "LengthRequired"],
  [412, "PreconditionFailed"],
  [413, "RequestEntityTooLarge"],
  [414, "UriTooLong"],
  [415, "UnsupportedMediaType"],
  [416, "RangeNotSatisfiable"],
  [417, "ExpectationFailed"],
  [429, "TooManyRequests"],
  [431, "RequestHeaderFieldsTooLarge"],
  [500, "InternalServerError"],
  [501, "NotImplemented"],
  [502, "BadGateway"],
  [503, "ServiceUnavailable"],
  [504, "GatewayTimeout"],
  [402, "UnexpectedStatus"],
  [418, "UnexpectedStatus"],
  [505, "UnexpectedStatus"],
  [599, "UnexpectedStatus"]
]

describe("one tagged error per status", () => {
  for (const [status, tag] of statusTags) {
    it.effect(`${status} fails with ${tag}, carrying error, reason and the request`, () =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(getDoc)
        expect(error._tag).toBe(tag)
        expect(error).toMatchObject({
          status,
          method: "GET",
          url: "http://couch.test:5984/db/doc",
          error: `e${status}`,
          reason: `reason ${status}`,
          requestId: "abc123"
        })
        expect(CouchError.isCouchError(error)).toBe(true)
        expect(CouchError.isHttpStatusError(error)).toBe(true)
        if (!CouchError.isHttpStatusError(error)) throw new Error(`unexpected ${error._tag}`)
        expect(error.headers?.["x-couch-request-id"]).toBe("abc123")
        expect(error.message).toContain(`${status}`)
        expect(error.message).toContain(`reason ${status}`)
      }).pipe(Effect.provide(clientWith([
        MockCouch.route(
          "GET",
          "/db/doc",
          MockCouch.json(status, { error: `e${status}`, reason: `reason ${status}` }, {
            "x-couch-request-id": "abc123"
          })
        )
      ]))))
  }

  it.effect("2xx and 3xx responses are not errors", () =>
    Effect.gen(function*() {
      const response = yield* getDoc
      expect(response.status).toBe(304)
    }).pipe(Effect.provide(clientWith([MockCouch.route("GET", "/db/doc", MockCouch.raw(304, ""))]))))

  it.effect("Effect.catchTag narrows to the status that happened", () =>
    Effect.gen(function*() {
      const outcome = yield* getDoc.pipe(
        Effect.as("written"),
        Effect.catchTag("Conflict", (e) => Effect.succeed(`conflict: ${e.reason}`)),
        Effect.catchTag("NotFound", () => Effect.succeed("not found"))
      )
      expect(outcome).toBe("conflict: Document update conflict.")
    }).pipe(Effect.provide(clientWith([
      MockCouch.route("GET", "/db/doc", MockCouch.json(409, { error: "conflict", reason: "Document update conflict." }))
    ]))))
})

describe("error bodies that are not CouchDB JSON", () => {
  it.effect("an HTML page still gives the status's tag", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getDoc)
      expect(error._tag).toBe("InternalServerError")
      expect(error).not.toHaveProperty("error")
      expect(error).not.toHaveProperty("reason")
    }).pipe(Effect.provide(clientWith([
      MockCouch.route(
        "GET",
        "/db/doc",
        MockCouch.raw(500, "<html><body>Internal Server Error</body></html>", { "content-type": "text/html" })
      )
    ]))))

  it.effect("an empty body still gives the status's tag", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getDoc)
      expect(error._tag).toBe("BadRequest")
      expect(error).toMatchObject({ status: 400 })
    }).pipe(Effect.provide(clientWith([MockCouch.route("GET", "/db/doc", MockCouch.raw(400, ""))]))))

  it.effect("a truncated JSON body still gives the status's tag", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getDoc)
      expect(error._tag).toBe("NotFound")
      expect(error).not.toHaveProperty("reason")
    }).pipe(Effect.provide(clientWith([
      MockCouch.route("GET", "/db/doc", MockCouch.chunked(404, ["{\"error\":\"not_fo"], { failAfter: "ECONNRESET" }))
    ]))))

  it.effect("JSON that is not an object, or fields that are not strings, are ignored", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getDoc)
      expect(error._tag).toBe("Forbidden")
      expect(error).toMatchObject({ error: "forbidden" })
      expect(error).not.toHaveProperty("reason")
    }).pipe(Effect.provide(clientWith([
      MockCouch.route("GET", "/db/doc", MockCouch.json(403, { error: "forbidden", reason: { nested: true } }))
    ]))))

  it.effect("a HEAD error has no body to read", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const error = yield* Effect.flip(couch.resource("db").head())
      expect(error._tag).toBe("NotFound")
    }).pipe(Effect.provide(clientWith([MockCouch.route("HEAD", "/db", MockCouch.raw(404, ""))]))))

  it.effect("the error keeps the response headers, but never set-cookie", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getDoc)
      if (!CouchError.isHttpStatusError(error)) throw new Error(`unexpected ${error._tag}`)
      expect(error.headers).toMatchObject({ allow: "GET,HEAD", "www-authenticate": "Basic realm=\"server\"" })
      expect(error.headers?.["set-cookie"]).toBeUndefined()
      expect(JSON.stringify(error)).not.toContain("AuthSession")
      expect(String(error)).not.toContain("AuthSession")
    }).pipe(Effect.provide(clientWith([
      MockCouch.route(
        "GET",
        "/db/doc",
        MockCouch.json(405, { error: "method_not_allowed", reason: "Only GET,HEAD allowed" }, {
          allow: "GET,HEAD",
          "www-authenticate": "Basic realm=\"server\"",
          "set-cookie": "AuthSession=c2VjcmV0; Path=/; HttpOnly"
        })
      )
    ]))))

  it("isHttpStatusError tells status errors from the others", () => {
    const status = CouchError.fromStatus({ status: 502, method: "GET", url: "u" })
    expect(status._tag).toBe("BadGateway")
    expect(CouchError.isHttpStatusError(status)).toBe(true)
    expect(CouchError.isHttpStatusError(new CouchError.InvalidRequest({ description: "d" }))).toBe(false)
    expect(CouchError.isHttpStatusError({ _tag: "NotFound", status: 404 })).toBe(false)
    expect(CouchError.statusErrors.map((Class) => Class.status).filter((s) => s !== 0)).toEqual(
      [...new Set(CouchError.statusErrors.map((Class) => Class.status).filter((s) => s !== 0))]
    )
  })
})

describe("Retry-After", () => {
  it.effect("429 and 503 expose Retry-After in seconds", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getDoc)
      if (error._tag !== "TooManyRequests") throw new Error(`unexpected ${error._tag}`)
      expect(error.retryAfter).toBe("7")
      expect(Option.map(error.retryAfterDuration, Duration.toMillis)).toEqual(Option.some(7000))
    }).pipe(Effect.provide(clientWith([
      MockCouch.route("GET", "/db/doc", MockCouch.json(429, { error: "too_many_requests" }, { "retry-after": "7" }))
    ]))))

  it("parses an HTTP date relative to now", () => {
    const now = Date.parse("2026-11-26T12:00:00Z")
    const later = CouchError.parseRetryAfter("Thu, 26 Nov 2026 12:00:30 GMT", now)
    expect(Option.map(later, Duration.toMillis)).toEqual(Option.some(30_000))
    expect(Option.isNone(CouchError.parseRetryAfter("soon", now))).toBe(true)
    expect(Option.isNone(CouchError.parseRetryAfter(undefined, now))).toBe(true)
  })
})

describe("transport, decode and input errors", () => {
  it.effect("a refused connection is a TransportError of kind Connect", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(getDoc)
      expect(error._tag).toBe("TransportError")
      expect(error).toMatchObject({ kind: "Connect", method: "GET", url: "http://couch.test:5984/db/doc" })
    }).pipe(
      Effect.provide(clientWith([MockCouch.route("GET", "/db/doc", MockCouch.transportFailure("ECONNREFUSED"))]))
    ))

  it.effect("a body that breaks midway is a TransportError of kind Reset", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const response = yield* couch.resource("db", "doc").get()
      const error = yield* Effect.flip(response.text)
      expect(error._tag).toBe("TransportError")
      expect(error).toMatchObject({ kind: "Reset" })
    }).pipe(Effect.provide(clientWith([
      MockCouch.route("GET", "/db/doc", MockCouch.chunked(200, ["{\"a\":"], { failAfter: "ECONNRESET" }))
    ]))))

  it.effect("a body that does not match the Schema is a DecodeError naming the field", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const error = yield* Effect.flip(couch.resource("db", "doc").getJson(Schema.Struct({ n: Schema.Number })))
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toContain("n")
      expect(error.message).toContain("Expected number")
    }).pipe(Effect.provide(clientWith([MockCouch.route("GET", "/db/doc", MockCouch.json(200, { n: "one" }))]))))

  it.effect("a body that is not JSON is a DecodeError", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const error = yield* Effect.flip(couch.resource("db", "doc").getJson(Schema.Unknown))
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toContain("not JSON")
    }).pipe(Effect.provide(clientWith([MockCouch.route("GET", "/db/doc", MockCouch.raw(200, "<html>"))]))))

  it.effect("a JSON body that cannot be serialised is an InvalidRequest and nothing is sent", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const error = yield* Effect.flip(couch.resource("db", "doc").put({ json: { big: 1n } }))
      expect(error._tag).toBe("InvalidRequest")
      expect(yield* MockCouch.requests).toHaveLength(0)
    }).pipe(Effect.provide(clientWith([]))))

  it.effect("an invalid base URL fails the layer with InvalidRequest", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(Layer.build(clientWith([], "not a url")))
      expect(Exit.isFailure(exit)).toBe(true)
      if (Exit.isFailure(exit)) expect(String(exit.cause)).toContain("InvalidRequest")
    }).pipe(Effect.scoped))
})

describe("no credential in any error", () => {
  const secretUrl = "http://admin:pa55w0rd-XYZ@couch.test:5984"
  const leaks = (error: unknown) => {
    const stack = error instanceof Error && error.stack !== undefined ? error.stack : ""
    const texts = [JSON.stringify(error), String(error), error instanceof Error ? error.message : "", stack]
    return texts.some((t) => t.includes("pa55w0rd") || t.includes("admin:"))
  }

  for (
    const [name, reply] of [
      ["status", MockCouch.json(409, { error: "conflict", reason: "Document update conflict." })],
      ["transport", MockCouch.transportFailure("ECONNRESET")],
      ["decode", MockCouch.raw(200, "not json")]
    ] as const
  ) {
    it.effect(`a ${name} error from a client configured with credentials in its URL`, () =>
      Effect.gen(function*() {
        const couch = yield* CouchClient.CouchClient
        expect(couch.url).toBe("http://couch.test:5984")
        expect(couch.credentials && Redacted.value(couch.credentials.password)).toBe("pa55w0rd-XYZ")
        const error = yield* Effect.flip(couch.resource("db", "doc").getJson(Schema.Unknown))
        expect(leaks(error)).toBe(false)
        const sent = yield* MockCouch.requests
        expect(sent[0]?.url.href).toBe("http://couch.test:5984/db/doc")
        expect(sent[0]?.headers.authorization).toBeUndefined()
      }).pipe(Effect.provide(clientWith([MockCouch.route("GET", "/db/doc", reply)], secretUrl))))
  }
})

describe("errors as data", () => {
  it("round-trip through the CouchError schema, keeping their class", () => {
    const conflict = CouchError.fromStatus({
      status: 409,
      method: "PUT",
      url: "http://couch.test/db/doc",
      error: "conflict",
      reason: "Document update conflict.",
      requestId: "r1"
    })
    const encoded = Schema.encodeSync(CouchError.CouchError)(conflict)
    const decoded = Schema.decodeUnknownSync(CouchError.CouchError)(JSON.parse(JSON.stringify(encoded)))
    expect(decoded).toBeInstanceOf(CouchError.Conflict)
    expect(decoded).toMatchObject({
      _tag: "Conflict",
      status: 409,
      reason: "Document update conflict.",
      requestId: "r1"
    })

    const transport = new CouchError.TransportError({ kind: "Reset", method: "GET", url: "u", description: "d" })
    const back = Schema.decodeUnknownSync(CouchError.CouchError)(Schema.encodeSync(CouchError.CouchError)(transport))
    expect(back).toBeInstanceOf(CouchError.TransportError)
  })
})

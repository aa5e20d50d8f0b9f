import { CouchAuth, CouchClient } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Schedule, Stream, TestClock } from "effect"
import { recordingSpans } from "./tracing.js"

const BASE = "http://couch.test:5984"

const clientWith = (routes: ReadonlyArray<MockCouch.Route>, options: Partial<CouchClient.Options> = {}) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: BASE, ...options }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

/** A route answering `replies` in turn, then 200 `{"ok":true}`. */
const inTurn = (method: string, path: string, replies: ReadonlyArray<MockCouch.Reply>) => {
  let n = 0
  return MockCouch.route(method, path, () => replies[n++] ?? MockCouch.json(200, { ok: true }))
}

const unavailable = (retryAfter?: string) =>
  MockCouch.json(503, { error: "service_unavailable", reason: "busy" }, retryAfter ? { "retry-after": retryAfter } : {})

const sent = Effect.map(MockCouch.requests, (requests) => requests.length)

const db = Effect.map(CouchClient.CouchClient, (couch) => couch.resource("db"))

describe("retry policy: safe by default", () => {
  it.effect("a GET is resent after 503, not before Retry-After", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flatMap(db, (r) => r.get()))
      yield* TestClock.adjust("1900 millis")
      expect(yield* sent).toBe(1)
      yield* TestClock.adjust("1 second")
      const response = yield* Fiber.join(fiber)
      expect(response.status).toBe(200)
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(clientWith([inTurn("GET", "/db", [unavailable("2")])], { retry: true }))))

  it.effect("transient failures are retried (connection refused, 429, 502, 504), at most `times` times", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Effect.flatMap(db, (r) => r.get())))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      expect(error._tag).toBe("GatewayTimeout")
      expect(yield* sent).toBe(4)
    }).pipe(Effect.provide(clientWith([
      inTurn("GET", "/db", [
        MockCouch.transportFailure("ECONNREFUSED"),
        MockCouch.json(429, { error: "too_many_requests" }),
        MockCouch.json(502, { error: "bad_gateway" }),
        MockCouch.json(504, { error: "gateway_timeout" })
      ])
    ], { retry: { times: 3 } }))))

  it.effect("a POST that writes is not resent by default", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Effect.flatMap(db, (r) => r.post({ json: { a: 1 } })))
      expect(error._tag).toBe("ServiceUnavailable")
      expect(yield* sent).toBe(1)
    }).pipe(Effect.provide(clientWith([inTurn("POST", "/db", [unavailable()])], { retry: true }))))

  it.effect("a POST marked idempotent (a read such as _find) is resent", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(
        Effect.flatMap(db, (r) => r.resource("_find").post({ json: { selector: {} }, idempotent: true }))
      )
      yield* TestClock.adjust("10 seconds")
      expect((yield* Fiber.join(fiber)).status).toBe(200)
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(clientWith([inTurn("POST", "/db/_find", [unavailable()])], { retry: true }))))

  it.effect("PUT and DELETE are resent only with writes: true", () =>
    Effect.gen(function*() {
      const put = Effect.flatMap(db, (r) => r.document("d").put({ json: { _rev: "1-a" } }))
      expect((yield* Effect.flip(put))._tag).toBe("ServiceUnavailable")
      expect(yield* sent).toBe(1)
    }).pipe(Effect.provide(clientWith([inTurn("PUT", "/db/d", [unavailable()])], { retry: true }))))

  it.effect("with writes: true a PUT is resent", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flatMap(db, (r) => r.document("d").put({ json: { _rev: "1-a" } })))
      yield* TestClock.adjust("10 seconds")
      expect((yield* Fiber.join(fiber)).status).toBe(200)
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(clientWith([inTurn("PUT", "/db/d", [unavailable()])], { retry: { writes: true } }))))

  it.effect("terminal statuses (401, 404, 409) are never retried", () =>
    Effect.gen(function*() {
      for (const path of ["/db/a", "/db/b", "/db/c"]) {
        yield* Effect.ignore(
          Effect.flatMap(CouchClient.CouchClient, (c) => c.resource(...path.slice(1).split("/")).get())
        )
      }
      expect(yield* sent).toBe(3)
    }).pipe(Effect.provide(clientWith([
      MockCouch.route("GET", "/db/a", MockCouch.json(401, { error: "unauthorized" })),
      MockCouch.route("GET", "/db/b", MockCouch.json(404, { error: "not_found" })),
      MockCouch.route("GET", "/db/c", MockCouch.json(409, { error: "conflict" }))
    ], { retry: true }))))

  it.effect("a streamed body is never resent", () =>
    Effect.gen(function*() {
      const body = Stream.make(new TextEncoder().encode("x"))
      const error = yield* Effect.flip(
        Effect.flatMap(db, (r) => r.document("d").attachment("a").put({ body, contentType: "text/plain" }))
      )
      expect(error._tag).toBe("ServiceUnavailable")
      expect(yield* sent).toBe(1)
    }).pipe(Effect.provide(clientWith([inTurn("PUT", "/db/d/a", [unavailable()])], { retry: { allMethods: true } }))))

  it.effect("each retry is recorded on the request's span", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(recordingSpans(Effect.flatMap(db, (r) => r.get())))
      yield* TestClock.adjust("10 seconds")
      const { spans } = yield* Fiber.join(fiber)
      const span = spans.find((s) => s.name.startsWith("GET /{db}"))
      expect(span?.attributes.get("http.request.resend_count")).toBe(2)
      expect(span?.recordedEvents.map((e) => e.name)).toEqual(["couchdb.retry", "couchdb.retry"])
      expect(span?.recordedEvents.map((e) => e.attributes?.["error.type"])).toEqual([
        "ServiceUnavailable",
        "TransportError"
      ])
    }).pipe(Effect.provide(clientWith([
      inTurn("GET", "/db", [unavailable(), MockCouch.transportFailure("ECONNRESET")])
    ], { retry: true }))))

  it.effect("a schedule of your own replaces the default backoff", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Effect.flatMap(db, (r) => r.get())))
      yield* TestClock.adjust("999 millis")
      expect(yield* sent).toBe(1)
      yield* TestClock.adjust("1 millis")
      expect(yield* sent).toBe(2)
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(fiber))._tag).toBe("ServiceUnavailable")
      expect(yield* sent).toBe(2)
    }).pipe(Effect.provide(clientWith([inTurn("GET", "/db", [unavailable(), unavailable(), unavailable()])], {
      retry: { schedule: Schedule.spaced("1 second").pipe(Schedule.intersect(Schedule.recurs(1))) }
    }))))

  it.effect("without a policy nothing is retried", () =>
    Effect.gen(function*() {
      expect((yield* Effect.flip(Effect.flatMap(db, (r) => r.get())))._tag).toBe("ServiceUnavailable")
      expect(yield* sent).toBe(1)
    }).pipe(Effect.provide(clientWith([inTurn("GET", "/db", [unavailable()])]))))
})

describe("timeouts", () => {
  const slow = MockCouch.route("GET", "/db", () => Effect.as(Effect.sleep("5 seconds"), MockCouch.json(200, {})))

  it.effect("a response slower than the client's timeout fails with TransportError of kind Timeout", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Effect.flatMap(db, (r) => r.get())))
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
      expect(error.message).toContain("no response within 1s")
    }).pipe(Effect.provide(clientWith([slow], { timeout: "1 second" }))))

  it.effect("a request's own timeout overrides the client's, and \"none\" waits", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flatMap(db, (r) => r.get({ timeout: "none" })))
      yield* TestClock.adjust("6 seconds")
      expect((yield* Fiber.join(fiber)).status).toBe(200)
    }).pipe(Effect.provide(clientWith([slow], { timeout: "1 second" }))))

  it.effect("a timed-out GET is retried when a policy is on", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.fork(Effect.flip(Effect.flatMap(db, (r) => r.get())))
      yield* TestClock.adjust("1 minute")
      expect((yield* Fiber.join(fiber))._tag).toBe("TransportError")
      expect(yield* sent).toBe(3)
    }).pipe(Effect.provide(clientWith([slow], { timeout: "1 second", retry: { times: 2 } }))))
})

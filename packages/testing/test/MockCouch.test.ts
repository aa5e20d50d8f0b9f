import { MockCouch } from "@effect-couchdb/testing"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Either, Exit, Fiber, Option, Stream, TestClock } from "effect"

const defectOf = <A, E>(exit: Exit.Exit<A, E>): unknown =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined

const text = (chunks: Chunk.Chunk<Uint8Array>) => Chunk.toReadonlyArray(chunks).map((c) => new TextDecoder().decode(c))

describe("MockCouch", () => {
  it.effect("routes by method and path, and records what was sent", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(
        HttpClientRequest.put("http://couch.test/db/doc?batch=ok").pipe(
          HttpClientRequest.setHeader("x-test", "1"),
          HttpClientRequest.bodyUnsafeJson({ a: 1 })
        )
      )
      expect(response.status).toBe(201)
      expect(yield* response.json).toEqual({ ok: true, id: "doc" })
      const [sent] = yield* MockCouch.requests
      expect(sent?.method).toBe("PUT")
      expect(sent?.path).toBe("/db/doc")
      expect(sent?.query.get("batch")).toBe("ok")
      expect(sent?.headers["x-test"]).toBe("1")
      expect(sent?.body).toBe("{\"a\":1}")
    }).pipe(Effect.provide(MockCouch.layer([
      MockCouch.route("GET", "/db/doc", MockCouch.json(200, {})),
      MockCouch.route("PUT", "/db/doc", MockCouch.json(201, { ok: true, id: "doc" }))
    ]))))

  it.effect("fails loudly on an unrouted request, showing its method, path, query and body", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const exit = yield* Effect.exit(client.execute(
        HttpClientRequest.put("http://couch.test/db/dco?batch=ok").pipe(HttpClientRequest.bodyUnsafeJson({ a: 1 }))
      ))
      const defect = defectOf(exit)
      expect(defect).toBeInstanceOf(MockCouch.UnexpectedRequest)
      expect(String(defect)).toContain("MockCouch: no route for PUT /db/dco?batch=ok")
      expect(String(defect)).toContain("body: {\"a\":1}")
      expect(Cause.pretty(Exit.isFailure(exit) ? exit.cause : Cause.empty)).toContain("PUT /db/dco?batch=ok")

      const error = yield* Effect.flip(MockCouch.verify)
      expect(error.unexpected).toEqual(["PUT /db/dco?batch=ok\n    body: {\"a\":1}"])
      expect(error.unmet).toEqual([])
    }).pipe(Effect.provide(MockCouch.layer([MockCouch.route("PUT", "/db/doc", MockCouch.json(201, {}))]))))

  it.effect("answers CouchDB's 404 for an unrouted request when asked to", () =>
    Effect.gen(function*() {
      const response = yield* (yield* HttpClient.HttpClient).get("http://couch.test/db/nope")
      expect(response.status).toBe(404)
      expect(yield* response.json).toEqual({ error: "not_found", reason: "missing" })
      yield* MockCouch.verify
    }).pipe(Effect.provide(MockCouch.layer([], { unrouted: "notFound" }))))

  it.live("sends chunks separately, after their delay", () =>
    Effect.gen(function*() {
      const response = yield* (yield* HttpClient.HttpClient).get("http://couch.test/feed")
      const started = Date.now()
      const chunks = yield* Stream.runCollect(response.stream)
      expect(text(chunks)).toEqual(["a\n", "b\n", "c\n"])
      expect(Date.now() - started).toBeGreaterThanOrEqual(50)
    }).pipe(Effect.provide(MockCouch.layer([
      MockCouch.route("GET", "/feed", MockCouch.chunked(200, ["a\n", "b\n", "c\n"], { delay: "20 millis" }))
    ]))))

  it.effect("breaks the connection after the chunks with failAfter", () =>
    Effect.gen(function*() {
      const response = yield* (yield* HttpClient.HttpClient).get("http://couch.test/feed")
      const result = yield* Effect.either(Stream.runCollect(response.stream))
      expect(Either.isLeft(result)).toBe(true)
    }).pipe(Effect.provide(MockCouch.layer([
      MockCouch.route("GET", "/feed", MockCouch.chunked(200, ["partial"], { failAfter: "ECONNRESET" }))
    ]))))

  it.effect("fails the request itself with transportFailure", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip((yield* HttpClient.HttpClient).get("http://couch.test/"))
      expect(error._tag).toBe("RequestError")
    }).pipe(Effect.provide(MockCouch.layer([MockCouch.route("*", /.*/, MockCouch.transportFailure())]))))

  it.effect("produces a lazy body only as it is read, and sees the abort", () =>
    Effect.gen(function*() {
      let produced = 0
      const layerRoutes = yield* MockCouch.make([
        MockCouch.route("GET", "/lazy", MockCouch.lazy(200, (n) => (produced = n + 1, `${n}\n`)))
      ])
      const response = yield* layerRoutes.client.get("http://couch.test/lazy")
      const first = yield* Stream.runCollect(Stream.take(response.stream, 3))
      expect(text(first)).toEqual(["0\n", "1\n", "2\n"])
      expect(produced).toBeLessThanOrEqual(4)
      const [sent] = yield* layerRoutes.service.requests
      expect(sent?.aborted()).toBe(true)
    }))

  it.effect("a Stream body runs on the requester's clock, and stops when the request is dropped", () =>
    Effect.gen(function*() {
      let pulled = 0
      const ticks = Stream.repeatEffect(Effect.as(Effect.sleep("10 seconds"), "tick\n")).pipe(
        Stream.tap(() => Effect.sync(() => pulled++))
      )
      const mock = yield* MockCouch.make([MockCouch.route("GET", "/ticks", MockCouch.stream(200, ticks))])
      const response = yield* mock.client.get("http://couch.test/ticks")
      expect(response.headers["content-type"]).toBe("application/json")
      const reading = yield* Effect.fork(Stream.runCollect(Stream.take(response.stream, 2)))
      yield* TestClock.adjust("10 seconds")
      yield* TestClock.adjust("10 seconds")
      expect(text(yield* Fiber.join(reading))).toEqual(["tick\n", "tick\n"])
      yield* TestClock.adjust("1 minute")
      expect(pulled).toBeLessThanOrEqual(3)
      const [sent] = yield* mock.service.requests
      expect(sent?.aborted()).toBe(true)
    }))
})

import { MockCouch } from "@effect-couchdb/testing"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Stream } from "effect"

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

  it.effect("answers an unmatched request with a CouchDB-style 404", () =>
    Effect.gen(function*() {
      const response = yield* (yield* HttpClient.HttpClient).get("http://couch.test/nope")
      expect(response.status).toBe(404)
      expect(yield* response.json).toMatchObject({ error: "not_found" })
    }).pipe(Effect.provide(MockCouch.layer([]))))

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
})

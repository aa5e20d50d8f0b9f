// What only this transport does (chunk hand-over, any dispatcher, its layers); the behaviour every
// HttpClient shares is checked for all transports in conformance.test.ts.
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"
import { MockAgent } from "undici"
import * as TestServer from "./server.js"

const client = HttpClient.HttpClient
const Live = UndiciHttpClient.layer

const withServer = TestServer.withServer(Live)

describe("UndiciHttpClient", () => {
  describe("responses", () => {
    it.scopedLive("hands over the HTTP chunks of one socket read together, not one per pull", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/small-chunks`)
          const sizes = yield* response.stream.pipe(
            Stream.mapChunks((chunk) => Chunk.of(Chunk.size(chunk))),
            Stream.runCollect
          )
          const pieces = Chunk.reduce(sizes, 0, (n, size) => n + size)
          // undici emits a "data" event per HTTP chunk: 200 of them, handed over in a few pulls,
          // never one alone (as the first event of a read would be if a waiting pull took it).
          expect(pieces).toBe(200)
          expect(Chunk.size(sizes)).toBeLessThan(20)
          expect(Chunk.toReadonlyArray(sizes).every((size) => size > 1)).toBe(true)
        })
      ))

    it.scopedLive("shows itself without reading the body, and with it once read", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/json`)
          const before = response.toJSON()
          expect(before).toMatchObject({ _id: "@effect/platform/HttpClientResponse", status: 200 })
          expect(before).not.toHaveProperty("body")
          yield* response.json
          expect(response.toJSON()).toHaveProperty("body", JSON.stringify(TestServer.doc))
          expect(String(response)).toContain("HttpClientResponse")
        })
      ))
  })

  describe("request bodies", () => {
    it.scopedLive(
      "streams a 256 MiB upload without buffering it",
      () =>
        withServer((http, server) =>
          Effect.gen(function*() {
            const size = 64 * 1024
            const count = 4096
            let produced = 0
            let maxAhead = 0
            // Fresh buffers: if the client buffered the body, memory would grow with it.
            const body = Stream.range(1, count, 1).pipe(
              Stream.map(() => {
                produced += size
                const received = server.requests.at(-1)?.received ?? 0
                maxAhead = Math.max(maxAhead, produced - received)
                return Buffer.allocUnsafe(size)
              })
            )
            const result = yield* HttpClientRequest.post(`${server.url}/sink`).pipe(
              HttpClientRequest.bodyStream(body),
              http.execute,
              Effect.flatMap((r) => r.json)
            )
            expect(result).toMatchObject({ bytes: size * count, transferEncoding: "chunked" })
            // What the stream produced was never more than socket buffers ahead of the server.
            expect(maxAhead).toBeLessThan(32 * 1024 * 1024)
          })
        ),
      60_000
    )
  })

  describe("failures", () => {
    it.effect("works over any dispatcher, e.g. undici's MockAgent", () =>
      Effect.gen(function*() {
        const agent = new MockAgent()
        agent.disableNetConnect()
        agent.get("http://couch.test").intercept({ path: "/db?x=1", method: "GET" }).reply(200, { ok: true }, {
          headers: { "content-type": "application/json" }
        })
        const http = UndiciHttpClient.make(agent)
        const response = yield* http.get("http://couch.test/db", { urlParams: { x: "1" } })
        expect(yield* response.json).toEqual({ ok: true })
        yield* Effect.promise(() => agent.close())
      }))
  })

  describe("layers", () => {
    it.scopedLive("layerWith builds its own Agent and destroys it with the layer", () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        const scope = yield* Scope.make()
        const context = yield* Layer.buildWithScope(UndiciHttpClient.layerWith({ connections: 1 }), scope)
        const http = yield* Effect.provide(client, context)
        expect(yield* http.get(`${server.url}/json`).pipe(Effect.flatMap((r) => r.json))).toEqual(TestServer.doc)
        const pending = yield* Effect.fork(http.get(`${server.url}/hang`))
        yield* Deferred.await(server.hanging)
        yield* Scope.close(scope, Exit.void)
        // The agent is destroyed: the request in flight fails, the connection closes.
        const error = yield* Fiber.join(pending).pipe(Effect.flip)
        expect(error.reason).toBe("Transport")
        yield* Deferred.await(server.abortedOnce).pipe(Effect.timeout("5 seconds"))
      }))

    it.scopedLive("unread small bodies do not hold their connection; a large one is freed by stopping its stream", () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        const http = yield* client
        // One connection: every request below needs the previous one to have let it go.
        for (let i = 0; i < 5; i++) {
          const response = yield* http.get(`${server.url}/json`)
          expect(response.status).toBe(200)
        }
        const big = yield* http.get(`${server.url}/big?mb=64`)
        yield* big.stream.pipe(Stream.take(1), Stream.runDrain)
        const response = yield* http.get(`${server.url}/json`).pipe(Effect.timeout("5 seconds"))
        expect(yield* response.json).toEqual(TestServer.doc)
      }).pipe(Effect.provide(UndiciHttpClient.layerWith({ connections: 1 }))))

    it.scopedLive("layerGlobal uses undici's global dispatcher", () =>
      Effect.gen(function*() {
        const server = yield* TestServer.make
        const http = yield* client
        expect(yield* http.get(`${server.url}/json`).pipe(Effect.flatMap((r) => r.json))).toEqual(TestServer.doc)
      }).pipe(Effect.provide(UndiciHttpClient.layerGlobal)))
  })
})

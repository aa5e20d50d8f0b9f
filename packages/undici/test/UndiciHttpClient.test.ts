import { UndiciHttpClient } from "@effect-couchdb/undici"
import { Cookies, HttpBody, HttpClient, HttpClientRequest, UrlParams } from "@effect/platform"
import { assert, describe, expect, it } from "@effect/vitest"
import { Chunk, Deferred, Effect, Exit, Fiber, Layer, Option, Ref, Scope, Stream } from "effect"
import { Readable } from "node:stream"
import { MockAgent } from "undici"
import * as TestServer from "./server.js"

const client = HttpClient.HttpClient
const Live = UndiciHttpClient.layer

/** Runs `f` with the client and a fresh test server. */
const withServer = <A, E>(
  f: (http: HttpClient.HttpClient, server: TestServer.TestServer) => Effect.Effect<A, E, Scope.Scope>
) =>
  Effect.gen(function*() {
    const server = yield* TestServer.make
    const http = yield* client
    return yield* f(http, server)
  }).pipe(Effect.provide(Live))

/** Waits (for real) until `predicate` holds, polling every 10 ms, for up to 5 s. */
const eventually = (predicate: () => boolean) =>
  Effect.gen(function*() {
    while (!predicate()) yield* Effect.sleep("10 millis")
  }).pipe(Effect.timeout("5 seconds"))

describe("UndiciHttpClient", () => {
  describe("responses", () => {
    it.scopedLive("reads JSON, with the status, lazily built headers and the request", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/json`)
          expect(response.status).toBe(200)
          expect(response.headers["content-type"]).toBe("application/json")
          expect(response.headers).toBe(response.headers)
          expect(response.request.url).toBe(`${server.url}/json`)
          expect(yield* response.json).toEqual(TestServer.doc)
          // Read once, kept: text and JSON again, without touching the network.
          expect(yield* response.text).toBe(JSON.stringify(TestServer.doc))
          expect(yield* response.json).toEqual(TestServer.doc)
        })
      ))

    it.scopedLive("reads UTF-8 text, and the same text on every access", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/text`)
          const text = response.text
          expect(yield* text).toBe("héllo wörld ✓")
          expect(yield* text).toBe("héllo wörld ✓")
          expect(yield* response.text).toBe("héllo wörld ✓")
          // The buffered body serves other forms too.
          expect(new TextDecoder().decode(yield* response.arrayBuffer)).toBe("héllo wörld ✓")
        })
      ))

    it.scopedLive("skips a UTF-8 byte order mark in text", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/bom`)
          expect(yield* response.text).toBe("bom")
        })
      ))

    it.scopedLive("reads bytes as an ArrayBuffer of their own", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/bytes`)
          const buffer = yield* response.arrayBuffer
          expect(buffer.byteLength).toBe(256)
          expect(Array.from(new Uint8Array(buffer))).toEqual(Array.from({ length: 256 }, (_, i) => i))
        })
      ))

    it.scopedLive("reads an empty body as \"\" and its JSON as null", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/empty`)
          expect(yield* response.text).toBe("")
          expect(yield* response.json).toBe(null)
          const head = yield* http.head(`${server.url}/json`)
          expect(head.status).toBe(200)
          expect(yield* head.text).toBe("")
        })
      ))

    it.scopedLive("reads url-encoded and multipart bodies", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const params = yield* (yield* http.get(`${server.url}/form`)).urlParamsBody
          expect(UrlParams.getAll(params, "a")).toEqual(["1", "2"])
          expect(UrlParams.getFirst(params, "b")).toEqual(Option.some("x y"))
          const form = yield* (yield* http.get(`${server.url}/form`)).formData
          expect(form.getAll("a")).toEqual(["1", "2"])
          const multipart = yield* (yield* http.get(`${server.url}/multipart`)).formData
          expect(multipart.get("field")).toBe("value")
        })
      ))

    it.scopedLive("streams a body", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/big?mb=8`)
          const bytes = yield* response.stream.pipe(Stream.runFold(0, (n, chunk) => n + chunk.length))
          expect(bytes).toBe(8 * 1024 * 1024)
          // A body streamed once cannot be read again.
          const again = yield* Effect.flip(response.text)
          expect(again.reason).toBe("Decode")
          const text = yield* http.get(`${server.url}/text`).pipe(
            Effect.flatMap((r) => r.stream.pipe(Stream.decodeText(), Stream.mkString, Stream.runCollect))
          )
          expect(Chunk.join(text, "")).toBe("héllo wörld ✓")
        })
      ))

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

    it.scopedLive("gives Set-Cookie headers as cookies, and other headers by lower-case name", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/headers`)
          expect(response.status).toBe(204)
          expect(response.headers["x-custom"]).toBe("yes")
          expect(response.headers["set-cookie"]).toBe("a=1; Path=/, b=2; HttpOnly")
          expect(Cookies.toRecord(response.cookies)).toEqual({ a: "1", b: "2" })
          expect(Option.getOrUndefined(Cookies.get(response.cookies, "b"))?.options?.httpOnly).toBe(true)
          expect(response.cookies).toBe(response.cookies)
          expect(response.remoteAddress).toEqual(Option.none())
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
    it.scopedLive("sends text and bytes with their Content-Type and Content-Length", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const text = yield* http.post(`${server.url}/echo`, { body: HttpBody.text("héllo") }).pipe(
            Effect.flatMap((r) => r.json)
          )
          expect(text).toEqual({
            method: "POST",
            bytes: 6,
            contentType: "text/plain",
            contentLength: "6",
            transferEncoding: null
          })
          const bytes = yield* HttpClientRequest.put(`${server.url}/echo`).pipe(
            HttpClientRequest.bodyUint8Array(new Uint8Array(1000), "application/x-thing"),
            http.execute,
            Effect.flatMap((r) => r.json)
          )
          expect(bytes).toEqual({
            method: "PUT",
            bytes: 1000,
            contentType: "application/x-thing",
            contentLength: "1000",
            transferEncoding: null
          })
          const json = yield* HttpClientRequest.post(`${server.url}/echo`).pipe(
            HttpClientRequest.bodyUnsafeJson({ a: 1 }),
            http.execute,
            Effect.flatMap((r) => r.json)
          )
          expect(json).toMatchObject({ bytes: 7, contentType: "application/json", contentLength: "7" })
        })
      ))

    it.scopedLive("sends a Stream chunked, or with the Content-Length it was given", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const chunks = Stream.fromIterable([new Uint8Array(10), new Uint8Array(20), new Uint8Array(30)])
          const chunked = yield* HttpClientRequest.post(`${server.url}/echo`).pipe(
            HttpClientRequest.bodyStream(chunks, { contentType: "application/x-ndjson" }),
            http.execute,
            Effect.flatMap((r) => r.json)
          )
          expect(chunked).toEqual({
            method: "POST",
            bytes: 60,
            contentType: "application/x-ndjson",
            contentLength: null,
            transferEncoding: "chunked"
          })
          const sized = yield* HttpClientRequest.post(`${server.url}/echo`).pipe(
            HttpClientRequest.bodyStream(chunks, { contentLength: 60 }),
            http.execute,
            Effect.flatMap((r) => r.json)
          )
          expect(sized).toMatchObject({
            bytes: 60,
            contentType: "application/octet-stream",
            contentLength: "60",
            transferEncoding: null
          })
        })
      ))

    it.scopedLive("sends FormData as multipart with its boundary, and raw bodies", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const form = new FormData()
          form.append("field", "value")
          const multipart = yield* http.post(`${server.url}/echo`, { body: HttpBody.formData(form) })
            .pipe(Effect.flatMap((r) => r.json))
          expect(multipart).toMatchObject({
            method: "POST",
            contentType: expect.stringMatching(/^multipart\/form-data; boundary=/)
          })
          const echo = (body: HttpBody.HttpBody) =>
            http.post(`${server.url}/echo`, { body }).pipe(Effect.flatMap((r) => r.json))
          expect(yield* echo(HttpBody.raw("raw text", { contentType: "text/plain" })))
            .toMatchObject({ bytes: 8, contentType: "text/plain" })
          expect(yield* echo(HttpBody.raw(Readable.from([Buffer.from("ab"), Buffer.from("cd")]))))
            .toMatchObject({ bytes: 4, transferEncoding: "chunked" })
          expect(yield* echo(HttpBody.raw(new ArrayBuffer(5), { contentLength: 5 })))
            .toMatchObject({ bytes: 5, contentLength: "5" })
          const generated = async function*() {
            yield new Uint8Array(3)
            yield new Uint8Array(4)
          }
          expect(yield* echo(HttpBody.raw(generated()))).toMatchObject({ bytes: 7 })
          expect(yield* echo(HttpBody.raw(new Blob(["blob!"])))).toMatchObject({ bytes: 5 })
          const unsupported = yield* Effect.flip(http.post(`${server.url}/echo`, { body: HttpBody.raw(42) }))
          assert(unsupported._tag === "RequestError")
          expect(unsupported.reason).toBe("Encode")
        })
      ))

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

    it.scopedLive("fails with RequestError reason Encode when the body stream fails", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const body = Stream.concat(Stream.make(new Uint8Array(10)), Stream.fail("boom"))
          const error = yield* HttpClientRequest.post(`${server.url}/sink`).pipe(
            HttpClientRequest.bodyStream(body),
            http.execute,
            Effect.flip
          )
          assert(error._tag === "RequestError")
          expect(error.reason).toBe("Encode")
          expect(error.cause).toBe("boom")
        })
      ))

    it.scopedLive("interrupting an upload stops its stream and aborts the request", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const finalized = yield* Deferred.make<boolean>()
          const body = Stream.repeatValue(new Uint8Array(1024)).pipe(
            Stream.rechunk(1),
            Stream.tap(() => Effect.sleep("1 millis")),
            Stream.ensuring(Deferred.succeed(finalized, true))
          )
          const fiber = yield* HttpClientRequest.post(`${server.url}/sink`).pipe(
            HttpClientRequest.bodyStream(body),
            http.execute,
            Effect.fork
          )
          yield* eventually(() => (server.requests.at(-1)?.received ?? 0) > 10 * 1024)
          yield* Fiber.interrupt(fiber)
          yield* Deferred.await(finalized).pipe(Effect.timeout("5 seconds"))
          const seen = yield* Deferred.await(server.abortedOnce).pipe(Effect.timeout("5 seconds"))
          expect(seen.url).toBe("/sink")
        })
      ))
  })

  describe("backpressure and interruption", () => {
    it.scopedLive("a slow stream consumer holds the server back, and stopping aborts the body", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/big?mb=64`)
          const pull = yield* Stream.toPull(response.stream)
          let received = 0
          for (let i = 0; i < 3; i++) {
            received += Chunk.reduce(yield* pull, 0, (n, chunk) => n + chunk.length)
          }
          expect(received).toBeGreaterThan(0)
          yield* Effect.sleep("300 millis")
          const seen = server.requests.at(-1)
          assert(seen !== undefined)
          // Nothing is read: the server is stuck at what the buffers hold (a few MiB), far from 64.
          expect(seen.written).toBeLessThan(24 * 1024 * 1024)
          return seen
        }).pipe(
          Effect.scoped,
          Effect.flatMap((seen) =>
            Effect.gen(function*() {
              // The scope of the pull is closed: the body was destroyed and the connection closed.
              yield* Deferred.await(server.abortedOnce).pipe(Effect.timeout("5 seconds"))
              expect(seen.aborted).toBe(true)
              expect(seen.finished).toBe(false)
              expect(seen.written).toBeLessThan(64 * 1024 * 1024)
            })
          )
        )
      ))

    it.scopedLive("Stream.take stops a large download early", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const chunks = yield* http.get(`${server.url}/big?mb=64`).pipe(
            Effect.flatMap((r) => r.stream.pipe(Stream.take(5), Stream.runCollect))
          )
          expect(Chunk.size(chunks)).toBe(5)
          const seen = yield* Deferred.await(server.abortedOnce).pipe(Effect.timeout("5 seconds"))
          expect(seen.finished).toBe(false)
        })
      ))

    it.scopedLive("interrupting the request while waiting for headers aborts it", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const fiber = yield* Effect.fork(http.get(`${server.url}/hang`))
          yield* Deferred.await(server.hanging)
          const exit = yield* Fiber.interrupt(fiber)
          expect(Exit.isInterrupted(exit)).toBe(true)
          const seen = yield* Deferred.await(server.abortedOnce).pipe(Effect.timeout("5 seconds"))
          expect(seen.url).toBe("/hang")
        })
      ))

    it.scopedLive("Effect.timeout on a body read aborts the request", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/drip`)
          const result = yield* response.text.pipe(Effect.timeout("150 millis"), Effect.either)
          expect(result._tag).toBe("Left")
          const seen = yield* Deferred.await(server.abortedOnce).pipe(Effect.timeout("5 seconds"))
          expect(seen.url).toBe("/drip")
          // The body is gone: reading it again fails instead of hanging.
          const again = yield* Effect.flip(response.text)
          expect(again.reason).toBe("Decode")
        })
      ))

    it.scopedLive("a connection broken mid-body fails the read with ResponseError reason Decode", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const text = yield* http.get(`${server.url}/broken`).pipe(Effect.flatMap((r) => Effect.flip(r.text)))
          expect(text._tag).toBe("ResponseError")
          expect(text.reason).toBe("Decode")
          const streamed = yield* http.get(`${server.url}/broken`).pipe(
            Effect.flatMap((r) => r.stream.pipe(Stream.runFold(0, (n, c) => n + c.length), Effect.flip))
          )
          expect(streamed._tag).toBe("ResponseError")
          expect(streamed.reason).toBe("Decode")
        })
      ))

    it.scopedLive("closing the scope of HttpClient.withScope aborts an unread response", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* HttpClient.withScope(http).get(`${server.url}/big?mb=64`).pipe(Effect.scoped)
          expect(response.status).toBe(200)
          const seen = yield* Deferred.await(server.abortedOnce).pipe(Effect.timeout("5 seconds"))
          expect(seen.finished).toBe(false)
        })
      ))
  })

  describe("URLs", () => {
    it.scopedLive("appends URL parameters, never sends the fragment", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const target = (request: HttpClientRequest.HttpClientRequest) =>
            http.execute(request).pipe(Effect.flatMap((r) => r.text))
          expect(yield* target(HttpClientRequest.get(`${server.url}/url`, { urlParams: { a: "1", b: "x y&z" } })))
            .toBe("/url?a=1&b=x+y%26z")
          expect(yield* target(HttpClientRequest.get(`${server.url}/url?k=v#frag`))).toBe("/url?k=v")
          expect(yield* target(HttpClientRequest.get(`${server.url}/url`).pipe(HttpClientRequest.setHash("h"))))
            .toBe("/url")
          // Appending to an existing query: as the platform's URL-based clients do.
          expect(yield* target(HttpClientRequest.get(`${server.url}/url?k=a%20b`, { urlParams: { c: "d" } })))
            .toBe("/url?k=a+b&c=d")
          // Not trivially splittable: normalised by URL.
          expect(yield* target(HttpClientRequest.get(`${server.url.toUpperCase()}/a/./b/../../url?q=é`)))
            .toBe("/url?q=%C3%A9")
          expect(yield* target(HttpClientRequest.get(`${server.url}?q=1`))).toBe("/?q=1")
        })
      ))

    it.scopedLive("fails with RequestError reason InvalidUrl for an unusable URL", () =>
      withServer((http) =>
        Effect.gen(function*() {
          for (const url of ["not a url", "/relative", "ftp://example.com/x", "http://exa mple.com/"]) {
            const error = yield* Effect.flip(http.get(url))
            assert(error._tag === "RequestError", url)
            expect(error.reason, url).toBe("InvalidUrl")
          }
        })
      ))
  })

  describe("failures", () => {
    it.scopedLive("a refused connection is RequestError reason Transport, with undici's error as cause", () =>
      Effect.gen(function*() {
        const port = yield* TestServer.closedPort
        const http = yield* client
        const error = yield* Effect.flip(http.get(`http://127.0.0.1:${port}/`))
        assert(error._tag === "RequestError")
        expect(error.reason).toBe("Transport")
        expect(error.cause).toMatchObject({ code: "ECONNREFUSED" })
      }).pipe(Effect.provide(Live)))

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

    it.scopedLive("concurrent requests over keep-alive connections", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const count = yield* Ref.make(0)
          yield* Effect.forEach(
            Array.from({ length: 200 }),
            () =>
              http.get(`${server.url}/json`).pipe(
                Effect.flatMap((r) => r.json),
                Effect.zipRight(Ref.update(count, (n) => n + 1))
              ),
            { concurrency: 16, discard: true }
          )
          expect(yield* Ref.get(count)).toBe(200)
          expect(server.requests.length).toBe(200)
        })
      ))
  })
})

/**
 * One HttpClient conformance suite over every transport the README names: ours
 * (`UndiciHttpClient.layer`), `NodeHttpClient.layerUndici`, node:http with a keep-alive agent,
 * and `FetchHttpClient`. Where a transport behaves differently, its entry in `transports` says
 * how, so a divergence is written down here rather than found by users.
 */
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { Cookies, FetchHttpClient, HttpBody, HttpClient, HttpClientRequest, UrlParams } from "@effect/platform"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { assert, describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Deferred, Effect, Exit, Fiber, Layer, Option, Predicate, Ref, Stream } from "effect"
import { Readable } from "node:stream"
import * as TestServer from "./server.js"

interface Transport {
  readonly name: string
  readonly layer: Layer.Layer<HttpClient.HttpClient>
  readonly differs: Differences
}

/** What an effect came to: its value, `"<tag> <reason>"` for a failure, or how it did not end. */
type Outcome = unknown

type RawKind = "string" | "Readable" | "ArrayBuffer" | "AsyncIterable" | "Blob" | "number"

/** The behaviours in which the transports differ. */
interface Differences {
  /** `response.headers` is one object, built once. */
  readonly headersKept: boolean
  /** Reading `text` a second time (then `arrayBuffer`). */
  readonly secondRead: Outcome
  /** `text` drops a UTF-8 byte order mark. */
  readonly dropsBom: boolean
  /** `formData` of a url-encoded and of a multipart body. */
  readonly formData: Outcome
  /** Reading `text` after the body was streamed. */
  readonly readAfterStream: Outcome
  /** A `FormData` request body: sent as multipart with its boundary (`true`), or the failure. */
  readonly formDataBody: Outcome
  /** `remoteAddress` is known. */
  readonly remoteAddress: boolean
  /** `headers["set-cookie"]` of a response with two Set-Cookie headers. */
  readonly setCookieHeader: string
  /** A `Stream` body with a `contentLength`: sent with that Content-Length rather than chunked. */
  readonly streamContentLength: boolean
  /** Raw bodies (`HttpBody.raw`): bytes the server received, or the failure. */
  readonly rawBodies: Readonly<Record<RawKind, Outcome>>
  /** A body `Stream` that fails midway. */
  readonly failingStream: Outcome
  /** Interrupting an upload: the body stream is stopped, and the server sees the request aborted. */
  readonly uploadInterrupted: { readonly streamStopped: boolean; readonly serverAborted: boolean }
  /** Reading a body again after `Effect.timeout` interrupted the first read. */
  readonly readAfterTimeout: Outcome
  /** The request-targets sent for `/url?k=v#frag` and for `/url` with `setHash("h")`. */
  readonly fragment: readonly [string, string]
  /** Unusable URLs. */
  readonly invalidUrls: Readonly<Record<string, Outcome>>
  /** Where a refused connection's `ECONNREFUSED` is: the cause, or the cause's cause (fetch's TypeError). */
  readonly refusedCode: "cause" | "cause.cause"
}

const ours: Differences = {
  headersKept: true,
  secondRead: ["héllo wörld ✓", "héllo wörld ✓"],
  dropsBom: true,
  formData: [["1", "2"], "value"],
  readAfterStream: "ResponseError Decode",
  formDataBody: true,
  remoteAddress: false,
  setCookieHeader: "a=1; Path=/, b=2; HttpOnly",
  streamContentLength: true,
  rawBodies: { string: 8, Readable: 4, ArrayBuffer: 5, AsyncIterable: 7, Blob: 5, number: "RequestError Encode" },
  failingStream: "RequestError Encode",
  uploadInterrupted: { streamStopped: true, serverAborted: true },
  readAfterTimeout: "ResponseError Decode",
  fragment: ["/url?k=v", "/url"],
  invalidUrls: {
    "not a url": "RequestError InvalidUrl",
    "/relative": "RequestError InvalidUrl",
    "ftp://example.com/x": "RequestError InvalidUrl",
    "http://exa mple.com/": "RequestError InvalidUrl"
  },
  refusedCode: "cause"
}

const transports: ReadonlyArray<Transport> = [
  { name: "UndiciHttpClient.layer", layer: UndiciHttpClient.layer, differs: ours },
  {
    name: "NodeHttpClient.layerUndici",
    layer: NodeHttpClient.layerUndici,
    differs: {
      ...ours,
      headersKept: false,
      secondRead: "ResponseError Decode",
      formData: "ResponseError Decode",
      formDataBody: "RequestError Transport",
      rawBodies: { ...ours.rawBodies, number: "RequestError Transport" },
      failingStream: "RequestError Transport",
      readAfterTimeout: "interrupted",
      fragment: ["/url?k=v#frag", "/url#h"],
      invalidUrls: { ...ours.invalidUrls, "ftp://example.com/x": "RequestError Transport" }
    }
  },
  {
    name: "NodeHttpClient, node:http keep-alive agent",
    layer: NodeHttpClient.layerWithoutAgent.pipe(Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true }))),
    differs: {
      ...ours,
      headersKept: false,
      secondRead: "hangs",
      dropsBom: false,
      readAfterStream: "hangs",
      remoteAddress: true,
      rawBodies: {
        string: 8,
        Readable: "defect ERR_INVALID_ARG_TYPE",
        ArrayBuffer: "defect ERR_INVALID_ARG_TYPE",
        AsyncIterable: "defect ERR_INVALID_ARG_TYPE",
        Blob: "defect ERR_INVALID_ARG_TYPE",
        number: "defect ERR_INVALID_ARG_TYPE"
      },
      readAfterTimeout: "interrupted",
      invalidUrls: { ...ours.invalidUrls, "ftp://example.com/x": "defect ERR_INVALID_PROTOCOL" }
    }
  },
  {
    name: "FetchHttpClient",
    layer: FetchHttpClient.layer,
    differs: {
      ...ours,
      headersKept: false,
      secondRead: "ResponseError Decode",
      setCookieHeader: "b=2; HttpOnly",
      streamContentLength: false,
      rawBodies: {
        string: 8,
        Readable: "RequestError Transport",
        ArrayBuffer: 5,
        AsyncIterable: "RequestError Transport",
        Blob: 5,
        number: 2
      },
      failingStream: "RequestError Transport",
      uploadInterrupted: { streamStopped: false, serverAborted: true },
      readAfterTimeout: "interrupted",
      invalidUrls: { ...ours.invalidUrls, "ftp://example.com/x": "RequestError Transport" },
      refusedCode: "cause.cause"
    }
  }
]

/** Runs `effect` to an `Outcome`; `hangs` when it has not ended after 3 s (for a read that never completes). */
const outcome = <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<Outcome> =>
  effect.pipe(
    Effect.timeoutFail({ duration: "3 seconds", onTimeout: () => "hangs" as const }),
    Effect.exit,
    Effect.map(Exit.match({
      onSuccess: (value): Outcome => value,
      onFailure: (cause): Outcome => {
        if (Cause.isInterruptedOnly(cause)) return "interrupted"
        const failure = Cause.failureOption(cause)
        if (Option.isNone(failure)) {
          const defect = Cause.squash(cause)
          return `defect ${Predicate.hasProperty(defect, "code") ? String(defect.code) : String(defect)}`
        }
        const error: unknown = failure.value
        if (error === "hangs") return "hangs"
        const tag = Predicate.hasProperty(error, "_tag") ? String(error._tag) : String(error)
        return Predicate.hasProperty(error, "reason") ? `${tag} ${String(error.reason)}` : tag
      }
    }))
  )

/** Waits (for real) until `predicate` holds, polling every 10 ms, for up to 5 s. */
const eventually = (predicate: () => boolean) =>
  Effect.gen(function*() {
    while (!predicate()) yield* Effect.sleep("10 millis")
  }).pipe(Effect.timeout("5 seconds"))

describe.each(transports)("$name", (transport) => {
  const Live = transport.layer
  const differs = transport.differs
  const client = HttpClient.HttpClient
  const withServer = TestServer.withServer(Live)

  describe("responses", () => {
    it.scopedLive("reads JSON, with the status, lazily built headers and the request", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/json`)
          expect(response.status).toBe(200)
          expect(response.headers["content-type"]).toBe("application/json")
          expect(response.headers === response.headers).toBe(differs.headersKept)
          expect(response.request.url).toBe(`${server.url}/json`)
          expect(yield* response.json).toEqual(TestServer.doc)
        })
      ))

    it.scopedLive("reads UTF-8 text; a second read as the transport does it", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/text`)
          expect(yield* response.text).toBe("héllo wörld ✓")
          const again = yield* outcome(
            Effect.all([response.text, Effect.map(response.arrayBuffer, (b) => new TextDecoder().decode(b))])
          )
          expect(again).toEqual(differs.secondRead)
        })
      ))

    it.scopedLive("reads text with a UTF-8 byte order mark", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/bom`)
          expect(yield* response.text).toBe(differs.dropsBom ? "bom" : "\ufeffbom")
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
          const form = yield* http.get(`${server.url}/form`)
          const multipart = yield* http.get(`${server.url}/multipart`)
          const read = yield* outcome(Effect.all([
            Effect.map(form.formData, (f) => f.getAll("a")),
            Effect.map(multipart.formData, (f) => f.get("field"))
          ]))
          expect(read).toEqual(differs.formData)
        })
      ))

    it.scopedLive("streams a body", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/big?mb=8`)
          const bytes = yield* response.stream.pipe(Stream.runFold(0, (n, chunk) => n + chunk.length))
          expect(bytes).toBe(8 * 1024 * 1024)
          // A body streamed once: reading it again.
          expect(yield* outcome(response.text)).toEqual(differs.readAfterStream)
          const text = yield* http.get(`${server.url}/text`).pipe(
            Effect.flatMap((r) => r.stream.pipe(Stream.decodeText(), Stream.mkString, Stream.runCollect))
          )
          expect(Chunk.join(text, "")).toBe("héllo wörld ✓")
        })
      ))

    it.scopedLive("gives Set-Cookie headers as cookies, and other headers by lower-case name", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const response = yield* http.get(`${server.url}/headers`)
          expect(response.status).toBe(204)
          expect(response.headers["x-custom"]).toBe("yes")
          expect(response.headers["set-cookie"]).toBe(differs.setCookieHeader)
          expect(Cookies.toRecord(response.cookies)).toEqual({ a: "1", b: "2" })
          expect(Option.getOrUndefined(Cookies.get(response.cookies, "b"))?.options?.httpOnly).toBe(true)
          expect(response.cookies).toBe(response.cookies)
          expect(Option.isSome(response.remoteAddress)).toBe(differs.remoteAddress)
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
            contentLength: differs.streamContentLength ? "60" : null,
            transferEncoding: differs.streamContentLength ? null : "chunked"
          })
        })
      ))

    it.scopedLive("sends FormData as multipart with its boundary; raw bodies as the transport takes them", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const form = new FormData()
          form.append("field", "value")
          const multipart = yield* outcome(
            http.post(`${server.url}/echo`, { body: HttpBody.formData(form) }).pipe(
              Effect.flatMap((r) => r.json),
              Effect.map((echo) =>
                Predicate.hasProperty(echo, "contentType") &&
                String(echo.contentType).startsWith("multipart/form-data; boundary=")
              )
            )
          )
          expect(multipart).toEqual(differs.formDataBody)
          const generated = async function*() {
            yield new Uint8Array(3)
            yield new Uint8Array(4)
          }
          const bodies: Record<RawKind, HttpBody.HttpBody> = {
            string: HttpBody.raw("raw text", { contentType: "text/plain" }),
            Readable: HttpBody.raw(Readable.from([Buffer.from("ab"), Buffer.from("cd")])),
            ArrayBuffer: HttpBody.raw(new ArrayBuffer(5), { contentLength: 5 }),
            AsyncIterable: HttpBody.raw(generated()),
            Blob: HttpBody.raw(new Blob(["blob!"])),
            number: HttpBody.raw(42)
          }
          const received: Record<string, Outcome> = {}
          for (const [kind, body] of Object.entries(bodies)) {
            received[kind] = yield* outcome(
              http.post(`${server.url}/echo`, { body }).pipe(
                Effect.flatMap((r) => r.json),
                Effect.map((echo) => Predicate.hasProperty(echo, "bytes") ? echo.bytes : echo)
              )
            )
          }
          expect(received).toEqual(differs.rawBodies)
        })
      ))

    it.scopedLive("a body stream that fails fails the request", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const body = Stream.concat(Stream.make(new Uint8Array(10)), Stream.fail("boom"))
          const result = yield* outcome(
            HttpClientRequest.post(`${server.url}/sink`).pipe(
              HttpClientRequest.bodyStream(body),
              http.execute
            )
          )
          expect(result).toEqual(differs.failingStream)
        })
      ))

    it.scopedLive("interrupting an upload", () =>
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
          const streamStopped = yield* Deferred.await(finalized).pipe(Effect.timeout("5 seconds"), Effect.isSuccess)
          const serverAborted = yield* Deferred.await(server.abortedOnce).pipe(
            Effect.timeout("5 seconds"),
            Effect.isSuccess
          )
          expect({ streamStopped, serverAborted }).toEqual(differs.uploadInterrupted)
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
          // The body is gone: reading it again.
          expect(yield* outcome(response.text)).toEqual(differs.readAfterTimeout)
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
    it.scopedLive("appends URL parameters; the fragment as the transport sends it", () =>
      withServer((http, server) =>
        Effect.gen(function*() {
          const target = (request: HttpClientRequest.HttpClientRequest) =>
            http.execute(request).pipe(Effect.flatMap((r) => r.text))
          expect(yield* target(HttpClientRequest.get(`${server.url}/url`, { urlParams: { a: "1", b: "x y&z" } })))
            .toBe("/url?a=1&b=x+y%26z")
          expect([
            yield* target(HttpClientRequest.get(`${server.url}/url?k=v#frag`)),
            yield* target(HttpClientRequest.get(`${server.url}/url`).pipe(HttpClientRequest.setHash("h")))
          ]).toEqual(differs.fragment)
          // Appending to an existing query: as the platform's URL-based clients do.
          expect(yield* target(HttpClientRequest.get(`${server.url}/url?k=a%20b`, { urlParams: { c: "d" } })))
            .toBe("/url?k=a+b&c=d")
          // Not trivially splittable: normalised by URL.
          expect(yield* target(HttpClientRequest.get(`${server.url.toUpperCase()}/a/./b/../../url?q=é`)))
            .toBe("/url?q=%C3%A9")
          expect(yield* target(HttpClientRequest.get(`${server.url}?q=1`))).toBe("/?q=1")
        })
      ))

    it.scopedLive("fails on an unusable URL", () =>
      withServer((http) =>
        Effect.gen(function*() {
          const results: Record<string, Outcome> = {}
          for (const url of Object.keys(differs.invalidUrls)) results[url] = yield* outcome(http.get(url))
          expect(results).toEqual(differs.invalidUrls)
        })
      ))
  })

  describe("failures", () => {
    it.scopedLive("a refused connection is RequestError reason Transport, with ECONNREFUSED in the cause", () =>
      Effect.gen(function*() {
        const port = yield* TestServer.closedPort
        const http = yield* client
        const error = yield* Effect.flip(http.get(`http://127.0.0.1:${port}/`))
        assert(error._tag === "RequestError")
        expect(error.reason).toBe("Transport")
        const cause = differs.refusedCode === "cause" ? error.cause : Reflect.get(Object(error.cause), "cause")
        expect(cause).toMatchObject({ code: "ECONNREFUSED" })
      }).pipe(Effect.provide(Live)))

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

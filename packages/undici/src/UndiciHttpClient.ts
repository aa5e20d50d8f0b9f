/**
 * A lean `HttpClient` (from `@effect/platform`) over undici's `Dispatcher.request`.
 *
 * It does what a request needs and nothing per request beyond it, which makes it about as
 * fast as calling undici directly (measured on a 1 KB JSON document against a local server:
 * within a few percent of `undici.request`, where `NodeHttpClient.layerUndici` takes 2 to 5
 * times as long):
 *
 * - **No tracing.** No span is created per request and no trace headers are sent; the
 *   platform's tracer settings (`HttpClient.withTracerDisabledWhen`,
 *   `withTracerPropagation`, `withSpanNameGenerator`) have no effect. Callers that want a
 *   span create their own (the CouchDB client makes one per operation).
 * - **No `new URL` per request** for plain absolute `http:`/`https:` URLs; anything else
 *   (upper case, IPv6, non-ASCII, dot segments, parameters appended to an existing query…)
 *   goes through the platform's `UrlParams.makeUrl`, so the request-target is the one the
 *   platform would build. The fragment (`request.hash`, `#…`) is never sent, as fetch and
 *   node:http do not send it. An unusable URL fails with `RequestError` reason `"InvalidUrl"`.
 * - **No timeouts.** undici's `headersTimeout` and `bodyTimeout` are off, as in
 *   `@effect/platform-node`; use `Effect.timeout` and friends. Interrupting the request
 *   aborts it (through undici's `signal` option, given an `EventEmitter`: an
 *   `AbortController` per request costs more than the rest of the client); interrupting a
 *   body read, or stopping a body `stream` before its end, destroys the body, which closes
 *   the connection.
 * - **No finalization registry.** A response whose body is never read is not aborted when it
 *   is garbage collected (the platform's client registers every response for that). A small
 *   body is received whole anyway and the connection goes back to the pool at once; a body
 *   larger than undici's buffers (~64 KiB plus the socket's) keeps its connection busy
 *   until the server closes it or the dispatcher is destroyed. So read every body, or
 *   discard it: `Effect.ignore(response.arrayBuffer)` for a small one; for a large one, stop
 *   its stream (`response.stream.pipe(Stream.take(1), Stream.runDrain)`), which aborts it.
 *
 * Transport failures are `RequestError` reason `"Transport"` with undici's error as `cause`;
 * a failing request body stream is reason `"Encode"`; failures while reading a body are
 * `ResponseError` reason `"Decode"`. Request bodies go out as the platform describes them
 * (`Content-Type` and `Content-Length` are the request's headers, set by
 * `HttpClientRequest.setBody`), a `Stream` body with backpressure, without being buffered.
 * A `FormData` body is copied into undici's own `FormData` class, the only one undici's
 * multipart encoder recognises (Node's global `FormData` comes from Node's bundled undici).
 *
 * A response's body is read once: `text`, `json`, `arrayBuffer`, `urlParamsBody` and
 * `formData` share one buffered read (reading `text` twice, or `text` then `arrayBuffer`,
 * is fine), while `stream` hands the body over as it arrives and excludes the others.
 * `remoteAddress` is always `None` (undici's request API does not expose the socket).
 *
 * `HttpClient.withScope` is honoured: closing the scope aborts the request.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { Agent, type Dispatcher, getGlobalDispatcher } from "undici"
import * as internal from "./internal/client.js"

/**
 * An `HttpClient` sending every request through `dispatcher` (an undici `Agent`, `Pool`,
 * `Client`, `MockAgent`, or one wrapped with interceptors). The dispatcher's lifetime is the
 * caller's.
 *
 * @example
 * ```ts
 * import { UndiciHttpClient } from "@effect-couchdb/undici"
 * import { HttpClient } from "@effect/platform"
 * import { Layer } from "effect"
 * import { Pool } from "undici"
 *
 * const pool = new Pool("http://127.0.0.1:5984", { connections: 16 })
 * const HttpLive = Layer.succeed(HttpClient.HttpClient, UndiciHttpClient.make(pool))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (dispatcher: Dispatcher) => HttpClient.HttpClient = internal.make

/**
 * The client over a new undici `Agent` built with `options`, destroyed (aborting whatever is
 * still in flight) when the layer is released.
 *
 * @example
 * ```ts
 * import { UndiciHttpClient } from "@effect-couchdb/undici"
 *
 * // At most 8 connections per origin, idle ones closed after 10 s.
 * const HttpLive = UndiciHttpClient.layerWith({ connections: 8, keepAliveTimeout: 10_000 })
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Agent.Options): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => new Agent(options)),
        (agent) => Effect.promise(() => agent.destroy())
      ),
      make
    )
  )

/**
 * The client over its own undici `Agent` with undici's defaults: connections are kept alive
 * (4 s idle, or what the server's `Keep-Alive` header says) and not limited in number per
 * origin. The agent is destroyed when the layer is released.
 *
 * @example
 * ```ts
 * import { CouchAuth, CouchClient } from "@effect-couchdb/client"
 * import { UndiciHttpClient } from "@effect-couchdb/undici"
 * import { Effect, Layer } from "effect"
 *
 * const CouchLive = Layer.mergeAll(
 *   CouchClient.layer({ url: "http://127.0.0.1:5984" }),
 *   CouchAuth.layerNone
 * ).pipe(Layer.provide(UndiciHttpClient.layer))
 *
 * const program = Effect.gen(function*() {
 *   const couch = yield* CouchClient.CouchClient
 *   const response = yield* couch.root.get()
 *   return yield* response.json
 * })
 *
 * // Run it with Effect.runPromise(main).
 * export const main = program.pipe(Effect.provide(CouchLive))
 * ```
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = layerWith({})

/**
 * The client over undici's global dispatcher (`getGlobalDispatcher()`, the one `fetch` uses
 * and `setGlobalDispatcher` replaces), read when the layer is built and never destroyed.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerGlobal: Layer.Layer<HttpClient.HttpClient> = Layer.sync(
  HttpClient.HttpClient,
  () => make(getGlobalDispatcher())
)

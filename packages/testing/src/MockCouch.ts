/**
 * An `HttpClient` layer that answers from route handlers instead of the network, and
 * records every request for assertions. Swap it in where your program expects an
 * `HttpClient` to test CouchDB code without a server, including streamed bodies, slow
 * chunks and connections that break midway.
 *
 * @since 0.1.0
 */
import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"

/**
 * A request as the mock server saw it.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  /** The full URL, as sent. */
  readonly url: URL
  /** The raw (still percent-escaped) path. */
  readonly path: string
  /** The query parameters, decoded. */
  readonly query: URLSearchParams
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body as text, when there was one. */
  readonly body: string | undefined
  /** The body's exact bytes, when there was one (binary bodies do not survive as text). */
  readonly bodyBytes: Uint8Array | undefined
  /** True once the client aborted the request (e.g. a stream was interrupted). */
  readonly aborted: () => boolean
}

/**
 * A reply to a request.
 *
 * @since 0.1.0
 * @category models
 */
export type Reply =
  | {
    readonly _tag: "Body"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    /** The body in chunks, each sent after `delay`; `fail` breaks the connection after them. */
    readonly chunks: ReadonlyArray<Uint8Array | string>
    readonly delay: Duration.Duration
    readonly fail: string | undefined
  }
  | {
    readonly _tag: "TransportFailure"
    readonly description: string
  }
  | {
    readonly _tag: "Lazy"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    /** Produces chunk `n` when the client reads it; `undefined` ends the body. */
    readonly next: (n: number) => Uint8Array | string | undefined
  }

/**
 * A JSON reply.
 *
 * @since 0.1.0
 * @category replies
 */
export const json = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Reply => ({
  _tag: "Body",
  status,
  headers: { "content-type": "application/json", ...headers },
  chunks: [`${JSON.stringify(body)}\n`],
  delay: Duration.zero,
  fail: undefined
})

/**
 * A reply with raw bytes or text, sent as one chunk.
 *
 * @since 0.1.0
 * @category replies
 */
export const raw = (
  status: number,
  body: Uint8Array | string,
  headers: Readonly<Record<string, string>> = {}
): Reply => ({ _tag: "Body", status, headers, chunks: [body], delay: Duration.zero, fail: undefined })

/**
 * A chunked reply: each chunk is sent after `delay`; with `failAfter`, the connection
 * breaks once the chunks are sent.
 *
 * @since 0.1.0
 * @category replies
 */
export const chunked = (
  status: number,
  chunks: ReadonlyArray<Uint8Array | string>,
  options: {
    readonly headers?: Readonly<Record<string, string>> | undefined
    readonly delay?: Duration.DurationInput | undefined
    readonly failAfter?: string | undefined
  } = {}
): Reply => ({
  _tag: "Body",
  status,
  headers: { "content-type": "application/json", ...options.headers },
  chunks,
  delay: Duration.decode(options.delay ?? Duration.zero),
  fail: options.failAfter
})

/**
 * A body produced on demand, chunk by chunk, only as fast as the client reads it — to
 * check that a consumer does not make the client buffer.
 *
 * @since 0.1.0
 * @category replies
 */
export const lazy = (
  status: number,
  next: (n: number) => Uint8Array | string | undefined,
  headers: Readonly<Record<string, string>> = { "content-type": "application/json" }
): Reply => ({ _tag: "Lazy", status, headers, next })

/**
 * The connection fails before any response (e.g. refused).
 *
 * @since 0.1.0
 * @category replies
 */
export const transportFailure = (description = "ECONNREFUSED"): Reply => ({ _tag: "TransportFailure", description })

/**
 * A route: a method (or `"*"`), a path pattern and a handler. A string pattern matches the
 * raw path exactly; a RegExp is tested against it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Route {
  readonly method: string
  readonly path: string | RegExp
  readonly handle: (request: RecordedRequest) => Reply | Effect.Effect<Reply>
}

/**
 * @since 0.1.0
 * @category constructors
 */
export const route = (
  method: string,
  path: string | RegExp,
  handle: Reply | ((request: RecordedRequest) => Reply | Effect.Effect<Reply>)
): Route => ({ method, path, handle: typeof handle === "function" ? handle : () => handle })

/**
 * The mock server's recorder.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Every request received so far, in order. */
  readonly requests: Effect.Effect<ReadonlyArray<RecordedRequest>>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class MockCouch extends Context.Tag("@effect-couchdb/testing/MockCouch")<MockCouch, Service>() {}

const encoder = new TextEncoder()
const toBytes = (chunk: Uint8Array | string) => typeof chunk === "string" ? encoder.encode(chunk) : chunk

const bodyBytes = (body: HttpBody.HttpBody): Effect.Effect<Uint8Array | undefined> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Raw":
      return Effect.succeed(encoder.encode(typeof body.body === "string" ? body.body : String(body.body)))
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((chunks) => concat(Chunk.toReadonlyArray(chunks))),
        Effect.orElseSucceed(() => undefined)
      )
    case "FormData":
      return Effect.succeed(undefined)
  }
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

const webBody = (reply: Reply, signal: AbortSignal): ReadableStream<Uint8Array> | null => {
  if (reply._tag === "TransportFailure") return null
  if (reply._tag === "Lazy") {
    let n = 0
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = reply.next(n++)
        if (next === undefined) controller.close()
        else controller.enqueue(toBytes(next))
      }
    }, { highWaterMark: 0 })
  }
  const delayMs = Duration.toMillis(reply.delay)
  let index = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
      if (signal.aborted) return
      const chunk = reply.chunks[index++]
      if (chunk !== undefined) {
        controller.enqueue(toBytes(chunk))
      } else if (reply.fail !== undefined) {
        controller.error(Object.assign(new Error(reply.fail), { code: "ECONNRESET" }))
      } else {
        controller.close()
      }
    }
  }, { highWaterMark: 0 })
}

const matches = (route: Route, method: string, path: string) =>
  (route.method === "*" || route.method === method) &&
  (typeof route.path === "string" ? route.path === path : route.path.test(path))

/**
 * Builds the mock client and its recorder. A request no route matches gets a 404 with a
 * CouchDB-style body, so a missing route shows up as a `NotFound` in the test.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (routes: ReadonlyArray<Route>): Effect.Effect<{
  readonly client: HttpClient.HttpClient
  readonly service: Service
}> =>
  Effect.sync(() => {
    const recorded: Array<RecordedRequest> = []
    const client = HttpClient.make((request: HttpClientRequest.HttpClientRequest, url, signal) =>
      Effect.gen(function*() {
        const bytes = yield* bodyBytes(request.body)
        const seen: RecordedRequest = {
          method: request.method,
          url,
          path: url.pathname,
          query: url.searchParams,
          headers: { ...request.headers },
          body: bytes === undefined ? undefined : new TextDecoder().decode(bytes),
          bodyBytes: bytes,
          aborted: () => signal.aborted
        }
        recorded.push(seen)
        const found = routes.find((r) => matches(r, request.method, url.pathname))
        const handled = found === undefined
          ? json(404, { error: "not_found", reason: `no mock route for ${request.method} ${url.pathname}` })
          : found.handle(seen)
        const reply = Effect.isEffect(handled) ? yield* handled : handled
        if (reply._tag === "TransportFailure") {
          return yield* Effect.fail(
            new HttpClientError.RequestError({
              request,
              reason: "Transport",
              cause: Object.assign(new Error(reply.description), { code: reply.description })
            })
          )
        }
        const status = reply.status
        const noBody = request.method === "HEAD" || status === 204 || status === 304
        return HttpClientResponse.fromWeb(
          request,
          new Response(noBody ? null : webBody(reply, signal), { status, headers: reply.headers })
        )
      })
    )
    return { client, service: { requests: Effect.sync(() => [...recorded]) } }
  })

/**
 * A layer with the mock `HttpClient` and the `MockCouch` recorder.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { MockCouch } from "@effect-couchdb/testing"
 *
 * const Mock = MockCouch.layer([
 *   MockCouch.route("PUT", "/db/doc", MockCouch.json(409, { error: "conflict", reason: "Document update conflict." }))
 * ])
 * ```
 */
export const layer = (routes: ReadonlyArray<Route>): Layer.Layer<HttpClient.HttpClient | MockCouch> =>
  Layer.effectContext(
    Effect.map(
      make(routes),
      ({ client, service }) => Context.make(HttpClient.HttpClient, client).pipe(Context.add(MockCouch, service))
    )
  )

/**
 * The requests received so far.
 *
 * @since 0.1.0
 * @category accessors
 */
export const requests: Effect.Effect<ReadonlyArray<RecordedRequest>, never, MockCouch> = Effect.flatMap(
  MockCouch,
  (mock) => mock.requests
)

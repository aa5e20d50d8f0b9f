/**
 * An `HttpClient` layer that answers from route handlers or from expectations instead of
 * the network, and records every request for assertions. Swap it in where your program
 * expects an `HttpClient` to test CouchDB code without a server, including streamed bodies,
 * slow chunks and connections that break midway.
 *
 * A request that no route or expectation answers fails the test loudly: the effect that
 * sent it dies with `UnexpectedRequest`, whose message shows the method, path, query and
 * body. Routes can opt into CouchDB's 404 instead (`{ unrouted: "notFound" }`).
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Stream from "effect/Stream"
import type { ExpectationsNotMet } from "./internal/errors.js"
import * as internal from "./internal/mockCouch.js"

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
  /** The body as bytes, when there was one (binary bodies do not survive as text). */
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
  | {
    readonly _tag: "Stream"
    readonly status: number
    readonly headers: Readonly<Record<string, string>>
    /** The body, run in the requesting fiber's context (its `Clock`, e.g. `TestClock`) as the client reads it. */
    readonly body: Stream.Stream<Uint8Array | string>
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
 * A body produced by a `Stream`, pulled as the client reads it, with the clock and the other
 * services of the fiber that sent the request: under `TestClock`, a body that waits between
 * chunks (heartbeats, a connection gone silent: `Stream.never`) is driven by
 * `TestClock.adjust`. Interrupting the request (or dropping the response) interrupts the
 * stream.
 *
 * @since 0.2.0
 * @category replies
 * @example
 * ```ts
 * import { MockCouch } from "@effect-couchdb/testing"
 * import { Effect, Stream } from "effect"
 *
 * // A continuous feed: one change, then a heartbeat every 30 s, forever.
 * const feed = MockCouch.stream(
 *   200,
 *   Stream.concat(
 *     Stream.make(`{"seq":"1-a","id":"d1","changes":[{"rev":"1-x"}]}\n`),
 *     Stream.repeatEffect(Effect.as(Effect.sleep("30 seconds"), "\n"))
 *   )
 * )
 * ```
 */
export const stream = (
  status: number,
  body: Stream.Stream<Uint8Array | string>,
  headers: Readonly<Record<string, string>> = { "content-type": "application/json" }
): Reply => ({ _tag: "Stream", status, headers, body })

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
  /**
   * Fails with `ExpectationsNotMet` when an expected request never came or a request was
   * not expected (also when the test caught the defect it raised).
   *
   * @since 0.2.0
   */
  readonly verify: Effect.Effect<void, ExpectationsNotMet>
}

/**
 * @since 0.1.0
 * @category tags
 */
export class MockCouch extends Context.Tag("@effect-couchdb/testing/MockCouch")<MockCouch, Service>() {}

/**
 * Options of a routed mock.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /**
   * What a request no route matches gets: `"fail"` (the default) dies with
   * `UnexpectedRequest`, so a mistyped route cannot pass for a missing document;
   * `"notFound"` answers CouchDB's 404 `{"error":"not_found","reason":"missing"}`.
   */
  readonly unrouted?: "fail" | "notFound" | undefined
}

/**
 * Builds the mock client and its recorder. A request no route matches dies with
 * `UnexpectedRequest`, unless `options.unrouted` is `"notFound"`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (routes: ReadonlyArray<Route>, options?: Options) => Effect.Effect<{
  readonly client: HttpClient.HttpClient
  readonly service: Service
}> = internal.make

const toContext = (mock: { readonly client: HttpClient.HttpClient; readonly service: Service }) =>
  Context.make(HttpClient.HttpClient, mock.client).pipe(Context.add(MockCouch, mock.service))

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
export const layer = (
  routes: ReadonlyArray<Route>,
  options?: Options
): Layer.Layer<HttpClient.HttpClient | MockCouch> => Layer.effectContext(Effect.map(make(routes, options), toContext))

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

/**
 * Fails with `ExpectationsNotMet` when an expected request never came or a request was
 * not expected.
 *
 * @since 0.2.0
 * @category accessors
 */
export const verify: Effect.Effect<void, ExpectationsNotMet, MockCouch> = Effect.flatMap(
  MockCouch,
  (mock) => mock.verify
)

/**
 * An expected request and its reply. Each one answers `times` requests (default 1), then
 * is used up.
 *
 * @since 0.2.0
 * @category models
 */
export interface Expectation {
  /** The method, or `"*"` for any. */
  readonly method: string
  /** The raw path exactly, a RegExp tested against it, or a predicate on the whole request. */
  readonly path: string | RegExp | ((request: RecordedRequest) => boolean)
  readonly handle: (request: RecordedRequest) => Reply | Effect.Effect<Reply>
  readonly times: number
  /** Query parameters the request must have, with these (decoded) values; others are allowed. */
  readonly query?: Readonly<Record<string, string>> | undefined
  /** Headers the request must have, with these values; others are allowed. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** The body, parsed as JSON, must equal this value (key order does not matter). */
  readonly json?: unknown
  /** How failures name this expectation. */
  readonly description: string
}

/**
 * Options of `expect`.
 *
 * @since 0.2.0
 * @category models
 */
export interface ExpectOptions {
  /** How many requests this expectation answers (a positive integer, default 1). */
  readonly times?: number | undefined
  readonly query?: Readonly<Record<string, string>> | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  readonly json?: unknown
  /** Overrides the generated description, e.g. for a predicate path. */
  readonly description?: string | undefined
}

/**
 * An expected request. Throws a `RangeError` when `times` is not a positive integer.
 *
 * @since 0.2.0
 * @category constructors
 */
export const expect = (
  method: string,
  path: Expectation["path"],
  reply: Reply | ((request: RecordedRequest) => Reply | Effect.Effect<Reply>),
  options: ExpectOptions = {}
): Expectation => {
  const times = options.times ?? 1
  if (!Number.isInteger(times) || times < 1) {
    throw new RangeError(`MockCouch.expect: times must be a positive integer, got ${times}`)
  }
  const query = options.query === undefined ? "" : `?${new URLSearchParams(options.query).toString()}`
  const shown = typeof path === "function" ? "<predicate>" : String(path)
  return {
    method,
    path,
    handle: typeof reply === "function" ? reply : () => reply,
    times,
    query: options.query,
    headers: options.headers,
    json: options.json,
    description: options.description ??
      `${method} ${shown}${query}${options.json === undefined ? "" : ` with body ${JSON.stringify(options.json)}`}`
  }
}

/**
 * Options of an expectation mock.
 *
 * @since 0.2.0
 * @category models
 */
export interface ExpectationsOptions {
  /**
   * `true` (the default): each request must match the first expectation not used up yet.
   * `false`: a request takes the first unused expectation it matches.
   */
  readonly ordered?: boolean | undefined
}

/**
 * Builds a mock client that answers from `expectations`. A request no expectation left
 * matches dies with `UnexpectedRequest`; `service.verify` reports what never came.
 *
 * @since 0.2.0
 * @category constructors
 */
export const makeExpectations: (
  expectations: ReadonlyArray<Expectation>,
  options?: ExpectationsOptions
) => Effect.Effect<{ readonly client: HttpClient.HttpClient; readonly service: Service }> = internal.makeExpectations

/**
 * A layer with a mock `HttpClient` that answers from `expectations`, and the `MockCouch`
 * recorder. When the layer's scope closes (the end of the test), it dies with
 * `ExpectationsNotMet` if an expected request never came or a request was unexpected; call
 * `verify` to check earlier, as a typed error.
 *
 * @since 0.2.0
 * @category layers
 * @example
 * ```ts
 * import { CouchAuth, CouchClient } from "@effect-couchdb/client"
 * import { MockCouch } from "@effect-couchdb/testing"
 * import { Layer } from "effect"
 *
 * const Couch = Layer.mergeAll(CouchClient.layer({ url: "http://couch.test" }), CouchAuth.layerNone).pipe(
 *   Layer.provideMerge(MockCouch.layerExpectations([
 *     MockCouch.expect("PUT", "/todos", MockCouch.json(201, { ok: true })),
 *     MockCouch.expect("PUT", "/todos/t1", MockCouch.json(201, { ok: true, id: "t1", rev: "1-a" }), {
 *       json: { title: "write tests" }
 *     })
 *   ]))
 * )
 * ```
 */
export const layerExpectations = (
  expectations: ReadonlyArray<Expectation>,
  options?: ExpectationsOptions
): Layer.Layer<HttpClient.HttpClient | MockCouch> =>
  Layer.scopedContext(
    makeExpectations(expectations, options).pipe(
      Effect.tap(({ service }) => Effect.addFinalizer(() => Effect.orDie(service.verify))),
      Effect.map(toContext)
    )
  )

export {
  /**
   * What `verify` fails with (and a closing `layerExpectations` dies with): the expected
   * requests that never came and the requests nobody expected.
   *
   * @since 0.2.0
   * @category errors
   */
  ExpectationsNotMet,
  /**
   * The defect a request dies with when no route or expectation answers it; its message
   * shows the method, path, query and body, and what was expected instead.
   *
   * @since 0.2.0
   * @category errors
   */
  UnexpectedRequest
} from "./internal/errors.js"

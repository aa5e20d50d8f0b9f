/**
 * The client service: a base URL and an `HttpClient`, captured when the layer is built.
 * Every request it sends is authorized by the `CouchAuth` found in the caller's context,
 * mapped to a tagged error when the status is ≥ 400, and traced with OpenTelemetry's
 * database attributes.
 *
 * @since 0.1.0
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpMethod from "@effect/platform/HttpMethod"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchError, InvalidRequest } from "./CouchError.js"
import type { Credentials } from "./CouchUrl.js"
import type { Database } from "./Database.js"
import type * as Handle from "./Handle.js"
import * as internal from "./internal/client.js"
import type { Resource } from "./Resource.js"

/**
 * An HTTP method, plus CouchDB's `COPY`.
 *
 * @since 0.1.0
 * @category models
 */
export type Method = HttpMethod.HttpMethod | "COPY"

/**
 * A query parameter value. Strings are sent as they are, numbers and booleans as text, and
 * `null`, arrays and objects as JSON — CouchDB reads every array parameter (`keys`,
 * `open_revs`, `atts_since`, `doc_ids`, …) as a JSON array. `undefined` leaves the parameter
 * out. A value that JSON cannot carry faithfully (a BigInt, a cycle, a function, `NaN`) is an
 * `InvalidRequest`.
 *
 * @since 0.1.0
 * @category models
 */
export type QueryValue =
  | string
  | number
  | boolean
  | null
  | ReadonlyArray<unknown>
  | { readonly [key: string]: unknown }
  | undefined

/**
 * A raw request body: bytes, text, or a stream sent chunked.
 *
 * @since 0.1.0
 * @category models
 */
export type RequestBody = Uint8Array | string | Stream.Stream<Uint8Array, CouchError>

/**
 * What a single request may carry besides its method and path.
 *
 * @since 0.1.0
 * @category models
 */
export interface RequestOptions {
  /** Query parameters. */
  readonly query?: Readonly<Record<string, QueryValue>> | undefined
  /** Extra headers; `Accept: application/json` is the default. */
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** A JSON body (any value but `undefined`), sent as `application/json`. */
  readonly json?: unknown
  /** A raw body; see `contentType`. Ignored when `json` is given. */
  readonly body?: RequestBody | undefined
  /** The raw body's content type (default `application/octet-stream`). */
  readonly contentType?: string | undefined
  /** The length of a streamed body, when known (otherwise it is sent chunked). */
  readonly contentLength?: number | undefined
  /** The span's operation name, e.g. `"GET /{db}/{docid}"`; derived from the path by default. */
  readonly operation?: string | undefined
  /**
   * Whether the request may be resent by the retry policy. By default reads (GET, HEAD,
   * OPTIONS) may, writes may not (see `RetryOptions`); a POST that only reads (`_find`,
   * `_bulk_get`, a view with `keys`) sets this to `true`; a POST that writes but can be
   * applied only once, like a PUT (a `_bulk_docs` batch whose documents all carry an
   * `_id`), sets it to `"write"`: resent only with `writes`.
   */
  readonly idempotent?: boolean | "write" | undefined
  /**
   * How long to wait for the response (its status and headers), overriding the client's
   * `timeout`; `"none"` waits as long as it takes (continuous feeds bound their silence
   * with an idle timeout instead).
   */
  readonly timeout?: Duration.DurationInput | "none" | undefined
  /** Extra attributes on this request's span, e.g. `db.operation.batch.size`. */
  readonly spanAttributes?: Readonly<Record<string, unknown>> | undefined
  /**
   * Ties the request to the `Scope` in context, if there is one: closing that scope aborts
   * it, even when its body was never read (feeds set this: they are read in a scope).
   * Interrupting the request while it waits for the response aborts it in any case.
   *
   * @since 0.2.0
   */
  readonly scoped?: boolean | undefined
}

/**
 * When the client sends a request again after a transient failure: a connection that
 * failed or broke (`TransportError` of kind `Connect`, `Reset` or `Timeout`), or a 408, 429,
 * 502, 503 or 504 (after `Retry-After`, when the server sends one). Safe by default: only
 * requests that cannot be applied twice are resent.
 *
 * - Reads (GET, HEAD, OPTIONS, and POSTs that only read, such as `_find`) are resent.
 * - PUT, DELETE and COPY only with `writes: true`. CouchDB never applies them twice — the id
 *   and the revision they replace are in the request — but a retried write whose first
 *   attempt had succeeded (its response was lost) then reports `Conflict` (or
 *   `PreconditionFailed`), so they are off by default. So is a `Bulk.writer` batch whose
 *   documents all carry an `_id` (its retried documents that had been written report `conflict`).
 * - A POST that writes (`POST /{db}` with a server-assigned id, `_bulk_docs`) could create
 *   documents twice: only with `allMethods: true`.
 * - A streamed body is never resent.
 *
 * Each retry is recorded on the request's span (event `couchdb.retry`, attribute
 * `http.request.resend_count`).
 *
 * @since 0.2.0
 * @category models
 */
export interface RetryOptions {
  /** How many times to retry (default 3). Ignored when `schedule` is given. */
  readonly times?: number | undefined
  /** The first backoff step (default 100 ms); steps double, each delay drawn from zero to the step (full jitter). */
  readonly base?: Duration.DurationInput | undefined
  /** The largest backoff step (default 10 s). */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** Your own schedule instead of the default backoff; it sees the failure of each attempt. */
  readonly schedule?: Schedule.Schedule<unknown, CouchError> | undefined
  /** Also resend PUT, DELETE and COPY (see above). */
  readonly writes?: boolean | undefined
  /** Resend every request, POSTs that write included: they may be applied twice. */
  readonly allMethods?: boolean | undefined
  /** The longest `Retry-After` honoured (default 30 s); a longer one is cut to it. */
  readonly maxRetryAfter?: Duration.DurationInput | undefined
}

/**
 * A request relative to the client's base URL. Path segments are raw (unescaped): the
 * client escapes each one.
 *
 * @since 0.1.0
 * @category models
 */
export interface CouchRequest extends RequestOptions {
  readonly method: Method
  readonly segments: ReadonlyArray<string>
}

/**
 * A response with a status below 400. Its body can be read once, in one of the forms
 * below; errors while reading it are `CouchError`s too.
 *
 * @since 0.1.0
 * @category models
 */
export interface CouchResponse {
  readonly status: number
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  readonly method: Method
  /** The request URL, without credentials. */
  readonly url: string
  readonly text: Effect.Effect<string, CouchError>
  readonly bytes: Effect.Effect<Uint8Array, CouchError>
  /** The body as it arrives; interrupting the stream aborts the request. */
  readonly stream: Stream.Stream<Uint8Array, CouchError>
  /** The body parsed as JSON; an empty or invalid body is a `DecodeError`. */
  readonly json: Effect.Effect<unknown, CouchError>
  /** The body parsed as JSON and decoded with `schema`. */
  readonly decode: <A, I>(schema: Schema.Schema<A, I, never>) => Effect.Effect<A, CouchError>
}

/**
 * The client service.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service extends Handle.Handle {
  /** The client is also the handle of its server's root: `Server.info(couch)`, `couch.pipe(Server.allDbs())`. */
  readonly _tag: "Server"
  /** The base URL, without credentials. */
  readonly url: string
  /** Credentials that were in the configured URL (taken out of it), if any. */
  readonly credentials: Credentials | undefined
  /** Sends one request. */
  readonly execute: (request: CouchRequest) => Effect.Effect<CouchResponse, CouchError, CouchAuth>
  /** The handle of database `name` (unescaped, e.g. `"orders/2026"`); sends nothing. */
  readonly database: (name: string) => Database
  /** The server root, `/`, as a `Resource` (the untyped escape hatch). */
  readonly root: Resource
  /** A `Resource` below the root, e.g. `resource("mydb", "_all_docs")`: the untyped escape hatch. */
  readonly resource: (...segments: ReadonlyArray<string>) => Resource
}

/**
 * @since 0.1.0
 * @category tags
 */
export class CouchClient extends Context.Tag("@effect-couchdb/client/CouchClient")<CouchClient, Service>() {}

/**
 * Options of the client.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The server URL, e.g. `http://localhost:5984`, or with a path prefix when CouchDB sits
   * behind a proxy. Credentials in it (`http://user:pw@host:5984`) are taken out, kept
   * `Redacted` as `credentials`, and become the ambient `CouchAuth` that `layer` provides
   * (see `auth`); they never appear in URLs, spans or errors.
   */
  readonly url: string | Redacted.Redacted<string>
  /**
   * How `layer` and `layerConfig` authenticate with the URL's credentials: `"basic"` (the
   * default) or `"cookie"` (a `/_session` login, renewed before it expires). Without
   * credentials in the URL the ambient provider is `CouchAuth.none`.
   */
  readonly auth?: "basic" | "cookie" | undefined
  /** Adds logging or anything else to the underlying `HttpClient` (prefer `retry` and `timeout` for those). */
  readonly transformClient?: ((client: HttpClient.HttpClient) => HttpClient.HttpClient) | undefined
  /** Resend requests after transient failures: `true` for the safe defaults, or options (see `RetryOptions`). */
  readonly retry?: boolean | RetryOptions | undefined
  /**
   * How long each request waits for its response (status and headers) before failing with
   * `TransportError` of kind `Timeout`; none by default. Feeds set their own: longpoll waits
   * its `timeout` plus a margin, continuous feeds an idle timeout derived from `heartbeat`.
   */
  readonly timeout?: Duration.DurationInput | undefined
  /** Also send the deprecated `db.system` span attribute (besides `db.system.name`), for older backends. */
  readonly legacySpanAttributes?: boolean | undefined
  /** Extra attributes on every span. */
  readonly spanAttributes?: Readonly<Record<string, unknown>> | undefined
  /**
   * Also record the platform's `http.client` span under each operation's span. Off by
   * default: the operation span already carries the method, status and server, and it is
   * the one propagated to the server (`traceparent`, `b3`) unless
   * `HttpClient.currentTracerPropagation` is off.
   */
  readonly httpSpans?: boolean | undefined
}

/**
 * Builds the client over the `HttpClient` in context. Fails with `InvalidRequest` when the
 * URL is not a valid http(s) URL.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make: (options: Options) => Effect.Effect<Service, InvalidRequest, HttpClient.HttpClient> = internal.make

/**
 * The client and the ambient `CouchAuth` in one layer: the auth provider uses the URL's
 * credentials (basic auth, or a cookie session with `auth: "cookie"`), or none when the URL
 * has no credentials. `CouchAuth.withProvider` still overrides it for one effect, e.g. proxy
 * auth per end user. To provide `CouchAuth` from a layer of your own, use
 * `layerWithoutAuth`, so that nothing depends on the order the layers are merged in.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { CouchClient } from "@effect-couchdb/client"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Layer, Redacted } from "effect"
 *
 * // Basic auth as admin, from the credentials in the URL.
 * const CouchLive = CouchClient.layer({ url: Redacted.make("http://admin:secret@localhost:5984") }).pipe(
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 */
export const layer = (
  options: Options
): Layer.Layer<CouchClient | CouchAuth, InvalidRequest, HttpClient.HttpClient> =>
  Layer.effectContext(internal.makeWithAuth(options))

/**
 * Reads the options from `Config`, e.g. `layerConfig({ url: Config.redacted("COUCHDB_URL") })`,
 * and provides the client and the ambient `CouchAuth` as `layer` does.
 *
 * @since 0.1.0
 * @category layers
 * @example
 * ```ts
 * import { CouchClient } from "@effect-couchdb/client"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Config, Layer } from "effect"
 *
 * // COUCHDB_URL=http://admin:secret@localhost:5984: an authenticated client in one line.
 * const CouchLive = CouchClient.layerConfig({ url: Config.redacted("COUCHDB_URL") }).pipe(
 *   Layer.provide(NodeHttpClient.layerUndici)
 * )
 * ```
 */
export const layerConfig = (
  config: Config.Config.Wrap<Options>
): Layer.Layer<CouchClient | CouchAuth, InvalidRequest | ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effectContext(Effect.flatMap(Config.unwrap(config), internal.makeWithAuth))

/**
 * The client alone, for programs that provide `CouchAuth` with a layer of their own. The URL's
 * credentials, if any, are only exposed as `credentials`.
 *
 * @since 0.2.0
 * @category layers
 * @example
 * ```ts
 * import { CouchAuth, CouchClient } from "@effect-couchdb/client"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Config, Layer } from "effect"
 *
 * const CouchLive = Layer.mergeAll(
 *   CouchClient.layerWithoutAuth({ url: "http://localhost:5984" }),
 *   CouchAuth.layerJwt(Config.redacted("COUCHDB_JWT"))
 * ).pipe(Layer.provide(NodeHttpClient.layerUndici))
 * ```
 */
export const layerWithoutAuth = (
  options: Options
): Layer.Layer<CouchClient, InvalidRequest, HttpClient.HttpClient> => Layer.effect(CouchClient, make(options))

/**
 * `layerWithoutAuth` with its options read from `Config`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerConfigWithoutAuth = (
  config: Config.Config.Wrap<Options>
): Layer.Layer<CouchClient, InvalidRequest | ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(CouchClient, Effect.flatMap(Config.unwrap(config), make))

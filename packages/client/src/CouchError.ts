/**
 * Every way a CouchDB operation can fail, as tagged errors.
 *
 * Each HTTP error status CouchDB answers with has its own class, so a caller can write
 * `Effect.catchTag("Conflict", …)`. Transport failures, undecodable bodies and invalid
 * input have their own tags too. None of them ever carries a credential: URLs are stored
 * without userinfo and no request headers are kept.
 *
 * @since 0.1.0
 */
import type { YieldableError } from "effect/Cause"
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"

/**
 * @since 0.1.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-couchdb/client/CouchError")

/**
 * @since 0.1.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * Fields shared by every error that comes from an HTTP status ≥ 400.
 *
 * @since 0.1.0
 * @category models
 */
export const StatusErrorFields = {
  /** The HTTP status code. */
  status: Schema.Number,
  /** The request method, e.g. `PUT`. */
  method: Schema.String,
  /** The request URL, without credentials. */
  url: Schema.String,
  /** CouchDB's `error` token, e.g. `conflict`, when the body had one. */
  error: Schema.optional(Schema.String),
  /** CouchDB's human-readable `reason`, when the body had one. */
  reason: Schema.optional(Schema.String),
  /** The `X-Couch-Request-ID` response header, when present. */
  requestId: Schema.optional(Schema.String),
  /** The raw `Retry-After` header, when present (429 and 503). */
  retryAfter: Schema.optional(Schema.String),
  /**
   * The response headers (names in lower case), without `set-cookie`: e.g. `www-authenticate`,
   * `allow` on a 405, or a proxy's own headers on a 502.
   */
  headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
}

const describeStatus = (self: {
  readonly _tag: string
  readonly status: number
  readonly method: string
  readonly url: string
  readonly error?: string | undefined
  readonly reason?: string | undefined
}): string => {
  const detail = self.error !== undefined || self.reason !== undefined
    ? `: ${self.error ?? "unknown_error"}${self.reason !== undefined ? ` (${self.reason})` : ""}`
    : ""
  return `${self._tag} ${self.status} on ${self.method} ${self.url}${detail}`
}

/**
 * Parses a `Retry-After` header (delta seconds or an HTTP date) into a duration from `now`.
 *
 * @since 0.1.0
 * @category utils
 */
export const parseRetryAfter = (
  value: string | undefined,
  now: number = Date.now()
): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Option.some(Duration.seconds(Number(trimmed)))
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? Option.none() : Option.some(Duration.millis(Math.max(0, date - now)))
}

/**
 * The shape every status error shares.
 *
 * @since 0.1.0
 * @category models
 */
export interface StatusError<Tag extends string> extends Schema.Struct.Type<typeof StatusErrorFields> {
  readonly _tag: Tag
  readonly [TypeId]: TypeId
  readonly message: string
  /** `Retry-After` as a duration from now, when the server sent one (429, 503). */
  readonly retryAfterDuration: Option.Option<Duration.Duration>
}

/**
 * The class of a status error: a `Schema.TaggedError` class with the status it stands for.
 *
 * @since 0.2.0
 * @category models
 */
export interface StatusErrorClass<Tag extends string> extends
  Schema.Schema<
    StatusError<Tag>,
    Schema.Struct.Encoded<{ readonly _tag: Schema.tag<Tag> } & typeof StatusErrorFields>
  >
{
  new(
    props: Schema.Struct.Constructor<typeof StatusErrorFields>,
    options?: Schema.MakeOptions
  ): StatusError<Tag> & YieldableError
  /** The `_tag` of its errors. */
  readonly tag: Tag
  /** The HTTP status this class stands for (0 for `UnexpectedStatus`). */
  readonly status: number
}

/**
 * The base of every status error class: the declarations below are all that is written per
 * status, and `statusErrors` lists them once for the status table, the union type and the
 * Schema.
 */
const statusError = <Tag extends string>(tag: Tag, status: number): StatusErrorClass<Tag> => {
  class Base extends Schema.TaggedError<StatusError<Tag>>(`@effect-couchdb/client/CouchError/${tag}`)(
    tag,
    StatusErrorFields
  ) {
    static readonly status = status
    static readonly tag = tag
    readonly [TypeId]: TypeId = TypeId
    override get message() {
      return describeStatus(this)
    }
    get retryAfterDuration(): Option.Option<Duration.Duration> {
      return parseRetryAfter(this.retryAfter)
    }
  }
  return Base
}

/**
 * 400: the request was malformed, e.g. invalid JSON or a bad query parameter.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends statusError("BadRequest", 400) {}

/**
 * 401: missing or wrong credentials.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends statusError("Unauthorized", 401) {}

/**
 * 403: authenticated, but not allowed (e.g. a `validate_doc_update` rejection).
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends statusError("Forbidden", 403) {}

/**
 * 404: the database, document, view or attachment does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends statusError("NotFound", 404) {}

/**
 * 405: the resource does not accept this method.
 *
 * @since 0.1.0
 * @category errors
 */
export class MethodNotAllowed extends statusError("MethodNotAllowed", 405) {}

/**
 * 406: the server cannot produce the requested content type (e.g. a show function that
 * only `provides` JSON).
 *
 * @since 0.1.0
 * @category errors
 */
export class NotAcceptable extends statusError("NotAcceptable", 406) {}

/**
 * 407: a proxy in front of CouchDB wants credentials of its own.
 *
 * @since 0.2.0
 * @category errors
 */
export class ProxyAuthenticationRequired extends statusError("ProxyAuthenticationRequired", 407) {}

/**
 * 408: the server (or a proxy) gave up waiting for the request.
 *
 * @since 0.2.0
 * @category errors
 */
export class RequestTimeout extends statusError("RequestTimeout", 408) {}

/**
 * 409: a document update conflict (stale or missing `_rev`).
 *
 * @since 0.1.0
 * @category errors
 */
export class Conflict extends statusError("Conflict", 409) {}

/**
 * 410: the resource is gone for good (sent by some proxies and gateways).
 *
 * @since 0.2.0
 * @category errors
 */
export class Gone extends statusError("Gone", 410) {}

/**
 * 411: the server wants a `Content-Length`.
 *
 * @since 0.2.0
 * @category errors
 */
export class LengthRequired extends statusError("LengthRequired", 411) {}

/**
 * 412: a precondition failed, e.g. creating a database that exists.
 *
 * @since 0.1.0
 * @category errors
 */
export class PreconditionFailed extends statusError("PreconditionFailed", 412) {}

/**
 * 413: the document or request body is larger than the server accepts.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestEntityTooLarge extends statusError("RequestEntityTooLarge", 413) {}

/**
 * 414: the URL is too long (e.g. a GET with many `keys`: send them in a POST body).
 *
 * @since 0.2.0
 * @category errors
 */
export class UriTooLong extends statusError("UriTooLong", 414) {}

/**
 * 415: the request body has a content type the endpoint does not accept.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnsupportedMediaType extends statusError("UnsupportedMediaType", 415) {}

/**
 * 416: the requested byte range cannot be served.
 *
 * @since 0.1.0
 * @category errors
 */
export class RangeNotSatisfiable extends statusError("RangeNotSatisfiable", 416) {}

/**
 * 417: e.g. a bulk update with `all_or_nothing` that failed validation.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExpectationFailed extends statusError("ExpectationFailed", 417) {}

/**
 * 429: rate limited; `retryAfter` says when to try again.
 *
 * @since 0.1.0
 * @category errors
 */
export class TooManyRequests extends statusError("TooManyRequests", 429) {}

/**
 * 431: the request headers are too large (e.g. a huge cookie).
 *
 * @since 0.2.0
 * @category errors
 */
export class RequestHeaderFieldsTooLarge extends statusError("RequestHeaderFieldsTooLarge", 431) {}

/**
 * 500: the server failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalServerError extends statusError("InternalServerError", 500) {}

/**
 * 501: the server does not implement this request (e.g. an unknown method).
 *
 * @since 0.2.0
 * @category errors
 */
export class NotImplemented extends statusError("NotImplemented", 501) {}

/**
 * 502: a proxy or load balancer in front of CouchDB got no valid answer from it.
 *
 * @since 0.2.0
 * @category errors
 */
export class BadGateway extends statusError("BadGateway", 502) {}

/**
 * 503: the server (or a node) is unavailable; `retryAfter` may say when to try again.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServiceUnavailable extends statusError("ServiceUnavailable", 503) {}

/**
 * 504: a proxy or load balancer in front of CouchDB timed out waiting for it.
 *
 * @since 0.2.0
 * @category errors
 */
export class GatewayTimeout extends statusError("GatewayTimeout", 504) {}

/**
 * Any other status ≥ 400 (e.g. 402, 418, 505).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends statusError("UnexpectedStatus", 0) {}

/**
 * Every status error class, in one list: the table `fromStatus` uses, the `HttpStatusError`
 * union and the `CouchError` Schema are all derived from it.
 *
 * @since 0.2.0
 * @category models
 */
export const statusErrors = [
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  MethodNotAllowed,
  NotAcceptable,
  ProxyAuthenticationRequired,
  RequestTimeout,
  Conflict,
  Gone,
  LengthRequired,
  PreconditionFailed,
  RequestEntityTooLarge,
  UriTooLong,
  UnsupportedMediaType,
  RangeNotSatisfiable,
  ExpectationFailed,
  TooManyRequests,
  RequestHeaderFieldsTooLarge,
  InternalServerError,
  NotImplemented,
  BadGateway,
  ServiceUnavailable,
  GatewayTimeout,
  UnexpectedStatus
] as const

/**
 * The request never got a complete response: connection refused, reset, timed out, or the
 * body stopped midway.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError
  extends Schema.TaggedError<TransportError>("@effect-couchdb/client/CouchError/TransportError")(
    "TransportError",
    {
      /** What went wrong, as far as it can be told from the platform error. */
      kind: Schema.Literal("Connect", "Reset", "Timeout", "Aborted", "Other"),
      method: Schema.String,
      url: Schema.String,
      description: Schema.String,
      cause: Schema.optional(Schema.Defect)
    }
  )
{
  /**
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return `TransportError (${this.kind}) on ${this.method} ${this.url}: ${this.description}`
  }
}

/**
 * A response body that is not what the operation expected: invalid JSON, JSON that does
 * not match the Schema, or a body of another shape (e.g. no `rows` array). When a document
 * failed its Schema, `documentId` and `path` (where in the document) say which, and
 * `cause` keeps the Schema's `ParseError`.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>("@effect-couchdb/client/CouchError/DecodeError")(
  "DecodeError",
  {
    method: Schema.String,
    url: Schema.String,
    description: Schema.String,
    /** The id of the document that failed to decode, when one did. */
    documentId: Schema.optional(Schema.String),
    /** Where in the document (or body) decoding failed. */
    path: Schema.optional(Schema.Array(Schema.Union(Schema.String, Schema.Number))),
    /** The underlying error, e.g. the Schema's `ParseError`. */
    cause: Schema.optional(Schema.Defect)
  }
) {
  /**
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    const where = this.documentId !== undefined ? ` (document ${JSON.stringify(this.documentId)})` : ""
    return `DecodeError on ${this.method} ${this.url}${where}: ${this.description}`
  }
}

/**
 * The caller's input cannot become a valid request (an invalid URL, a body that cannot be
 * serialised, a missing credential). Nothing was sent.
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidRequest
  extends Schema.TaggedError<InvalidRequest>("@effect-couchdb/client/CouchError/InvalidRequest")(
    "InvalidRequest",
    {
      description: Schema.String
    }
  )
{
  /**
   * @since 0.1.0
   */
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return `InvalidRequest: ${this.description}`
  }
}

/**
 * The errors that stand for an HTTP error status.
 *
 * @since 0.1.0
 * @category models
 */
export type HttpStatusError = InstanceType<typeof statusErrors[number]>

/**
 * Every error a CouchDB operation can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type CouchError = HttpStatusError | TransportError | DecodeError | InvalidRequest

/**
 * A Schema for every `CouchError`, e.g. to send errors over RPC.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CouchError: Schema.Union<
  [...typeof statusErrors, typeof TransportError, typeof DecodeError, typeof InvalidRequest]
> = Schema.Union(...statusErrors, TransportError, DecodeError, InvalidRequest)

/**
 * @since 0.1.0
 * @category guards
 */
export const isCouchError = (u: unknown): u is CouchError => Predicate.hasProperty(u, TypeId)

const statusTags: ReadonlySet<unknown> = new Set(statusErrors.map((Class) => Class.tag))

/**
 * True for the errors that stand for an HTTP status ≥ 400, whatever the status: the guard to
 * use for "any HTTP error", e.g. `Effect.catchIf(CouchError.isHttpStatusError, …)`.
 *
 * @since 0.2.0
 * @category guards
 */
export const isHttpStatusError = (u: unknown): u is HttpStatusError =>
  isCouchError(u) && statusTags.has(Reflect.get(u, "_tag"))

const statusClasses: ReadonlyMap<number, typeof statusErrors[number]> = new Map(
  statusErrors.filter((Class) => Class !== UnexpectedStatus).map((Class) => [Class.status, Class])
)

/**
 * What is known about a failed response, before it becomes an error.
 *
 * @since 0.1.0
 * @category models
 */
export interface StatusErrorInput {
  readonly status: number
  readonly method: string
  readonly url: string
  readonly error?: string | undefined
  readonly reason?: string | undefined
  readonly requestId?: string | undefined
  readonly retryAfter?: string | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * Builds the error class that stands for `input.status`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromStatus = (input: StatusErrorInput): HttpStatusError => {
  const fields = {
    status: input.status,
    method: input.method,
    url: input.url,
    ...(input.error !== undefined ? { error: input.error } : {}),
    ...(input.reason !== undefined ? { reason: input.reason } : {}),
    ...(input.requestId !== undefined ? { requestId: input.requestId } : {}),
    ...(input.retryAfter !== undefined ? { retryAfter: input.retryAfter } : {}),
    ...(input.headers !== undefined ? { headers: input.headers } : {})
  }
  const Class = statusClasses.get(input.status) ?? UnexpectedStatus
  return new Class(fields, { disableValidation: true })
}

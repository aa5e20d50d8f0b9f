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
  retryAfter: Schema.optional(Schema.String)
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

const statusError = <Tag extends string>(tag: Tag) => {
  class Base extends Schema.TaggedError<StatusError<Tag>>(`@effect-couchdb/client/CouchError/${tag}`)(
    tag,
    StatusErrorFields
  ) {
    readonly [TypeId]: TypeId = TypeId
    override get message() {
      return describeStatus(this)
    }
  }
  return Base
}

/**
 * The shape every status error class shares.
 *
 * @since 0.1.0
 * @category models
 */
export interface StatusError<Tag extends string> extends Schema.Struct.Type<typeof StatusErrorFields> {
  readonly _tag: Tag
}

/**
 * 400: the request was malformed, e.g. invalid JSON or a bad query parameter.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends statusError("BadRequest") {}

/**
 * 401: missing or wrong credentials.
 *
 * @since 0.1.0
 * @category errors
 */
export class Unauthorized extends statusError("Unauthorized") {}

/**
 * 403: authenticated, but not allowed (e.g. a `validate_doc_update` rejection).
 *
 * @since 0.1.0
 * @category errors
 */
export class Forbidden extends statusError("Forbidden") {}

/**
 * 404: the database, document, view or attachment does not exist.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends statusError("NotFound") {}

/**
 * 405: the resource does not accept this method.
 *
 * @since 0.1.0
 * @category errors
 */
export class MethodNotAllowed extends statusError("MethodNotAllowed") {}

/**
 * 406: the server cannot produce the requested content type.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotAcceptable extends statusError("NotAcceptable") {}

/**
 * 409: a document update conflict (stale or missing `_rev`).
 *
 * @since 0.1.0
 * @category errors
 */
export class Conflict extends statusError("Conflict") {}

/**
 * 412: a precondition failed, e.g. creating a database that exists.
 *
 * @since 0.1.0
 * @category errors
 */
export class PreconditionFailed extends statusError("PreconditionFailed") {}

/**
 * 413: the document or request body is larger than the server accepts.
 *
 * @since 0.1.0
 * @category errors
 */
export class RequestEntityTooLarge extends statusError("RequestEntityTooLarge") {}

/**
 * 415: the request body has a content type the endpoint does not accept.
 *
 * @since 0.1.0
 * @category errors
 */
export class UnsupportedMediaType extends statusError("UnsupportedMediaType") {}

/**
 * 416: the requested byte range cannot be served.
 *
 * @since 0.1.0
 * @category errors
 */
export class RangeNotSatisfiable extends statusError("RangeNotSatisfiable") {}

/**
 * 417: e.g. a bulk update with `all_or_nothing` that failed validation.
 *
 * @since 0.1.0
 * @category errors
 */
export class ExpectationFailed extends statusError("ExpectationFailed") {}

/**
 * 429: rate limited; `retryAfter` says when to try again.
 *
 * @since 0.1.0
 * @category errors
 */
export class TooManyRequests extends statusError("TooManyRequests") {
  /** `Retry-After` as a duration, when the server sent one. */
  get retryAfterDuration(): Option.Option<Duration.Duration> {
    return parseRetryAfter(this.retryAfter)
  }
}

/**
 * 500: the server failed.
 *
 * @since 0.1.0
 * @category errors
 */
export class InternalServerError extends statusError("InternalServerError") {}

/**
 * 503: the server (or a node) is unavailable; `retryAfter` may say when to try again.
 *
 * @since 0.1.0
 * @category errors
 */
export class ServiceUnavailable extends statusError("ServiceUnavailable") {
  /** `Retry-After` as a duration, when the server sent one. */
  get retryAfterDuration(): Option.Option<Duration.Duration> {
    return parseRetryAfter(this.retryAfter)
  }
}

/**
 * Any other status ≥ 400 (e.g. 402, 501, 502, 504).
 *
 * @since 0.1.0
 * @category errors
 */
export class UnexpectedStatus extends statusError("UnexpectedStatus") {}

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
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return `TransportError (${this.kind}) on ${this.method} ${this.url}: ${this.description}`
  }
}

/**
 * A response body that is not what the operation expected: invalid JSON, or JSON that does
 * not match the Schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class DecodeError extends Schema.TaggedError<DecodeError>("@effect-couchdb/client/CouchError/DecodeError")(
  "DecodeError",
  {
    method: Schema.String,
    url: Schema.String,
    description: Schema.String
  }
) {
  readonly [TypeId]: TypeId = TypeId
  override get message() {
    return `DecodeError on ${this.method} ${this.url}: ${this.description}`
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
export type HttpStatusError =
  | BadRequest
  | Unauthorized
  | Forbidden
  | NotFound
  | MethodNotAllowed
  | NotAcceptable
  | Conflict
  | PreconditionFailed
  | RequestEntityTooLarge
  | UnsupportedMediaType
  | RangeNotSatisfiable
  | ExpectationFailed
  | TooManyRequests
  | InternalServerError
  | ServiceUnavailable
  | UnexpectedStatus

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
  [
    typeof BadRequest,
    typeof Unauthorized,
    typeof Forbidden,
    typeof NotFound,
    typeof MethodNotAllowed,
    typeof NotAcceptable,
    typeof Conflict,
    typeof PreconditionFailed,
    typeof RequestEntityTooLarge,
    typeof UnsupportedMediaType,
    typeof RangeNotSatisfiable,
    typeof ExpectationFailed,
    typeof TooManyRequests,
    typeof InternalServerError,
    typeof ServiceUnavailable,
    typeof UnexpectedStatus,
    typeof TransportError,
    typeof DecodeError,
    typeof InvalidRequest
  ]
> = Schema.Union(
  BadRequest,
  Unauthorized,
  Forbidden,
  NotFound,
  MethodNotAllowed,
  NotAcceptable,
  Conflict,
  PreconditionFailed,
  RequestEntityTooLarge,
  UnsupportedMediaType,
  RangeNotSatisfiable,
  ExpectationFailed,
  TooManyRequests,
  InternalServerError,
  ServiceUnavailable,
  UnexpectedStatus,
  TransportError,
  DecodeError,
  InvalidRequest
)

/**
 * @since 0.1.0
 * @category guards
 */
export const isCouchError = (u: unknown): u is CouchError => Predicate.hasProperty(u, TypeId)

type StatusErrorConstructor = new(
  fields: Schema.Struct.Type<typeof StatusErrorFields>,
  options: { readonly disableValidation: boolean }
) => HttpStatusError

const statusClasses: ReadonlyMap<number, StatusErrorConstructor> = new Map<number, StatusErrorConstructor>([
  [400, BadRequest],
  [401, Unauthorized],
  [403, Forbidden],
  [404, NotFound],
  [405, MethodNotAllowed],
  [406, NotAcceptable],
  [409, Conflict],
  [412, PreconditionFailed],
  [413, RequestEntityTooLarge],
  [415, UnsupportedMediaType],
  [416, RangeNotSatisfiable],
  [417, ExpectationFailed],
  [429, TooManyRequests],
  [500, InternalServerError],
  [503, ServiceUnavailable]
])

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
    ...(input.retryAfter !== undefined ? { retryAfter: input.retryAfter } : {})
  }
  const Class = statusClasses.get(input.status) ?? UnexpectedStatus
  return new Class(fields, { disableValidation: true })
}

import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { CouchRequest, RetryOptions } from "../CouchClient.js"
import type { CouchError } from "../CouchError.js"

/** A retry policy, resolved from the client's options. @internal */
export interface Policy {
  readonly schedule: Schedule.Schedule<unknown, CouchError>
  readonly writes: boolean
  readonly allMethods: boolean
  readonly maxRetryAfter: Duration.Duration
}

/**
 * Exponential backoff with full jitter (a delay drawn uniformly from zero to the exponential
 * step, capped): concurrent clients that failed together do not retry together. It never
 * ends by itself.
 *
 * @internal
 */
export const fullJitter = (base: Duration.DurationInput, cap: Duration.DurationInput) => {
  const capMillis = Duration.toMillis(cap)
  return Schedule.exponential(base).pipe(
    Schedule.modifyDelayEffect((_, delay) =>
      Effect.map(Random.next, (r) => Duration.millis(Math.floor(r * Math.min(Duration.toMillis(delay), capMillis))))
    )
  )
}

/** @internal */
export const policy = (options: boolean | RetryOptions | undefined): Policy | undefined => {
  if (options === undefined || options === false) return undefined
  const o = options === true ? {} : options
  return {
    schedule: o.schedule ??
      fullJitter(o.base ?? "100 millis", o.maxDelay ?? "10 seconds").pipe(
        Schedule.intersect(Schedule.recurs(o.times ?? 3))
      ),
    writes: o.writes === true,
    allMethods: o.allMethods === true,
    maxRetryAfter: Duration.decode(o.maxRetryAfter ?? "30 seconds")
  }
}

/**
 * Whether a request may be sent again after a failure that may have reached the server:
 * reads (GET, HEAD, OPTIONS, and POSTs an endpoint declares read-only, e.g. `_find`), and,
 * with `writes`, PUT, DELETE and COPY — CouchDB never applies one twice, since the id (and
 * the revision replaced) is in the request, but a retried write whose first attempt had
 * succeeded reports `Conflict` (or `PreconditionFailed`); so is a POST marked `"write"` (a
 * `_bulk_docs` batch whose documents all have an `_id`). A POST that writes (`POST /{db}`,
 * `_bulk_docs`) could be applied twice: only with `allMethods`. Streamed bodies are never
 * resent.
 *
 * @internal
 */
export const mayResend = (request: CouchRequest, policy: Policy): boolean => {
  if (request.body !== undefined && typeof request.body !== "string" && !(request.body instanceof Uint8Array)) {
    return false
  }
  if (policy.allMethods) return true
  if (request.idempotent === "write") return policy.writes
  if (request.idempotent !== undefined) return request.idempotent
  switch (request.method) {
    case "GET":
    case "HEAD":
    case "OPTIONS":
      return true
    case "PUT":
    case "DELETE":
    case "COPY":
      return policy.writes
    default:
      return false
  }
}

/**
 * Failures worth another try: the connection failed or broke (not an interruption, not an
 * unknown transport error), or the server or a proxy said to come back (408, 429, 502, 503,
 * 504).
 *
 * @internal
 */
export const isTransient = (error: CouchError): boolean => {
  switch (error._tag) {
    case "TransportError":
      return error.kind === "Connect" || error.kind === "Reset" || error.kind === "Timeout"
    case "RequestTimeout":
    case "TooManyRequests":
    case "BadGateway":
    case "ServiceUnavailable":
    case "GatewayTimeout":
      return true
    default:
      return false
  }
}

/** How long `Retry-After` asks to wait, capped. @internal */
export const retryAfter = (error: CouchError, cap: Duration.Duration): Duration.Duration =>
  "retryAfterDuration" in error && error.retryAfterDuration._tag === "Some"
    ? Duration.min(error.retryAfterDuration.value, cap)
    : Duration.zero

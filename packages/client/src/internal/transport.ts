import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as CouchError from "../CouchError.js"

type TransportKind = CouchError.TransportError["kind"]

const codeKinds: Record<string, TransportKind> = {
  ECONNREFUSED: "Connect",
  ENOTFOUND: "Connect",
  EAI_AGAIN: "Connect",
  EHOSTUNREACH: "Connect",
  ENETUNREACH: "Connect",
  ECONNRESET: "Reset",
  EPIPE: "Reset",
  UND_ERR_SOCKET: "Reset",
  UND_ERR_CLOSED: "Reset",
  ERR_STREAM_PREMATURE_CLOSE: "Reset",
  // undici, when a `Connection: close` response ends before its announced length or last chunk.
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: "Reset",
  HPE_INVALID_EOF_STATE: "Reset",
  ETIMEDOUT: "Timeout",
  UND_ERR_CONNECT_TIMEOUT: "Timeout",
  UND_ERR_HEADERS_TIMEOUT: "Timeout",
  UND_ERR_BODY_TIMEOUT: "Timeout",
  ABORT_ERR: "Aborted",
  UND_ERR_ABORTED: "Aborted"
}

/** Walks a platform error's cause chain (fetch and undici nest the system error). */
const causes = function*(error: unknown): Generator<unknown> {
  let current: unknown = error
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth++) {
    yield current
    current = typeof current === "object" && "cause" in current ? current.cause : undefined
  }
}

const field = (u: unknown, name: "code" | "name" | "message"): string | undefined => {
  if (typeof u !== "object" || u === null || !(name in u)) return undefined
  const value: unknown = Reflect.get(u, name)
  return typeof value === "string" ? value : undefined
}

/**
 * undici's parser error for a connection that closed mid-response: it leaves `code` unset
 * (it looks the numeric llhttp error up in a table keyed by name), so only the message tells.
 */
const isEndedMidResponse = (cause: unknown): boolean =>
  field(cause, "name") === "HTTPParserError" && field(cause, "message")?.includes("(Invalid EOF state)") === true

/** @internal */
export const classify = (error: unknown): { readonly kind: TransportKind; readonly description: string } => {
  let kind: TransportKind = "Other"
  let description = "the request failed"
  for (const cause of causes(error)) {
    const code = field(cause, "code")
    if (code !== undefined && code in codeKinds && kind === "Other") kind = codeKinds[code] ?? "Other"
    if (kind === "Other" && field(cause, "name") === "AbortError") kind = "Aborted"
    if (kind === "Other" && isEndedMidResponse(cause)) kind = "Reset"
    const message = field(cause, "message")
    if (message !== undefined && message !== "") description = code !== undefined ? `${code}: ${message}` : message
  }
  return { kind, description }
}

/** @internal */
export const transportError = (method: string, url: string, error: unknown): CouchError.TransportError => {
  const { description, kind } = classify(error)
  const cause = typeof error === "object" && error !== null && "cause" in error ? error.cause : error
  return new CouchError.TransportError({ kind, method, url, description, cause }, { disableValidation: true })
}

/** Maps a failure of the platform client while sending: nothing reached the caller yet. */
export const fromRequestError = (
  method: string,
  url: string,
  error: HttpClientError.HttpClientError
): CouchError.TransportError | CouchError.InvalidRequest =>
  error._tag === "RequestError" && error.reason !== "Transport"
    ? new CouchError.InvalidRequest({ description: `${error.reason}: ${classify(error.cause).description}` })
    : transportError(method, url, error.cause ?? error)

/** @internal */
export const headerValue = (response: HttpClientResponse.HttpClientResponse, name: string): string | undefined =>
  response.headers[name]

const ErrorBody = (text: string): { readonly error?: string; readonly reason?: string } => {
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed !== "object" || parsed === null) return {}
    const error: unknown = Reflect.get(parsed, "error")
    const reason: unknown = Reflect.get(parsed, "reason")
    return {
      ...(typeof error === "string" ? { error } : {}),
      ...(typeof reason === "string" ? { reason } : {})
    }
  } catch {
    return {}
  }
}

/** The headers kept on an error: all but `set-cookie`, which may carry a session. */
const errorHeaders = (headers: Readonly<Record<string, string>>): Record<string, string> => {
  const kept: Record<string, string> = {}
  for (const name in headers) {
    // `for…in` over the platform's plain header record: own string keys only.
    if (name !== "set-cookie") kept[name] = headers[name] as string
  }
  return kept
}

/**
 * Turns an error response into its tagged error. The body is read when it can be; an HTML,
 * empty, truncated or non-JSON body still gives the tag of the status.
 *
 * @internal
 */
export const statusError = (
  method: string,
  url: string,
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<CouchError.HttpStatusError> =>
  (method === "HEAD" ? Effect.succeed(Option.none<string>()) : Effect.option(response.text)).pipe(
    Effect.map((text) =>
      CouchError.fromStatus({
        status: response.status,
        method,
        url,
        ...(Option.isSome(text) ? ErrorBody(text.value) : {}),
        requestId: headerValue(response, "x-couch-request-id"),
        retryAfter: headerValue(response, "retry-after"),
        headers: errorHeaders(response.headers)
      })
    )
  )

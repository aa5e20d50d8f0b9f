import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as HttpMethod from "@effect/platform/HttpMethod"
import * as Config from "effect/Config"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as FiberRef from "effect/FiberRef"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { type AuthContext, CouchAuth, type Provider } from "../CouchAuth.js"
import type { CouchRequest, CouchResponse, Method, Options, QueryValue, Service } from "../CouchClient.js"
import { type CouchError, DecodeError, InvalidRequest, isCouchError } from "../CouchError.js"
import * as CouchUrl from "../CouchUrl.js"
import * as Resource from "../Resource.js"
import { operationName } from "./route.js"
import { fromRequestError, statusError, transportError } from "./transport.js"

const encodeQueryValue = (value: string | number | boolean): string =>
  encodeURIComponent(typeof value === "string" ? value : String(value))

/** @internal */
export const queryString = (
  query: Readonly<Record<string, QueryValue>> | undefined
): Either.Either<string, InvalidRequest> => {
  if (query === undefined) return Either.right("")
  const parts: Array<string> = []
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === "number" && !Number.isFinite(item)) {
        return Either.left(new InvalidRequest({ description: `query parameter ${key} is not a finite number` }))
      }
      parts.push(`${encodeURIComponent(key)}=${encodeQueryValue(item)}`)
    }
  }
  return Either.right(parts.length === 0 ? "" : `?${parts.join("&")}`)
}

const decodeError = (method: string, url: string, description: string) =>
  new DecodeError({ method, url, description }, { disableValidation: true })

const parseJson = (method: string, url: string) => (text: string): Either.Either<unknown, DecodeError> => {
  if (text.trim() === "") return Either.left(decodeError(method, url, "the response body is empty"))
  try {
    return Either.right(JSON.parse(text))
  } catch (error) {
    return Either.left(decodeError(method, url, `the response body is not JSON: ${String(error)}`))
  }
}

/** @internal */
export const decodeWith = <A, I>(schema: Schema.Schema<A, I, never>, method: string, url: string) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (value: unknown): Either.Either<A, DecodeError> =>
    Either.mapLeft(decode(value), (error) => decodeError(method, url, ParseResult.TreeFormatter.formatErrorSync(error)))
}

const toCouchResponse = (
  method: Method,
  url: string,
  response: HttpClientResponse.HttpClientResponse
): CouchResponse => {
  // Failures while reading a body that has started to arrive are transport failures.
  const bodyFailed = (error: { readonly cause?: unknown }) => transportError(method, url, error.cause ?? error)
  // Built on access: most callers read the body one way only.
  const text = () => Effect.mapError(response.text, bodyFailed)
  const json = () => Effect.flatMap(text(), parseJson(method, url))
  return {
    status: response.status,
    headers: response.headers,
    method,
    url,
    get text() {
      return text()
    },
    get bytes() {
      return Effect.mapBoth(response.arrayBuffer, { onFailure: bodyFailed, onSuccess: (b) => new Uint8Array(b) })
    },
    get stream() {
      return Stream.mapError(response.stream, bodyFailed)
    },
    get json() {
      return json()
    },
    decode: (schema) => Effect.flatMap(json(), decodeWith(schema, method, url))
  }
}

const alwaysSensitive = ["authorization", "cookie", "set-cookie", /^x-auth-couchdb-/i]

const isOrigin = (url: string, origin: string): boolean => {
  // Every URL the client builds starts with its origin and a slash: no parsing needed.
  if (url.startsWith(`${origin}/`)) return true
  try {
    return new URL(url).origin === origin
  } catch {
    return false
  }
}

/**
 * Wraps the platform client so that credential headers never leave for another origin,
 * even when a user adds `followRedirects` in `transformClient`. Besides the usual credential
 * headers, every header the current fiber redacts (which includes the provider's
 * `sensitiveHeaders`) is removed.
 */
const guardOrigin = (client: HttpClient.HttpClient, origin: string): HttpClient.HttpClient =>
  HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (request) =>
      Effect.flatMap(request, (request) => {
        if (isOrigin(request.url, origin)) return client.execute(request)
        return Effect.flatMap(FiberRef.get(Headers.currentRedactedNames), (redacted) => {
          const headers = Headers.remove(request.headers, [...alwaysSensitive, ...redacted])
          // `modify` and `setHeaders` merge headers, so rebuild the request with the kept ones.
          const rebuilt = HttpClientRequest.make(request.method)(request.url).pipe(
            HttpClientRequest.setUrlParams(request.urlParams),
            (r) =>
              Option.match(request.hash, {
                onNone: () => r,
                onSome: (hash) => HttpClientRequest.setHash(r, hash)
              }),
            HttpClientRequest.setBody(request.body),
            HttpClientRequest.setHeaders(headers)
          )
          return client.execute(rebuilt)
        })
      }),
    Effect.succeed
  )

const bodyOf = (request: CouchRequest): Either.Either<
  (r: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest,
  InvalidRequest
> => {
  if (request.json !== undefined) {
    let text: string | undefined
    try {
      text = JSON.stringify(request.json)
    } catch (error) {
      return Either.left(new InvalidRequest({ description: `the JSON body cannot be serialised: ${String(error)}` }))
    }
    if (text === undefined) {
      return Either.left(new InvalidRequest({ description: "the JSON body cannot be serialised" }))
    }
    const body = text
    return Either.right(HttpClientRequest.bodyText(body, "application/json"))
  }
  const body = request.body
  const contentType = request.contentType ?? "application/octet-stream"
  if (body === undefined) return Either.right(identity)
  if (typeof body === "string") return Either.right(HttpClientRequest.bodyText(body, contentType))
  if (body instanceof Uint8Array) return Either.right(HttpClientRequest.bodyUint8Array(body, contentType))
  return Either.right(HttpClientRequest.bodyStream(body, {
    contentType,
    ...(request.contentLength !== undefined ? { contentLength: request.contentLength } : {})
  }))
}

const isSystemDatabase = (name: string) => name === "_users" || name === "_replicator" || name === "_global_changes"

/** @internal */
export const make = (options: Options): Effect.Effect<Service, InvalidRequest, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const raw = Redacted.isRedacted(options.url) ? Redacted.value(options.url) : options.url
    const extracted = yield* CouchUrl.extractCredentials(raw)
    const baseUrl = extracted.url.replace(/\/+$/, "")
    const parsedBase = new URL(baseUrl)
    const origin = parsedBase.origin
    const serverPort = parsedBase.port !== "" ? Number(parsedBase.port) : parsedBase.protocol === "https:" ? 443 : 80
    const http = (options.transformClient ?? identity)(guardOrigin(yield* HttpClient.HttpClient, origin))

    const send = (method: Method, url: string, request: HttpClientRequest.HttpClientRequest) =>
      http.execute(request).pipe(
        Effect.catchAll((error) =>
          Effect.fail(isCouchError(error.cause) ? error.cause : fromRequestError(method, url, error))
        )
      )

    const authContext: AuthContext = {
      origin,
      baseUrl,
      send: (request) =>
        Effect.flatMap(send(request.method, request.url, request), (response) =>
          response.status >= 400
            ? Effect.flatMap(statusError(request.method, request.url, response), Effect.fail)
            : Effect.succeed(response))
    }

    const run = (request: CouchRequest, auth: Provider): Effect.Effect<CouchResponse, CouchError> =>
      Effect.gen(function*() {
        const query = yield* queryString(request.query)
        const setBody = yield* bodyOf(request)
        const url = CouchUrl.join(baseUrl, ...request.segments) + query
        const method = request.method
        const prepared = HttpClientRequest.make(
          // COPY is not in the platform's method union, but every HttpClient backend
          // (node:http, undici, fetch) passes the method token through unchanged.
          method as HttpMethod.HttpMethod
        )(url, { acceptJson: true }).pipe(
          HttpClientRequest.setHeaders(request.headers ?? {}),
          setBody
        )
        const replayable = request.body === undefined || typeof request.body === "string" ||
          request.body instanceof Uint8Array || request.json !== undefined

        const attempt = (replayed: boolean): Effect.Effect<CouchResponse, CouchError> =>
          Effect.gen(function*() {
            const authorized = yield* auth.authorize(prepared, authContext)
            const response = yield* send(method, url, authorized)
            // A response from another origin (after a redirect) must not touch this origin's credentials.
            const ours = isOrigin(response.request.url, origin)
            if (ours) yield* auth.onResponse(response, authContext)
            if (response.status === 401 && ours && !replayed && replayable) {
              if (yield* auth.renew(authorized, authContext)) {
                yield* Effect.ignore(response.arrayBuffer)
                return yield* attempt(true)
              }
            }
            yield* Effect.annotateCurrentSpan("db.response.status_code", String(response.status))
            if (response.status >= 400) return yield* Effect.flip(statusError(method, url, response))
            return toCouchResponse(method, url, response)
          })
        return yield* attempt(false)
      }).pipe(
        Effect.tapError((error) => Effect.annotateCurrentSpan("error.type", error._tag)),
        withSpan(request, auth),
        // The platform already redacts authorization, cookie and set-cookie; a provider may add more.
        auth.sensitiveHeaders.length === 0 ? identity : Effect.locallyWith(
          Headers.currentRedactedNames,
          (names) => [...names, ...alwaysSensitive, ...auth.sensitiveHeaders]
        )
      )

    const withSpan = (request: CouchRequest, auth: Provider) => {
      const operation = request.operation ?? operationName(request.method, request.segments)
      const db = request.segments[0]
      return Effect.withSpan(operation, {
        kind: "client",
        captureStackTrace: false,
        attributes: {
          ...options.spanAttributes,
          "db.system": "couchdb",
          "db.system.name": "couchdb",
          "db.operation.name": operation,
          ...(db !== undefined && (!db.startsWith("_") || isSystemDatabase(db)) ? { "db.namespace": db } : {}),
          "server.address": parsedBase.hostname,
          "server.port": serverPort,
          "http.request.method": request.method,
          "couchdb.auth": auth.name
        }
      })
    }

    const service: Service = {
      url: baseUrl,
      credentials: extracted.credentials,
      execute: (request) => Effect.flatMap(CouchAuth, (auth) => run(request, auth)),
      get root() {
        return Resource.make(service, [])
      },
      resource: (...segments) => Resource.make(service, segments)
    }
    return service
  })

/** @internal */
export const fromConfig = (config: Config.Config.Wrap<Options>) => Effect.flatMap(Config.unwrap(config), make)

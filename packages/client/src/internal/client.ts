import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as HttpMethod from "@effect/platform/HttpMethod"
import * as HttpTraceContext from "@effect/platform/HttpTraceContext"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import { constTrue, identity } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import { type AuthContext, CouchAuth, type Provider } from "../CouchAuth.js"
import {
  CouchClient,
  type CouchRequest,
  type CouchResponse,
  type Method,
  type Options,
  type QueryValue,
  type Service
} from "../CouchClient.js"
import { type CouchError, DecodeError, InvalidRequest, isCouchError, TransportError } from "../CouchError.js"
import * as CouchUrl from "../CouchUrl.js"
import * as Resource from "../Resource.js"
import * as internalAuth from "./auth.js"
import * as Handle from "./handle.js"
import * as Json from "./json.js"
import * as Path from "./path.js"
import * as Retry from "./retry.js"
import { operationName } from "./route.js"
import { fromRequestError, statusError, transportError } from "./transport.js"

/** One query value as text: strings as they are, numbers and booleans as text, the rest as JSON. */
const queryText = (key: string, value: Exclude<QueryValue, undefined>): Either.Either<string, InvalidRequest> => {
  if (typeof value === "string") return Either.right(value)
  if (typeof value === "boolean") return Either.right(String(value))
  if (typeof value === "number") {
    return Number.isFinite(value)
      ? Either.right(String(value))
      : Either.left(new InvalidRequest({ description: `query parameter ${key} is not a finite number` }))
  }
  // Arrays and objects are JSON, as CouchDB reads `keys`, `open_revs`, `atts_since`, `doc_ids`, ….
  return Json.stringify(value, `query parameter ${key}`)
}

/** @internal */
export const queryString = (
  query: Readonly<Record<string, QueryValue>> | undefined
): Either.Either<string, InvalidRequest> => {
  if (query === undefined) return Either.right("")
  const parts: Array<string> = []
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue
    const text = queryText(key, value)
    if (Either.isLeft(text)) return text
    if (Json.hasLoneSurrogate(key) || Json.hasLoneSurrogate(text.right)) {
      return Either.left(
        new InvalidRequest({ description: `query parameter ${key} has an unpaired surrogate, which is not valid text` })
      )
    }
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text.right)}`)
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

/**
 * A class rather than an object literal with getters: one is built per request. The platform
 * response is a `#private` field so that inspecting or serialising a `CouchResponse` cannot
 * reach its request's headers (a proxy token is redacted only inside the request's fiber).
 */
class Response implements CouchResponse {
  readonly #response: HttpClientResponse.HttpClientResponse
  constructor(
    readonly method: Method,
    readonly url: string,
    response: HttpClientResponse.HttpClientResponse
  ) {
    this.#response = response
  }
  get status() {
    return this.#response.status
  }
  get headers() {
    return this.#response.headers
  }
  // Failures while reading a body that has started to arrive are transport failures.
  private readonly bodyFailed = (error: { readonly cause?: unknown }) =>
    transportError(this.method, this.url, error.cause ?? error)
  get text() {
    return Effect.mapError(this.#response.text, this.bodyFailed)
  }
  get bytes() {
    return Effect.mapBoth(this.#response.arrayBuffer, {
      onFailure: this.bodyFailed,
      onSuccess: (buffer) => new Uint8Array(buffer)
    })
  }
  get stream() {
    return Stream.mapError(this.#response.stream, this.bodyFailed)
  }
  get json() {
    return Effect.flatMap(this.text, parseJson(this.method, this.url))
  }
  decode<A, I>(schema: Schema.Schema<A, I, never>) {
    return Effect.flatMap(this.json, decodeWith(schema, this.method, this.url))
  }
}

/**
 * The headers of a request, built in one object: JSON by default, the operation span's
 * trace context, then the request's own headers (in any case), which win.
 */
const requestHeaders = (request: CouchRequest, span: Tracer.Span | undefined): Record<string, string> => {
  const headers: Record<string, string> = { accept: "application/json" }
  if (span !== undefined) Object.assign(headers, HttpTraceContext.toHeaders(span))
  if (request.headers !== undefined) Object.assign(headers, request.headers)
  return headers
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
 * Unless `httpSpans` is set, the platform's own HTTP span is turned off: the operation span
 * carries the same facts, and is the one propagated (see `prepare`).
 */
const withoutHttpSpan = (client: HttpClient.HttpClient, httpSpans: boolean) =>
(
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> =>
  httpSpans
    ? client.execute(request)
    : Effect.locally(client.execute(request), HttpClient.currentTracerDisabledWhen, constTrue)

/**
 * Wraps the platform client so that credential headers never leave for another origin,
 * even when a user adds `followRedirects` in `transformClient`. Besides the usual credential
 * headers, every header the current fiber redacts (which includes the provider's
 * `sensitiveHeaders`) is removed.
 */
const guardOrigin = (client: HttpClient.HttpClient, origin: string, httpSpans: boolean): HttpClient.HttpClient => {
  const execute = withoutHttpSpan(client, httpSpans)
  return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (request) =>
      Effect.flatMap(request, (request) => {
        if (isOrigin(request.url, origin)) return execute(request)
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
          return execute(rebuilt)
        })
      }),
    Effect.succeed
  )
}

const bodyOf = (request: CouchRequest): Either.Either<
  (r: HttpClientRequest.HttpClientRequest) => HttpClientRequest.HttpClientRequest,
  InvalidRequest
> => {
  if (request.json !== undefined) {
    return Either.map(
      Json.stringify(request.json, "the JSON body"),
      (text) => HttpClientRequest.bodyText(text, "application/json")
    )
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
    const httpSpans = options.httpSpans === true
    const http = (options.transformClient ?? identity)(guardOrigin(yield* HttpClient.HttpClient, origin, httpSpans))

    const scopedHttp = HttpClient.withScope(http)
    /**
     * With `scoped`, the request gets a scope of its own inside the one in context: closing
     * either aborts it (`HttpClient.withScope`), so a feed whose scope closes before its body
     * was read does not leave the connection open, and an interrupted wait aborts at once.
     */
    const execute = (request: HttpClientRequest.HttpClientRequest, scoped: boolean) =>
      !scoped ?
        http.execute(request) :
        Effect.flatMap(Effect.serviceOption(Scope.Scope), (outer) =>
          Option.isNone(outer) ? http.execute(request) : Effect.flatMap(
            Scope.fork(outer.value, ExecutionStrategy.sequential),
            (scope) =>
              scopedHttp.execute(request).pipe(
                Effect.provideService(Scope.Scope, scope),
                Effect.onExit((exit) =>
                  Exit.isFailure(exit) ? Scope.close(scope, exit) : Effect.void
                )
              )
          ))
    const send = (method: Method, url: string, request: HttpClientRequest.HttpClientRequest, scoped = false) =>
      execute(request, scoped).pipe(
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

    // Attributes every span of this client carries; per-request ones are added to a copy.
    const baseAttributes: Record<string, unknown> = {
      ...options.spanAttributes,
      ...(options.legacySpanAttributes === true ? { "db.system": "couchdb" } : {}),
      "db.system.name": "couchdb",
      "server.address": parsedBase.hostname,
      "server.port": serverPort
    }
    const serverTarget = `${parsedBase.hostname}:${serverPort}`
    const retryPolicy = Retry.policy(options.retry)
    const defaultTimeout = options.timeout === undefined ? undefined : Duration.decode(options.timeout)

    // Built from plain combinators rather than `Effect.gen`: this is the per-request hot path.
    const run = (request: CouchRequest, auth: Provider): Effect.Effect<CouchResponse, CouchError> => {
      const method = request.method
      const operation = request.operation ?? operationName(method, request.segments)
      const db = request.segments[0]
      const namespace = db !== undefined && (!db.startsWith("_") || isSystemDatabase(db)) ? db : undefined
      // Object.assign, not a spread: spreading these dotted keys is an order of magnitude slower.
      const attributes: Record<string, unknown> = Object.assign({}, baseAttributes)
      attributes["db.operation.name"] = operation
      attributes["http.request.method"] = method
      attributes["couchdb.auth"] = auth.name
      if (namespace !== undefined) attributes["db.namespace"] = namespace
      if (request.spanAttributes !== undefined) Object.assign(attributes, request.spanAttributes)
      // OpenTelemetry's database span name: `{db.operation.name} {target}`.
      const spanName = `${operation} ${namespace ?? serverTarget}`
      const operationEffect = Effect.useSpan(
        spanName,
        { kind: "client", captureStackTrace: false, attributes },
        (span) =>
          Effect.withParentSpan(
            Effect.tapError(
              Effect.withFiberRuntime<CouchResponse, CouchError>((fiber) =>
                prepare(
                  request,
                  auth,
                  span,
                  !httpSpans && fiber.getFiberRef(FiberRef.currentTracerEnabled) &&
                    fiber.getFiberRef(HttpClient.currentTracerPropagation)
                )
              ),
              (error) =>
                Effect.sync(() => {
                  // `error.type`: the status code for HTTP errors, as the conventions ask; the tag beside it.
                  span.attribute("error.type", "status" in error ? String(error.status) : error._tag)
                  span.attribute("couchdb.error", error._tag)
                })
            ),
            span
          )
      )
      // The platform already redacts authorization, cookie and set-cookie; a provider may add more.
      return auth.sensitiveHeaders.length === 0 ? operationEffect : Effect.locallyWith(
        operationEffect,
        Headers.currentRedactedNames,
        (names) => [...names, ...alwaysSensitive, ...auth.sensitiveHeaders]
      )
    }

    /** Resends `attempt` after transient failures, as the policy allows; each retry is on the span. */
    const withRetries = (
      request: CouchRequest,
      span: Tracer.Span,
      attempt: Effect.Effect<CouchResponse, CouchError>
    ): Effect.Effect<CouchResponse, CouchError> => {
      if (retryPolicy === undefined || !Retry.mayResend(request, retryPolicy)) return attempt
      const policy = retryPolicy
      return Effect.flatMap(Schedule.driver(policy.schedule), (driver) => {
        let resends = 0
        const loop: Effect.Effect<CouchResponse, CouchError> = Effect.catchIf(
          attempt,
          Retry.isTransient,
          (error) =>
            Effect.zipRight(Effect.sleep(Retry.retryAfter(error, policy.maxRetryAfter)), driver.next(error)).pipe(
              Effect.matchEffect({
                // The schedule is done: the last failure stands.
                onFailure: () => Effect.fail(error),
                onSuccess: () =>
                  Effect.flatMap(Clock.currentTimeNanos, (now) => {
                    resends++
                    span.attribute("http.request.resend_count", resends)
                    span.event("couchdb.retry", now, { attempt: resends, "error.type": error._tag })
                    return loop
                  })
              })
            )
        )
        return loop
      })
    }

    const timeoutOf = (request: CouchRequest): Duration.Duration | undefined =>
      request.timeout === "none"
        ? undefined
        : request.timeout !== undefined
        ? Duration.decode(request.timeout)
        : defaultTimeout

    const prepare = (
      request: CouchRequest,
      auth: Provider,
      span: Tracer.Span,
      propagate: boolean
    ): Effect.Effect<CouchResponse, CouchError> => {
      const badPath = Path.invalidSegments(request.segments)
      if (badPath !== undefined) return Effect.fail(badPath)
      const query = queryString(request.query)
      if (Either.isLeft(query)) return Effect.fail(query.left)
      const setBody = bodyOf(request)
      if (Either.isLeft(setBody)) return Effect.fail(setBody.left)
      const url = CouchUrl.join(baseUrl, ...request.segments) + query.right
      const method = request.method
      const prepared = HttpClientRequest.make(
        // COPY is not in the platform's method union, but every HttpClient backend
        // (node:http, undici, fetch) passes the method token through unchanged.
        method as HttpMethod.HttpMethod
      )(url, { headers: requestHeaders(request, propagate ? span : undefined) }).pipe(
        setBody.right
      )
      const replayable = request.body === undefined || typeof request.body === "string" ||
        request.body instanceof Uint8Array || request.json !== undefined

      const finish = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<CouchResponse, CouchError> => {
        span.attribute("db.response.status_code", String(response.status))
        return response.status >= 400
          ? Effect.flatMap(statusError(method, url, response), Effect.fail)
          : Effect.succeed(new Response(method, url, response))
      }
      const received = (
        authorized: HttpClientRequest.HttpClientRequest,
        response: HttpClientResponse.HttpClientResponse,
        replayed: boolean
      ): Effect.Effect<CouchResponse, CouchError> => {
        // A response from another origin (after a redirect) must not touch this origin's credentials.
        if (!isOrigin(response.request.url, origin)) return finish(response)
        const renewAndReplay = response.status === 401 && !replayed && replayable
          ? Effect.flatMap(auth.renew(authorized, authContext), (renewed) =>
            renewed
              ? Effect.zipRight(Effect.ignore(response.arrayBuffer), attempt(true))
              : finish(response))
          : finish(response)
        return auth.onResponse === internalAuth.noResponseHook
          ? renewAndReplay
          : Effect.zipRight(auth.onResponse(response, authContext), renewAndReplay)
      }
      const attempt = (replayed: boolean): Effect.Effect<CouchResponse, CouchError> =>
        Effect.flatMap(
          auth.authorize(prepared, authContext),
          (authorized) => {
            // Checked here rather than left to the transport, which would throw or fail vaguely.
            for (const name in authorized.headers) {
              const bad = Path.invalidHeader(name, authorized.headers[name] ?? "")
              if (bad !== undefined) return Effect.fail(bad)
            }
            const scoped = request.scoped === true
            const sent = timeout === undefined ? send(method, url, authorized, scoped) : Effect.timeoutFail(
              send(method, url, authorized, scoped),
              {
                duration: timeout,
                onTimeout: () =>
                  new TransportError({
                    kind: "Timeout",
                    method,
                    url,
                    description: `no response within ${Duration.format(timeout)}`
                  }, { disableValidation: true })
              }
            )
            return Effect.flatMap(sent, (response) => received(authorized, response, replayed))
          }
        )
      const timeout = timeoutOf(request)
      return withRetries(request, span, attempt(false))
    }

    const service: Service = Handle.server({
      url: baseUrl,
      credentials: extracted.credentials,
      execute: (request) => Effect.flatMap(CouchAuth, (auth) => run(request, auth)),
      database: (name) => Handle.database(service, name),
      get root() {
        return Resource.make(service, [])
      },
      resource: (...segments) => Resource.make(service, segments)
    })
    return service
  })

/**
 * The client and its ambient auth provider: the URL's credentials as basic auth (or a cookie
 * session when asked), or none.
 *
 * @internal
 */
export const makeWithAuth = (
  options: Options
): Effect.Effect<Context.Context<CouchClient | CouchAuth>, InvalidRequest, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const client = yield* make(options)
    const credentials = client.credentials
    const provider = credentials === undefined
      ? internalAuth.none
      : options.auth === "cookie"
      ? yield* internalAuth.cookie(credentials)
      : internalAuth.basic(credentials)
    return Context.make(CouchClient, client).pipe(Context.add(CouchAuth, provider))
  })

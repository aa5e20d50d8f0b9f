import * as Cookies from "@effect/platform/Cookies"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { AuthContext, CookieOptions, Provider } from "../CouchAuth.js"
import { type CouchError, InvalidRequest } from "../CouchError.js"

const reveal = (value: string | Redacted.Redacted<string>): string =>
  Redacted.isRedacted(value) ? Redacted.value(value) : value

/** @internal The `renew` of providers that cannot renew their credentials. */
export const noRenew = () => Effect.succeed(false)
/** @internal The default `onResponse`; the client skips calling it. */
export const noResponseHook = () => Effect.void

/** @internal */
export const none: Provider = {
  name: "none",
  sensitiveHeaders: [],
  authorize: (request) => Effect.succeed(request),
  onResponse: noResponseHook,
  renew: noRenew
}

/** @internal */
export const basic = (options: {
  readonly username: string | Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
}): Provider => {
  // Computed lazily and once; btoa() would reject non-Latin-1 names, so encode UTF-8 ourselves.
  let header: Redacted.Redacted<string> | undefined
  return {
    name: "basic",
    sensitiveHeaders: [],
    authorize: (request) =>
      Effect.suspend(() => {
        if (header === undefined) {
          const username = reveal(options.username)
          if (username === "") {
            return Effect.fail(new InvalidRequest({ description: "Basic auth: the user name is empty" }))
          }
          header = Redacted.make(
            `Basic ${Encoding.encodeBase64(`${username}:${Redacted.value(options.password)}`)}`
          )
        }
        return Effect.succeed(HttpClientRequest.setHeader(request, "authorization", Redacted.value(header)))
      }),
    onResponse: noResponseHook,
    renew: noRenew
  }
}

/** A credential and, when known, the time (ms since the epoch) it stops being accepted. */
interface Credential {
  readonly value: Redacted.Redacted<string>
  readonly expiresAt: number | undefined
  /** When it was obtained; with `expiresAt`, the lifetime the renewal margin is a share of. */
  readonly obtainedAt: number
}

/**
 * True when `credential` should be renewed before it is used: less than a tenth of its
 * lifetime (and at least a second) is left. Renewing early matters: CouchDB ignores an
 * expired session cookie on endpoints anonymous users may read, so a request sent with it
 * runs as anonymous instead of failing with 401.
 */
const isStale = (credential: Credential, now: number): boolean => {
  if (credential.expiresAt === undefined) return false
  const margin = Math.max(1000, (credential.expiresAt - credential.obtainedAt) / 10)
  return now >= credential.expiresAt - margin
}

/**
 * A credential obtained from the server or a token source, cached per origin. `acquire`
 * runs under a per-origin lock, so concurrent requests share one login; a credential close
 * to its expiry is acquired again before it is used.
 */
const makeRenewableCredential = <E>(
  acquire: (context: AuthContext, now: number) => Effect.Effect<Credential, E>
) => {
  const values = new Map<string, Credential>()
  const locks = new Map<string, Effect.Semaphore>()
  const lockFor = (origin: string) => {
    let lock = locks.get(origin)
    if (lock === undefined) {
      lock = Effect.unsafeMakeSemaphore(1)
      locks.set(origin, lock)
    }
    return lock
  }
  const refresh = (context: AuthContext, stale: Option.Option<string>) =>
    lockFor(context.origin).withPermits(1)(
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const current = values.get(context.origin)
        // Someone else renewed while we waited for the lock: use theirs.
        if (
          current !== undefined && !isStale(current, now) &&
          (Option.isNone(stale) || Redacted.value(current.value) !== stale.value)
        ) {
          return Effect.succeed(current.value)
        }
        return Effect.map(acquire(context, now), (fresh) => {
          values.set(context.origin, fresh)
          return fresh.value
        })
      })
    )
  const get = (context: AuthContext) =>
    Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const current = values.get(context.origin)
      return current !== undefined && !isStale(current, now)
        ? Effect.succeed(current.value)
        : refresh(context, Option.none())
    })
  const set = (origin: string, credential: Option.Option<Credential>) =>
    Option.match(credential, {
      onNone: () => values.delete(origin),
      onSome: (c) => values.set(origin, c)
    })
  return { get, refresh, set }
}

/**
 * The `AuthSession` cookie a response sets, with its expiry: `Max-Age` counted from our
 * clock (immune to clock skew), else `Expires`, else `fallbackMs` from now. An empty value
 * (logout, failed login) is `Some(None)`; no `AuthSession` cookie at all is `None`.
 */
const sessionCookie = (
  response: HttpClientResponse.HttpClientResponse,
  now: number,
  fallbackMs: number
): Option.Option<Option.Option<Credential>> =>
  Option.map(
    Option.fromNullable(response.cookies.cookies["AuthSession"]),
    (cookie): Option.Option<Credential> => {
      if (cookie.value === "") return Option.none()
      const maxAge = cookie.options?.maxAge
      const expires = cookie.options?.expires
      const expiresAt = maxAge !== undefined
        ? now + Duration.toMillis(Duration.decode(maxAge))
        : expires !== undefined && !Number.isNaN(expires.getTime())
        ? expires.getTime()
        : now + fallbackMs
      return Option.some({ value: Redacted.make(cookie.value), expiresAt, obtainedAt: now })
    }
  )

/** CouchDB's default session timeout (`[chttpd_auth] timeout`), for cookies without an expiry. */
const defaultSessionTimeout = Duration.minutes(10)

/** @internal */
export const cookie = (options: CookieOptions): Effect.Effect<Provider> =>
  Effect.sync(() => {
    const fallbackMs = Duration.toMillis(Duration.decode(options.sessionTimeout ?? defaultSessionTimeout))
    const login = (context: AuthContext, now: number) =>
      context.send(
        HttpClientRequest.post(`${context.baseUrl}/_session`).pipe(
          HttpClientRequest.acceptJson,
          HttpClientRequest.bodyUnsafeJson({
            name: reveal(options.username),
            password: Redacted.value(options.password)
          })
        )
      ).pipe(
        Effect.flatMap((response) =>
          Option.match(Option.flatten(sessionCookie(response, now, fallbackMs)), {
            onNone: () =>
              Effect.fail(
                new InvalidRequest({
                  description: "Cookie auth: POST /_session answered without an AuthSession cookie"
                })
              ),
            onSome: Effect.succeed
          })
        ),
        Effect.tap(() =>
          Effect.logDebug("CouchDB cookie session opened").pipe(Effect.annotateLogs("origin", context.origin))
        ),
        Effect.withSpan("CouchAuth.cookie.login", { kind: "client", captureStackTrace: false })
      )
    const session = makeRenewableCredential<CouchError>(login)
    const sentCookie = (request: HttpClientRequest.HttpClientRequest): Option.Option<string> =>
      Option.flatMap(
        Option.fromNullable(request.headers["cookie"]),
        (header) => Cookies.getValue(Cookies.fromSetCookie(header.split(/;\s*/)), "AuthSession")
      )
    const provider: Provider = {
      name: "cookie",
      sensitiveHeaders: [],
      authorize: (request, context) =>
        Effect.map(session.get(context), (value) => withCookie(request, Redacted.value(value))),
      onResponse: (response, context) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const refreshed = sessionCookie(response, now, fallbackMs)
          if (Option.isSome(refreshed)) session.set(context.origin, refreshed.value)
        }),
      renew: (request, context) => Effect.as(session.refresh(context, sentCookie(request)), true)
    }
    return provider
  })

const withCookie = (request: HttpClientRequest.HttpClientRequest, value: string) => {
  const existing = request.headers["cookie"]
  const others = existing === undefined
    ? []
    : existing.split(/;\s*/).filter((part) => part !== "" && !part.startsWith("AuthSession="))
  return HttpClientRequest.setHeader(request, "cookie", [...others, `AuthSession=${value}`].join("; "))
}

/**
 * The expiry of a JWT from its `exp` claim, when the token is a readable JWT; the token is
 * otherwise opaque to the client.
 */
const jwtExpiry = (token: string): number | undefined => {
  const payload = token.split(".")[1]
  if (payload === undefined) return undefined
  const decoded = Encoding.decodeBase64UrlString(payload)
  if (Either.isLeft(decoded)) return undefined
  try {
    const exp: unknown = Reflect.get(JSON.parse(decoded.right) ?? {}, "exp")
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : undefined
  } catch {
    return undefined
  }
}

/** @internal */
export const jwt = <E extends CouchError>(
  token: Effect.Effect<Redacted.Redacted<string>, E>
): Effect.Effect<Provider> =>
  Effect.sync(() => {
    const tokens = makeRenewableCredential<E>((_, now) =>
      Effect.map(token, (value) => ({ value, expiresAt: jwtExpiry(Redacted.value(value)), obtainedAt: now }))
    )
    const sentToken = (request: HttpClientRequest.HttpClientRequest) =>
      Option.map(Option.fromNullable(request.headers["authorization"]), (h) => h.replace(/^Bearer\s+/i, ""))
    const provider: Provider = {
      name: "jwt",
      sensitiveHeaders: [],
      authorize: (request, context) =>
        Effect.map(tokens.get(context), (value) => HttpClientRequest.bearerToken(request, value)),
      onResponse: noResponseHook,
      renew: (request, context) => Effect.as(tokens.refresh(context, sentToken(request)), true)
    }
    return provider
  })

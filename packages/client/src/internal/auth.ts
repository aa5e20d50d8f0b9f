import * as Cookies from "@effect/platform/Cookies"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import { hmac } from "@noble/hashes/hmac.js"
import { sha1 } from "@noble/hashes/legacy.js"
import { sha256, sha512 } from "@noble/hashes/sha2.js"
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import OAuth from "oauth-1.0a"
import type { AuthContext, CookieOptions, OAuthOptions, Provider, ProxyOptions } from "../CouchAuth.js"
import { type CouchError, InvalidRequest } from "../CouchError.js"

/** @internal */
export type HmacAlgorithm = "sha1" | "sha256" | "sha512"

const hashes = { sha1, sha256, sha512 } as const

/** @internal */
export const hmacHex = (algorithm: HmacAlgorithm, key: string, message: string): string =>
  bytesToHex(hmac(hashes[algorithm], utf8ToBytes(key), utf8ToBytes(message)))

const reveal = (value: string | Redacted.Redacted<string>): string =>
  Redacted.isRedacted(value) ? Redacted.value(value) : value

const noRenew = () => Effect.succeed(false)
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

/**
 * A credential obtained from the server or a token source, cached per origin. `acquire`
 * runs under a per-origin lock, so concurrent requests share one login.
 */
const makeRenewableCredential = <E>(
  acquire: (context: AuthContext) => Effect.Effect<Redacted.Redacted<string>, E>
) => {
  const values = new Map<string, Redacted.Redacted<string>>()
  const locks = new Map<string, Effect.Semaphore>()
  const lockFor = (origin: string) => {
    let lock = locks.get(origin)
    if (lock === undefined) {
      lock = Effect.unsafeMakeSemaphore(1)
      locks.set(origin, lock)
    }
    return lock
  }
  const current = (origin: string): Option.Option<Redacted.Redacted<string>> => Option.fromNullable(values.get(origin))
  const refresh = (context: AuthContext, stale: Option.Option<string>) =>
    lockFor(context.origin).withPermits(1)(
      Effect.suspend(() => {
        const now = values.get(context.origin)
        // Someone else renewed while we waited for the lock: use theirs.
        if (now !== undefined && (Option.isNone(stale) || Redacted.value(now) !== stale.value)) {
          return Effect.succeed(now)
        }
        return Effect.tap(acquire(context), (value) => Effect.sync(() => values.set(context.origin, value)))
      })
    )
  const get = (context: AuthContext) =>
    Option.match(current(context.origin), {
      onNone: () => refresh(context, Option.none()),
      onSome: Effect.succeed
    })
  const set = (origin: string, value: Option.Option<Redacted.Redacted<string>>) =>
    Option.match(value, {
      onNone: () => values.delete(origin),
      onSome: (v) => values.set(origin, v)
    })
  return { get, refresh, set }
}

/** @internal */
export const cookie = (options: CookieOptions): Effect.Effect<Provider> =>
  Effect.sync(() => {
    const login = (context: AuthContext) =>
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
          Option.match(Cookies.getValue(response.cookies, "AuthSession"), {
            onNone: () =>
              Effect.fail(
                new InvalidRequest({
                  description: "Cookie auth: POST /_session answered without an AuthSession cookie"
                })
              ),
            onSome: (value) => Effect.succeed(Redacted.make(value))
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
        Effect.sync(() => {
          const refreshed = Cookies.getValue(response.cookies, "AuthSession")
          if (Option.isSome(refreshed)) {
            session.set(
              context.origin,
              refreshed.value === "" ? Option.none() : Option.some(Redacted.make(refreshed.value))
            )
          }
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

/** @internal */
export const jwt = <E extends CouchError>(
  token: Effect.Effect<Redacted.Redacted<string>, E>
): Effect.Effect<Provider> =>
  Effect.sync(() => {
    const tokens = makeRenewableCredential<E>(() => token)
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

/** @internal */
export const proxy = (options: ProxyOptions): Provider => {
  const names = {
    username: options.headers?.username ?? "X-Auth-CouchDB-UserName",
    roles: options.headers?.roles ?? "X-Auth-CouchDB-Roles",
    token: options.headers?.token ?? "X-Auth-CouchDB-Token"
  }
  const token = options.secret === undefined
    ? undefined
    : hmacHex(options.algorithm ?? "sha1", Redacted.value(options.secret), options.username)
  return {
    name: "proxy",
    // The user name alone authenticates when the server does not require a token.
    sensitiveHeaders: [names.username, names.roles, names.token].map((name) => name.toLowerCase()),
    authorize: (request) => {
      if (options.username === "") {
        return Effect.fail(new InvalidRequest({ description: "Proxy auth: the user name is empty" }))
      }
      let headers: Record<string, string> = { [names.username]: options.username }
      if (options.roles !== undefined) headers = { ...headers, [names.roles]: options.roles.join(",") }
      if (token !== undefined) headers = { ...headers, [names.token]: token }
      return Effect.succeed(HttpClientRequest.setHeaders(request, headers))
    },
    onResponse: noResponseHook,
    renew: noRenew
  }
}

/** @internal */
export const oauth = (options: OAuthOptions): Provider => {
  const method = options.signatureMethod ?? "HMAC-SHA1"
  const algorithm: HmacAlgorithm = method === "HMAC-SHA1" ? "sha1" : "sha256"
  const signer = new OAuth({
    consumer: { key: options.consumerKey, secret: Redacted.value(options.consumerSecret) },
    signature_method: method,
    hash_function: (base, key) => Encoding.encodeBase64(hmac(hashes[algorithm], utf8ToBytes(key), utf8ToBytes(base)))
  })
  const token = { key: options.token, secret: Redacted.value(options.tokenSecret) }
  return {
    name: "oauth",
    sensitiveHeaders: [],
    authorize: (request) =>
      Effect.suspend(() => {
        const url = UrlParams.makeUrl(request.url, request.urlParams, Option.none())
        if (url._tag === "Left") {
          return Effect.fail(new InvalidRequest({ description: "OAuth: the request URL cannot be parsed" }))
        }
        // Sign the real method and query. oauth-1.0a would re-encode still-escaped names if
        // given the query in the URL, so pass the decoded parameters as data instead.
        const params: Record<string, string | Array<string>> = {}
        for (const [key, value] of url.right.searchParams) {
          const previous = params[key]
          params[key] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value]
        }
        url.right.search = ""
        url.right.hash = ""
        const data = signer.authorize({ url: url.right.href, method: request.method, data: params }, token)
        return Effect.succeed(
          HttpClientRequest.setHeader(request, "authorization", signer.toHeader(data).Authorization)
        )
      }),
    onResponse: noResponseHook,
    renew: noRenew
  }
}

/**
 * Who a request runs as. `CouchAuth` is a context service, not part of the client, so one
 * `CouchClient` can serve many users: provide a different provider per request (e.g. proxy
 * auth per end user) with `Effect.provideService(effect, CouchAuth, provider)`.
 *
 * @since 0.1.0
 */
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { CouchError } from "./CouchError.js"
import * as internal from "./internal/auth.js"

/**
 * What a provider may use while it authorizes a request.
 *
 * @since 0.1.0
 * @category models
 */
export interface AuthContext {
  /** The origin (`scheme://host:port`) of the server the request goes to. */
  readonly origin: string
  /** The client's base URL, without credentials. */
  readonly baseUrl: string
  /**
   * Sends a request to this server without any provider, e.g. `POST /_session`. Error
   * statuses come back as `CouchError`s.
   */
  readonly send: (
    request: HttpClientRequest.HttpClientRequest
  ) => Effect.Effect<HttpClientResponse.HttpClientResponse, CouchError>
}

/**
 * An auth provider. Write your own by implementing these three hooks.
 *
 * @since 0.1.0
 * @category models
 */
export interface Provider {
  /** A short name for logs and spans, e.g. `"cookie"`. */
  readonly name: string
  /** Header names that carry secrets, redacted from spans and logs. */
  readonly sensitiveHeaders: ReadonlyArray<string>
  /** Adds credentials to a request about to be sent to `context.origin`. */
  readonly authorize: (
    request: HttpClientRequest.HttpClientRequest,
    context: AuthContext
  ) => Effect.Effect<HttpClientRequest.HttpClientRequest, CouchError>
  /** Sees every response, e.g. to take a refreshed session cookie. */
  readonly onResponse: (
    response: HttpClientResponse.HttpClientResponse,
    context: AuthContext
  ) => Effect.Effect<void>
  /**
   * Called once when a request authorized by this provider got a 401. Renews the
   * credentials (log in again, fetch a new token) and returns `true` when the request
   * should be replayed.
   */
  readonly renew: (
    request: HttpClientRequest.HttpClientRequest,
    context: AuthContext
  ) => Effect.Effect<boolean, CouchError>
}

/**
 * The auth provider every operation reads from its context.
 *
 * @since 0.1.0
 * @category tags
 */
export class CouchAuth extends Context.Tag("@effect-couchdb/client/CouchAuth")<CouchAuth, Provider>() {}

/**
 * No credentials: requests run as the anonymous user.
 *
 * @since 0.1.0
 * @category providers
 */
export const none: Provider = internal.none

/**
 * HTTP Basic auth. User names and passwords may hold any Unicode character (sent as UTF-8).
 *
 * @since 0.1.0
 * @category providers
 */
export const basic = (options: {
  readonly username: string | Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
}): Provider => internal.basic(options)

/**
 * Options of the cookie session provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface CookieOptions {
  readonly username: string | Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
}

/**
 * Cookie session auth: logs in with `POST /_session` on first use, keeps the `AuthSession`
 * cookie per server origin (it is never sent anywhere else), takes the refreshed cookie
 * from any response, and on a 401 logs in again once and replays the request. Concurrent
 * requests share one login.
 *
 * A request whose body is a `Stream` cannot be replayed; its 401 is returned as is.
 *
 * @since 0.1.0
 * @category providers
 */
export const cookie = (options: CookieOptions): Effect.Effect<Provider> => internal.cookie(options)

/**
 * Options of the proxy auth provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface ProxyOptions {
  /** The user name the proxy vouches for. */
  readonly username: string
  /** Roles, sent comma-separated; the header is omitted when not given. */
  readonly roles?: ReadonlyArray<string> | undefined
  /** The shared `[chttpd_auth] secret`; without it no token header is sent. */
  readonly secret?: Redacted.Redacted<string> | undefined
  /** The HMAC hash; CouchDB's default is SHA-1, newer setups use SHA-256. */
  readonly algorithm?: internal.HmacAlgorithm | undefined
  /** Header names, when the server is configured with other ones. */
  readonly headers?: {
    readonly username?: string | undefined
    readonly roles?: string | undefined
    readonly token?: string | undefined
  } | undefined
}

/**
 * Proxy auth: `X-Auth-CouchDB-UserName`, `-Roles` and `-Token`, where the token is the hex
 * HMAC of the user name keyed by the shared secret.
 *
 * @since 0.1.0
 * @category providers
 */
export const proxy = (options: ProxyOptions): Provider => internal.proxy(options)

/**
 * Options of the OAuth 1.0a provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface OAuthOptions {
  readonly consumerKey: string
  readonly consumerSecret: Redacted.Redacted<string>
  readonly token: string
  readonly tokenSecret: Redacted.Redacted<string>
  /** Defaults to `HMAC-SHA1`, the one CouchDB 1.x supports. */
  readonly signatureMethod?: "HMAC-SHA1" | "HMAC-SHA256" | undefined
}

/**
 * OAuth 1.0a (CouchDB 1.x): each request is signed over its real method, URL and query
 * string, in an `Authorization: OAuth …` header.
 *
 * @since 0.1.0
 * @category providers
 */
export const oauth = (options: OAuthOptions): Provider => internal.oauth(options)

/**
 * JWT bearer auth. The token comes from an Effect (e.g. your identity provider); it is
 * cached, and fetched again once after a 401 before the request is replayed.
 *
 * @since 0.1.0
 * @category providers
 */
export const jwt = <E extends CouchError>(
  token: Effect.Effect<Redacted.Redacted<string>, E>
): Effect.Effect<Provider> => internal.jwt(token)

/**
 * @since 0.1.0
 * @category layers
 */
export const layerNone: Layer.Layer<CouchAuth> = Layer.succeed(CouchAuth, none)

/**
 * @since 0.1.0
 * @category layers
 */
export const layerBasic = (options: Parameters<typeof basic>[0]): Layer.Layer<CouchAuth> =>
  Layer.succeed(CouchAuth, basic(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerCookie = (options: CookieOptions): Layer.Layer<CouchAuth> => Layer.effect(CouchAuth, cookie(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerProxy = (options: ProxyOptions): Layer.Layer<CouchAuth> => Layer.succeed(CouchAuth, proxy(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerOAuth = (options: OAuthOptions): Layer.Layer<CouchAuth> => Layer.succeed(CouchAuth, oauth(options))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerJwt = <E extends CouchError>(
  token: Effect.Effect<Redacted.Redacted<string>, E>
): Layer.Layer<CouchAuth> => Layer.effect(CouchAuth, jwt(token))

/**
 * Runs `effect` with `provider` instead of the ambient one — e.g. proxy auth for the end
 * user a request is made for.
 *
 * @since 0.1.0
 * @category combinators
 */
export const withProvider: {
  (provider: Provider): <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, Exclude<R, CouchAuth>>
  <A, E, R>(effect: Effect.Effect<A, E, R>, provider: Provider): Effect.Effect<A, E, Exclude<R, CouchAuth>>
} = dual(
  2,
  <A, E, R>(effect: Effect.Effect<A, E, R>, provider: Provider): Effect.Effect<A, E, Exclude<R, CouchAuth>> =>
    Effect.provideService(effect, CouchAuth, provider)
)

export {
  /**
   * @since 0.1.0
   * @category models
   */
  type HmacAlgorithm
} from "./internal/auth.js"

/**
 * Who a request runs as. `CouchAuth` is a context service, not part of the client, so one
 * `CouchClient` can serve many users: provide a different provider per request (e.g. proxy
 * auth per end user) with `Effect.provideService(effect, CouchAuth, provider)`.
 *
 * @since 0.1.0
 */
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import type { CouchError } from "./CouchError.js"
import * as internal from "./internal/auth.js"
import * as internalOAuth from "./internal/oauth.js"
import * as internalProxy from "./internal/proxy.js"

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
 * Options of the basic auth provider.
 *
 * @since 0.2.0
 * @category models
 */
export interface BasicOptions {
  readonly username: string | Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
}

/**
 * HTTP Basic auth. User names and passwords may hold any Unicode character (sent as UTF-8).
 *
 * @since 0.1.0
 * @category providers
 */
export const basic = (options: BasicOptions): Provider => internal.basic(options)

/**
 * Options of the cookie session provider.
 *
 * @since 0.1.0
 * @category models
 */
export interface CookieOptions {
  readonly username: string | Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
  /**
   * How long a session lasts when the server's cookie says nothing (no `Max-Age` or
   * `Expires`); CouchDB's default `[chttpd_auth] timeout` is 10 minutes.
   */
  readonly sessionTimeout?: Duration.DurationInput | undefined
}

/**
 * Cookie session auth: logs in with `POST /_session` on first use, keeps the `AuthSession`
 * cookie per server origin (it is never sent anywhere else), takes the refreshed cookie
 * from any response, and on a 401 logs in again once and replays the request. Concurrent
 * requests share one login.
 *
 * The session's lifetime is read from the cookie (`Max-Age`, else `Expires`, else
 * `sessionTimeout`), and the provider logs in again before it runs out: CouchDB ignores an
 * expired cookie on endpoints anonymous users may read, so such a request would otherwise run
 * as anonymous without a 401 to tell.
 *
 * A request whose body is a `Stream` cannot be replayed; its 401 is returned as is.
 *
 * @since 0.1.0
 * @category providers
 */
export const cookie = (options: CookieOptions): Effect.Effect<Provider> => internal.cookie(options)

/**
 * The hash of a proxy auth token.
 *
 * @since 0.1.0
 * @category models
 */
export type HmacAlgorithm = "sha1" | "sha256" | "sha512"

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
  readonly algorithm?: HmacAlgorithm | undefined
  /** Header names, when the server is configured with other ones. */
  readonly headers?: {
    readonly username?: string | undefined
    readonly roles?: string | undefined
    readonly token?: string | undefined
  } | undefined
}

/**
 * Proxy auth: `X-Auth-CouchDB-UserName`, `-Roles` and `-Token`, where the token is the hex
 * HMAC of the user name keyed by the shared secret. The token is computed on the first request
 * with WebCrypto (`crypto.subtle`: Node, Deno, Bun, workers, browsers in secure contexts);
 * where there is none, requests with a `secret` fail with `InvalidRequest`.
 *
 * @since 0.1.0
 * @category providers
 */
export const proxy = (options: ProxyOptions): Provider => internalProxy.proxy(options)

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
 * string, in an `Authorization: OAuth …` header. The `oauth-1.0a` package is imported on the
 * first request, so apps that never use this provider never load it; the HMAC is WebCrypto's,
 * as for `proxy`.
 *
 * @since 0.1.0
 * @category providers
 */
export const oauth = (options: OAuthOptions): Provider => internalOAuth.oauth(options)

/**
 * JWT bearer auth. The token comes from an Effect (e.g. your identity provider); it is
 * cached, fetched again shortly before its `exp` claim (when it has one), and fetched again
 * once after a 401 before the request is replayed.
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
export const layerBasic = (options: BasicOptions): Layer.Layer<CouchAuth> => Layer.succeed(CouchAuth, basic(options))

/**
 * Basic auth with its settings read from `Config`.
 *
 * @since 0.2.0
 * @category layers
 * @example
 * ```ts
 * import { CouchAuth } from "@effect-couchdb/client"
 * import { Config } from "effect"
 *
 * const AuthLive = CouchAuth.layerBasicConfig({
 *   username: Config.string("COUCHDB_USER"),
 *   password: Config.redacted("COUCHDB_PASSWORD")
 * })
 * ```
 */
export const layerBasicConfig = (
  config: Config.Config.Wrap<BasicOptions>
): Layer.Layer<CouchAuth, ConfigError.ConfigError> => Layer.effect(CouchAuth, Effect.map(Config.unwrap(config), basic))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerCookie = (options: CookieOptions): Layer.Layer<CouchAuth> => Layer.effect(CouchAuth, cookie(options))

/**
 * Cookie session auth with its settings read from `Config`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerCookieConfig = (
  config: Config.Config.Wrap<CookieOptions>
): Layer.Layer<CouchAuth, ConfigError.ConfigError> =>
  Layer.effect(CouchAuth, Effect.flatMap(Config.unwrap(config), cookie))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerProxy = (options: ProxyOptions): Layer.Layer<CouchAuth> => Layer.succeed(CouchAuth, proxy(options))

/**
 * Proxy auth with its settings read from `Config`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerProxyConfig = (
  config: Config.Config.Wrap<ProxyOptions>
): Layer.Layer<CouchAuth, ConfigError.ConfigError> => Layer.effect(CouchAuth, Effect.map(Config.unwrap(config), proxy))

/**
 * @since 0.1.0
 * @category layers
 */
export const layerOAuth = (options: OAuthOptions): Layer.Layer<CouchAuth> => Layer.succeed(CouchAuth, oauth(options))

/**
 * OAuth 1.0a with its settings read from `Config`.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerOAuthConfig = (
  config: Config.Config.Wrap<OAuthOptions>
): Layer.Layer<CouchAuth, ConfigError.ConfigError> => Layer.effect(CouchAuth, Effect.map(Config.unwrap(config), oauth))

/**
 * JWT auth with the token from `token`: an `Effect` (e.g. a call to your identity provider,
 * run again when the token nears its `exp` or after a 401) or a `Config` (a fixed token).
 *
 * @since 0.1.0
 * @category layers
 */
export const layerJwt = <E extends CouchError>(
  token: Effect.Effect<Redacted.Redacted<string>, E> | Config.Config<Redacted.Redacted<string>>
): Layer.Layer<CouchAuth, ConfigError.ConfigError> =>
  Layer.effect(
    CouchAuth,
    Config.isConfig(token) ? Effect.flatMap(token, (value) => jwt(Effect.succeed(value))) : jwt(token)
  )

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

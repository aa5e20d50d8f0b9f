/**
 * Sessions (`/_session`): who a request runs as, cookie logins and logouts. A login returns a
 * cookie auth provider that already holds the new session, to run requests as that user.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { cookie, CouchAuth, type Provider } from "./CouchAuth.js"
import type { Service } from "./CouchClient.js"
import { type CouchError, InvalidRequest } from "./CouchError.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"

/**
 * A user as CouchDB sees it: `name` is `null` for anonymous requests.
 *
 * @since 0.2.0
 * @category schemas
 */
export const UserContext = Schema.Struct({
  name: Schema.NullOr(Schema.String),
  roles: Schema.Array(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface UserContext extends Schema.Schema.Type<typeof UserContext> {}

/**
 * What `GET /_session` says about the request: who it runs as (`userCtx`) and which
 * authentication handler accepted it (`info.authenticated`: `default` for basic auth,
 * `cookie`, `proxy`, `jwt`; absent for anonymous requests).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Info = Schema.Struct({
  ok: Schema.Literal(true),
  userCtx: UserContext,
  info: Schema.Struct({
    /** The handlers the server tries, in order. */
    authentication_handlers: Schema.Array(Schema.String),
    authenticated: Schema.optional(Schema.String),
    /** CouchDB 1.x and pouchdb-server. */
    authentication_db: Schema.optional(Schema.String)
  })
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Info extends Schema.Schema.Type<typeof Info> {}

/**
 * Options of `GET /_session`.
 *
 * @since 0.2.0
 * @category models
 */
export interface GetOptions {
  /** Ask for basic auth: an anonymous request then gets a 401 with a `WWW-Authenticate` challenge. */
  readonly basic?: boolean | undefined
}

/**
 * Who the current request runs as (`GET /_session`), with the ambient auth provider. An
 * anonymous request succeeds too, with `userCtx.name` `null`; wrong basic credentials are
 * `Unauthorized`.
 *
 * @since 0.2.0
 * @category reads
 * @example
 * ```ts
 * import { CouchClient, Session } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const whoAmI = Effect.gen(function*() {
 *   const session = yield* Session.get(yield* CouchClient.CouchClient)
 *   return session.userCtx.name ?? "anonymous"
 * })
 * ```
 */
export const get: Handle.Operation<Service, GetOptions, Info> = Endpoint.make(
  (_, options: GetOptions) => ({ method: "GET", path: ["_session"], query: Endpoint.pick(options, ["basic"]) }),
  Endpoint.json(Info)
)

/**
 * The answer to a login: the user's name and roles.
 *
 * @since 0.2.0
 * @category schemas
 */
export const LoginResult = Schema.Struct({
  ok: Schema.Literal(true),
  name: Schema.NullOr(Schema.String),
  roles: Schema.Array(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface LoginResult extends Schema.Schema.Type<typeof LoginResult> {}

/**
 * A login: who logged in, and a cookie auth provider holding the session.
 *
 * @since 0.2.0
 * @category models
 */
export interface Login extends LoginResult {
  /**
   * A `CouchAuth.cookie` provider for this user, holding the session cookie: run requests as
   * the user with `CouchAuth.withProvider(login.provider)`. It keeps the credentials to log in
   * again (`Redacted`) when the session nears its expiry or a request gets a 401.
   */
  readonly provider: Provider
}

/**
 * The credentials of a login, with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface LoginOptions {
  /** The user name (e.g. the `Redacted` one of `CouchUrl.extractCredentials`). */
  readonly name: string | Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
  /**
   * How long the session lasts when the server's cookie says nothing (no `Max-Age` or
   * `Expires`); CouchDB's default `[chttpd_auth] timeout` is 10 minutes.
   */
  readonly sessionTimeout?: Duration.DurationInput | undefined
}

/**
 * Logs in with a name and password (`POST /_session`) and returns the user's name and roles
 * with a cookie auth provider that already holds the session, so the first request made with
 * it sends the cookie without logging in again. The login itself runs without the ambient
 * provider (it cannot take the new cookie for itself). Wrong credentials are `Unauthorized`.
 * The password is only ever in the request body: never in errors, logs, or span names,
 * attributes and events.
 *
 * @since 0.2.0
 * @category sessions
 * @example
 * ```ts
 * import { CouchAuth, CouchClient, Session } from "@effect-couchdb/client"
 * import { Effect, Redacted } from "effect"
 *
 * const asAlice = Effect.gen(function*() {
 *   const couch = yield* CouchClient.CouchClient
 *   const login = yield* Session.login(couch, { name: "alice", password: Redacted.make("s3cret") })
 *   // Runs as alice, with her session cookie.
 *   return yield* Session.get(couch).pipe(CouchAuth.withProvider(login.provider))
 * })
 * ```
 */
export const login: {
  (options: LoginOptions): (self: Service) => Effect.Effect<Login, CouchError>
  (self: Service, options: LoginOptions): Effect.Effect<Login, CouchError>
} = dual(
  Endpoint.isDataFirst,
  (self: Service, options: LoginOptions): Effect.Effect<Login, CouchError> =>
    Effect.gen(function*() {
      const name = Redacted.isRedacted(options.name) ? Redacted.value(options.name) : options.name
      if (name === "") {
        return yield* new InvalidRequest({ description: "Session.login: the user name is empty" })
      }
      const provider = yield* cookie({
        username: name,
        password: options.password,
        sessionTimeout: options.sessionTimeout
      })
      // The login is sent with the new provider's hooks but without its credentials: it neither
      // logs in by itself nor adds a cookie, and its `onResponse` takes the session cookie (and
      // its expiry) from the answer, as it takes a refreshed cookie from any response.
      let session = false
      const seeding: Provider = {
        ...provider,
        authorize: (request) => Effect.succeed(request),
        onResponse: (response, context) =>
          Effect.zipRight(
            Effect.sync(() => {
              session = (response.cookies.cookies["AuthSession"]?.value ?? "") !== ""
            }),
            provider.onResponse(response, context)
          ),
        renew: () => Effect.succeed(false)
      }
      const response = yield* Endpoint.send(self, {
        method: "POST",
        path: ["_session"],
        json: { name, password: Redacted.value(options.password) }
      }).pipe(Effect.provideService(CouchAuth, seeding))
      const result = yield* response.decode(LoginResult)
      if (!session) {
        return yield* new InvalidRequest({
          description: "Session.login: POST /_session answered without an AuthSession cookie"
        })
      }
      return { ...result, provider }
    })
)

/**
 * Ends the session of the ambient provider (`DELETE /_session`): the server answers with an
 * expired `AuthSession` cookie, and a cookie provider drops the one it holds (it logs in again
 * on its next request). CouchDB's cookies are signed, not stored: one copied elsewhere stays
 * valid until it expires.
 *
 * @since 0.2.0
 * @category sessions
 */
export const logout = (self: Service): Effect.Effect<void, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "DELETE", path: ["_session"] }), Endpoint.discard)

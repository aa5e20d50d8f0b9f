import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Redacted from "effect/Redacted"
import type { Provider, ProxyOptions } from "../CouchAuth.js"
import { InvalidRequest } from "../CouchError.js"
import { noRenew, noResponseHook } from "./auth.js"
import { hmacWith } from "./hmac.js"
import { hasLoneSurrogate } from "./json.js"
import * as Path from "./path.js"

/** @internal */
export const proxy = (options: ProxyOptions): Provider => {
  const names = {
    username: options.headers?.username ?? "X-Auth-CouchDB-UserName",
    roles: options.headers?.roles ?? "X-Auth-CouchDB-Roles",
    token: options.headers?.token ?? "X-Auth-CouchDB-Token"
  }
  const secret = options.secret
  // The token depends on the secret and the user name only: computed on first use, then kept.
  let token: string | undefined
  const tokenHeader: Effect.Effect<Record<string, string>, InvalidRequest> = secret === undefined
    ? Effect.succeed({})
    : Effect.suspend(() =>
      token !== undefined
        ? Effect.succeed({ [names.token]: token })
        : Effect.map(
          hmacWith(options.algorithm ?? "sha1", Redacted.value(secret), "Proxy auth")(options.username),
          (bytes) => {
            token = Encoding.encodeHex(bytes)
            return { [names.token]: token }
          }
        )
    )
  return {
    name: "proxy",
    // The user name alone authenticates when the server does not require a token.
    sensitiveHeaders: [names.username, names.roles, names.token].map((name) => name.toLowerCase()),
    authorize: (request) => {
      if (options.username === "") {
        return Effect.fail(new InvalidRequest({ description: "Proxy auth: the user name is empty" }))
      }
      if (hasLoneSurrogate(options.username) || options.roles?.some(hasLoneSurrogate) === true) {
        return Effect.fail(new InvalidRequest({ description: "Proxy auth: the user name or a role is not valid text" }))
      }
      let headers: Record<string, string> = { [names.username]: Path.utf8HeaderValue(options.username) }
      if (options.roles !== undefined) {
        headers = { ...headers, [names.roles]: Path.utf8HeaderValue(options.roles.join(",")) }
      }
      return Effect.map(tokenHeader, (token) => HttpClientRequest.setHeaders(request, { ...headers, ...token }))
    },
    onResponse: noResponseHook,
    renew: noRenew
  }
}

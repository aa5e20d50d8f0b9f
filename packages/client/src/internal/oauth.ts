import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Encoding from "effect/Encoding"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type OAuth from "oauth-1.0a"
import type { OAuthOptions, Provider } from "../CouchAuth.js"
import { InvalidRequest } from "../CouchError.js"
import { noRenew, noResponseHook } from "./auth.js"
import { hmacWith } from "./hmac.js"

/**
 * `oauth-1.0a`, imported on first use so that apps which never sign with OAuth never load it
 * (and bundlers that split chunks leave it out of the main one). A function, not a top-level
 * Effect, so that bundlers can drop this module whole when `oauth` is unused.
 */
const loadOAuth = (): Effect.Effect<typeof OAuth, InvalidRequest> =>
  Effect.tryPromise({
    try: () => import("oauth-1.0a").then((module) => module.default),
    catch: () => new InvalidRequest({ description: "OAuth: the oauth-1.0a package could not be loaded" })
  })

/** @internal */
export const oauth = (options: OAuthOptions): Provider => {
  const method = options.signatureMethod ?? "HMAC-SHA1"
  const algorithm = method === "HMAC-SHA1" ? "sha1" : "sha256"
  // The signer, and the HMAC keyed by the consumer and token secrets, made on first use.
  let cached: { readonly signer: OAuth; readonly sign: ReturnType<typeof hmacWith> } | undefined
  const getSigner = Effect.suspend(() =>
    cached !== undefined ? Effect.succeed(cached) : Effect.map(loadOAuth(), (OAuth) => {
      const signer = new OAuth({
        consumer: { key: options.consumerKey, secret: Redacted.value(options.consumerSecret) },
        signature_method: method,
        // Never called: the signature is computed below with WebCrypto, which is asynchronous,
        // while oauth-1.0a's hash function must answer at once.
        hash_function: () => ""
      })
      const key = signer.getSigningKey(Redacted.value(options.tokenSecret))
      cached = { signer, sign: hmacWith(algorithm, key, "OAuth") }
      return cached
    })
  )
  return {
    name: "oauth",
    sensitiveHeaders: [],
    authorize: (request) =>
      Effect.flatMap(getSigner, ({ sign, signer }) => {
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
        // What `signer.authorize` does, with the HMAC left to WebCrypto.
        const data: OAuth.Data = {
          oauth_consumer_key: options.consumerKey,
          oauth_nonce: signer.getNonce(),
          oauth_signature_method: method,
          oauth_timestamp: signer.getTimeStamp(),
          oauth_version: "1.0",
          oauth_token: options.token
        }
        const base = signer.getBaseString({ url: url.right.href, method: request.method, data: params }, data)
        return Effect.map(sign(base), (signature) =>
          HttpClientRequest.setHeader(
            request,
            "authorization",
            signer.toHeader({ ...data, oauth_signature: Encoding.encodeBase64(signature) }).Authorization
          ))
      }),
    onResponse: noResponseHook,
    renew: noRenew
  }
}

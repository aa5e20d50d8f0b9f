/**
 * Replication endpoints both ways: what a caller gives (URLs, `Redacted` URLs, objects with
 * their own headers and basic auth) turned into the JSON CouchDB reads, and what a stored
 * replication document holds turned back into an endpoint whose credentials are `Redacted`.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import { InvalidRequest } from "../CouchError.js"
import type { Endpoint, ReplicateOptions } from "../Replication.js"

const reveal = (value: string | Redacted.Redacted<string>): string =>
  Redacted.isRedacted(value) ? Redacted.value(value) : value

/** The JSON of one endpoint: a string stays a string (every server reads it), an object an object. @internal */
export const encodeEndpoint = (endpoint: Endpoint, what: string): Either.Either<unknown, InvalidRequest> => {
  if (typeof endpoint === "string" || Redacted.isRedacted(endpoint)) {
    const url = reveal(endpoint)
    return url === ""
      ? Either.left(new InvalidRequest({ description: `Replication: the ${what} is empty` }))
      : Either.right(url)
  }
  const url = reveal(endpoint.url)
  if (url === "") return Either.left(new InvalidRequest({ description: `Replication: the ${what} URL is empty` }))
  const json: Record<string, unknown> = { url }
  if (endpoint.headers !== undefined) {
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(endpoint.headers)) headers[name] = Redacted.value(value)
    json.headers = headers
  }
  if (endpoint.auth !== undefined) {
    const { password, username } = endpoint.auth.basic
    json.auth = { basic: { username, password: Redacted.value(password) } }
  }
  return Either.right(json)
}

/**
 * The JSON body of a replication (`_replicate` or a `_replicator` document): the endpoints'
 * credentials revealed here, at the last moment, and nowhere else.
 *
 * @internal
 */
export const body = (
  options: ReplicateOptions,
  extra: Readonly<Record<string, unknown>> = {}
): Either.Either<Record<string, unknown>, InvalidRequest> => {
  const filters = [options.doc_ids, options.filter, options.selector].filter((f) => f !== undefined)
  if (filters.length > 1) {
    return Either.left(
      new InvalidRequest({ description: "Replication: doc_ids, filter and selector are mutually exclusive" })
    )
  }
  return Either.gen(function*() {
    const source = yield* encodeEndpoint(options.source, "source")
    const target = yield* encodeEndpoint(options.target, "target")
    const { source_proxy, target_proxy, ...rest } = options
    const json: Record<string, unknown> = { source, target }
    for (const [key, value] of Object.entries(rest)) {
      if (!special.has(key)) json[key] = value
    }
    if (source_proxy !== undefined) json.source_proxy = reveal(source_proxy)
    if (target_proxy !== undefined) json.target_proxy = reveal(target_proxy)
    return Object.assign(json, extra)
  })
}

/** Options not sent as they are: endpoints and proxies (secrets revealed above), the client's timeout. */
const special: ReadonlySet<string> = new Set(["source", "target", "source_proxy", "target_proxy", "timeout"])

/** Percent-decoded, or as it is when it is not valid percent-encoding. */
const decode = (text: string): string => {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/** A URL's credentials moved out of it, or the URL as it is when it has none or does not parse. */
const splitUserinfo = (url: string) => {
  try {
    const parsed = new URL(url)
    if (parsed.username === "" && parsed.password === "") return { url, auth: undefined }
    const username = decode(parsed.username)
    const password = decode(parsed.password)
    parsed.username = ""
    parsed.password = ""
    return { url: parsed.href, auth: { basic: { username, password: Redacted.make(password) } } }
  } catch {
    // A local database name, or no valid URL: whatever looks like userinfo is dropped.
    return { url: url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/]*@/i, "$1"), auth: undefined }
  }
}

/**
 * A stored endpoint (a string, or an object with `url`, `headers` and `auth`) with its
 * credentials moved into `auth.basic` and every secret `Redacted`; `undefined` when it is
 * neither.
 *
 * @internal
 */
export const fromStored = (stored: unknown): Stored | undefined => {
  if (typeof stored === "string") return withAuth(splitUserinfo(stored))
  if (!Predicate.isRecord(stored) || typeof stored.url !== "string") return undefined
  const { auth: fromUrl, url } = splitUserinfo(stored.url)
  const headers = stringRecord(stored.headers)
  const basic = Predicate.isRecord(stored.auth) && Predicate.isRecord(stored.auth.basic) ? stored.auth.basic : undefined
  const auth = basic !== undefined && typeof basic.username === "string" && typeof basic.password === "string"
    ? { basic: { username: basic.username, password: Redacted.make(basic.password) } }
    : fromUrl
  return {
    url,
    ...(headers !== undefined
      ? { headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Redacted.make(v)])) }
      : {}),
    ...(auth !== undefined ? { auth } : {})
  }
}

/** @internal */
export interface Stored {
  readonly url: string
  readonly headers?: Readonly<Record<string, Redacted.Redacted<string>>>
  readonly auth?: { readonly basic: { readonly username: string; readonly password: Redacted.Redacted<string> } }
}

const withAuth = (split: ReturnType<typeof splitUserinfo>) =>
  split.auth === undefined ? { url: split.url } : { url: split.url, auth: split.auth }

const stringRecord = (u: unknown): Record<string, string> | undefined => {
  if (!Predicate.isRecord(u)) return undefined
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(u)) if (typeof value === "string") out[key] = value
  return out
}

/**
 * A URL with `credentials` as its userinfo, percent-encoded.
 *
 * @internal
 */
export const withUserinfo = (url: string, username: string, password: string): string => {
  const parsed = new URL(url)
  parsed.username = encodeURIComponent(username)
  parsed.password = encodeURIComponent(password)
  return parsed.href
}

/**
 * URL building for CouchDB: path segments escaped one by one, document and attachment
 * paths split the way CouchDB expects, and credentials taken out of URLs.
 *
 * @since 0.1.0
 */
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { InvalidRequest } from "./CouchError.js"

/**
 * Percent-escapes one path segment completely: `/ ? # % + & =`, spaces, quotes and every
 * non-ASCII character become `%XX`, so a segment can never change the shape of the path.
 *
 * @since 0.1.0
 * @category encoding
 * @example
 * ```ts
 * import { CouchUrl } from "@effect-couchdb/client"
 *
 * CouchUrl.escapeSegment("a/b c+d") // "a%2Fb%20c%2Bd"
 * ```
 */
export const escapeSegment = (segment: string): string =>
  unreserved.test(segment)
    ? segment
    // encodeURIComponent leaves !'()* alone; escape them too so every sub-delimiter is inert.
    : encodeURIComponent(wellFormed(segment)).replace(
      /[!'()*]/g,
      (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
    )

/**
 * An unpaired surrogate has no UTF-8 form (and makes `encodeURIComponent` throw): it is shown
 * as U+FFFD. Requests never carry one: the client refuses such a segment before sending.
 */
const wellFormed = (text: string): string =>
  text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")

/** RFC 3986 unreserved characters need no escaping (the common case: a quick test). */
const unreserved = /^[A-Za-z0-9._~-]*$/

/**
 * The path segments of a document id. `_design/x` and `_local/x` keep their one literal
 * slash (CouchDB routes them as two segments); every other id is a single segment, so
 * `a/b` becomes `a%2Fb`. `_design/` and `_local/` alone give an empty name segment.
 *
 * @since 0.1.0
 * @category encoding
 */
export const documentSegments = (id: string): ReadonlyArray<string> => {
  for (const prefix of ["_design/", "_local/"]) {
    // `_design/` alone names no design document: its empty name segment is refused as any is.
    if (id.startsWith(prefix)) {
      return [prefix.slice(0, -1), id.slice(prefix.length)]
    }
  }
  return [id]
}

/**
 * The path segments of an attachment name: always one segment, with any `/` escaped as
 * `%2F`. CouchDB 3 addresses `dir/file.txt` as `/{db}/{doc}/dir%2Ffile.txt` as well as
 * `/{db}/{doc}/dir/file.txt`, and only the escaped form keeps every legal name reachable:
 * split on `/`, the names `a//b`, `./x` or `q/` would become other paths.
 *
 * @since 0.1.0
 * @category encoding
 */
export const attachmentSegments = (name: string): ReadonlyArray<string> => [name]

/**
 * Joins a base URL (trailing slashes ignored) with escaped segments.
 *
 * @since 0.1.0
 * @category encoding
 * @example
 * ```ts
 * import { CouchUrl } from "@effect-couchdb/client"
 *
 * CouchUrl.join("http://localhost:5984/", "my/db", "_all_docs")
 * // "http://localhost:5984/my%2Fdb/_all_docs"
 * ```
 */
export const join = (base: string, ...segments: ReadonlyArray<string>): string => {
  const trimmed = base.endsWith("/") ? base.replace(/\/+$/, "") : base
  return segments.length === 0 ? trimmed : `${trimmed}/${segments.map(escapeSegment).join("/")}`
}

/**
 * A username and password, both redacted so neither shows up in logs or `toString()`.
 *
 * @since 0.1.0
 * @category models
 */
export interface Credentials {
  readonly username: Redacted.Redacted<string>
  readonly password: Redacted.Redacted<string>
}

/**
 * A URL split into its credential-free form and the credentials it carried.
 *
 * @since 0.1.0
 * @category models
 */
export interface ExtractedUrl {
  /** The URL without userinfo, safe to log. */
  readonly url: string
  /** The percent-decoded credentials, when the URL had any. */
  readonly credentials: Credentials | undefined
}

/**
 * Removes `user:password@` from a URL and returns the percent-decoded credentials as
 * `Redacted` values. An unparseable URL is an `InvalidRequest` whose description never
 * repeats the input (it may hold a password).
 *
 * @since 0.1.0
 * @category credentials
 * @example
 * ```ts
 * import { CouchUrl } from "@effect-couchdb/client"
 * import { Either, Redacted } from "effect"
 *
 * const { url, credentials } = Either.getOrThrow(
 *   CouchUrl.extractCredentials("http://joe%40example.com:s3cr%3At@localhost:5984/")
 * )
 * url // "http://localhost:5984/"
 * Redacted.value(credentials!.username) // "joe@example.com"
 * ```
 */
export const extractCredentials = (input: string): Either.Either<ExtractedUrl, InvalidRequest> => {
  let parsed: URL
  try {
    parsed = new URL(input)
  } catch {
    return Either.left(new InvalidRequest({ description: "the CouchDB URL is not a valid absolute URL" }))
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    return Either.left(new InvalidRequest({ description: `unsupported URL scheme ${parsed.protocol}` }))
  }
  const hasCredentials = parsed.username !== "" || parsed.password !== ""
  const credentials = hasCredentials
    ? {
      username: Redacted.make(safeDecode(parsed.username)),
      password: Redacted.make(safeDecode(parsed.password))
    }
    : undefined
  parsed.username = ""
  parsed.password = ""
  return Either.right({ url: parsed.href, credentials })
}

const safeDecode = (s: string): string => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

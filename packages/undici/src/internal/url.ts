import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as UrlParams from "@effect/platform/UrlParams"

/**
 * Where a request goes, as undici wants it: the origin (`http://host:port`) and the
 * request-target (path and query; never the fragment, which is not sent over HTTP).
 *
 * @internal
 */
export interface Target {
  readonly origin: string
  readonly path: string
}

// Characters that WHATWG URL serialisation leaves unchanged in a path and in a query of a
// special (http/https) URL: printable ASCII minus the percent-encode sets and "\" (turned into
// "/" in paths). "'" is encoded in special queries, "#" starts the fragment (handled apart).
const plain = new Uint8Array(128)
for (let c = 0x21; c < 0x7f; c++) plain[c] = 1
for (const c of "\"'<>\\^`{|}#") plain[c.charCodeAt(0)] = 0

const dottedQuad = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/

/**
 * Splits an absolute `http:`/`https:` URL into origin and request-target without parsing it,
 * when `new URL(url)` would not change it: lower-case host name (letters, digits, `.`, `-`,
 * not starting or ending with a dot) or canonical IPv4 address, a port other than the scheme's default and without leading
 * zeros, and a path and query made of characters URL serialisation keeps as they are, with
 * no dot segment (`/.`, `%2e`). Anything else returns `undefined` and goes through `URL`.
 * The fragment, if any, is dropped.
 *
 * @internal
 */
export const split = (url: string): Target | undefined => {
  let start: number
  if (url.startsWith("http://")) start = 7
  else if (url.startsWith("https://")) start = 8
  else return undefined
  const length = url.length
  let i = start
  let colon = -1
  let labelStart = start
  for (; i < length; i++) {
    const c = url.charCodeAt(i)
    if (c === 0x2f || c === 0x3f || c === 0x23) break // / ? #
    if (c === 0x3a) { // :
      if (colon !== -1) return undefined
      colon = i
    } else if (colon !== -1) {
      if (c < 0x30 || c > 0x39) return undefined // port digits only
    } else if (c === 0x2e) { // .
      labelStart = i + 1
    } else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d)) {
      return undefined // upper case, userinfo, IPv6, IDN, percent-escapes...
    }
  }
  const hostEnd = colon === -1 ? i : colon
  if (hostEnd === start || url.charCodeAt(start) === 0x2e || url.charCodeAt(hostEnd - 1) === 0x2e) return undefined
  // A host whose last label starts with a digit may be an IPv4 address, which URL normalises.
  const last = url.charCodeAt(labelStart)
  if (labelStart < hostEnd && last >= 0x30 && last <= 0x39 && !dottedQuad.test(url.slice(start, hostEnd))) {
    return undefined
  }
  if (colon !== -1) {
    const port = url.slice(colon + 1, i)
    if (port === "") return undefined
    if (port.charCodeAt(0) === 0x30) return undefined
    if (port.length > 5 || Number(port) > 65535) return undefined
    if (port === (start === 7 ? "80" : "443")) return undefined
  }
  const origin = url.slice(0, i)
  const pathStart = i
  let queryStart = -1
  for (; i < length; i++) {
    const c = url.charCodeAt(i)
    if (c === 0x23) break // #
    if (c >= 128 || plain[c] === 0) return undefined
    if (queryStart !== -1) continue
    if (c === 0x3f) queryStart = i
    else if (c === 0x2e && url.charCodeAt(i - 1) === 0x2f) return undefined // "/." starts a dot segment
    else if (c === 0x25 && url.charCodeAt(i + 1) === 0x32 && (url.charCodeAt(i + 2) | 0x20) === 0x65) return undefined
  }
  // An empty query is dropped, as `pathname + search` drops it.
  const end = queryStart === i - 1 ? queryStart : i
  if (end === pathStart) return { origin, path: "/" }
  const path = url.slice(pathStart, end)
  return { origin, path: queryStart === pathStart ? "/" + path : path }
}

/**
 * The origin and request-target of a request, from its `url` and `urlParams` (its `hash` is
 * never sent), or a description of why the URL is not usable.
 *
 * @internal
 */
export const target = (request: HttpClientRequest.HttpClientRequest): Target | Error => {
  const params = request.urlParams
  const fast = split(request.url)
  if (fast !== undefined) {
    if (params.length === 0) return fast
    // Appending to an existing query goes through URL, which re-serialises that query.
    if (fast.path.indexOf("?") === -1) {
      return { origin: fast.origin, path: fast.path + "?" + UrlParams.toString(params) }
    }
  }
  const result = UrlParams.makeUrl(request.url, params, request.hash)
  if (result._tag === "Left") return result.left
  const url = result.right
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return new TypeError(`unsupported protocol ${url.protocol} (only http: and https: are)`)
  }
  return { origin: url.origin, path: url.pathname + url.search }
}

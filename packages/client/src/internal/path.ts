import { InvalidRequest } from "../CouchError.js"
import { hasLoneSurrogate } from "./json.js"

const show = (segments: ReadonlyArray<string>) => `/${segments.map((s) => JSON.stringify(s)).join("/")}`

/**
 * Why a request's path segments cannot be sent as they are, or `undefined`. Every segment
 * is escaped whole, so none can add or remove a level of the path, except the three that
 * URL parsers rewrite: an empty segment, `.` and `..` (WHATWG `URL`, which every transport
 * uses, removes dot segments even when escaped as `%2E`). Sending them would reach another
 * resource — `DELETE /db/.` is `DELETE /db/` — so they are refused before any I/O, as is an
 * unpaired surrogate, which has no UTF-8 form.
 *
 * @internal
 */
export const invalidSegments = (segments: ReadonlyArray<string>): InvalidRequest | undefined => {
  for (const [index, segment] of segments.entries()) {
    const problem = segment === ""
      ? "is empty"
      : segment === "." || segment === ".."
      ? `is "${segment}", which URLs treat as a relative path step`
      : hasLoneSurrogate(segment)
      ? "has an unpaired surrogate, which is not valid text"
      : undefined
    if (problem !== undefined) {
      return new InvalidRequest({
        description: `path segment ${index + 1} of ${show(segments)} ${problem}: it would address another resource`
      })
    }
  }
  return undefined
}

/** An HTTP token (RFC 9110). */
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
/** Field content every transport accepts: no control characters but tab, nothing above U+00FF. */
const headerValue = /^[\t\x20-\x7e\x80-\xff]*$/

/**
 * Why a request header cannot be sent, or `undefined`: names must be HTTP tokens and values
 * Latin-1 text without line breaks or control characters. Values are never repeated in the
 * message (they may be secrets).
 *
 * @internal
 */
export const invalidHeader = (name: string, value: string): InvalidRequest | undefined => {
  if (!headerName.test(name)) {
    return new InvalidRequest({ description: `the header name ${JSON.stringify(name)} is not a valid HTTP token` })
  }
  if (!headerValue.test(value)) {
    return new InvalidRequest({
      description: `the value of header ${name} has a line break, a control character or a character above U+00FF`
    })
  }
  return undefined
}

/**
 * A header value carrying UTF-8 text. CouchDB reads header values as raw bytes (mochiweb does
 * not decode them): the proxy user name, the `Destination` id of a `COPY`. HTTP transports
 * send each character of a header value as one byte (Latin-1), so the text's UTF-8 bytes are
 * written one per character.
 *
 * @internal
 */
export const utf8HeaderValue = (text: string): string => {
  let out = ""
  for (const byte of new TextEncoder().encode(text)) out += String.fromCharCode(byte)
  return out
}

/**
 * A small parser of whole `multipart/*` bodies (RFC 2046) into parts, each with its headers
 * and its bytes. It needs the whole body in memory: it serves `_bulk_get`'s
 * `multipart/mixed` answer until the streaming parser of `internal/multipart.ts` is
 * available.
 *
 * TODO: switch `Bulk.getMultipart` to the streaming parser of `internal/multipart.ts` (branch
 * `doc`) and delete this file; only `Part`, `boundary` and `parse` are used.
 *
 * @internal
 */
import * as Either from "effect/Either"

/**
 * One part: header names in lower case, and the part's bytes.
 *
 * @internal
 */
export interface Part {
  readonly headers: Readonly<Record<string, string>>
  readonly body: Uint8Array
}

const CR = 0x0d
const LF = 0x0a
const DASH = 0x2d

/**
 * The value of parameter `name` of a header value such as `multipart/mixed;
 * boundary="--abc"` (quoted or not), or `undefined`.
 *
 * @internal
 */
export const parameter = (headerValue: string, name: string): string | undefined => {
  for (const param of headerValue.split(";").slice(1)) {
    const equals = param.indexOf("=")
    if (equals === -1 || param.slice(0, equals).trim().toLowerCase() !== name) continue
    const value = param.slice(equals + 1).trim()
    return value.startsWith("\"") && value.endsWith("\"") && value.length >= 2 ? value.slice(1, -1) : value
  }
  return undefined
}

/**
 * The boundary of a `multipart/*` content type, or `undefined` when it is not one.
 *
 * @internal
 */
export const boundary = (contentType: string | undefined): string | undefined =>
  contentType !== undefined && /^\s*multipart\//i.test(contentType) ? parameter(contentType, "boundary") : undefined

const indexOf = (haystack: Uint8Array, needle: Uint8Array, from: number): number => {
  const first = needle[0]
  if (first === undefined) return from
  for (let i = haystack.indexOf(first, from); i !== -1; i = haystack.indexOf(first, i + 1)) {
    if (i + needle.length > haystack.length) return -1
    let k = 1
    while (k < needle.length && haystack[i + k] === needle[k]) k++
    if (k === needle.length) return i
  }
  return -1
}

const parseHeaders = (text: string): Record<string, string> => {
  const headers: Record<string, string> = {}
  let last: string | undefined
  for (const line of text.split("\r\n")) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && last !== undefined) {
      // A folded header line continues the previous one.
      headers[last] = `${headers[last] ?? ""} ${line.trim()}`
      continue
    }
    const colon = line.indexOf(":")
    if (colon <= 0) continue
    last = line.slice(0, colon).trim().toLowerCase()
    headers[last] = line.slice(colon + 1).trim()
  }
  return headers
}

/**
 * The parts of a whole multipart body with boundary `boundary`: the preamble before the
 * first delimiter and the epilogue after the closing one are ignored. Fails with a message
 * when the body has no delimiter or ends before its closing delimiter.
 *
 * @internal
 */
export const parse = (body: Uint8Array, boundary: string): Either.Either<ReadonlyArray<Part>, string> => {
  const encoder = new TextEncoder()
  const dashBoundary = encoder.encode(`--${boundary}`)
  const delimiter = encoder.encode(`\r\n--${boundary}`)
  const headerEnd = encoder.encode("\r\n\r\n")
  const latin1 = new TextDecoder("latin1")
  // The first delimiter starts the body or follows a line break of the preamble.
  let at = dashBoundary.every((byte, k) => body[k] === byte) ? 0 : -1
  if (at === -1) {
    const found = indexOf(body, delimiter, 0)
    if (found === -1) return Either.left("the multipart body has no delimiter")
    at = found + 2
  }
  const parts: Array<Part> = []
  for (;;) {
    let i = at + dashBoundary.length
    if (body[i] === DASH && body[i + 1] === DASH) return Either.right(parts)
    // Transport padding (spaces, tabs) may follow a delimiter before its line break.
    while (body[i] === 0x20 || body[i] === 0x09) i++
    if (body[i] !== CR || body[i + 1] !== LF) {
      return Either.left("a multipart delimiter is not followed by a line break")
    }
    i += 2
    let headers: Record<string, string> = {}
    let start: number
    if (body[i] === CR && body[i + 1] === LF) {
      start = i + 2
    } else {
      const end = indexOf(body, headerEnd, i)
      if (end === -1) return Either.left("a multipart part's headers do not end")
      // Header values are ASCII; latin1 keeps any other byte as one character.
      headers = parseHeaders(latin1.decode(body.subarray(i, end)))
      start = end + 4
    }
    const next = indexOf(body, delimiter, start)
    if (next === -1) return Either.left("the multipart body ends before its closing delimiter")
    parts.push({ headers, body: body.subarray(start, next) })
    at = next + 2
  }
}

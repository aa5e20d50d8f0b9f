/**
 * Splits a body that is a JSON array (`_bulk_docs`' answer) into its elements as the bytes
 * arrive, decoding each, without holding more than one element in memory: the top-level
 * array counterpart of `jsonFramer`, which frames an array member of an object.
 *
 * It works on bytes, so a chunk boundary inside a UTF-8 character or an element is
 * harmless. Only structure is tracked (strings, nesting, separators); `JSON.parse`
 * validates each element.
 *
 * @internal
 */
import * as Either from "effect/Either"
import type { CouchResponse } from "../CouchClient.js"
import { type CouchError, DecodeError } from "../CouchError.js"
import type { BodyParser } from "./feed.js"
import { parseJsonText } from "./feed.js"

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

const isWhitespace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/**
 * A `BodyParser` of the elements of a top-level JSON array, each decoded with `decode`.
 * Ready once the array has opened.
 *
 * @internal
 */
export const make = <A>(
  response: CouchResponse,
  decode: (json: unknown) => Either.Either<A, CouchError>
): BodyParser<A> => {
  const utf8 = new TextDecoder()
  let started = false
  let finished = false
  let depth = 0
  let inString = false
  let escaped = false
  let elements = 0
  let failure: CouchError | undefined
  // The current element's bytes from earlier chunks.
  let parts: Array<Uint8Array> = []

  const fail = (description: string) => {
    failure ??= new DecodeError({ method: response.method, url: response.url, description }, {
      disableValidation: true
    })
  }

  const text = (chunk: Uint8Array, start: number, end: number): string => {
    const tail = chunk.subarray(start, end)
    if (parts.length === 0) return utf8.decode(tail)
    let length = tail.length
    for (const part of parts) length += part.length
    const bytes = new Uint8Array(length)
    let offset = 0
    for (const part of parts) {
      bytes.set(part, offset)
      offset += part.length
    }
    bytes.set(tail, offset)
    parts = []
    return utf8.decode(bytes)
  }

  /** One element's JSON text; `last` when `]` closed it (so `[]` has none). */
  const element = (json: string, last: boolean, out: Array<A>) => {
    if (last && elements === 0 && json.trim() === "") return
    elements++
    const decoded = Either.flatMap(parseJsonText(response, json), decode)
    if (Either.isLeft(decoded)) failure = decoded.left
    else out.push(decoded.right)
  }

  const push = (chunk: Uint8Array, out: Array<A>): CouchError | undefined => {
    const n = chunk.length
    let i = 0
    // Where the current element starts in this chunk (-1: outside the array).
    let start = started && !finished ? 0 : -1
    while (i < n && failure === undefined) {
      // In bounds (i < n); `!` keeps a check out of the hottest loop.
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
      const c = chunk[i]!
      if (inString) {
        if (escaped) escaped = false
        else if (c === BACKSLASH) escaped = true
        else if (c === QUOTE) inString = false
        i++
        continue
      }
      if (!started || finished) {
        if (!started && c === OPEN_BRACKET) {
          started = true
          start = i + 1
        } else if (!isWhitespace(c)) {
          fail(started ? "unexpected data after the JSON array" : "the response body is not a JSON array")
        }
        i++
        continue
      }
      switch (c) {
        case QUOTE:
          inString = true
          break
        case OPEN_BRACE:
        case OPEN_BRACKET:
          depth++
          break
        case CLOSE_BRACE:
          if (depth === 0) fail("the response body is not a JSON array")
          depth--
          break
        case CLOSE_BRACKET:
          if (depth === 0) {
            element(text(chunk, start, i), true, out)
            finished = true
            start = -1
          } else {
            depth--
          }
          break
        case COMMA:
          if (depth === 0) {
            element(text(chunk, start, i), false, out)
            start = i + 1
          }
          break
      }
      i++
    }
    if (start !== -1 && start < n && failure === undefined) parts.push(chunk.slice(start))
    return failure
  }

  return {
    push,
    end: () => {
      if (failure === undefined && !finished) fail("the response body ended before the JSON array was complete")
      return failure
    },
    ready: () => started
  }
}

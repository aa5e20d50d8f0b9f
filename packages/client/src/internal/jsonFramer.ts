/**
 * Splits a JSON object body such as `{"total_rows":3,"offset":0,"rows":[…]}` into the
 * elements of one array member (`rows`, `results`) and the other top-level members,
 * without ever holding more than one element in memory.
 *
 * It works on bytes, so a chunk boundary inside a UTF-8 character or inside a row is
 * harmless: each element's bytes are decoded and parsed once they are complete. It does
 * not care about line breaks, so CouchDB's row-per-line layout (`,\r\n` separators) and
 * pouchdb-server's single-line bodies take the same path. Only structure is tracked
 * (strings, nesting, separators); `JSON.parse` validates each element. An object without
 * the array member, or whose member is not an array, is a structural error.
 *
 * @internal
 */
export interface JsonFramer {
  /** Feeds the next chunk; calls `onElement`/`onMember` for everything completed. */
  readonly push: (chunk: Uint8Array) => void
  /** True once the whole object has been read: a body that ends before it is incomplete. */
  readonly complete: () => boolean
  /** True once the array member has started (everything before it has been reported). */
  readonly arrayStarted: () => boolean
  /** The structural error found so far (what was expected, and what came), if any. */
  readonly failure: () => string | undefined
}

/** @internal */
export interface FramerHandlers {
  /** One complete element of the array member, as JSON text. */
  readonly onElement: (json: string) => void
  /** One complete element the framer has already parsed (the one-row-per-line fast path). */
  readonly onParsedElement: (value: unknown) => void
  /** Any other top-level member, with its value as JSON text. */
  readonly onMember: (key: string, json: string) => void
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_BRACE = 0x7b
const CLOSE_BRACE = 0x7d
const OPEN_BRACKET = 0x5b
const CLOSE_BRACKET = 0x5d

const NEWLINE = 0x0a
const CARRIAGE_RETURN = 0x0d

const isWhitespace = (c: number) => c === 0x20 || c === NEWLINE || c === CARRIAGE_RETURN || c === 0x09

/** A member's JSON text as an error message shows it: trimmed, and cut after 60 characters. */
const excerpt = (text: string): string => {
  const trimmed = text.trim()
  return trimmed.length > 60 ? `${trimmed.slice(0, 60)}…` : trimmed
}

/** @internal */
export const make = (arrayKey: string, handlers: FramerHandlers): JsonFramer => {
  const decoder = new TextDecoder("utf-8", { fatal: false })
  let depth = 0
  let inString = false
  let escaped = false
  let started = false
  let finished = false
  let inArray = false
  let arrayDone = false
  let error: string | undefined
  // The text being captured: a key, a member value, or an array element.
  let parts: Array<Uint8Array> = []
  let captureStart = -1
  let key: string | undefined

  const take = (chunk: Uint8Array, end: number): string => {
    const tail = chunk.subarray(captureStart, end)
    let bytes = tail
    if (parts.length > 0) {
      let length = tail.length
      for (const part of parts) length += part.length
      bytes = new Uint8Array(length)
      let offset = 0
      for (const part of parts) {
        bytes.set(part, offset)
        offset += part.length
      }
      bytes.set(tail, offset)
      parts = []
    }
    return decoder.decode(bytes)
  }

  const expected = `expected a JSON object with a "${arrayKey}" array`

  /** A top-level member has been read: the array member must have been an array. */
  const memberEnd = (text: string) => {
    if (key === undefined) return
    if (key !== arrayKey) handlers.onMember(key, text)
    else if (!arrayDone) error = `${expected}; its "${arrayKey}" is ${excerpt(text)}`
  }

  const isBlank = (text: string) => text.trim() === ""

  /**
   * CouchDB writes one row per line: an element that starts a line usually ends it, just
   * before `,\r\n` or `\r\n`. If that line parses as JSON it is the whole element (a
   * JSON value cannot have a proper prefix that is itself a complete value starting with
   * the same `{`), so the bytes in between need no scanning. Returns where to go on, or -1
   * to scan as usual (single-line bodies, a row cut by the chunk, anything unexpected).
   */
  const wholeLine = (chunk: Uint8Array, start: number): number => {
    const newline = chunk.indexOf(NEWLINE, start)
    if (newline === -1) return -1
    let end = newline
    if (chunk[end - 1] === CARRIAGE_RETURN) end--
    const comma = chunk[end - 1] === COMMA
    if (comma) end--
    if (chunk[end - 1] !== CLOSE_BRACE) return -1
    let value: unknown
    try {
      value = JSON.parse(decoder.decode(chunk.subarray(start, end)))
    } catch {
      return -1
    }
    handlers.onParsedElement(value)
    parts = []
    // After a comma the next element's capture starts; otherwise `]` follows (maybe after whitespace).
    captureStart = comma ? newline + 1 : end
    return comma ? newline + 1 : end
  }

  const push = (bytes: Uint8Array): void => {
    if (error !== undefined) return
    // A Node Buffer's `subarray` costs over 1.5× a Uint8Array's (measured), and the
    // one-row-per-line path takes one per row: use a plain view of the same memory.
    const chunk = bytes.constructor === Uint8Array
      ? bytes
      : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)
    const n = chunk.length
    let i = 0
    if (captureStart !== -1 || parts.length > 0) captureStart = 0
    while (i < n) {
      if (inString) {
        // Tight loop through string contents: only `"` and `\` matter.
        if (escaped) {
          escaped = false
          i++
          continue
        }
        while (i < n) {
          // In bounds (i < n); `!` keeps a check out of the hottest loop.
          // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
          const c = chunk[i]!
          if (c === BACKSLASH) {
            if (i + 1 < n) {
              i += 2
              continue
            }
            escaped = true
            i++
            break
          }
          if (c === QUOTE) {
            inString = false
            i++
            break
          }
          i++
        }
        continue
      }
      // In bounds (i < n).
      // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
      const c = chunk[i]!
      if (!started) {
        if (c === OPEN_BRACE) {
          started = true
          depth = 1
          captureStart = i + 1
        } else if (!isWhitespace(c)) {
          error = "the response body is not a JSON object"
          return
        }
        i++
        continue
      }
      if (finished) {
        if (!isWhitespace(c)) {
          error = "unexpected data after the JSON body"
          return
        }
        i++
        continue
      }
      if (c === OPEN_BRACE && inArray && depth === 2 && i > 0 && chunk[i - 1] === NEWLINE) {
        const next = wholeLine(chunk, i)
        if (next !== -1) {
          i = next
          continue
        }
      }
      switch (c) {
        case QUOTE:
          inString = true
          break
        case OPEN_BRACE:
          depth++
          break
        case OPEN_BRACKET:
          if (depth === 1 && key === arrayKey && !arrayDone) {
            inArray = true
            captureStart = i + 1
          }
          depth++
          break
        case CLOSE_BRACKET:
          depth--
          if (inArray && depth === 1) {
            const text = take(chunk, i)
            if (!isBlank(text)) handlers.onElement(text)
            inArray = false
            arrayDone = true
            captureStart = i + 1
          }
          break
        case CLOSE_BRACE:
          depth--
          if (depth === 0) {
            memberEnd(take(chunk, i))
            key = undefined
            finished = true
            captureStart = -1
            if (error === undefined && !arrayDone) error = `${expected}; the body has none`
            if (error !== undefined) return
          }
          break
        case COMMA:
          if (inArray && depth === 2) {
            handlers.onElement(take(chunk, i))
            captureStart = i + 1
          } else if (depth === 1) {
            memberEnd(take(chunk, i))
            if (error !== undefined) return
            key = undefined
            captureStart = i + 1
          }
          break
        case COLON:
          if (depth === 1 && key === undefined) {
            try {
              const parsed: unknown = JSON.parse(take(chunk, i))
              key = typeof parsed === "string" ? parsed : ""
            } catch {
              error = "the response body has an invalid member name"
              return
            }
            captureStart = i + 1
          }
          break
      }
      i++
    }
    if (captureStart !== -1 && captureStart < n) parts.push(chunk.slice(captureStart))
    if (captureStart !== -1) captureStart = n
  }

  return {
    push,
    complete: () => finished,
    arrayStarted: () => inArray || arrayDone || finished,
    failure: () => error
  }
}

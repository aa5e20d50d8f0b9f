/**
 * MIME multipart bodies, both ways: a streaming parser for CouchDB's `multipart/mixed`
 * (`open_revs`, `_bulk_get`) and `multipart/related` (documents with attachments) answers,
 * and the `multipart/related` body of a document upload, streamed.
 *
 * The parser is a small state machine over multipasta's boundary search and part-header
 * parser (the library @effect/platform uses for its own multipart support). multipasta's own
 * part logic is not used: it misses the closing delimiter when a chunk ends between its two
 * dashes, and does not report a body cut short inside a part's headers.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as HeadersParser from "multipasta/HeadersParser"
import * as Search from "multipasta/Search"
import type { CouchResponse } from "../CouchClient.js"
import { type CouchError, DecodeError, InvalidRequest } from "../CouchError.js"

/**
 * A part's headers: names in lower case, a repeated header's values joined with `, `.
 *
 * @internal
 */
export type PartHeaders = Readonly<Record<string, string>>

/**
 * What the parser reads, in order: a part's headers, pieces of its body, its end.
 *
 * @internal
 */
export type Event =
  | { readonly _tag: "Headers"; readonly headers: PartHeaders }
  | { readonly _tag: "Body"; readonly bytes: Uint8Array }
  | { readonly _tag: "End" }

/**
 * A part read whole.
 *
 * @internal
 */
export interface Part {
  readonly headers: PartHeaders
  readonly body: Uint8Array
}

const CR = 13
const LF = 10
const DASH = 45
const CRLF = new Uint8Array([CR, LF])
const empty = new Uint8Array(0)

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/**
 * Values are trimmed: field values carry no surrounding whitespace (RFC 9110), and
 * multipasta keeps the space after the colon when a chunk ends right after it.
 */
const flatHeaders = (headers: Record<string, string | Array<string>>): PartHeaders => {
  // A null prototype: part header names come from the server and may be anything.
  const flat: Record<string, string> = Object.create(null)
  for (const name of Object.keys(headers)) {
    const value = headers[name]
    if (value !== undefined) flat[name] = (typeof value === "string" ? value : value.join(", ")).trim()
  }
  return flat
}

/**
 * A push parser: `write` each piece of the body as it arrives (split anywhere), then `end`.
 * Events go to `emit`; the first problem is kept in `failure` and stops the parser.
 *
 * @internal
 */
export const parser = (boundary: string, emit: (event: Event) => void) => {
  let phase: "preamble" | "lead" | "headers" | "body" | "done" = "preamble"
  let failure: string | undefined
  let current = 0
  /** The bytes after a boundary, until they show whether it closes the body or opens a part. */
  let lead: Uint8Array = empty
  const parseHeaders = HeadersParser.make()

  const fail = (description: string) => {
    failure ??= description
  }

  const readHeaders = (chunk: Uint8Array, start: number) => {
    const result = parseHeaders(chunk, start)
    if (result._tag === "Continue") return
    if (result._tag === "Failure") return fail(`a part's headers are malformed (${result.reason})`)
    emit({ _tag: "Headers", headers: flatHeaders(result.headers) })
    phase = "body"
    if (result.endPosition < chunk.length) emit({ _tag: "Body", bytes: chunk.subarray(result.endPosition) })
  }

  const onSegment = (index: number, chunk: Uint8Array) => {
    if (failure !== undefined || phase === "done" || index === 0) return // index 0: the preamble
    if (index !== current) {
      // A boundary: it ends the part being read, if any.
      if (phase === "body") emit({ _tag: "End" })
      else if (phase !== "preamble") return fail("a part ends before the blank line after its headers")
      current = index
      phase = "lead"
      lead = empty
    }
    if (phase === "lead") {
      lead = concat(lead, chunk)
      if (lead.length < 2) return
      if (lead[0] === DASH && lead[1] === DASH) {
        phase = "done" // the closing delimiter; what follows is the epilogue
        return
      }
      if (lead.length < 4) return
      if (lead[0] !== CR || lead[1] !== LF) return fail("a boundary is not followed by a line break")
      const opening = lead
      lead = empty
      if (opening[2] === CR && opening[3] === LF) {
        // A part without headers.
        emit({ _tag: "Headers", headers: Object.create(null) })
        phase = "body"
        if (opening.length > 4) emit({ _tag: "Body", bytes: opening.subarray(4) })
        return
      }
      phase = "headers"
      return readHeaders(opening, 2)
    }
    if (phase === "headers") return readHeaders(chunk, 0)
    if (chunk.length > 0) emit({ _tag: "Body", bytes: chunk })
  }

  const search = Search.make(`\r\n--${boundary}`, onSegment)
  // The first boundary may open the body: read it as if a line break came before it.
  search.write(CRLF)
  return {
    write: (chunk: Uint8Array): void => {
      if (failure === undefined && phase !== "done") search.write(chunk)
    },
    end: (): void => {
      if (failure === undefined && phase !== "done") search.end()
      if (phase !== "done") fail("the body ends before its closing boundary")
    },
    failure: (): string | undefined => failure
  }
}

/**
 * The value of parameter `name` of a `Content-Type` header (quoted or not), if any.
 *
 * @internal
 */
export const parameter = (contentType: string, name: string): string | undefined => {
  const pattern = /;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;]*))/g
  for (const match of contentType.matchAll(pattern)) {
    if (match[1]?.toLowerCase() === name) return match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : match[3]
  }
  return undefined
}

/**
 * The media type of a `Content-Type` header, in lower case, without parameters.
 *
 * @internal
 */
export const mediaType = (contentType: string | undefined): string =>
  (contentType ?? "").split(";")[0]?.trim().toLowerCase() ?? ""

/**
 * The events of a multipart body with `boundary`, read as the stream is pulled (a part's
 * body is never buffered here). A malformed or truncated body fails with `fail`'s error.
 *
 * @internal
 */
export const events = <E, E2>(
  body: Stream.Stream<Uint8Array, E>,
  boundary: string,
  fail: (description: string) => E2
): Stream.Stream<Event, E | E2> =>
  Stream.suspend(() => {
    let out: Array<Event> = []
    const parse = parser(boundary, (event) => out.push(event))
    const flush = (): Effect.Effect<Chunk.Chunk<Event>, E2> => {
      const failure = parse.failure()
      if (failure !== undefined) return Effect.fail(fail(failure))
      const chunk = Chunk.unsafeFromArray(out)
      out = []
      return Effect.succeed(chunk)
    }
    return Stream.concat(
      Stream.mapChunksEffect(body, (chunks) => {
        for (const chunk of chunks) parse.write(chunk)
        return flush()
      }),
      Stream.flattenChunks(Stream.fromEffect(Effect.suspend(() => {
        parse.end()
        return flush()
      })))
    )
  })

/**
 * The parts of an event stream, each read whole: for parts known to be small (a document).
 *
 * @internal
 */
export const parts = <E>(events: Stream.Stream<Event, E>): Stream.Stream<Part, E> =>
  Stream.suspend(() => {
    let headers: PartHeaders = Object.create(null)
    let pieces: Array<Uint8Array> = []
    return Stream.filterMap(events, (event): Option.Option<Part> => {
      switch (event._tag) {
        case "Headers": {
          headers = event.headers
          pieces = []
          return Option.none()
        }
        case "Body": {
          pieces.push(event.bytes)
          return Option.none()
        }
        case "End": {
          const body = pieces.length === 1 && pieces[0] !== undefined ? pieces[0] : joinBytes(pieces)
          pieces = []
          return Option.some({ headers, body })
        }
      }
    })
  })

/** @internal */
export const joinBytes = (pieces: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(pieces.reduce((n, piece) => n + piece.length, 0))
  let offset = 0
  for (const piece of pieces) {
    out.set(piece, offset)
    offset += piece.length
  }
  return out
}

/**
 * The parts of a multipart response, read whole one at a time as the stream is pulled. A
 * response that is not multipart, has no boundary, or is malformed is a `DecodeError`.
 *
 * @internal
 */
export const responseParts = (response: CouchResponse): Stream.Stream<Part, CouchError> => {
  const failure = (description: string) =>
    new DecodeError({ method: response.method, url: response.url, description }, { disableValidation: true })
  const contentType = response.headers["content-type"] ?? ""
  const boundary = parameter(contentType, "boundary")
  if (!mediaType(contentType).startsWith("multipart/") || boundary === undefined || boundary === "") {
    return Stream.fail(failure(`expected a multipart body with a boundary, got ${JSON.stringify(contentType)}`))
  }
  return parts(events(response.stream, boundary, (description) => failure(`the multipart body: ${description}`)))
}

/**
 * The parts of a multipart body held in memory (a part nested in another one).
 *
 * @internal
 */
export const partsOf = (
  contentType: string,
  body: Uint8Array,
  fail: (description: string) => CouchError
): Effect.Effect<Array<Part>, CouchError> => {
  const boundary = parameter(contentType, "boundary")
  if (boundary === undefined || boundary === "") return Effect.fail(fail("a nested multipart part has no boundary"))
  return Effect.map(
    Stream.runCollect(parts(events(Stream.make(body), boundary, fail))),
    Chunk.toArray
  )
}

/** The filename of an attachment part (`filename`, or `filename*` percent-encoded). @internal */
export const partFilename = (part: Part): string | undefined => {
  const disposition = part.headers["content-disposition"]
  if (disposition === undefined) return undefined
  const extended = parameter(disposition, "filename*")
  if (extended !== undefined) {
    const encoded = extended.replace(/^[^']*'[^']*'/, "")
    try {
      return decodeURIComponent(encoded)
    } catch {
      return undefined
    }
  }
  return parameter(disposition, "filename")
}

/**
 * Decodes a part sent with `Content-Encoding: gzip` (CouchDB sends compressible attachments
 * as it stores them); other parts are returned as they are.
 *
 * @internal
 */
export const decodeContent = (
  part: Part,
  fail: (description: string) => CouchError
): Effect.Effect<Uint8Array, CouchError> => {
  const encoding = (part.headers["content-encoding"] ?? "identity").trim().toLowerCase()
  if (encoding === "identity") return Effect.succeed(part.body)
  if (encoding !== "gzip" && encoding !== "deflate") {
    return Effect.fail(fail(`a part has an unknown Content-Encoding ${JSON.stringify(encoding)}`))
  }
  return Effect.tryPromise({
    try: () =>
      // `slice` copies into a plain ArrayBuffer, which Blob takes.
      new Response(new Blob([part.body.slice()]).stream().pipeThrough(new DecompressionStream(encoding))).arrayBuffer(),
    catch: (error) => fail(`a ${encoding} part cannot be decompressed: ${String(error)}`)
  }).pipe(Effect.map((buffer) => new Uint8Array(buffer)))
}

/**
 * One attachment of an outgoing `multipart/related` body.
 *
 * @internal
 */
export interface Outgoing {
  readonly name: string
  readonly contentType: string
  readonly length: number
  readonly data: Uint8Array | Stream.Stream<Uint8Array, CouchError>
}

const encoder = new TextEncoder()

/**
 * The `filename` parameter naming an attachment part. CouchDB matches parts to stubs by
 * order; other servers (PouchDB) by this name, so a name that is not plain ASCII text is
 * sent percent-encoded as `filename*` (RFC 8187).
 */
const filename = (name: string) =>
  /^[\x20-\x7e]*$/.test(name) && !/["\\%]/.test(name)
    ? `filename="${name}"`
    : `filename*=UTF-8''${encodeURIComponent(name).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16)}`)}`

/**
 * Fails with `InvalidRequest` once a stream gives more or fewer bytes than it was announced
 * with: a body sent with a `Content-Length` must be exactly that long.
 *
 * @internal
 */
export const exactly = (
  data: Stream.Stream<Uint8Array, CouchError>,
  length: number,
  name: string
): Stream.Stream<Uint8Array, CouchError> =>
  Stream.suspend(() => {
    let seen = 0
    const wrong = () =>
      new InvalidRequest({
        description: `${name} was announced with ${length} bytes and gave ${seen > length ? "more" : seen}`
      })
    return Stream.concat(
      Stream.mapEffect(data, (chunk) => {
        seen += chunk.length
        return seen > length ? Effect.fail(wrong()) : Effect.succeed(chunk)
      }),
      Stream.fromEffect(Effect.suspend(() => seen === length ? Effect.succeed(empty) : Effect.fail(wrong())))
    )
  }).pipe(Stream.filter((chunk) => chunk.length > 0))

/** A boundary that cannot occur in the content by chance: 128 random bits. */
const randomBoundary = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")

/**
 * The `multipart/related` body of a document with attachments, as CouchDB reads it: the JSON
 * document first (its attachment stubs say `follows`), then each attachment's bytes in the
 * same order, streamed. The length is exact, so the body is sent with a `Content-Length`.
 *
 * @internal
 */
export const related = (
  json: string,
  attachments: ReadonlyArray<Outgoing>,
  boundary: string = randomBoundary()
): {
  readonly contentType: string
  readonly contentLength: number
  readonly body: Stream.Stream<Uint8Array, CouchError>
} => {
  const document = encoder.encode(`--${boundary}\r\nContent-Type: application/json\r\n\r\n${json}`)
  const pieces: Array<Uint8Array | Stream.Stream<Uint8Array, CouchError>> = [document]
  let length = document.length
  for (const attachment of attachments) {
    const head = encoder.encode(
      `\r\n--${boundary}\r\nContent-Disposition: attachment; ${
        filename(attachment.name)
      }\r\nContent-Type: ${attachment.contentType}\r\n\r\n`
    )
    pieces.push(head)
    pieces.push(
      attachment.data instanceof Uint8Array
        ? attachment.data
        : exactly(attachment.data, attachment.length, `attachment ${JSON.stringify(attachment.name)}`)
    )
    length += head.length + attachment.length
  }
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`)
  pieces.push(tail)
  length += tail.length
  return {
    contentType: `multipart/related; boundary="${boundary}"`,
    contentLength: length,
    body: Stream.flatMap(
      Stream.fromIterable(pieces),
      (piece) => piece instanceof Uint8Array ? Stream.make(piece) : piece
    )
  }
}

/**
 * Attachments: binary content stored with a document. Read one whole, as a stream with
 * backpressure, by byte range or only if it changed; learn its digest, length and type from
 * a `HEAD`; upload bytes or a stream; delete it.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchResponse, QueryValue } from "./CouchClient.js"
import { type CouchError, DecodeError, InvalidRequest } from "./CouchError.js"
import { type Document, WriteResult } from "./Document.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"
import * as internalHandle from "./internal/handle.js"
import * as Multipart from "./internal/multipart.js"
import * as Path from "./internal/path.js"

/**
 * An attachment of a document. Its name is one path segment (a `/` in it is escaped), so
 * every legal name is addressable.
 *
 * @since 0.2.0
 * @category models
 */
export interface Attachment extends Handle.Handle {
  readonly _tag: "Attachment"
  readonly document: Document
  readonly name: string
}

/**
 * The handle of attachment `name` of `document`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: {
  (name: string): (document: Document) => Attachment
  (document: Document, name: string): Attachment
} = dual(2, internalHandle.attachment)

/**
 * What a `HEAD` tells about an attachment, with the names of its stub in the document.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Info = Schema.Struct({
  /** `md5-` and the base64 MD5 of the content, as in the document's stub. */
  digest: Schema.String,
  /** The content's length in bytes. */
  length: Schema.Number,
  content_type: Schema.String
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Info extends Schema.Schema.Type<typeof Info> {}

/**
 * Options of an attachment read.
 *
 * @since 0.2.0
 * @category models
 */
export interface ReadOptions {
  /** Read the attachment as it was at this revision of the document. */
  readonly rev?: string | undefined
}

// Attachments have their own content types: accept any.
const accept = { accept: "*/*" }

const decodeError = (response: CouchResponse, description: string) =>
  new DecodeError({ method: response.method, url: response.url, description }, { disableValidation: true })

/** The base64 MD5 in an attachment's `ETag` (CouchDB and PouchDB quote it). */
const etagDigest = (response: CouchResponse): string | undefined => {
  const etag = response.headers["etag"]?.replace(/^W\//, "").replace(/^"|"$/g, "")
  return etag === undefined || etag === "" ? undefined : etag
}

/**
 * An attachment's digest, length and content type from a `HEAD` (no content transferred);
 * `Option.none()` when the document or the attachment does not exist.
 *
 * @since 0.2.0
 * @category reads
 */
export const info: Handle.Operation<Attachment, ReadOptions, Option.Option<Info>> = dual(
  Endpoint.isDataFirst,
  (self: Attachment, options: ReadOptions = {}) =>
    Endpoint.send(self, { method: "HEAD", query: { rev: options.rev }, headers: accept }).pipe(
      Effect.flatMap((response) => {
        const digest = etagDigest(response)
        const length = Number(response.headers["content-length"])
        if (digest === undefined || !Number.isSafeInteger(length)) {
          return Effect.fail(decodeError(response, "the attachment's HEAD has no ETag or no Content-Length"))
        }
        return Effect.succeedSome<Info>({
          digest: `md5-${digest}`,
          length,
          content_type: response.headers["content-type"] ?? "application/octet-stream"
        })
      }),
      Effect.catchTag("NotFound", () => Effect.succeedNone)
    )
)

/**
 * Whether the attachment exists, from a `HEAD`.
 *
 * @since 0.2.0
 * @category reads
 */
export const exists = (self: Attachment): Effect.Effect<boolean, CouchError, CouchAuth> =>
  Effect.map(info(self), Option.isSome)

/**
 * Reads an attachment's content whole. A missing document or attachment is `NotFound`.
 *
 * @since 0.2.0
 * @category reads
 */
export const get: Handle.Operation<Attachment, ReadOptions, Uint8Array> = Endpoint.make(
  (_, options: ReadOptions) => ({ method: "GET", query: { rev: options.rev }, headers: accept }),
  (response) => response.bytes
)

/**
 * Reads an attachment's content as a stream, read from the connection only as it is pulled
 * (backpressure: a slow consumer does not make the client buffer); interrupting the stream
 * aborts the request.
 *
 * @since 0.2.0
 * @category streams
 * @example
 * ```ts
 * import { Attachment, CouchClient, Database } from "@effect-couchdb/client"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const video = Database.attachment((yield* CouchClient.CouchClient).database("media"), "clip", "video.mp4")
 *   return yield* Attachment.stream(video).pipe(Stream.runFold(0, (n, chunk) => n + chunk.length))
 * })
 * ```
 */
export const stream: Handle.Feed<Attachment, ReadOptions, Uint8Array> = Endpoint.feed(
  (_, options: ReadOptions) => ({ method: "GET", query: { rev: options.rev }, headers: accept }),
  (response) => Effect.succeed(response.stream)
)

/** A digest as `ETag` value: without `md5-`, quoted. */
const digestTag = (digest: string) => `"${digest.replace(/^md5-/, "")}"`

/**
 * Reads an attachment only if it changed: `Option.none()` while its digest is still
 * `knownDigest` (the stub's `md5-…` or the bare base64; a 304, nothing transferred).
 *
 * @since 0.2.0
 * @category reads
 */
export const getIfChanged: {
  (
    knownDigest: string,
    options?: ReadOptions
  ): (self: Attachment) => Effect.Effect<Option.Option<Uint8Array>, CouchError, CouchAuth>
  (
    self: Attachment,
    knownDigest: string,
    options?: ReadOptions
  ): Effect.Effect<Option.Option<Uint8Array>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Attachment, knownDigest: string, options: ReadOptions = {}) => {
    if (Path.invalidHeader("if-none-match", digestTag(knownDigest)) !== undefined) {
      return Effect.fail(
        new InvalidRequest({ description: "Attachment.getIfChanged: the digest is not valid header text" })
      )
    }
    return Effect.flatMap(
      Endpoint.send(self, {
        method: "GET",
        query: { rev: options.rev },
        headers: { ...accept, "if-none-match": digestTag(knownDigest) }
      }),
      (response) =>
        response.status === 304
          ? Effect.as(Endpoint.discard(response), Option.none())
          : Effect.map(response.bytes, Option.some)
    )
  }
)

/**
 * A byte range: `start` to `end` inclusive (to the last byte without `end`), or the last
 * `suffix` bytes.
 *
 * @since 0.2.0
 * @category models
 */
export type Range =
  | { readonly start: number; readonly end?: number | undefined }
  | { readonly suffix: number }

/**
 * The answer to a range read: `Partial` (206) with the range the server sent and the
 * attachment's total length when it said it, or `Full` (200) when the server ignored the
 * range and sent the whole attachment — CouchDB does for types it stores compressed
 * (`Accept-Ranges: none`), PouchDB always does. The content is not sliced: slice `Full`
 * yourself if you need only the range.
 *
 * @since 0.2.0
 * @category models
 */
export type RangeResult =
  | {
    readonly _tag: "Partial"
    readonly data: Uint8Array
    /** First byte sent. */
    readonly start: number
    /** Last byte sent (inclusive). */
    readonly end: number
    /** The attachment's length, when the server said it (`Content-Range: bytes a-b/total`). */
    readonly total: number | undefined
  }
  | { readonly _tag: "Full"; readonly data: Uint8Array }

const isIndex = (n: unknown) => typeof n === "number" && Number.isSafeInteger(n) && n >= 0

const rangeHeader = (range: Range): Either.Either<string, InvalidRequest> => {
  const invalid = (what: string) => Either.left(new InvalidRequest({ description: `Attachment.getRange: ${what}` }))
  if ("suffix" in range) {
    return isIndex(range.suffix) && range.suffix > 0
      ? Either.right(`bytes=-${range.suffix}`)
      : invalid("the suffix is not a positive integer")
  }
  if (!isIndex(range.start)) return invalid("the start is not a non-negative integer")
  if (range.end === undefined) return Either.right(`bytes=${range.start}-`)
  if (!isIndex(range.end) || range.end < range.start) return invalid("the end is not an integer at or after the start")
  return Either.right(`bytes=${range.start}-${range.end}`)
}

/**
 * Reads one byte range of an attachment (`Range`). A range beyond the end is
 * `RangeNotSatisfiable` (416). Servers may ignore the range and answer the whole
 * attachment: see `RangeResult`. For several ranges, read each one: one request per range
 * keeps each answer a plain body (several ranges in one request come back as
 * `multipart/byteranges`, which this does not ask for).
 *
 * @since 0.2.0
 * @category reads
 */
export const getRange: {
  (range: Range, options?: ReadOptions): (self: Attachment) => Effect.Effect<RangeResult, CouchError, CouchAuth>
  (self: Attachment, range: Range, options?: ReadOptions): Effect.Effect<RangeResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Attachment, range: Range, options: ReadOptions = {}) =>
    Effect.flatMap(rangeHeader(range), (header) =>
      Effect.flatMap(
        Endpoint.send(self, { method: "GET", query: { rev: options.rev }, headers: { ...accept, range: header } }),
        (response) =>
          Effect.flatMap(response.bytes, (data): Effect.Effect<RangeResult, DecodeError> => {
            if (response.status !== 206) return Effect.succeed({ _tag: "Full", data })
            const match = /^bytes\s+(\d+)-(\d+)\/(\d+|\*)$/.exec((response.headers["content-range"] ?? "").trim())
            if (match === null || Multipart.mediaType(response.headers["content-type"]) === "multipart/byteranges") {
              return Effect.fail(decodeError(response, "a 206 answer without a single Content-Range"))
            }
            const [, start, end, total] = match
            return Effect.succeed({
              _tag: "Partial",
              data,
              start: Number(start),
              end: Number(end),
              total: total === "*" ? undefined : Number(total)
            })
          })
      ))
)

/**
 * Options of an attachment upload.
 *
 * @since 0.2.0
 * @category models
 */
export interface PutOptions {
  /** The content type stored with the attachment (CouchDB stores compressible types gzipped). */
  readonly contentType: string
  /** The document's current revision; leave it out only to create the document with this attachment. */
  readonly rev?: string | undefined
  /** A stream's exact length: sent as `Content-Length` (otherwise the stream is sent chunked). */
  readonly length?: number | undefined
}

/**
 * Uploads an attachment from bytes or a stream (read as the connection takes it, never
 * gathered in memory). Without `rev` it creates the document holding it (a document that
 * exists needs its current `rev`, or it is a `Conflict`). Answers the document's new
 * revision.
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { Attachment, CouchClient, Database } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const note = Database.attachment((yield* CouchClient.CouchClient).database("notes"), "n1", "note.txt")
 *   const { rev } = yield* Attachment.put(note, new TextEncoder().encode("hello"), { contentType: "text/plain" })
 *   return yield* Attachment.remove(note, { rev })
 * })
 * ```
 */
export const put: {
  (
    data: Uint8Array | Stream.Stream<Uint8Array, CouchError>,
    options: PutOptions
  ): (self: Attachment) => Effect.Effect<WriteResult, CouchError, CouchAuth>
  (
    self: Attachment,
    data: Uint8Array | Stream.Stream<Uint8Array, CouchError>,
    options: PutOptions
  ): Effect.Effect<WriteResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Attachment, data: Uint8Array | Stream.Stream<Uint8Array, CouchError>, options: PutOptions) => {
    const invalid = (what: string) => Effect.fail(new InvalidRequest({ description: `Attachment.put: ${what}` }))
    if (options.contentType === "" || Path.invalidHeader("content-type", options.contentType) !== undefined) {
      return invalid("the content type is empty or not valid header text")
    }
    if (options.length !== undefined && !isIndex(options.length)) {
      return invalid("the length is not a non-negative integer")
    }
    if (data instanceof Uint8Array && options.length !== undefined && options.length !== data.length) {
      return invalid(`the data is ${data.length} bytes, not ${options.length}`)
    }
    const query: Record<string, QueryValue> = { rev: options.rev }
    const body = data instanceof Uint8Array || options.length === undefined
      ? data
      : Multipart.exactly(data, options.length, `attachment ${JSON.stringify(self.name)}`)
    return Effect.flatMap(
      Endpoint.send(self, {
        method: "PUT",
        query,
        body,
        contentType: options.contentType,
        contentLength: data instanceof Uint8Array ? undefined : options.length
      }),
      Endpoint.json(WriteResult)
    )
  }
)

/**
 * Deletes an attachment. The document's revision is required (a stale one is a
 * `Conflict`); answers the document's new revision.
 *
 * @since 0.2.0
 * @category writes
 */
export const remove: Handle.OperationWith<Attachment, { readonly rev: string }, WriteResult> = Endpoint.makeWith(
  (_, options: { readonly rev: string }) =>
    options.rev === ""
      ? Either.left(new InvalidRequest({ description: "Attachment.remove: the revision is empty" }))
      : Either.right({ method: "DELETE", query: { rev: options.rev } }),
  Endpoint.json(WriteResult)
)

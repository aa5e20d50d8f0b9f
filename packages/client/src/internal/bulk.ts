/**
 * The wire side of `Bulk`: `_bulk_docs` bodies, whole or streamed from a `Stream` of
 * documents, and hand-checked decoders of the `_bulk_docs` and `_bulk_get` answers.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import type * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { GetFailure, MultipartRevision, Revision, SaveResult } from "../Bulk.js"
import type { CouchResponse } from "../CouchClient.js"
import { type CouchError, DecodeError, InvalidRequest } from "../CouchError.js"
import { Meta, type Stored } from "../Document.js"
import type { JsonObject } from "../Json.js"
import * as internalDocument from "./document.js"
import * as Json from "./json.js"
import * as Multipart from "./multipart.js"
import * as RowShape from "./rowShape.js"

/** The body options of `_bulk_docs`, with CouchDB's names. @internal */
export interface BodyOptions {
  readonly new_edits?: boolean | undefined
  readonly all_or_nothing?: boolean | undefined
}

/**
 * True when `JSON.stringify(value)` writes exactly `value`: no value JSON drops or changes
 * silently (a function, a symbol, `NaN`), no `toJSON`, no cycle. A value this declines is
 * serialised by `Json.stringify`, which names what is wrong; it is exact but some 20 times
 * slower, which matters at 100,000 documents per request.
 */
const plain = (value: unknown, depth: number): boolean => {
  switch (typeof value) {
    case "string":
    case "boolean":
    case "undefined":
      return true
    case "number":
      return Number.isFinite(value)
    case "object": {
      if (value === null) return true
      // Deep nesting (or a cycle) and `toJSON` take the exact path.
      if (depth > 64 || ("toJSON" in value && typeof value.toJSON === "function")) return false
      if (Array.isArray(value)) {
        for (const item of value) if (!plain(item, depth + 1)) return false
        return true
      }
      for (const key in value) {
        if (Object.prototype.hasOwnProperty.call(value, key) && !plain(Reflect.get(value, key), depth + 1)) {
          return false
        }
      }
      return true
    }
    default:
      return false
  }
}

const stringify = (value: unknown, what: string): Either.Either<string, InvalidRequest> => {
  if (plain(value, 0)) {
    try {
      const text = JSON.stringify(value)
      if (text !== undefined) return Either.right(text)
    } catch {
      // A getter threw: the exact path reports it.
    }
  }
  return Json.stringify(value, what)
}

const described = (index: number, id: string | undefined) =>
  id === undefined ? `the document at index ${index}` : `the document at index ${index} (${JSON.stringify(id)})`

/**
 * One document of a `_bulk_docs` body as JSON text: encoded with `schema` (write metadata
 * kept, as `Document.put` does), or as it is. A failure names the document's index.
 *
 * @internal
 */
export const encodeDocument = <A, I>(
  schema: Schema.Schema<A, I, never> | undefined,
  value: unknown,
  index: number,
  operation = "Bulk.save"
): Either.Either<string, InvalidRequest> => {
  const id = Predicate.isRecord(value) && typeof value._id === "string" ? value._id : undefined
  const encoded = internalDocument.encode(schema, value, id)
  if (Either.isLeft(encoded)) {
    return Either.left(
      new InvalidRequest({ description: `${operation}: ${encoded.left.description} (index ${index})` })
    )
  }
  return stringify(encoded.right, `${operation}: ${described(index, id)}`)
}

/** `{"new_edits":…,"all_or_nothing":…,"docs":[`: the options first, so the documents can stream. */
const head = (options: BodyOptions): string => {
  let text = "{"
  if (options.new_edits !== undefined) text += `"new_edits":${options.new_edits === true},`
  if (options.all_or_nothing !== undefined) text += `"all_or_nothing":${options.all_or_nothing === true},`
  return `${text}"docs":[`
}

const tail = "]}"

const empty = new Uint8Array(0)

/**
 * The whole `_bulk_docs` body of `docs`, every document encoded before anything is sent.
 * An encoding failure names the document's index, counted from `firstIndex`.
 *
 * @internal
 */
export const wholeBody = <A, I>(
  schema: Schema.Schema<A, I, never> | undefined,
  docs: Iterable<unknown>,
  options: BodyOptions,
  firstIndex = 0,
  operation = "Bulk.save"
): Either.Either<string, InvalidRequest> => {
  const parts: Array<string> = []
  let index = firstIndex
  for (const doc of docs) {
    const json = encodeDocument(schema, doc, index++, operation)
    if (Either.isLeft(json)) return Either.left(json.left)
    parts.push(json.right)
  }
  return Either.right(head(options) + parts.join(",") + tail)
}

/**
 * The `_bulk_docs` body of a stream of documents, encoded one chunk of documents at a time as
 * the transport pulls it (so with its backpressure). A failure — a document that cannot be
 * encoded, or the stream's own — is handed to `failed`, and the body then never ends: the
 * caller races the request against `failed` and so aborts the request, which CouchDB (it
 * reads the whole body before it writes anything) answers by writing nothing. Failing the
 * body stream instead would let some transports end the request body normally.
 *
 * @internal
 */
export const streamedBody = <A, I, E, R>(
  schema: Schema.Schema<A, I, never> | undefined,
  docs: Stream.Stream<unknown, E, R>,
  options: BodyOptions,
  failed: Deferred.Deferred<never, E | InvalidRequest>,
  context: Context.Context<R>
): Stream.Stream<Uint8Array> =>
  Stream.suspend(() => {
    const encoder = new TextEncoder()
    let index = 0
    const encodeChunk = (chunk: Chunk.Chunk<unknown>): Either.Either<Chunk.Chunk<Uint8Array>, InvalidRequest> => {
      let text = ""
      for (const doc of chunk) {
        const json = encodeDocument(schema, doc, index)
        if (Either.isLeft(json)) return Either.left(json.left)
        text += index === 0 ? json.right : `,${json.right}`
        index++
      }
      // The empty second item is for @effect/platform-node's node:http client (0.108), which
      // waits for `drain` only between the items of a chunk, never after the last one: without
      // it that transport would read the whole stream ahead of the socket. Every transport
      // skips an empty write.
      return Either.right(text === "" ? Chunk.empty() : Chunk.make(encoder.encode(text), empty))
    }
    return Stream.make(encoder.encode(head(options))).pipe(
      Stream.concat(Stream.mapChunksEffect(docs, encodeChunk)),
      Stream.concat(Stream.sync(() => encoder.encode(tail))),
      Stream.catchAll((error) => Stream.fromEffect(Effect.zipRight(Deferred.fail(failed, error), Effect.never))),
      Stream.provideContext(context)
    )
  })

const decodeError = (response: CouchResponse, description: string, documentId?: string) =>
  new DecodeError({
    method: response.method,
    url: response.url,
    description,
    ...(documentId !== undefined ? { documentId } : {})
  }, { disableValidation: true })

/**
 * One `_bulk_docs` result as `SaveResult` decodes it, or `mismatch` (the caller then decodes
 * with the Schema, which also writes the error).
 *
 * @internal
 */
export const saveResult = (value: unknown): SaveResult | RowShape.Mismatch => {
  if (!Predicate.isRecord(value)) return RowShape.mismatch
  const { error, id, reason, rev } = value
  if (typeof id !== "string") return RowShape.mismatch
  if (value.ok === true) return typeof rev === "string" ? { ok: true, id, rev } : RowShape.mismatch
  if (value.ok !== undefined || typeof error !== "string" || typeof reason !== "string") return RowShape.mismatch
  if (rev === undefined) return { id, error, reason }
  return typeof rev === "string" ? { id, rev, error, reason } : RowShape.mismatch
}

/**
 * A `_bulk_get` error as `GetFailure`: CouchDB's `"rev":"undefined"` (no revision was
 * asked for) and `"rev":null` are left out; a missing `id` is the result's.
 */
const failure = (error: Record<string, unknown>, id: string | undefined): GetFailure | undefined => {
  if (typeof error.error !== "string" || typeof error.reason !== "string") return undefined
  const ownId = typeof error.id === "string" ? error.id : id
  const rev = typeof error.rev === "string" && error.rev !== "undefined" ? error.rev : undefined
  return {
    ...(ownId !== undefined ? { id: ownId } : {}),
    ...(rev !== undefined ? { rev } : {}),
    error: error.error,
    reason: error.reason
  }
}

/** PouchDB's missing document (`{}`) and missing revision (`{"missing":rev}`), as CouchDB's error. */
const missing = (id: string | undefined, rev: string | undefined): GetFailure => ({
  ...(id !== undefined ? { id } : {}),
  ...(rev !== undefined ? { rev } : {}),
  error: "not_found",
  reason: "missing"
})

type Decode<A> = (response: CouchResponse, body: unknown) => Either.Either<Stored<A>, DecodeError>

/** @internal */
export interface Decoders<A> {
  readonly live: Decode<A>
  readonly deleted: Decode<JsonObject>
}

/**
 * The decoders of the revisions `_bulk_get` sends: live ones with the document Schema,
 * deleted ones (`_deleted: true`) with the metadata alone.
 *
 * @internal
 */
export const revisionDecoders = <A, I>(schema: Schema.Schema<A, I, never> | undefined): Decoders<A> => ({
  live: internalDocument.decoder(Meta, schema),
  // Without a Schema a document is its whole JSON body, which `JsonObject` describes.
  deleted: internalDocument.decoder<JsonObject, JsonObject, typeof Meta.Type, typeof Meta.Encoded>(Meta, undefined)
})

const revision = <A>(
  response: CouchResponse,
  decoders: Decoders<A>,
  id: string | undefined,
  entry: unknown
): Either.Either<Revision<A>, DecodeError> => {
  if (!Predicate.isRecord(entry)) return Either.left(decodeError(response, "a _bulk_get entry is not an object", id))
  const doc = entry.ok
  if (Predicate.isRecord(doc)) {
    return doc._deleted === true
      ? Either.map(decoders.deleted(response, doc), (deleted) => ({ deleted }))
      : Either.map(decoders.live(response, doc), (ok) => ({ ok }))
  }
  if (Predicate.isRecord(entry.error)) {
    const error = failure(entry.error, id)
    return error === undefined
      ? Either.left(decodeError(response, "a _bulk_get error has no error or reason", id))
      : Either.right({ error })
  }
  if (typeof entry.missing === "string") return Either.right({ error: missing(id, entry.missing) })
  if (Object.keys(entry).length === 0) return Either.right({ error: missing(id, undefined) })
  return Either.left(decodeError(response, "a _bulk_get entry is neither ok, error nor missing", id))
}

/**
 * The decoder of one element of `_bulk_get`'s `results`: `{ id, docs: [entry, …] }`.
 *
 * @internal
 */
export const getResult = <A>(
  response: CouchResponse,
  decoders: Decoders<A>
) =>
(value: unknown): Either.Either<{ readonly id: string; readonly docs: ReadonlyArray<Revision<A>> }, DecodeError> => {
  if (!Predicate.isRecord(value) || typeof value.id !== "string" || !Array.isArray(value.docs)) {
    return Either.left(decodeError(response, "a _bulk_get result is not { id, docs: [...] }"))
  }
  const id = value.id
  const docs: Array<Revision<A>> = []
  for (const entry of value.docs) {
    const decoded = revision(response, decoders, id, entry)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    docs.push(decoded.right)
  }
  return Either.right({ id, docs })
}

const utf8 = new TextDecoder()

const parseJson = (response: CouchResponse, bytes: Uint8Array): Either.Either<unknown, DecodeError> => {
  try {
    return Either.right(JSON.parse(utf8.decode(bytes)))
  } catch (error) {
    return Either.left(decodeError(response, `a multipart part is not JSON: ${String(error)}`))
  }
}

/** A document part that is itself `multipart/related`: the document, then its attachments. */
const relatedRevision = <A>(
  response: CouchResponse,
  decoders: Decoders<A>,
  part: Multipart.Part,
  contentType: string
): Effect.Effect<MultipartRevision<A>, CouchError> =>
  Effect.flatMap(
    Multipart.partsOf(contentType, part.body, (description) => decodeError(response, description)),
    ([first, ...attachments]): Either.Either<MultipartRevision<A>, DecodeError> => {
      if (first === undefined) return Either.left(decodeError(response, "a multipart/related part has no document"))
      return Either.flatMap(
        parseJson(response, first.body),
        (doc): Either.Either<MultipartRevision<A>, DecodeError> => {
          const decoded = revision(response, decoders, undefined, { ok: doc })
          if (Either.isLeft(decoded)) return Either.left(decoded.left)
          const entry = decoded.right
          if (!("ok" in entry)) return Either.right(entry)
          // Attachment parts are named by `Content-Disposition`; CouchDB sends them in the
          // order of `_attachments`, which names those that `follows`.
          const stubs = entry.ok._attachments ?? {}
          const following = Object.keys(stubs).filter((name) => stubs[name]?.follows === true)
          const bytes = new Map<string, Uint8Array>()
          for (const [i, attachment] of attachments.entries()) {
            const name = Multipart.partFilename(attachment) ?? following[i]
            if (name === undefined) {
              return Either.left(decodeError(response, "an attachment part has no name", entry.ok._id))
            }
            bytes.set(name, attachment.body)
          }
          return Either.right({ ok: entry.ok, attachments: bytes })
        }
      )
    }
  )

const noAttachments: ReadonlyMap<string, Uint8Array> = new Map()

/** An error part holds CouchDB's error object, or `{"missing":rev}` as `open_revs` sends it. */
const errorEntry = (json: unknown): unknown => Predicate.hasProperty(json, "missing") ? json : { error: json }

/**
 * One part of a `multipart/mixed` `_bulk_get` answer as a revision: a JSON part is a
 * revision, a part with `error="true"` an error, a `multipart/related` part a document with
 * its attachments.
 *
 * @internal
 */
export const multipartRevision = <A>(
  response: CouchResponse,
  decoders: Decoders<A>,
  part: Multipart.Part
): Effect.Effect<MultipartRevision<A>, CouchError> => {
  const contentType = part.headers["content-type"] ?? "application/json"
  if (Multipart.mediaType(contentType).startsWith("multipart/")) {
    return relatedRevision(response, decoders, part, contentType)
  }
  const isError = Multipart.parameter(contentType, "error") === "true"
  return Either.flatMap(parseJson(response, part.body), (json) =>
    Either.map(
      revision(response, decoders, undefined, isError ? errorEntry(json) : { ok: json }),
      (entry): MultipartRevision<A> => ("ok" in entry ? { ok: entry.ok, attachments: noAttachments } : entry)
    ))
}

/**
 * The revisions of a JSON `_bulk_get` answer (`{"results":[…]}`), flattened as
 * `multipartRevision` gives them, for servers that answer JSON to `multipart/mixed`.
 *
 * @internal
 */
export const jsonRevisions = <A>(
  response: CouchResponse,
  decoders: Decoders<A>,
  body: unknown
): Either.Either<ReadonlyArray<MultipartRevision<A>>, DecodeError> => {
  const results = Predicate.isRecord(body) ? body.results : undefined
  if (!Array.isArray(results)) return Either.left(decodeError(response, "the _bulk_get answer has no results"))
  const decode = getResult(response, decoders)
  const out: Array<MultipartRevision<A>> = []
  for (const result of results) {
    const decoded = decode(result)
    if (Either.isLeft(decoded)) return Either.left(decoded.left)
    for (const doc of decoded.right.docs) out.push("ok" in doc ? { ok: doc.ok, attachments: noAttachments } : doc)
  }
  return Either.right(out)
}

/**
 * Bulk reads and writes: many documents in one request, typed with your Schema both ways.
 *
 * - `save` (`POST /{db}/_bulk_docs`) writes an array or a `Stream` of documents. A `Stream`
 *   is encoded and sent as the transport pulls it, so a request of any size holds only a
 *   chunk of documents in memory. Each document gets its own result, success or failure:
 *   CouchDB answers 201 even when some documents fail (a conflict, a `validate_doc_update`
 *   rejection). `saveStream` hands the results over as they are read.
 * - `writer` turns a `Stream` of documents of any length into the `Stream` of their results,
 *   in input order, sending `_bulk_docs` batches a few at a time.
 * - `get` (`POST /{db}/_bulk_get`) reads many documents or revisions at once, each result
 *   typed: a document, a deleted revision, or an error. `getMultipart` asks for
 *   `multipart/mixed`, where attachments come as bytes instead of base64.
 *
 * @since 0.2.0
 */
import * as Chunk from "effect/Chunk"
import * as Deferred from "effect/Deferred"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchResponse } from "./CouchClient.js"
import type { CouchError, InvalidRequest } from "./CouchError.js"
import type { Database } from "./Database.js"
import * as Document from "./Document.js"
import * as ArrayFramer from "./internal/arrayFramer.js"
import * as internalBulk from "./internal/bulk.js"
import * as internalWriter from "./internal/bulkWriter.js"
import * as Endpoint from "./internal/endpoint.js"
import * as Feed from "./internal/feed.js"
import * as Multipart from "./internal/multipart.js"
import type { JsonObject } from "./Json.js"

/**
 * The documents of a bulk write: an array (any `Iterable`), encoded whole before anything is
 * sent, or a `Stream`, encoded and sent as the transport pulls it.
 *
 * @since 0.2.0
 * @category models
 */
export type Documents<A, E = never, R = never> = Iterable<A> | Stream.Stream<A, E, R>

/**
 * Options of `_bulk_docs`, with CouchDB's names (they go in the request body).
 *
 * @since 0.2.0
 * @category models
 */
export interface SaveOptions {
  /**
   * `false` stores each document's `_rev` (and `_revisions`) as given instead of making a new
   * revision, as replication does; a document then needs a `_rev`. CouchDB then answers only
   * the documents it could not store, usually none (`[]`).
   */
  readonly new_edits?: boolean | undefined
  /**
   * CouchDB 1.x: store every document (conflicts included) or, if one fails validation,
   * none (a 417 `ExpectationFailed`). CouchDB 2 and later no longer document it; what they
   * do with it is theirs.
   */
  readonly all_or_nothing?: boolean | undefined
}

/**
 * The options of a bulk write with a document Schema.
 *
 * @since 0.2.0
 * @category models
 */
export interface SaveOptionsWith<A, I> extends SaveOptions {
  /** Encodes each document's own fields; its write metadata (`_id`, `_rev`, `_deleted`, …) is sent along. */
  readonly schema: Schema.Schema<A, I, never>
}

/**
 * A document `_bulk_docs` did not write: `error` is CouchDB's (`conflict`, `forbidden`,
 * `unauthorized`, …) and `reason` its message.
 *
 * @since 0.2.0
 * @category schemas
 */
export const WriteFailure = Schema.Struct({
  id: Schema.String,
  /** The revision concerned, when CouchDB names one (e.g. with `new_edits: false`). */
  rev: Schema.optional(Schema.String),
  error: Schema.String,
  reason: Schema.String
})

/**
 * @since 0.2.0
 * @category models
 */
export interface WriteFailure extends Schema.Schema.Type<typeof WriteFailure> {}

/**
 * The result of one document of a bulk write: written (`{ ok: true, id, rev }`) or not
 * (`{ id, error, reason }`). Tell them apart with `"ok" in result` or `"error" in result`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SaveResult: Schema.Union<[typeof Document.WriteResult, typeof WriteFailure]> = Schema.Union(
  Document.WriteResult,
  WriteFailure
)

/**
 * @since 0.2.0
 * @category models
 */
export type SaveResult = Document.WriteResult | WriteFailure

const isStream = (u: unknown): u is Stream.Stream<unknown, unknown, unknown> =>
  Predicate.hasProperty(u, Stream.StreamTypeId)

type SaveOptionsAny = SaveOptions & { readonly schema?: Schema.Schema<unknown, unknown, never> | undefined }

const sendDocs = <E, R>(
  self: Database,
  docs: Documents<unknown, E, R>,
  options: SaveOptionsAny
): Effect.Effect<CouchResponse, CouchError | E, CouchAuth | R> => {
  const request = (body: string | Stream.Stream<Uint8Array>, count?: number) =>
    Endpoint.send(self, {
      method: "POST",
      path: ["_bulk_docs"],
      body,
      contentType: "application/json",
      // A streamed body's size is unknown when the span starts.
      ...(count !== undefined ? { spanAttributes: { "db.operation.batch.size": count } } : {})
    })
  if (!isStream(docs)) {
    const list = Array.from(docs)
    return Effect.flatMap(internalBulk.wholeBody(options.schema, list, options), (body) => request(body, list.length))
  }
  // A `Stream` with its own `E` and `R`: `isStream` only checked that it is one.
  const stream = docs as Stream.Stream<unknown, E, R>
  return Effect.flatMap(
    Effect.zip(Deferred.make<never, E | InvalidRequest>(), Effect.context<R>()),
    ([failed, context]) =>
      // The body never ends once it failed: the failure wins the race and aborts the request.
      Effect.raceFirst(
        request(internalBulk.streamedBody(options.schema, stream, options, failed, context)),
        Deferred.await(failed)
      )
  )
}

const saveResults = (
  response: CouchResponse
): Effect.Effect<Stream.Stream<SaveResult, CouchError>, CouchError, Scope.Scope> =>
  Feed.parse(response, ArrayFramer.make(response, Feed.decoder(response, SaveResult, internalBulk.saveResult)))

/**
 * Writes many documents in one request (`POST /{db}/_bulk_docs`) and answers one result per
 * document, in the order sent: `{ ok: true, id, rev }` or `{ id, error, reason }` (a
 * conflict, a rejection by `validate_doc_update`). To update or delete, give a document its
 * `_rev` (and `_deleted: true`); without an `_id` CouchDB assigns one.
 *
 * `docs` is an array, or a `Stream` sent as it is pulled, in bounded memory. With
 * `options.schema` each document is encoded by it, its write metadata kept, as
 * `Document.put` does. A document that cannot be encoded (or a failing `Stream`) fails the
 * whole call with an `InvalidRequest` (or the stream's error) and nothing is written: an
 * array is checked before anything is sent, and a streamed request is aborted before its
 * body ends (CouchDB reads the whole body before it writes). A document too large for the
 * server fails the whole request as well (413 `RequestEntityTooLarge`).
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { Bulk, CouchClient } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number })
 *
 * const program = Effect.gen(function*() {
 *   const orders = (yield* CouchClient.CouchClient).database("orders")
 *   const docs = Stream.range(1, 100_000).pipe(
 *     Stream.map((i) => ({ _id: `o${i}`, customer: "ada", total: i }))
 *   )
 *   const results = yield* Bulk.save(orders, docs, { schema: Order })
 *   return results.filter((result) => "error" in result)
 * })
 * ```
 */
export const save: {
  <A, I, E = never, R = never>(
    docs: Documents<A & Document.WriteMeta, E, R>,
    options: SaveOptionsWith<A, I>
  ): (self: Database) => Effect.Effect<ReadonlyArray<SaveResult>, CouchError | E, CouchAuth | R>
  <E = never, R = never>(
    docs: Documents<JsonObject, E, R>,
    options?: SaveOptions
  ): (self: Database) => Effect.Effect<ReadonlyArray<SaveResult>, CouchError | E, CouchAuth | R>
  <A, I, E = never, R = never>(
    self: Database,
    docs: Documents<A & Document.WriteMeta, E, R>,
    options: SaveOptionsWith<A, I>
  ): Effect.Effect<ReadonlyArray<SaveResult>, CouchError | E, CouchAuth | R>
  <E = never, R = never>(
    self: Database,
    docs: Documents<JsonObject, E, R>,
    options?: SaveOptions
  ): Effect.Effect<ReadonlyArray<SaveResult>, CouchError | E, CouchAuth | R>
} = dual(
  Endpoint.isDataFirst,
  <E, R>(self: Database, docs: Documents<unknown, E, R>, options: SaveOptionsAny = {}) =>
    Effect.scoped(
      Effect.flatMap(
        Effect.flatMap(sendDocs(self, docs, options), saveResults),
        (results) => Effect.map(Stream.runCollect(results), Chunk.toReadonlyArray)
      )
    )
)

/**
 * `save`, with the results as a `Stream` read as it is pulled: for writes so large that
 * their results should not be held at once. The request is sent when the stream starts.
 *
 * @since 0.2.0
 * @category streams
 */
export const saveStream: {
  <A, I, E = never, R = never>(
    docs: Documents<A & Document.WriteMeta, E, R>,
    options: SaveOptionsWith<A, I>
  ): (self: Database) => Stream.Stream<SaveResult, CouchError | E, CouchAuth | R>
  <E = never, R = never>(
    docs: Documents<JsonObject, E, R>,
    options?: SaveOptions
  ): (self: Database) => Stream.Stream<SaveResult, CouchError | E, CouchAuth | R>
  <A, I, E = never, R = never>(
    self: Database,
    docs: Documents<A & Document.WriteMeta, E, R>,
    options: SaveOptionsWith<A, I>
  ): Stream.Stream<SaveResult, CouchError | E, CouchAuth | R>
  <E = never, R = never>(
    self: Database,
    docs: Documents<JsonObject, E, R>,
    options?: SaveOptions
  ): Stream.Stream<SaveResult, CouchError | E, CouchAuth | R>
} = dual(
  Endpoint.isDataFirst,
  <E, R>(self: Database, docs: Documents<unknown, E, R>, options: SaveOptionsAny = {}) =>
    Stream.unwrapScoped(Effect.flatMap(sendDocs(self, docs, options), saveResults))
)

/**
 * Options of `writer`.
 *
 * @since 0.2.0
 * @category models
 */
export interface WriterOptions {
  /** Documents per `_bulk_docs` request (default 500). */
  readonly batchSize?: number | undefined
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number | undefined
  /**
   * The longest the documents received wait for their batch to fill before they are sent
   * anyway: for a slow or endless source (a changes feed). Without it a batch is sent once
   * full or when the stream ends.
   */
  readonly maxWait?: Duration.DurationInput | undefined
}

/**
 * The options of `writer` with a document Schema.
 *
 * @since 0.2.0
 * @category models
 */
export interface WriterOptionsWith<A, I> extends WriterOptions {
  /** Encodes each document's own fields; its write metadata (`_id`, `_rev`, `_deleted`, …) is sent along. */
  readonly schema: Schema.Schema<A, I, never>
}

/**
 * A document that went through `writer`, with its result: written (`"ok" in result`) or not
 * (`"error" in result`: `conflict`, `forbidden`, …, with CouchDB's `reason`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Written<D> {
  /** The document's position in the input stream, from 0. */
  readonly index: number
  /** The document as it was given. */
  readonly document: D
  readonly result: SaveResult
}

/**
 * A bulk writer: turns a `Stream` of documents into the `Stream` of their results
 * (`Written`), one per document, in input order, so nothing is lost silently. Documents are
 * sent in `_bulk_docs` batches of `batchSize` (default 500), `concurrency` requests at a time
 * (default 4); memory holds a few batches, however long the stream.
 *
 * A document CouchDB did not write (a conflict, a `validate_doc_update` rejection) is a
 * result, paired with the document and its index: act on it and go on. What fails the
 * stream is typed:
 *
 * - A failed request (a `TransportError`, an error status such as 503 or 413, an answer
 *   that does not match the batch) fails the stream with its `CouchError` at the batch's
 *   place: every result before it has been emitted. The documents from the first one
 *   without a result on (its index is the number of results received) are unconfirmed:
 *   some may be written, so write them again with their `_id` and read a `conflict` as
 *   "already there". The requests in flight after the failed one are interrupted.
 * - A failed batch is resent only if the client's retry policy says so: with `retry: {
 *   writes: true }` when every document of the batch has an `_id` (like a PUT, it cannot
 *   create a document twice; a document whose first attempt was written then reports
 *   `conflict`), with `allMethods: true` always. By default it is not resent.
 * - A document that cannot be encoded fails the stream with an `InvalidRequest` naming its
 *   index before its batch is sent; so does a `batchSize` or `concurrency` that is not a
 *   positive integer, before any request. The input stream's own error fails it too.
 *
 * The writer does not take `new_edits: false` (CouchDB then answers only the failures, which
 * cannot be paired with documents): use `save` for replication-style writes.
 *
 * @since 0.2.0
 * @category streams
 * @example
 * ```ts
 * import { Bulk, CouchClient } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number })
 *
 * const program = Effect.gen(function*() {
 *   const orders = (yield* CouchClient.CouchClient).database("orders")
 *   const docs = Stream.range(1, 100_000).pipe(
 *     Stream.map((i) => ({ _id: `o${i}`, customer: "ada", total: i }))
 *   )
 *   // The documents CouchDB refused, with their index and reason.
 *   return yield* docs.pipe(
 *     Bulk.writer(orders, { schema: Order, batchSize: 1_000 }),
 *     Stream.filter((written) => "error" in written.result),
 *     Stream.runCollect
 *   )
 * })
 * ```
 */
export const writer: {
  <A, I>(
    self: Database,
    options: WriterOptionsWith<A, I>
  ): <D extends A & Document.WriteMeta, E = never, R = never>(
    docs: Stream.Stream<D, E, R>
  ) => Stream.Stream<Written<D>, CouchError | E, CouchAuth | R>
  (
    self: Database,
    options?: WriterOptions
  ): <D extends JsonObject, E = never, R = never>(
    docs: Stream.Stream<D, E, R>
  ) => Stream.Stream<Written<D>, CouchError | E, CouchAuth | R>
} =
  (self: Database, options: WriterOptions & { readonly schema?: Schema.Schema<unknown, unknown, never> } = {}) =>
  <D, E, R>(docs: Stream.Stream<D, E, R>) =>
    internalWriter.write(self, docs, {
      batchSize: options.batchSize ?? 500,
      concurrency: options.concurrency ?? 4,
      maxWait: options.maxWait,
      schema: options.schema,
      results: SaveResult
    })

/**
 * One document (or revision) to read with `get`: its `id`, a `rev` (all leaf revisions
 * without one, conflicts included), and `atts_since` (with it, the attachments added since
 * those revisions come inline).
 *
 * @since 0.2.0
 * @category models
 */
export interface GetRequest {
  readonly id: string
  readonly rev?: string | undefined
  readonly atts_since?: ReadonlyArray<string> | undefined
}

/**
 * Query options of `_bulk_get`, with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface GetOptions {
  /** Add `_revisions`, each revision's history. */
  readonly revs?: boolean | undefined
  /** With a `rev`: the latest leaf descending from it instead. */
  readonly latest?: boolean | undefined
  /** Inline every attachment's data (base64 in JSON, bytes with `getMultipart`). */
  readonly attachments?: boolean | undefined
}

/**
 * The options of a bulk read with a document Schema.
 *
 * @since 0.2.0
 * @category models
 */
export interface GetOptionsWith<A, I> extends GetOptions {
  /** Decodes each live revision's own fields; the metadata is added to the result. */
  readonly schema: Schema.Schema<A, I, never>
}

/**
 * A revision `_bulk_get` could not read. A missing document or revision is `error:
 * "not_found"`, `reason: "missing"`; `rev` is the revision asked for, absent when none was
 * (CouchDB writes `"undefined"` there). `id` is absent only in `getMultipart`'s answer to a
 * missing revision of an existing document, where CouchDB leaves it out.
 *
 * @since 0.2.0
 * @category schemas
 */
export const GetFailure = Schema.Struct({
  id: Schema.optional(Schema.String),
  rev: Schema.optional(Schema.String),
  error: Schema.String,
  reason: Schema.String
})

/**
 * @since 0.2.0
 * @category models
 */
export interface GetFailure extends Schema.Schema.Type<typeof GetFailure> {}

/**
 * One revision in a `_bulk_get` answer: a document (`ok`, decoded with your Schema), a
 * deleted revision (`deleted`: CouchDB sends it as `ok` with `_deleted: true`; it carries
 * the metadata and whatever fields it kept, and is never decoded with your Schema), or an
 * `error`.
 *
 * @since 0.2.0
 * @category models
 */
export type Revision<A> =
  | { readonly ok: Document.Stored<A> }
  | { readonly deleted: Document.Stored<JsonObject> }
  | { readonly error: GetFailure }

/**
 * The answer for one requested `id`: its revisions (one per leaf when no `rev` was asked
 * for, so several for a conflicted document).
 *
 * CouchDB answers once per request, in the order asked. pouchdb-server (the embedded test
 * server) does not: it answers once per distinct id, requests for the same id merged, in its
 * own order, a missing document as `{}` and a missing revision as `{"missing": rev}` — both
 * become the `not_found` error CouchDB sends (so does a deleted document, which CouchDB
 * answers with its deleted leaf). Match results by `id`, not by position, if the server may
 * be pouchdb-server.
 *
 * @since 0.2.0
 * @category models
 */
export interface GetResult<A> {
  readonly id: string
  readonly docs: ReadonlyArray<Revision<A>>
}

type GetOptionsAny = GetOptions & { readonly schema?: Schema.Schema<unknown, unknown, never> | undefined }

const getRequest = (requests: ReadonlyArray<GetRequest>, options: GetOptionsAny): Endpoint.Request => ({
  method: "POST",
  path: ["_bulk_get"],
  query: Endpoint.pick(options, ["revs", "latest", "attachments"]),
  json: { docs: requests.map((request) => ({ id: request.id, rev: request.rev, atts_since: request.atts_since })) },
  spanAttributes: { "db.operation.batch.size": requests.length }
})

const getResults = <A>(
  self: Database,
  requests: ReadonlyArray<GetRequest>,
  options: GetOptionsAny
): Stream.Stream<GetResult<A>, CouchError, CouchAuth> =>
  // pouchdb-server never answers a `_bulk_get` without documents; CouchDB's answer is empty.
  requests.length === 0 ? Stream.empty : Stream.unwrapScoped(
    Effect.flatMap(Endpoint.send(self, getRequest(requests, options)), (response) => {
      // The overloads tie `A` to `options.schema`; `GetOptionsAny` has lost that link.
      const decoders = internalBulk.revisionDecoders(options.schema as Schema.Schema<A, unknown, never> | undefined)
      return Feed.parse(
        response,
        Feed.framed(response, "results", internalBulk.getResult(response, decoders), () => {})
      )
    })
  )

/**
 * Reads many documents or revisions in one request (`POST /{db}/_bulk_get`): one result per
 * request, each with its revisions (see `Revision`). Live revisions are decoded with
 * `options.schema` when given (otherwise `JsonObject`); a revision that does not match it
 * fails the call with a `DecodeError`, as `Document.get` does. No request, no I/O: `[]`.
 *
 * @since 0.2.0
 * @category reads
 * @example
 * ```ts
 * import { Bulk, CouchClient } from "@effect-couchdb/client"
 * import { Effect, Schema } from "effect"
 *
 * const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number })
 *
 * const program = Effect.gen(function*() {
 *   const orders = (yield* CouchClient.CouchClient).database("orders")
 *   const results = yield* Bulk.get(orders, [{ id: "o1" }, { id: "o2" }], { schema: Order })
 *   return results.flatMap((result) => result.docs.flatMap((doc) => ("ok" in doc ? [doc.ok.total] : [])))
 * })
 * ```
 */
export const get: {
  <A, I>(
    requests: ReadonlyArray<GetRequest>,
    options: GetOptionsWith<A, I>
  ): (self: Database) => Effect.Effect<ReadonlyArray<GetResult<A>>, CouchError, CouchAuth>
  (
    requests: ReadonlyArray<GetRequest>,
    options?: GetOptions
  ): (self: Database) => Effect.Effect<ReadonlyArray<GetResult<JsonObject>>, CouchError, CouchAuth>
  <A, I>(
    self: Database,
    requests: ReadonlyArray<GetRequest>,
    options: GetOptionsWith<A, I>
  ): Effect.Effect<ReadonlyArray<GetResult<A>>, CouchError, CouchAuth>
  (
    self: Database,
    requests: ReadonlyArray<GetRequest>,
    options?: GetOptions
  ): Effect.Effect<ReadonlyArray<GetResult<JsonObject>>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A>(self: Database, requests: ReadonlyArray<GetRequest>, options: GetOptionsAny = {}) =>
    Effect.map(Stream.runCollect(getResults<A>(self, requests, options)), Chunk.toReadonlyArray)
)

/**
 * `get`, with the results as a `Stream` decoded as the body arrives: for reads of many or
 * large documents. The request is sent when the stream starts.
 *
 * @since 0.2.0
 * @category streams
 */
export const getStream: {
  <A, I>(
    requests: ReadonlyArray<GetRequest>,
    options: GetOptionsWith<A, I>
  ): (self: Database) => Stream.Stream<GetResult<A>, CouchError, CouchAuth>
  (
    requests: ReadonlyArray<GetRequest>,
    options?: GetOptions
  ): (self: Database) => Stream.Stream<GetResult<JsonObject>, CouchError, CouchAuth>
  <A, I>(
    self: Database,
    requests: ReadonlyArray<GetRequest>,
    options: GetOptionsWith<A, I>
  ): Stream.Stream<GetResult<A>, CouchError, CouchAuth>
  (
    self: Database,
    requests: ReadonlyArray<GetRequest>,
    options?: GetOptions
  ): Stream.Stream<GetResult<JsonObject>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A>(self: Database, requests: ReadonlyArray<GetRequest>, options: GetOptionsAny = {}) =>
    getResults<A>(self, requests, options)
)

/**
 * One part of a `multipart/mixed` `_bulk_get` answer: a document with the attachments that
 * followed it as bytes (as CouchDB sent them: gzip-compressed when the stub's `encoding`
 * says `gzip`), a deleted revision, or an error.
 *
 * @since 0.2.0
 * @category models
 */
export type MultipartRevision<A> =
  | { readonly ok: Document.Stored<A>; readonly attachments: ReadonlyMap<string, Uint8Array> }
  | { readonly deleted: Document.Stored<JsonObject> }
  | { readonly error: GetFailure }

/**
 * `get` as `multipart/mixed` (`Accept: multipart/mixed`): the revisions in the order sent,
 * not grouped by request, and a document's attachments as bytes when it has any (with
 * `attachments: true` or `atts_since`) instead of base64 inside the JSON. A server that
 * answers JSON anyway (pouchdb-server does) is read the same way, its attachments left
 * inline. The answer is parsed as it arrives, each part decoded once it is read whole (a
 * document with its attachments), and the revisions are collected.
 *
 * @since 0.2.0
 * @category reads
 */
export const getMultipart: {
  <A, I>(
    requests: ReadonlyArray<GetRequest>,
    options: GetOptionsWith<A, I>
  ): (self: Database) => Effect.Effect<ReadonlyArray<MultipartRevision<A>>, CouchError, CouchAuth>
  (
    requests: ReadonlyArray<GetRequest>,
    options?: GetOptions
  ): (self: Database) => Effect.Effect<ReadonlyArray<MultipartRevision<JsonObject>>, CouchError, CouchAuth>
  <A, I>(
    self: Database,
    requests: ReadonlyArray<GetRequest>,
    options: GetOptionsWith<A, I>
  ): Effect.Effect<ReadonlyArray<MultipartRevision<A>>, CouchError, CouchAuth>
  (
    self: Database,
    requests: ReadonlyArray<GetRequest>,
    options?: GetOptions
  ): Effect.Effect<ReadonlyArray<MultipartRevision<JsonObject>>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A>(
    self: Database,
    requests: ReadonlyArray<GetRequest>,
    options: GetOptionsAny = {}
  ): Effect.Effect<ReadonlyArray<MultipartRevision<A>>, CouchError, CouchAuth> => {
    if (requests.length === 0) return Effect.succeed([])
    const request = getRequest(requests, options)
    return Effect.flatMap(
      Endpoint.send(self, { ...request, headers: { accept: "multipart/mixed" } }),
      (response) => {
        // As in `getResults`: the overloads tie `A` to `options.schema`.
        const decoders = internalBulk.revisionDecoders(options.schema as Schema.Schema<A, unknown, never> | undefined)
        if (!Multipart.mediaType(response.headers["content-type"]).startsWith("multipart/")) {
          return Effect.flatMap(response.json, (body) => internalBulk.jsonRevisions(response, decoders, body))
        }
        return Stream.runCollect(
          Stream.mapEffect(
            Multipart.responseParts(response),
            (part) => internalBulk.multipartRevision(response, decoders, part)
          )
        ).pipe(Effect.map(Chunk.toReadonlyArray))
      }
    )
  }
)

/**
 * Documents: read, write, delete and copy one document, typed with your Schema both ways
 * (decoded on read, encoded on write), with CouchDB's metadata (`_id`, `_rev`,
 * `_attachments`, `_conflicts`, …) modelled once and added to your type.
 *
 * @since 0.2.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Encoding from "effect/Encoding"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchResponse, QueryValue } from "./CouchClient.js"
import { type CouchError, DecodeError, InvalidRequest } from "./CouchError.js"
import type { Database } from "./Database.js"
import type * as Handle from "./Handle.js"
import * as internalDocument from "./internal/document.js"
import * as Endpoint from "./internal/endpoint.js"
import * as internalHandle from "./internal/handle.js"
import * as Json from "./internal/json.js"
import * as Multipart from "./internal/multipart.js"
import * as Path from "./internal/path.js"
import type { JsonObject } from "./Json.js"

/**
 * A document of a database: any id, including `_design/…` and `_local/…` ones.
 *
 * @since 0.2.0
 * @category models
 */
export interface Document extends Handle.Handle {
  readonly _tag: "Document"
  readonly database: Database
  readonly id: string
}

/**
 * The handle of document `id` in `database`. Sends nothing.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: {
  (id: string): (database: Database) => Document
  (database: Database, id: string): Document
} = dual(2, internalHandle.document)

/**
 * An attachment stub, as documents carry them (`stub: true`), or an inline attachment
 * (`data`, base64) with `attachments=true`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const AttachmentInfo = Schema.Struct({
  content_type: Schema.String,
  digest: Schema.optional(Schema.String),
  length: Schema.optional(Schema.Number),
  revpos: Schema.optional(Schema.Number),
  stub: Schema.optional(Schema.Boolean),
  /** Base64 content, with `attachments=true` (or to upload inline). */
  data: Schema.optional(Schema.String),
  /** `gzip` when stored compressed, with `att_encoding_info=true`. */
  encoding: Schema.optional(Schema.String),
  encoded_length: Schema.optional(Schema.Number),
  /** In `multipart/related` bodies: the content follows in its own part. */
  follows: Schema.optional(Schema.Boolean)
})

/**
 * @since 0.2.0
 * @category models
 */
export type AttachmentInfo = typeof AttachmentInfo.Type

/**
 * The revision history of `revs=true`: `start` is the current generation, `ids` the hashes
 * from the newest back.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Revisions = Schema.Struct({ start: Schema.Number, ids: Schema.Array(Schema.String) })

/**
 * One entry of `revs_info=true`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const RevisionInfo = Schema.Struct({
  rev: Schema.String,
  /** `available`, `missing` or `deleted`. */
  status: Schema.String
})

/**
 * CouchDB's metadata of a stored document, modelled once: what every read adds to the
 * fields your Schema decodes.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Meta = Schema.Struct({
  _id: Schema.String,
  _rev: Schema.String,
  _deleted: Schema.optional(Schema.Boolean),
  _attachments: Schema.optional(Schema.Record({ key: Schema.String, value: AttachmentInfo })),
  _conflicts: Schema.optional(Schema.Array(Schema.String)),
  _deleted_conflicts: Schema.optional(Schema.Array(Schema.String)),
  _revisions: Schema.optional(Revisions),
  _revs_info: Schema.optional(Schema.Array(RevisionInfo)),
  _local_seq: Schema.optional(Schema.Union(Schema.String, Schema.Number))
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Meta extends Schema.Schema.Type<typeof Meta> {}

/**
 * A document as read: your type plus CouchDB's metadata. Without a Schema, `A` is
 * `JsonObject`.
 *
 * @since 0.2.0
 * @category models
 */
export type Stored<A> = A & Meta

/**
 * The Schema of a stored document whose own fields `schema` decodes: the metadata (`_id`,
 * `_rev`, …) is decoded with `Meta` and added. What every operation with a document Schema
 * uses for documents inside larger responses (view rows, changes, `_find`); useful to decode
 * documents from elsewhere (an export, a message) the same way.
 *
 * @since 0.2.0
 * @category schemas
 */
export const stored = <A, I>(schema: Schema.Schema<A, I, never>): Schema.Schema<Stored<A>, unknown> =>
  internalDocument.stored(Meta, schema)

/**
 * The document type parameter of an operation given no document Schema.
 *
 * @since 0.2.0
 * @category models
 */
export interface NoSchema {
  readonly _: unique symbol
}

/**
 * The documents an operation returns inside a larger response (view rows, changes, `_find`):
 * `Stored<D>` when a document Schema was given, a `JsonObject` otherwise.
 *
 * @since 0.2.0
 * @category models
 */
export type DocOf<D> = [D] extends [NoSchema] ? JsonObject : Stored<D>

/**
 * The metadata a write may carry with the document: `_rev` to update, `_deleted` to delete,
 * `_attachments` (stubs to keep, or inline data), `_revisions` for `new_edits: false`.
 *
 * @since 0.2.0
 * @category models
 */
export interface WriteMeta {
  readonly _id?: string | undefined
  readonly _rev?: string | undefined
  readonly _deleted?: boolean | undefined
  readonly _attachments?: Readonly<Record<string, AttachmentInfo>> | undefined
  readonly _revisions?: typeof Revisions.Type | undefined
}

/**
 * The answer to a write: the document's id and its new revision.
 *
 * @since 0.2.0
 * @category schemas
 */
export const WriteResult = Schema.Struct({ ok: Schema.Literal(true), id: Schema.String, rev: Schema.String })

/**
 * @since 0.2.0
 * @category models
 */
export interface WriteResult extends Schema.Schema.Type<typeof WriteResult> {}

/**
 * The answer to a `batch=ok` write (202): accepted, not yet written, so there is no rev.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Accepted = Schema.Struct({ ok: Schema.Literal(true), id: Schema.String })

/**
 * @since 0.2.0
 * @category models
 */
export interface Accepted extends Schema.Schema.Type<typeof Accepted> {}

/**
 * Query options of a document read, with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface ReadOptions {
  /** A specific revision. */
  readonly rev?: string | undefined
  /** With `rev`: the latest leaf descending from it instead. */
  readonly latest?: boolean | undefined
  /** Add `_revisions`, the revision history. */
  readonly revs?: boolean | undefined
  /** Add `_revs_info`. */
  readonly revs_info?: boolean | undefined
  /** Add `_conflicts`, the conflicting leaves. */
  readonly conflicts?: boolean | undefined
  /** Add `_deleted_conflicts`. */
  readonly deleted_conflicts?: boolean | undefined
  /** Add `_local_seq`. */
  readonly local_seq?: boolean | undefined
  /** `conflicts`, `deleted_conflicts` and `revs_info` together. */
  readonly meta?: boolean | undefined
  /** Inline every attachment's data (base64). */
  readonly attachments?: boolean | undefined
  /** Add `encoding` and `encoded_length` to attachment stubs. */
  readonly att_encoding_info?: boolean | undefined
  /** With `attachments`: only the attachments changed since these revisions. */
  readonly atts_since?: ReadonlyArray<string> | undefined
}

/**
 * The options of a read with a document Schema.
 *
 * @since 0.2.0
 * @category models
 */
export interface ReadOptionsWith<A, I> extends ReadOptions {
  /** Decodes the document's own fields; the metadata is added to the result. */
  readonly schema: Schema.Schema<A, I, never>
}

const readQuery = (options: ReadOptions): Record<string, QueryValue> =>
  Endpoint.pick(options, [
    "rev",
    "latest",
    "revs",
    "revs_info",
    "conflicts",
    "deleted_conflicts",
    "local_seq",
    "meta",
    "attachments",
    "att_encoding_info",
    "atts_since"
  ])

const decodeBody = <A>(
  decode: (response: CouchResponse, body: unknown) => Either.Either<Stored<A>, DecodeError>,
  response: CouchResponse
): Effect.Effect<Stored<A>, CouchError> => Effect.flatMap(response.json, (body) => decode(response, body))

/**
 * Reads a document, decoded with `options.schema` when given (otherwise a `JsonObject`),
 * with its metadata. A missing or deleted document is `NotFound`.
 *
 * @since 0.2.0
 * @category reads
 * @example
 * ```ts
 * import { CouchClient, Database, Document } from "@effect-couchdb/client"
 * import { Effect, Schema } from "effect"
 *
 * const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number })
 *
 * const program = Effect.gen(function*() {
 *   const orders = (yield* CouchClient.CouchClient).database("orders")
 *   const order = yield* Document.get(Database.document(orders, "o1"), { schema: Order })
 *   return `${order._id}@${order._rev}: ${order.customer} owes ${order.total}`
 * })
 * ```
 */
export const get: {
  <A, I>(options: ReadOptionsWith<A, I>): (self: Document) => Effect.Effect<Stored<A>, CouchError, CouchAuth>
  (options?: ReadOptions): (self: Document) => Effect.Effect<Stored<JsonObject>, CouchError, CouchAuth>
  <A, I>(self: Document, options: ReadOptionsWith<A, I>): Effect.Effect<Stored<A>, CouchError, CouchAuth>
  (self: Document, options?: ReadOptions): Effect.Effect<Stored<JsonObject>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A, I>(self: Document, options: ReadOptions & { readonly schema?: Schema.Schema<A, I, never> } = {}) => {
    const decode = internalDocument.decoder(Meta, options.schema)
    return Effect.flatMap(
      Endpoint.send(self, { method: "GET", query: readQuery(options) }),
      (response) => decodeBody(decode, response)
    )
  }
)

/**
 * Reads a document only if it changed: `Option.none()` when its current revision is still
 * `knownRev` (a 304 Not Modified, nothing transferred), the document otherwise.
 *
 * @since 0.2.0
 * @category reads
 */
export const getIfChanged: {
  <A, I>(
    knownRev: string,
    options: ReadOptionsWith<A, I>
  ): (self: Document) => Effect.Effect<Option.Option<Stored<A>>, CouchError, CouchAuth>
  (
    knownRev: string,
    options?: ReadOptions
  ): (self: Document) => Effect.Effect<Option.Option<Stored<JsonObject>>, CouchError, CouchAuth>
  <A, I>(
    self: Document,
    knownRev: string,
    options: ReadOptionsWith<A, I>
  ): Effect.Effect<Option.Option<Stored<A>>, CouchError, CouchAuth>
  (
    self: Document,
    knownRev: string,
    options?: ReadOptions
  ): Effect.Effect<Option.Option<Stored<JsonObject>>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A, I>(
    self: Document,
    knownRev: string,
    options: ReadOptions & { readonly schema?: Schema.Schema<A, I, never> } = {}
  ) => {
    const decode = internalDocument.decoder(Meta, options.schema)
    return Effect.flatMap(
      Endpoint.send(self, { method: "GET", query: readQuery(options), headers: { "if-none-match": `"${knownRev}"` } }),
      (response) =>
        response.status === 304
          ? Effect.as(Endpoint.discard(response), Option.none())
          : Effect.map(decodeBody(decode, response), Option.some)
    )
  }
)

/** The revision in an `ETag` header, when it holds one (CouchDB quotes it; other servers send hashes). */
const etagRev = (response: CouchResponse): Option.Option<string> =>
  Option.filter(
    Option.map(Option.fromNullable(response.headers["etag"]), (etag) => etag.replace(/^W\//, "").replace(/^"|"$/g, "")),
    (tag) => /^\d+-\S+$/.test(tag)
  )

const RevOnly = Schema.Struct({ _rev: Schema.String })

/**
 * The current revision of a document: `Option.none()` when it does not exist or is deleted.
 * CouchDB answers a `HEAD` with the revision as `ETag`, so no body is transferred; when the
 * `ETag` is not a revision (`_local` documents, PouchDB), the document is read instead.
 *
 * @since 0.2.0
 * @category reads
 */
export const revision = (self: Document): Effect.Effect<Option.Option<string>, CouchError, CouchAuth> =>
  Endpoint.send(self, { method: "HEAD" }).pipe(
    Effect.flatMap((response) => {
      const rev = etagRev(response)
      return Option.isSome(rev)
        ? Effect.succeed(rev)
        : Endpoint.send(self, { method: "GET" }).pipe(
          Effect.flatMap(Endpoint.json(RevOnly)),
          Effect.map((doc) => Option.some(doc._rev))
        )
    }),
    Effect.catchTag("NotFound", () => Effect.succeedNone)
  )

/**
 * Whether a document exists (and is not deleted), from a `HEAD` request.
 *
 * @since 0.2.0
 * @category reads
 */
export const exists = (self: Document): Effect.Effect<boolean, CouchError, CouchAuth> =>
  Endpoint.send(self, { method: "HEAD" }).pipe(
    Effect.as(true),
    Effect.catchTag("NotFound", () => Effect.succeed(false))
  )

/**
 * Options of a document write, with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface WriteOptions {
  /** The revision to update, when the value carries no `_rev`. */
  readonly rev?: string | undefined
  /** `false` to store the value's `_rev`/`_revisions` as they are (replication). */
  readonly new_edits?: boolean | undefined
}

/**
 * The options of a write with a document Schema.
 *
 * @since 0.2.0
 * @category models
 */
export interface WriteOptionsWith<A, I> extends WriteOptions {
  /** Encodes the document's own fields; the value's write metadata is sent along. */
  readonly schema: Schema.Schema<A, I, never>
}

const writeRequest = <A, I>(
  self: Document,
  value: unknown,
  options: WriteOptions & { readonly schema?: Schema.Schema<A, I, never> },
  batch: boolean
): Either.Either<Endpoint.Request, InvalidRequest> =>
  Either.map(internalDocument.encode(options.schema, value, self.id), (json) => ({
    method: "PUT",
    query: { ...Endpoint.pick(options, ["rev", "new_edits"]), batch: batch ? "ok" : undefined },
    json
  }))

const write = <A, I>(
  self: Document,
  value: unknown,
  options: WriteOptions & { readonly schema?: Schema.Schema<A, I, never> },
  batch: boolean
) =>
  Effect.flatMap(
    writeRequest(self, value, options, batch),
    (request) => Endpoint.send(self, request)
  )

/**
 * Creates or updates a document. To update, pass the current revision as the value's `_rev`
 * (a document you read carries it) or as `options.rev`; a stale one fails with `Conflict`.
 * With `options.schema` the value is encoded by it, and its write metadata (`_rev`,
 * `_deleted`, `_attachments`, `_revisions`) is sent along.
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { CouchClient, Database, Document } from "@effect-couchdb/client"
 * import { Effect, Schema } from "effect"
 *
 * const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number })
 *
 * const program = Effect.gen(function*() {
 *   const doc = Database.document((yield* CouchClient.CouchClient).database("orders"), "o1")
 *   const created = yield* Document.put(doc, { customer: "ada", total: 120 }, { schema: Order })
 *   const order = yield* Document.get(doc, { schema: Order })
 *   yield* Document.put(doc, { ...order, total: 100 }, { schema: Order }) // carries order._rev
 *   return created.rev
 * })
 * ```
 */
export const put: {
  <A, I>(
    value: A & WriteMeta,
    options: WriteOptionsWith<A, I>
  ): (self: Document) => Effect.Effect<WriteResult, CouchError, CouchAuth>
  (value: JsonObject, options?: WriteOptions): (self: Document) => Effect.Effect<WriteResult, CouchError, CouchAuth>
  <A, I>(
    self: Document,
    value: A & WriteMeta,
    options: WriteOptionsWith<A, I>
  ): Effect.Effect<WriteResult, CouchError, CouchAuth>
  (self: Document, value: JsonObject, options?: WriteOptions): Effect.Effect<WriteResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A, I>(
    self: Document,
    value: unknown,
    options: WriteOptions & { readonly schema?: Schema.Schema<A, I, never> } = {}
  ) =>
    Effect.flatMap(
      write(self, value, options, false),
      (response) =>
        options.new_edits === false ? replicatedWrite(response, self, value, options) : response.decode(WriteResult)
    )
)

/** PouchDB answers a `new_edits=false` PUT with `[]`: the revision written is the one sent. */
const ReplicatedAnswer = Schema.Union(WriteResult, Schema.Tuple())

const replicatedWrite = (
  response: CouchResponse,
  self: Document,
  value: unknown,
  options: WriteOptions
): Effect.Effect<WriteResult, CouchError> =>
  Effect.flatMap(response.decode(ReplicatedAnswer), (answer) => {
    if ("ok" in answer) return Effect.succeed(answer)
    const rev = Predicate.isRecord(value) && typeof value._rev === "string" ? value._rev : options.rev
    return rev === undefined
      ? Effect.fail(decodeFailure(response)("a new_edits=false write answered [] and no revision was sent"))
      : Effect.succeed({ ok: true as const, id: self.id, rev })
  })

/**
 * Writes a document in batch mode (`batch=ok`): CouchDB acknowledges it (202) before it is
 * written to disk, so there is no new revision in the answer, and a write may be lost if the
 * server stops before it flushes. For high write rates where that is acceptable.
 *
 * @since 0.2.0
 * @category writes
 */
export const putBatched: {
  <A, I>(
    value: A & WriteMeta,
    options: WriteOptionsWith<A, I>
  ): (self: Document) => Effect.Effect<Accepted, CouchError, CouchAuth>
  (value: JsonObject, options?: WriteOptions): (self: Document) => Effect.Effect<Accepted, CouchError, CouchAuth>
  <A, I>(
    self: Document,
    value: A & WriteMeta,
    options: WriteOptionsWith<A, I>
  ): Effect.Effect<Accepted, CouchError, CouchAuth>
  (self: Document, value: JsonObject, options?: WriteOptions): Effect.Effect<Accepted, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A, I>(
    self: Document,
    value: unknown,
    options: WriteOptions & { readonly schema?: Schema.Schema<A, I, never> } = {}
  ) => Effect.flatMap(write(self, value, options, true), Endpoint.json(Accepted))
)

/**
 * Options of a conflict-safe update.
 *
 * @since 0.2.0
 * @category models
 */
export interface UpdateOptions {
  /** How many times to write in all (default 5): after a `Conflict` the document is read again and `f` applied again. */
  readonly attempts?: number | undefined
}

const updateImpl = <A, I>(
  self: Document,
  f: (current: Stored<A>) => A & WriteMeta,
  options: UpdateOptions & { readonly schema?: Schema.Schema<A, I, never> }
): Effect.Effect<WriteResult, CouchError, CouchAuth> => {
  const attempts = options.attempts ?? 5
  if (!Number.isInteger(attempts) || attempts < 1) {
    return Effect.fail(new InvalidRequest({ description: "Document.update: attempts must be a positive integer" }))
  }
  const decode = internalDocument.decoder(Meta, options.schema)
  const read = Effect.flatMap(Endpoint.send(self, { method: "GET" }), (response) => decodeBody(decode, response))
  const once = Effect.flatMap(read, (current) =>
    Effect.flatMap(
      // The revision read is the one replaced: a concurrent write in between is a Conflict.
      write(self, { ...f(current), _rev: current._rev }, options, false),
      Endpoint.json(WriteResult)
    ))
  const loop = (left: number): Effect.Effect<WriteResult, CouchError, CouchAuth> =>
    left <= 1 ? once : Effect.catchTag(once, "Conflict", () => loop(left - 1))
  return loop(attempts)
}

/**
 * Reads a document, applies `f` to it and writes the result over the revision it read; on
 * `Conflict` (someone wrote in between) it reads the document again and applies `f` again,
 * up to `attempts` times in all. `f` must be a pure function of the document it is given: it
 * may run more than once. A missing document is `NotFound`.
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { CouchClient, Database, Document } from "@effect-couchdb/client"
 * import { Effect, Schema } from "effect"
 *
 * const Counter = Schema.Struct({ n: Schema.Number })
 *
 * const increment = Effect.gen(function*() {
 *   const doc = Database.document((yield* CouchClient.CouchClient).database("stats"), "visits")
 *   return yield* Document.update(doc, (counter) => ({ ...counter, n: counter.n + 1 }), { schema: Counter })
 * })
 * ```
 */
export const update: {
  <A, I>(
    f: (current: Stored<A>) => A & WriteMeta,
    options: UpdateOptions & { readonly schema: Schema.Schema<A, I, never> }
  ): (self: Document) => Effect.Effect<WriteResult, CouchError, CouchAuth>
  (
    f: (current: Stored<JsonObject>) => JsonObject,
    options?: UpdateOptions
  ): (self: Document) => Effect.Effect<WriteResult, CouchError, CouchAuth>
  <A, I>(
    self: Document,
    f: (current: Stored<A>) => A & WriteMeta,
    options: UpdateOptions & { readonly schema: Schema.Schema<A, I, never> }
  ): Effect.Effect<WriteResult, CouchError, CouchAuth>
  (
    self: Document,
    f: (current: Stored<JsonObject>) => JsonObject,
    options?: UpdateOptions
  ): Effect.Effect<WriteResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A, I>(
    self: Document,
    f: (current: Stored<A>) => A & WriteMeta,
    options: UpdateOptions & { readonly schema?: Schema.Schema<A, I, never> } = {}
  ) => updateImpl(self, f, options)
)

/**
 * Deletes a document. The revision is required: deleting "whatever is current" would throw
 * away a concurrent update, so a stale `rev` fails with `Conflict`. (`_local` documents
 * have no revisions: pass their `_rev` as read, `"0-1"`.)
 *
 * @since 0.2.0
 * @category writes
 */
export const remove: Handle.OperationWith<Document, { readonly rev: string }, WriteResult> = Endpoint.makeWith(
  (_, options: { readonly rev: string }) =>
    options.rev === ""
      ? Either.left(new InvalidRequest({ description: "Document.remove: the revision is empty" }))
      : Either.right({ method: "DELETE", query: { rev: options.rev } }),
  Endpoint.json(WriteResult)
)

/**
 * Options of a `COPY`.
 *
 * @since 0.2.0
 * @category models
 */
export interface CopyOptions {
  /** The id to copy to, in the same database. */
  readonly destination: string
  /** The destination's current revision, to overwrite an existing document. */
  readonly destinationRev?: string | undefined
  /** Copy this revision of the source instead of the current one. */
  readonly rev?: string | undefined
}

/**
 * Copies a document to another id of the same database with `COPY` (the body is not
 * transferred). Overwriting an existing document needs its `destinationRev`. CouchDB cannot
 * copy to an id that holds a `?` (it reads the `Destination` header unescaped): such an id is
 * an `InvalidRequest`.
 *
 * @since 0.2.0
 * @category writes
 */
export const copy: Handle.OperationWith<Document, CopyOptions, WriteResult> = Endpoint.makeWith(
  (_, options: CopyOptions) => {
    // CouchDB reads the Destination header raw: the id's bytes, then `?rev=` if any, split at
    // the first `?` and never unescaped. So an id with `?` cannot be a destination.
    const id = options.destination
    if (id === "" || id.includes("?") || /^https?:\/\//.test(id) || Json.hasLoneSurrogate(id)) {
      return Either.left(
        new InvalidRequest({
          description: "Document.copy: the destination id is empty, holds a \"?\", is a URL, or is not valid text"
        })
      )
    }
    const destination = Path.utf8HeaderValue(id) +
      (options.destinationRev !== undefined ? `?rev=${options.destinationRev}` : "")
    return Either.right({ method: "COPY", query: { rev: options.rev }, headers: { destination } })
  },
  (response, self, options) =>
    Effect.flatMap(response.decode(CopyAnswer), (answer) => {
      if (answer.rev !== undefined) {
        return Effect.succeed({ ok: true, id: answer.id ?? options.destination, rev: answer.rev })
      }
      // PouchDB answers `{"ok":true}` alone: read the copy's revision.
      const target = internalHandle.document(self.database, options.destination)
      return Effect.flatMap(revision(target), (rev) =>
        Option.match(rev, {
          onNone: () =>
            Effect.fail(
              new DecodeError({ method: "COPY", url: response.url, description: "the copy has no revision" }, {
                disableValidation: true
              })
            ),
          onSome: (rev) => Effect.succeed({ ok: true as const, id: options.destination, rev })
        }))
    })
)

/** CouchDB answers a COPY with `{ok, id, rev}`; PouchDB with `{ok}` alone. */
const CopyAnswer = Schema.Struct({
  ok: Schema.Literal(true),
  id: Schema.optional(Schema.String),
  rev: Schema.optional(Schema.String)
})

/**
 * Query options of an `open_revs` read, with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface OpenRevsOptions {
  /** `"all"` for every leaf, or the revisions to read. */
  readonly open_revs: "all" | ReadonlyArray<string>
  /** Add `_revisions`, each leaf's history. */
  readonly revs?: boolean | undefined
  /** Read the latest leaf descending from each revision asked for. */
  readonly latest?: boolean | undefined
  /** Add `_local_seq`. */
  readonly local_seq?: boolean | undefined
  /** With the attachments' content: inline base64 (JSON), or their own parts (`streamOpenRevs`). */
  readonly attachments?: boolean | undefined
  /** Add `encoding` and `encoded_length` to attachment stubs. */
  readonly att_encoding_info?: boolean | undefined
  /** With `attachments`: only the attachments changed since these revisions. */
  readonly atts_since?: ReadonlyArray<string> | undefined
}

/**
 * The options of an `open_revs` read with a document Schema.
 *
 * @since 0.2.0
 * @category models
 */
export interface OpenRevsOptionsWith<A, I> extends OpenRevsOptions {
  /** Decodes each live leaf's own fields; deleted leaves are tombstones and are not decoded. */
  readonly schema: Schema.Schema<A, I, never>
}

/**
 * A deleted leaf: its metadata with `_deleted: true` (and whatever body it was deleted with).
 *
 * @since 0.2.0
 * @category models
 */
export type Tombstone = Stored<JsonObject> & { readonly _deleted: true }

/**
 * One answer of an `open_revs` read: a live leaf (`Ok`, with its attachments' content when
 * they came as parts of their own), a deleted leaf (`Deleted`, a tombstone), or a revision
 * the document does not have (`Missing`). `ok` and `missing` are CouchDB's own names.
 *
 * @since 0.2.0
 * @category models
 */
export type OpenRev<A> =
  | {
    readonly _tag: "Ok"
    readonly ok: Stored<A>
    /** Each attachment's content by name, when the leaf came as `multipart/related` (decompressed). */
    readonly attachments?: ReadonlyMap<string, Uint8Array> | undefined
  }
  | { readonly _tag: "Deleted"; readonly ok: Tombstone }
  | { readonly _tag: "Missing"; readonly missing: string }

const openRevsQuery = (options: OpenRevsOptions): Record<string, QueryValue> =>
  Endpoint.pick(options, ["open_revs", "revs", "latest", "local_seq", "attachments", "att_encoding_info", "atts_since"])

const decodeFailure = (response: CouchResponse) => (description: string) =>
  new DecodeError({ method: response.method, url: response.url, description }, { disableValidation: true })

const JsonOpenRev = Schema.Union(
  Schema.Struct({ ok: Schema.Record({ key: Schema.String, value: Schema.Unknown }) }),
  Schema.Struct({ missing: Schema.String })
)

/** A leaf as read: a tombstone when it is deleted, otherwise decoded with the document Schema. */
const leafDecoder = <A, I>(schema: Schema.Schema<A, I, never> | undefined) => {
  const decode = internalDocument.decoder(Meta, schema)
  const decodeTombstone = internalDocument.decoder(Meta, undefined)
  return (
    response: CouchResponse,
    body: unknown,
    attachments?: ReadonlyMap<string, Uint8Array>
  ): Either.Either<OpenRev<A>, DecodeError> => {
    if (Predicate.isRecord(body) && body._deleted === true) {
      // A deleted leaf keeps only its metadata: it is not a document of the Schema's type.
      return Either.map(decodeTombstone(response, body), (ok) => ({ _tag: "Deleted", ok: ok as Tombstone }))
    }
    return Either.map(decode(response, body), (ok) => ({
      _tag: "Ok" as const,
      ok,
      ...(attachments !== undefined ? { attachments } : {})
    }))
  }
}

/**
 * Reads leaves of a document's revision tree (`open_revs`) as JSON, in one response:
 * `"all"` for every leaf including deleted ones (conflicts included), or the revisions
 * asked for, each `Ok`, `Deleted` or `Missing`. With `attachments: true` their content is
 * inline base64; to receive it as bytes, use `streamOpenRevs`.
 *
 * @since 0.2.0
 * @category reads
 * @example
 * ```ts
 * import { CouchClient, Database, Document } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const doc = Database.document((yield* CouchClient.CouchClient).database("orders"), "o1")
 *   const leaves = yield* Document.openRevs(doc, { open_revs: "all" })
 *   // The revisions of the live leaves: more than one means the document is in conflict.
 *   return leaves.flatMap((leaf) => leaf._tag === "Ok" ? [leaf.ok._rev] : [])
 * })
 * ```
 */
export const openRevs: {
  <A, I>(
    options: OpenRevsOptionsWith<A, I>
  ): (self: Document) => Effect.Effect<ReadonlyArray<OpenRev<A>>, CouchError, CouchAuth>
  (
    options: OpenRevsOptions
  ): (self: Document) => Effect.Effect<ReadonlyArray<OpenRev<JsonObject>>, CouchError, CouchAuth>
  <A, I>(
    self: Document,
    options: OpenRevsOptionsWith<A, I>
  ): Effect.Effect<ReadonlyArray<OpenRev<A>>, CouchError, CouchAuth>
  (self: Document, options: OpenRevsOptions): Effect.Effect<ReadonlyArray<OpenRev<JsonObject>>, CouchError, CouchAuth>
} = dual(
  2,
  <A, I>(self: Document, options: OpenRevsOptions & { readonly schema?: Schema.Schema<A, I, never> }) => {
    const decode = leafDecoder(options.schema)
    return Effect.flatMap(
      Endpoint.send(self, { method: "GET", query: openRevsQuery(options), headers: { accept: "application/json" } }),
      (response) =>
        Effect.flatMap(
          response.decode(Schema.Array(JsonOpenRev)),
          (answers) =>
            Effect.forEach(answers, (answer) =>
              "missing" in answer
                ? Effect.succeed<OpenRev<A>>({ _tag: "Missing", missing: answer.missing })
                : decode(response, answer.ok))
        )
    )
  }
)

/**
 * A document and its attachments from `multipart/related` parts: the JSON document first,
 * then one part per attachment whose stub says `follows`, in the stubs' order (CouchDB
 * also names each in `Content-Disposition`). Gzip-encoded parts are decompressed.
 */
const relatedDocument = (
  parts: ReadonlyArray<Multipart.Part>,
  fail: (description: string) => DecodeError
): Effect.Effect<{ readonly body: unknown; readonly attachments: Map<string, Uint8Array> }, CouchError> => {
  const [first, ...rest] = parts
  if (first === undefined) return Effect.fail(fail("the multipart body has no document part"))
  let body: unknown
  try {
    body = JSON.parse(new TextDecoder().decode(first.body))
  } catch (error) {
    return Effect.fail(fail(`the document part is not JSON: ${String(error)}`))
  }
  const stubs = Predicate.isRecord(body) && Predicate.isRecord(body._attachments) ? body._attachments : {}
  const following = Object.keys(stubs).filter((name) => Predicate.isRecord(stubs[name]) && stubs[name].follows === true)
  if (following.length !== rest.length) {
    return Effect.fail(fail(`${following.length} attachments follow the document, but ${rest.length} parts do`))
  }
  const attachments = new Map<string, Uint8Array>()
  return Effect.as(
    Effect.forEach(rest, (part, index) =>
      Effect.map(Multipart.decodeContent(part, fail), (content) => {
        attachments.set(Multipart.partFilename(part) ?? following[index] ?? String(index), content)
      }), { discard: true }),
    { body, attachments }
  )
}

/**
 * Reads leaves of a document's revision tree (`open_revs`) as CouchDB sends them by default,
 * `multipart/mixed`, one leaf per part, as the stream is pulled: only one leaf is held in
 * memory at a time. With `attachments: true`, a leaf that has attachments comes as a
 * `multipart/related` part and its `Ok` carries each attachment's content as bytes.
 * A server that answers JSON instead (PouchDB) is read the same way.
 *
 * @since 0.2.0
 * @category streams
 */
export const streamOpenRevs: {
  <A, I>(options: OpenRevsOptionsWith<A, I>): (self: Document) => Stream.Stream<OpenRev<A>, CouchError, CouchAuth>
  (options: OpenRevsOptions): (self: Document) => Stream.Stream<OpenRev<JsonObject>, CouchError, CouchAuth>
  <A, I>(self: Document, options: OpenRevsOptionsWith<A, I>): Stream.Stream<OpenRev<A>, CouchError, CouchAuth>
  (self: Document, options: OpenRevsOptions): Stream.Stream<OpenRev<JsonObject>, CouchError, CouchAuth>
} = dual(
  2,
  <A, I>(self: Document, options: OpenRevsOptions & { readonly schema?: Schema.Schema<A, I, never> }) => {
    const decode = leafDecoder(options.schema)
    return Stream.unwrapScoped(Effect.map(
      Endpoint.send(self, { method: "GET", query: openRevsQuery(options), headers: { accept: "multipart/mixed" } }),
      (response): Stream.Stream<OpenRev<A>, CouchError> => {
        const fail = decodeFailure(response)
        if (!Multipart.mediaType(response.headers["content-type"]).startsWith("multipart/")) {
          // PouchDB answers JSON whatever the Accept header says.
          return Stream.flatMap(
            Stream.fromEffect(response.decode(Schema.Array(JsonOpenRev))),
            (answers) =>
              Stream.mapEffect(Stream.fromIterable(answers), (answer) =>
                "missing" in answer
                  ? Effect.succeed<OpenRev<A>>({ _tag: "Missing", missing: answer.missing })
                  : decode(response, answer.ok))
          )
        }
        return Stream.mapEffect(Multipart.responseParts(response), (part) => {
          const contentType = part.headers["content-type"] ?? ""
          if (Multipart.mediaType(contentType) === "multipart/related") {
            return Multipart.partsOf(contentType, part.body, fail).pipe(
              Effect.flatMap((nested) => relatedDocument(nested, fail)),
              Effect.flatMap(({ attachments, body }) => decode(response, body, attachments))
            )
          }
          return Effect.flatMap(parseJson(part.body, fail), (body) => {
            if (Multipart.parameter(contentType, "error") === "true") {
              return Predicate.isRecord(body) && typeof body.missing === "string"
                ? Effect.succeed<OpenRev<A>>({ _tag: "Missing", missing: body.missing })
                : Effect.fail(fail(`an error part is not {"missing": rev}: ${JSON.stringify(body)}`))
            }
            return decode(response, body)
          })
        })
      }
    ))
  }
)

const parseJson = (
  bytes: Uint8Array,
  fail: (description: string) => DecodeError
): Effect.Effect<unknown, DecodeError> =>
  Effect.try({
    try: () => JSON.parse(new TextDecoder().decode(bytes)),
    catch: (error) => fail(`a part is not JSON: ${String(error)}`)
  })

/**
 * A document with the content of its attachments.
 *
 * @since 0.2.0
 * @category models
 */
export interface WithAttachments<A> {
  readonly doc: Stored<A>
  /** Each attachment's content by name, decompressed (what was uploaded). */
  readonly attachments: ReadonlyMap<string, Uint8Array>
}

/**
 * Reads a document with the content of its attachments (`attachments=true`) as
 * `multipart/related`: the attachments arrive as bytes, not base64, and CouchDB's
 * gzip-encoded parts (compressible types are stored compressed) are decompressed, so each
 * content is what was uploaded. With `atts_since`, attachments unchanged since those
 * revisions stay stubs and are not in `attachments`. A server that answers JSON instead
 * (PouchDB) is read from the inline base64. The whole document is held in memory: to
 * stream one large attachment, use `Attachment.stream`.
 *
 * @since 0.2.0
 * @category reads
 */
export const getWithAttachments: {
  <A, I>(
    options: ReadOptionsWith<A, I>
  ): (self: Document) => Effect.Effect<WithAttachments<A>, CouchError, CouchAuth>
  (options?: ReadOptions): (self: Document) => Effect.Effect<WithAttachments<JsonObject>, CouchError, CouchAuth>
  <A, I>(self: Document, options: ReadOptionsWith<A, I>): Effect.Effect<WithAttachments<A>, CouchError, CouchAuth>
  (self: Document, options?: ReadOptions): Effect.Effect<WithAttachments<JsonObject>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A, I>(self: Document, options: ReadOptions & { readonly schema?: Schema.Schema<A, I, never> } = {}) => {
    const decode = internalDocument.decoder(Meta, options.schema)
    return Effect.flatMap(
      Endpoint.send(self, {
        method: "GET",
        query: { ...readQuery(options), attachments: true },
        headers: { accept: "multipart/related" }
      }),
      (response) => {
        const fail = decodeFailure(response)
        const read: Effect.Effect<
          { readonly body: unknown; readonly attachments: Map<string, Uint8Array> },
          CouchError
        > = Multipart.mediaType(response.headers["content-type"]) === "multipart/related"
          ? Effect.flatMap(
            Effect.map(Stream.runCollect(Multipart.responseParts(response)), Chunk.toArray),
            (parts) => relatedDocument(parts, fail)
          )
          : Effect.flatMap(response.json, (body) => inlineAttachments(body, fail))
        return Effect.flatMap(
          read,
          ({ attachments, body }) => Effect.map(decode(response, body), (doc) => ({ doc, attachments }))
        )
      }
    )
  }
)

/** The attachments of a JSON document read with `attachments=true`, from their base64 `data`. */
const inlineAttachments = (
  body: unknown,
  fail: (description: string) => DecodeError
): Effect.Effect<{ readonly body: unknown; readonly attachments: Map<string, Uint8Array> }, DecodeError> => {
  const attachments = new Map<string, Uint8Array>()
  const stubs = Predicate.isRecord(body) && Predicate.isRecord(body._attachments) ? body._attachments : {}
  for (const name of Object.keys(stubs)) {
    const stub = stubs[name]
    if (!Predicate.isRecord(stub) || typeof stub.data !== "string") continue
    const data = Encoding.decodeBase64(stub.data)
    if (Either.isLeft(data)) return Effect.fail(fail(`attachment ${JSON.stringify(name)} has invalid base64 data`))
    attachments.set(name, data.right)
  }
  return Effect.succeed({ body, attachments })
}

/**
 * An attachment to upload with its document: its content type and its bytes, or a stream of
 * them with its exact length (the body is sent with a `Content-Length`).
 *
 * @since 0.2.0
 * @category models
 */
export type AttachmentUpload =
  | {
    readonly contentType: string
    readonly data: Uint8Array
    readonly length?: number | undefined
  }
  | {
    readonly contentType: string
    readonly data: Stream.Stream<Uint8Array, CouchError>
    /** The exact number of bytes the stream gives; another count fails the upload. */
    readonly length: number
  }

const uploadRequest = <A, I>(
  self: Document,
  value: unknown,
  uploads: Readonly<Record<string, AttachmentUpload>> | ReadonlyMap<string, AttachmentUpload>,
  options: WriteOptions & { readonly schema?: Schema.Schema<A, I, never> }
): Either.Either<Endpoint.Request, InvalidRequest> => {
  const invalid = (description: string) =>
    Either.left(new InvalidRequest({ description: `Document.putWithAttachments: ${description}` }))
  const entries = uploads instanceof Map ? [...uploads.entries()] : Object.entries(uploads)
  const byName = new Map<string, { readonly upload: AttachmentUpload; readonly length: number }>()
  for (const [name, upload] of entries) {
    if (name === "") return invalid("an attachment name is empty")
    const length = upload.data instanceof Uint8Array ? upload.length ?? upload.data.length : upload.length
    if (!Number.isSafeInteger(length) || length < 0) {
      return invalid(`attachment ${JSON.stringify(name)} has no valid length`)
    }
    if (upload.data instanceof Uint8Array && length !== upload.data.length) {
      return invalid(`attachment ${JSON.stringify(name)} is ${upload.data.length} bytes, not ${length}`)
    }
    if (upload.contentType === "" || Path.invalidHeader("content-type", upload.contentType) !== undefined) {
      return invalid(`attachment ${JSON.stringify(name)} has an invalid content type`)
    }
    byName.set(name, { upload, length })
  }
  return Either.flatMap(internalDocument.encode(options.schema, value, self.id), (json) => {
    // A null prototype: an attachment may be named `__proto__`.
    const stubs: Record<string, unknown> = Object.create(null)
    if (Predicate.isRecord(json._attachments)) Object.assign(stubs, json._attachments)
    for (const [name, { length, upload }] of byName) {
      stubs[name] = { follows: true, content_type: upload.contentType, length }
    }
    // `_id` too: CouchDB takes the id from the URL, other servers (PouchDB) from the body.
    return Either.map(
      Json.stringify({ _id: self.id, ...json, _attachments: stubs }, `document ${JSON.stringify(self.id)}`),
      (text) => {
        // The parts follow in the order of the stubs in the JSON, which CouchDB matches them by.
        const outgoing = Object.keys(stubs).flatMap((name) => {
          const found = byName.get(name)
          return found === undefined
            ? []
            : [{ name, contentType: found.upload.contentType, length: found.length, data: found.upload.data }]
        })
        const body = Multipart.related(text, outgoing)
        return {
          method: "PUT" as const,
          query: Endpoint.pick(options, ["rev", "new_edits"]),
          body: body.body,
          contentType: body.contentType,
          contentLength: body.contentLength
        }
      }
    )
  })
}

/**
 * Creates or updates a document together with attachments, in one `multipart/related`
 * request: the document first, then each attachment's bytes, streamed with backpressure
 * (a `Stream` is read as the connection takes it, never gathered in memory). Attachment
 * stubs the value already carries are kept. The revision rules are those of `put`.
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { CouchClient, Database, Document } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const doc = Database.document((yield* CouchClient.CouchClient).database("reports"), "r1")
 *   return yield* Document.putWithAttachments(doc, { title: "Q3" }, {
 *     "summary.txt": { contentType: "text/plain", data: new TextEncoder().encode("all good") }
 *   })
 * })
 * ```
 */
export const putWithAttachments: {
  <A, I>(
    value: A & WriteMeta,
    attachments: Readonly<Record<string, AttachmentUpload>> | ReadonlyMap<string, AttachmentUpload>,
    options: WriteOptionsWith<A, I>
  ): (self: Document) => Effect.Effect<WriteResult, CouchError, CouchAuth>
  (
    value: JsonObject,
    attachments: Readonly<Record<string, AttachmentUpload>> | ReadonlyMap<string, AttachmentUpload>,
    options?: WriteOptions
  ): (self: Document) => Effect.Effect<WriteResult, CouchError, CouchAuth>
  <A, I>(
    self: Document,
    value: A & WriteMeta,
    attachments: Readonly<Record<string, AttachmentUpload>> | ReadonlyMap<string, AttachmentUpload>,
    options: WriteOptionsWith<A, I>
  ): Effect.Effect<WriteResult, CouchError, CouchAuth>
  (
    self: Document,
    value: JsonObject,
    attachments: Readonly<Record<string, AttachmentUpload>> | ReadonlyMap<string, AttachmentUpload>,
    options?: WriteOptions
  ): Effect.Effect<WriteResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A, I>(
    self: Document,
    value: unknown,
    attachments: Readonly<Record<string, AttachmentUpload>> | ReadonlyMap<string, AttachmentUpload>,
    options: WriteOptions & { readonly schema?: Schema.Schema<A, I, never> } = {}
  ) =>
    Effect.flatMap(
      uploadRequest(self, value, attachments, options),
      (request) => Effect.flatMap(Endpoint.send(self, request), Endpoint.json(WriteResult))
    )
)

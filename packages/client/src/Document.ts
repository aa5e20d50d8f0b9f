/**
 * Documents: read, write, delete and copy one document, typed with your Schema both ways
 * (decoded on read, encoded on write), with CouchDB's metadata (`_id`, `_rev`,
 * `_attachments`, `_conflicts`, …) modelled once and added to your type.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchResponse, QueryValue } from "./CouchClient.js"
import { type CouchError, DecodeError, InvalidRequest } from "./CouchError.js"
import type { Database } from "./Database.js"
import type * as Handle from "./Handle.js"
import * as internalDocument from "./internal/document.js"
import * as Endpoint from "./internal/endpoint.js"
import * as internalHandle from "./internal/handle.js"
import * as Json from "./internal/json.js"
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
  ) => Effect.flatMap(write(self, value, options, false), Endpoint.json(WriteResult))
)

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

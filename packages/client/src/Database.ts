/**
 * Databases: create, inspect and delete one, post documents with server-assigned ids, and
 * reach its documents, design documents, partitions and `_all_docs`.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"
import type { Attachment } from "./Attachment.js"
import { Seq } from "./Changes.js"
import type { CouchAuth } from "./CouchAuth.js"
import type { Service } from "./CouchClient.js"
import { type CouchError, InvalidRequest } from "./CouchError.js"
import type { DesignDocument } from "./DesignDocument.js"
import * as Document from "./Document.js"
import type * as Handle from "./Handle.js"
import * as internalDocument from "./internal/document.js"
import * as Endpoint from "./internal/endpoint.js"
import * as internalHandle from "./internal/handle.js"
import type { JsonObject } from "./Json.js"
import type { Partition } from "./Partition.js"
import type { AllDocs } from "./View.js"

/**
 * A database of a client's server.
 *
 * @since 0.2.0
 * @category models
 */
export interface Database extends Handle.Handle {
  readonly _tag: "Database"
  readonly name: string
}

/**
 * The handle of database `name` (unescaped, e.g. `"orders/2026"`). Sends nothing; also
 * `couch.database(name)`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: {
  (name: string): (client: Service) => Database
  (client: Service, name: string): Database
} = dual(2, internalHandle.database)

/**
 * The handle of document `id` (any id: `_design/…` and `_local/…` ids are routed as
 * CouchDB expects).
 *
 * @since 0.2.0
 * @category handles
 */
export const document: {
  (id: string): (self: Database) => Document.Document
  (self: Database, id: string): Document.Document
} = dual(2, internalHandle.document)

/**
 * The handle of the `_local/{name}` document: never replicated, no revision history (e.g. a
 * checkpoint).
 *
 * @since 0.2.0
 * @category handles
 */
export const localDocument: {
  (name: string): (self: Database) => Document.Document
  (self: Database, name: string): Document.Document
} = dual(
  2,
  (self: Database, name: string): Document.Document =>
    internalHandle.document(self, name.startsWith("_local/") ? name : `_local/${name}`)
)

/**
 * The handle of design document `name` (with or without `_design/`).
 *
 * @since 0.2.0
 * @category handles
 */
export const designDocument: {
  (name: string): (self: Database) => DesignDocument
  (self: Database, name: string): DesignDocument
} = dual(2, internalHandle.designDocument)

/**
 * The handle of attachment `name` of document `id`.
 *
 * @since 0.2.0
 * @category handles
 */
export const attachment: {
  (id: string, name: string): (self: Database) => Attachment
  (self: Database, id: string, name: string): Attachment
} = dual(
  3,
  (self: Database, id: string, name: string): Attachment =>
    internalHandle.attachment(internalHandle.document(self, id), name)
)

/**
 * The handle of partition `name` of a partitioned database.
 *
 * @since 0.2.0
 * @category handles
 */
export const partition: {
  (name: string): (self: Database) => Partition
  (self: Database, name: string): Partition
} = dual(2, internalHandle.partition)

/**
 * `_all_docs`, to query with `View.stream`/`View.open`.
 *
 * @since 0.2.0
 * @category handles
 */
export const allDocs = (self: Database): AllDocs => internalHandle.allDocs(self, "_all_docs")

/**
 * `_design_docs`: the design documents, queried like `_all_docs`.
 *
 * @since 0.2.0
 * @category handles
 */
export const designDocs = (self: Database): AllDocs => internalHandle.allDocs(self, "_design_docs")

/**
 * `_local_docs`: the `_local` documents, queried like `_all_docs`.
 *
 * @since 0.2.0
 * @category handles
 */
export const localDocs = (self: Database): AllDocs => internalHandle.allDocs(self, "_local_docs")

/**
 * What `GET /{db}` says about a database. CouchDB 3 sends every field; other servers
 * (PouchDB, CouchDB 1.x) only some, so the ones they may lack are optional.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Info = Schema.Struct({
  db_name: Schema.String,
  doc_count: Schema.Number,
  doc_del_count: Schema.optional(Schema.Number),
  update_seq: Seq,
  purge_seq: Schema.optional(Seq),
  compact_running: Schema.optional(Schema.Boolean),
  sizes: Schema.optional(Schema.Struct({
    file: Schema.Number,
    external: Schema.Number,
    active: Schema.Number
  })),
  props: Schema.optional(Schema.Struct({ partitioned: Schema.optional(Schema.Boolean) })),
  cluster: Schema.optional(Schema.Struct({
    q: Schema.Number,
    n: Schema.Number,
    w: Schema.Number,
    r: Schema.Number
  })),
  instance_start_time: Schema.optional(Schema.String),
  disk_format_version: Schema.optional(Schema.Number)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Info extends Schema.Schema.Type<typeof Info> {}

/**
 * `{"ok": true}`, the answer of database-level writes.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Ok = Schema.Struct({ ok: Schema.Literal(true) })

/**
 * @since 0.2.0
 * @category models
 */
export interface Ok extends Schema.Schema.Type<typeof Ok> {}

/**
 * The database's information (`GET /{db}`). A missing database is `NotFound`.
 *
 * @since 0.2.0
 * @category reads
 */
export const info = (self: Database): Effect.Effect<Info, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET" }), Endpoint.json(Info))

/**
 * Whether the database exists (`HEAD /{db}`).
 *
 * @since 0.2.0
 * @category reads
 */
export const exists = (self: Database): Effect.Effect<boolean, CouchError, CouchAuth> =>
  Endpoint.send(self, { method: "HEAD" }).pipe(
    Effect.as(true),
    Effect.catchTag("NotFound", () => Effect.succeed(false))
  )

/**
 * Options of database creation, with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface CreateOptions {
  /** Number of shards (CouchDB 2+). */
  readonly q?: number | undefined
  /** Number of replicas of each shard (CouchDB 2+). */
  readonly n?: number | undefined
  /** Create a partitioned database (CouchDB 3+). */
  readonly partitioned?: boolean | undefined
}

/**
 * Creates the database. One that exists already fails with `PreconditionFailed`; an
 * illegal name with `BadRequest`.
 *
 * @since 0.2.0
 * @category writes
 */
export const create: Handle.Operation<Database, CreateOptions, void> = Endpoint.make(
  (_, options: CreateOptions) => ({ method: "PUT", query: Endpoint.pick(options, ["q", "n", "partitioned"]) }),
  Endpoint.discard
)

/**
 * Creates the database unless it exists: `true` when it was created.
 *
 * @since 0.2.0
 * @category writes
 */
export const ensure: Handle.Operation<Database, CreateOptions, boolean> = dual(
  Endpoint.isDataFirst,
  (self: Database, options?: CreateOptions) =>
    create(self, options).pipe(
      Effect.as(true),
      Effect.catchTag("PreconditionFailed", () => Effect.succeed(false))
    )
)

/**
 * Deletes the database and every document in it. A missing database is `NotFound`.
 *
 * @since 0.2.0
 * @category writes
 */
export const remove = (self: Database): Effect.Effect<void, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "DELETE" }), Endpoint.discard)

/**
 * Creates a document with a server-assigned id (`POST /{db}`), or with the value's `_id`.
 * With `options.schema` the value is encoded by it.
 *
 * @since 0.2.0
 * @category writes
 */
export const post: {
  <A, I>(
    value: A & Document.WriteMeta,
    options: { readonly schema: Schema.Schema<A, I, never> }
  ): (self: Database) => Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  (value: JsonObject): (self: Database) => Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  <A, I>(
    self: Database,
    value: A & Document.WriteMeta,
    options: { readonly schema: Schema.Schema<A, I, never> }
  ): Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  (self: Database, value: JsonObject): Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A, I>(self: Database, value: unknown, options: { readonly schema?: Schema.Schema<A, I, never> } = {}) =>
    Effect.flatMap(
      internalDocument.encode(options.schema, value, undefined),
      (json) => Effect.flatMap(Endpoint.send(self, { method: "POST", json }), Endpoint.json(Document.WriteResult))
    )
)

/**
 * `post` in batch mode (`batch=ok`, 202): acknowledged before it is written, so there is no
 * rev in the answer, and a write may be lost if the server stops before it flushes.
 *
 * @since 0.2.0
 * @category writes
 */
export const postBatched: {
  <A, I>(
    value: A & Document.WriteMeta,
    options: { readonly schema: Schema.Schema<A, I, never> }
  ): (self: Database) => Effect.Effect<Document.Accepted, CouchError, CouchAuth>
  (value: JsonObject): (self: Database) => Effect.Effect<Document.Accepted, CouchError, CouchAuth>
  <A, I>(
    self: Database,
    value: A & Document.WriteMeta,
    options: { readonly schema: Schema.Schema<A, I, never> }
  ): Effect.Effect<Document.Accepted, CouchError, CouchAuth>
  (self: Database, value: JsonObject): Effect.Effect<Document.Accepted, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  <A, I>(self: Database, value: unknown, options: { readonly schema?: Schema.Schema<A, I, never> } = {}) =>
    Effect.flatMap(
      internalDocument.encode(options.schema, value, undefined),
      (json) =>
        Effect.flatMap(
          Endpoint.send(self, { method: "POST", query: { batch: "ok" }, json }),
          Endpoint.json(Document.Accepted)
        )
    )
)

/**
 * Revisions per document id: the body of `_revs_diff`, `_missing_revs` and `_purge`.
 *
 * @since 0.2.0
 * @category models
 */
export interface RevsById {
  readonly [id: string]: ReadonlyArray<string>
}

/**
 * The answer of `_revs_diff`: for each document with revisions the database lacks, those
 * `missing` revisions and the leaves it has that could be their ancestors.
 *
 * @since 0.2.0
 * @category schemas
 */
export const RevsDiff = Schema.Record({
  key: Schema.String,
  value: Schema.Struct({
    missing: Schema.Array(Schema.String),
    possible_ancestors: Schema.optional(Schema.Array(Schema.String))
  })
})

/**
 * @since 0.2.0
 * @category models
 */
export type RevsDiff = Schema.Schema.Type<typeof RevsDiff>

/**
 * Which of the given revisions the database lacks (`POST /{db}/_revs_diff`), as replication
 * asks. Documents whose revisions are all there are left out of the answer.
 *
 * @since 0.2.0
 * @category replication
 */
export const revsDiff: Handle.OperationWith<Database, RevsById, RevsDiff> = Endpoint.makeWith(
  (_, revs: RevsById) => ({ method: "POST", path: ["_revs_diff"], json: revs }),
  Endpoint.json(RevsDiff)
)

/**
 * The answer of `_missing_revs`: `{"missing_revs": {id: [rev, …]}}`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const MissingRevs = Schema.Struct({
  missing_revs: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })
})

/**
 * @since 0.2.0
 * @category models
 */
export interface MissingRevs extends Schema.Schema.Type<typeof MissingRevs> {}

/**
 * Which of the given revisions the database lacks, per document (`POST /{db}/_missing_revs`,
 * the older form of `revsDiff`, without ancestors). pouchdb-server lacks it.
 *
 * @since 0.2.0
 * @category replication
 */
export const missingRevs: Handle.OperationWith<Database, RevsById, MissingRevs["missing_revs"]> = Endpoint
  .makeWith(
    (_, revs: RevsById) => ({ method: "POST", path: ["_missing_revs"], json: revs }),
    (response) => Effect.map(response.decode(MissingRevs), (body) => body.missing_revs)
  )

const positiveInt = (what: string, n: number): Either.Either<number, InvalidRequest> =>
  Number.isSafeInteger(n) && n > 0
    ? Either.right(n)
    : Either.left(new InvalidRequest({ description: `${what}: ${n} is not a positive integer` }))

/**
 * How many revisions of each document the database remembers (`GET /{db}/_revs_limit`;
 * 1000 by default). pouchdb-server lacks it.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const revsLimit = (self: Database): Effect.Effect<number, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_revs_limit"] }), Endpoint.json(Schema.Int))

/**
 * Sets how many revisions of each document the database remembers (`PUT /{db}/_revs_limit`
 * with the bare number). Not a positive integer is an `InvalidRequest`, sent nowhere (CouchDB
 * would answer 500).
 *
 * @since 0.2.0
 * @category maintenance
 */
export const setRevsLimit: Handle.OperationWith<Database, number, Ok> = Endpoint.makeWith(
  (_, limit: number) =>
    Either.map(positiveInt("Database.setRevsLimit", limit), (json) => ({ method: "PUT", path: ["_revs_limit"], json })),
  Endpoint.json(Ok)
)

/**
 * The answer of `_purge`: the revisions purged per document (none for unknown ones).
 * `purge_seq` is `null` on CouchDB 2+, a number on 1.x.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Purged = Schema.Struct({
  purge_seq: Schema.NullOr(Seq),
  purged: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Purged extends Schema.Schema.Type<typeof Purged> {}

/**
 * Removes document revisions for good, as if never written (`POST /{db}/_purge`): they do
 * not replicate, and views drop them. Unlike a delete, nothing is left behind. Purging the
 * only leaf of a document removes the document. pouchdb-server lacks it.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const purge: Handle.OperationWith<Database, RevsById, Purged> = Endpoint.makeWith(
  (_, revs: RevsById) => ({ method: "POST", path: ["_purge"], json: revs }),
  Endpoint.json(Purged)
)

/**
 * How many purges the database remembers for its indexes and replicas to catch up with
 * (`GET /{db}/_purged_infos_limit`; 1000 by default). pouchdb-server lacks it.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const purgedInfosLimit = (self: Database): Effect.Effect<number, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_purged_infos_limit"] }), Endpoint.json(Schema.Int))

/**
 * The purges the database remembers (`GET /{db}/_purged_infos`, CouchDB 3.4+): each purged
 * document id with the revisions purged from it.
 *
 * @since 0.2.0
 * @category schemas
 */
export const PurgedInfos = Schema.Struct({
  purged_infos: Schema.Array(Schema.Struct({ id: Schema.String, revs: Schema.Array(Schema.String) }))
})

/**
 * @since 0.2.0
 * @category schemas
 */
export interface PurgedInfos extends Schema.Schema.Type<typeof PurgedInfos> {}

/**
 * The purge history the database keeps (`GET /{db}/_purged_infos`, CouchDB 3.4+), at most
 * `purgedInfosLimit` entries. pouchdb-server lacks it.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const purgedInfos = (self: Database): Effect.Effect<PurgedInfos, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_purged_infos"] }), Endpoint.json(PurgedInfos))

/**
 * Sets how many purges the database remembers (`PUT /{db}/_purged_infos_limit` with the bare
 * number). Not a positive integer is an `InvalidRequest`, sent nowhere.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const setPurgedInfosLimit: Handle.OperationWith<Database, number, Ok> = Endpoint.makeWith(
  (_, limit: number) =>
    Either.map(
      positiveInt("Database.setPurgedInfosLimit", limit),
      (json) => ({ method: "PUT", path: ["_purged_infos_limit"], json })
    ),
  Endpoint.json(Ok)
)

// CouchDB answers 415 to these POSTs unless they say their (empty) body is JSON.
const jsonPost = (self: Database, path: string) =>
  Endpoint.send(self, { method: "POST", path: [path], headers: { "content-type": "application/json" } })

/**
 * Starts compacting the database (`POST /{db}/_compact`; 202 Accepted): old revisions'
 * bodies and unused space are dropped in the background, watch `compact_running` in `info`
 * or `Server.activeTasks`. Needs a database admin.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const compact = (self: Database): Effect.Effect<Ok, CouchError, CouchAuth> =>
  Effect.flatMap(jsonPost(self, "_compact"), Endpoint.json(Ok))

/**
 * Removes the index files of views no design document uses any more
 * (`POST /{db}/_view_cleanup`; 202 Accepted). Needs a database admin.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const viewCleanup = (self: Database): Effect.Effect<Ok, CouchError, CouchAuth> =>
  Effect.flatMap(jsonPost(self, "_view_cleanup"), Endpoint.json(Ok))

/**
 * Removes the Clouseau search indexes no design document uses any more
 * (`POST /{db}/_search_cleanup`; 202 Accepted). Needs a server with the search service.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const searchCleanup = (self: Database): Effect.Effect<Ok, CouchError, CouchAuth> =>
  Effect.flatMap(jsonPost(self, "_search_cleanup"), Endpoint.json(Ok))

/**
 * Removes the Nouveau indexes no design document uses any more
 * (`POST /{db}/_nouveau_cleanup`, CouchDB 3.4+; 202 Accepted). Needs a Nouveau server.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const nouveauCleanup = (self: Database): Effect.Effect<Ok, CouchError, CouchAuth> =>
  Effect.flatMap(jsonPost(self, "_nouveau_cleanup"), Endpoint.json(Ok))

/**
 * The answer of `_ensure_full_commit`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const FullCommit = Schema.Struct({ ok: Schema.Literal(true), instance_start_time: Schema.String })

/**
 * @since 0.2.0
 * @category models
 */
export interface FullCommit extends Schema.Schema.Type<typeof FullCommit> {}

/**
 * Asks the server to write pending changes to disk (`POST /{db}/_ensure_full_commit`), as
 * replicators do before a checkpoint. CouchDB 2+ commits every write before answering, so
 * there it only answers; `instance_start_time` tells whether the database was reopened.
 *
 * @since 0.2.0
 * @category maintenance
 */
export const ensureFullCommit = (self: Database): Effect.Effect<FullCommit, CouchError, CouchAuth> =>
  Effect.flatMap(jsonPost(self, "_ensure_full_commit"), Endpoint.json(FullCommit))

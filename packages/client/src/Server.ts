/**
 * The server itself: its identity, health, databases, uuids, running tasks and cluster
 * membership. Every operation takes the client service, which is the handle of the server's
 * root: `Server.info(couch)` or `couch.pipe(Server.allDbs({ limit: 10 }))`.
 *
 * @since 0.2.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Seq } from "./Changes.js"
import type { CouchAuth } from "./CouchAuth.js"
import type { QueryValue, Service } from "./CouchClient.js"
import { type CouchError, InvalidRequest } from "./CouchError.js"
import { Info as DatabaseInfo } from "./Database.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"

/**
 * What `GET /` says about the server. CouchDB 3 sends every field; pouchdb-server has no
 * `couchdb` welcome key (and adds its own), CouchDB 1.x has no `features` or `git_sha`, so
 * those are optional: to tell CouchDB apart, look at `couchdb` and `vendor`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Info = Schema.Struct({
  /** `"Welcome"` on CouchDB; absent on pouchdb-server. */
  couchdb: Schema.optional(Schema.String),
  version: Schema.String,
  git_sha: Schema.optional(Schema.String),
  uuid: Schema.optional(Schema.String),
  /** Optional features this server has, e.g. `partitioned`, `quickjs`, `scheduler`. */
  features: Schema.optional(Schema.Array(Schema.String)),
  vendor: Schema.optional(Schema.Struct({ name: Schema.String, version: Schema.optional(Schema.String) }))
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Info extends Schema.Schema.Type<typeof Info> {}

/**
 * The server's welcome: its version, vendor and features (`GET /`).
 *
 * @since 0.2.0
 * @category reads
 * @example
 * ```ts
 * import { CouchClient, Server } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const info = yield* Server.info(yield* CouchClient.CouchClient)
 *   return info.couchdb === undefined ? `not CouchDB (${info.version})` : `CouchDB ${info.version}`
 * })
 * ```
 */
export const info = (self: Service): Effect.Effect<Info, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET" }), Endpoint.json(Info))

/**
 * What `GET /_up` answers while the node is up: `status` is `"ok"`; `seeds` reports the
 * seed nodes when `[cluster] seedlist` is set (`{}` otherwise).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Up = Schema.Struct({
  status: Schema.String,
  seeds: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Up extends Schema.Schema.Type<typeof Up> {}

/**
 * The health check (`GET /_up`, CouchDB 2+), for load balancers and readiness probes. A
 * node in maintenance mode (`maintenance_mode` or `nolb`) answers 404, which is `NotFound`;
 * so does a server without the endpoint (CouchDB 1.x, pouchdb-server).
 *
 * @since 0.2.0
 * @category reads
 */
export const up = (self: Service): Effect.Effect<Up, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_up"] }), Endpoint.json(Up))

/**
 * A range of database names, with CouchDB's names. Names are sent as JSON strings.
 *
 * @since 0.2.0
 * @category models
 */
export interface NameRange {
  /** The first name of the range. */
  readonly startkey?: string | undefined
  /** The last name of the range. */
  readonly endkey?: string | undefined
  /** From the last name to the first (then `startkey` is the higher name). */
  readonly descending?: boolean | undefined
  /** `false` to leave `endkey` itself out. */
  readonly inclusive_end?: boolean | undefined
}

/**
 * Options of `_all_dbs` and of `_dbs_info` over a range, with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface RangeOptions extends NameRange {
  /** At most this many names. */
  readonly limit?: number | undefined
  /** Skip this many names first. */
  readonly skip?: number | undefined
}

const rangeQuery = (options: RangeOptions): Record<string, QueryValue> => ({
  ...Endpoint.pick(options, ["descending", "inclusive_end", "limit", "skip"]),
  // CouchDB reads the keys as JSON: a name is sent as a JSON string.
  startkey: options.startkey === undefined ? undefined : JSON.stringify(options.startkey),
  endkey: options.endkey === undefined ? undefined : JSON.stringify(options.endkey)
})

const DbNames = Schema.Array(Schema.String)

/**
 * The names of the server's databases (`GET /_all_dbs`), sorted by name, one page at a time
 * with `limit`/`skip`/`startkey`; `streamAllDbs` pages through all of them. CouchDB 3 lets
 * only server admins list databases (unless `[chttpd] admin_only_all_dbs` is `false`).
 * pouchdb-server ignores every option and always answers the full list.
 *
 * @since 0.2.0
 * @category reads
 */
export const allDbs: Handle.Operation<Service, RangeOptions, ReadonlyArray<string>> = Endpoint.make(
  (_, options: RangeOptions) => ({ method: "GET", path: ["_all_dbs"], query: rangeQuery(options) }),
  Endpoint.json(DbNames)
)

/**
 * Options of `streamAllDbs`: a range, and how many names each request asks for.
 *
 * @since 0.2.0
 * @category models
 */
export interface StreamAllDbsOptions extends NameRange {
  /** Names per request (`limit`); 1000 by default. */
  readonly pageSize?: number | undefined
}

const isCount = (n: number, min: number) => Number.isSafeInteger(n) && n >= min

/**
 * Every database name, as a stream that asks for the next page (`startkey` = the last name
 * seen, `skip=1`) only when the previous one has been consumed. It ends after a short page.
 * A server that ignores the paging options (pouchdb-server answers the full list every time)
 * still yields each name once: a page longer than asked for ends the stream, and names that
 * do not come after the last one are dropped.
 *
 * @since 0.2.0
 * @category streams
 * @example
 * ```ts
 * import { CouchClient, Server } from "@effect-couchdb/client"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const couch = yield* CouchClient.CouchClient
 *   // The user databases; system databases start with "_" and sort first.
 *   return yield* couch.pipe(
 *     Server.streamAllDbs({ startkey: "a", pageSize: 100 }),
 *     Stream.take(500),
 *     Stream.runCollect
 *   )
 * })
 * ```
 */
export const streamAllDbs: Handle.Feed<Service, StreamAllDbsOptions, string> = dual(
  Endpoint.isDataFirst,
  (self: Service, options: StreamAllDbsOptions = {}): Stream.Stream<string, CouchError, CouchAuth> => {
    const { pageSize = 1000, ...range } = options
    if (!isCount(pageSize, 1)) {
      return Stream.fail(new InvalidRequest({ description: "Server.streamAllDbs: pageSize is not a positive integer" }))
    }
    const after = (name: string, last: string) => range.descending === true ? name < last : name > last
    return Stream.paginateChunkEffect(Option.none<string>(), (last) =>
      Effect.map(
        allDbs(self, {
          ...range,
          limit: pageSize,
          ...(Option.isSome(last) ? { startkey: last.value, skip: 1 } : {})
        }),
        (page) => {
          const fresh = Option.isSome(last) ? page.filter((name) => after(name, last.value)) : page
          const newest = fresh[fresh.length - 1]
          // A full page may have a next one; a short page, or one longer than asked for, is the last.
          const next = page.length === pageSize && newest !== undefined
            ? Option.some(Option.some(newest))
            : Option.none()
          return [Chunk.unsafeFromArray(fresh), next] as const
        }
      ))
  }
)

/**
 * A database `_dbs_info` found: its name and its information.
 *
 * @since 0.2.0
 * @category schemas
 */
export const DbsInfoFound = Schema.Struct({ key: Schema.String, info: DatabaseInfo })

/**
 * @since 0.2.0
 * @category models
 */
export interface DbsInfoFound extends Schema.Schema.Type<typeof DbsInfoFound> {}

/**
 * A database `_dbs_info` was asked about with `keys` that does not exist:
 * `{"key": "nope", "error": "not_found"}`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const DbsInfoMissing = Schema.Struct({ key: Schema.String, error: Schema.String })

/**
 * @since 0.2.0
 * @category models
 */
export interface DbsInfoMissing extends Schema.Schema.Type<typeof DbsInfoMissing> {}

/**
 * One row of `_dbs_info`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const DbsInfoRow = Schema.Union(DbsInfoFound, DbsInfoMissing)

/**
 * @since 0.2.0
 * @category models
 */
export type DbsInfoRow = Schema.Schema.Type<typeof DbsInfoRow>

/**
 * @since 0.2.0
 * @category guards
 */
export const isDbsInfoMissing = (row: DbsInfoRow): row is DbsInfoMissing => "error" in row

/**
 * Options of `_dbs_info`: a range of names (`GET`), or the names to look up (`POST` with
 * `keys`; CouchDB allows up to `[chttpd] max_db_number_for_dbs_info_req`, 100 by default).
 *
 * @since 0.2.0
 * @category models
 */
export type DbsInfoOptions = (RangeOptions & { readonly keys?: undefined }) | { readonly keys: ReadonlyArray<string> }

/**
 * The information of several databases in one request (CouchDB 2.2+; pouchdb-server lacks
 * it). With `keys`, a database that does not exist is a row with `error` (see
 * `isDbsInfoMissing`) rather than a failure.
 *
 * @since 0.2.0
 * @category reads
 */
export const dbsInfo: Handle.Operation<Service, DbsInfoOptions, ReadonlyArray<DbsInfoRow>> = Endpoint.make(
  (_, options: DbsInfoOptions) =>
    options.keys !== undefined
      ? { method: "POST", path: ["_dbs_info"], json: { keys: options.keys } }
      : { method: "GET", path: ["_dbs_info"], query: rangeQuery(options) },
  Endpoint.json(Schema.Array(DbsInfoRow))
)

/**
 * `GET /_uuids`: `{"uuids": [...]}`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Uuids = Schema.Struct({ uuids: Schema.Array(Schema.String) })

/**
 * @since 0.2.0
 * @category models
 */
export interface Uuids extends Schema.Schema.Type<typeof Uuids> {}

/**
 * `count` fresh UUIDs from the server (`GET /_uuids`; one by default). CouchDB caps `count`
 * at `[uuids] max_count` (1000 by default).
 *
 * @since 0.2.0
 * @category reads
 */
export const uuids: Handle.Operation<Service, { readonly count?: number | undefined }, ReadonlyArray<string>> = Endpoint
  .make(
    (_, options: { readonly count?: number | undefined }) =>
      options.count !== undefined && !isCount(options.count, 0)
        ? Either.left(new InvalidRequest({ description: "Server.uuids: count is not a non-negative integer" }))
        : Either.right({ method: "GET", path: ["_uuids"], query: Endpoint.pick(options, ["count"]) }),
    (response) => Effect.map(response.decode(Uuids), (body) => body.uuids)
  )

/**
 * What an analyzer makes of a text: `{ analyzer, text }`, the body of `_search_analyze` and
 * `_nouveau_analyze`.
 *
 * @since 0.2.0
 * @category models
 */
export interface AnalyzeRequest {
  readonly analyzer: string
  readonly text: string
}

/**
 * The tokens an analyzer produced.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Tokens = Schema.Struct({ tokens: Schema.Array(Schema.String) })

/**
 * @since 0.2.0
 * @category schemas
 */
export interface Tokens extends Schema.Schema.Type<typeof Tokens> {}

/**
 * Tokenizes `text` with a Clouseau (Lucene) analyzer (`POST /_search_analyze`), to see how
 * a search index would read it. Needs a server with the search service.
 *
 * @since 0.2.0
 * @category reads
 */
export const searchAnalyze: Handle.OperationWith<Service, AnalyzeRequest, ReadonlyArray<string>> = Endpoint.makeWith(
  (_, request: AnalyzeRequest) => ({ method: "POST", path: ["_search_analyze"], json: request }),
  (response) => Effect.map(response.decode(Tokens), (body) => body.tokens)
)

/**
 * Tokenizes `text` with a Nouveau analyzer (`POST /_nouveau_analyze`, CouchDB 3.4+). Needs a
 * Nouveau server.
 *
 * @since 0.2.0
 * @category reads
 */
export const nouveauAnalyze: Handle.OperationWith<Service, AnalyzeRequest, ReadonlyArray<string>> = Endpoint.makeWith(
  (_, request: AnalyzeRequest) => ({ method: "POST", path: ["_nouveau_analyze"], json: request }),
  (response) => Effect.map(response.decode(Tokens), (body) => body.tokens)
)

const taskFields = {
  /** The node running the task (CouchDB 2+). */
  node: Schema.optional(Schema.String),
  /** The Erlang process id, e.g. `"<0.16832.1>"`. */
  pid: Schema.String,
  /** `running`, `waiting`, … (CouchDB 3). */
  process_status: Schema.optional(Schema.String),
  /** Unix time in seconds. */
  started_on: Schema.Number,
  /** Unix time in seconds. */
  updated_on: Schema.Number
}

const progressFields = {
  /** Percent done. */
  progress: Schema.Number,
  changes_done: Schema.Number,
  total_changes: Schema.Number
}

/**
 * A view index being built. On a clustered database there is one task per shard, and
 * `database` is the shard's name (`shards/<range>/<db>.<suffix>`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const IndexerTask = Schema.Struct({
  type: Schema.Literal("indexer"),
  ...taskFields,
  database: Schema.String,
  design_document: Schema.String,
  indexer_pid: Schema.optional(Schema.String),
  ...progressFields
})

/**
 * @since 0.2.0
 * @category models
 */
export interface IndexerTask extends Schema.Schema.Type<typeof IndexerTask> {}

/**
 * A running replication. `source` and `target` have their credentials removed.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ReplicationTask = Schema.Struct({
  type: Schema.Literal("replication"),
  ...taskFields,
  replication_id: Schema.String,
  source: Schema.String,
  target: Schema.String,
  continuous: Schema.Boolean,
  /** The `_replicator` database of a replication document, `null` for `/_replicate`. */
  database: Schema.optional(Schema.NullOr(Schema.String)),
  doc_id: Schema.optional(Schema.NullOr(Schema.String)),
  user: Schema.optional(Schema.NullOr(Schema.String)),
  changes_pending: Schema.optional(Schema.NullOr(Schema.Number)),
  checkpointed_source_seq: Schema.optional(Seq),
  source_seq: Schema.optional(Seq),
  through_seq: Schema.optional(Seq),
  checkpoint_interval: Schema.optional(Schema.Number),
  docs_read: Schema.Number,
  docs_written: Schema.Number,
  doc_write_failures: Schema.Number,
  missing_revisions_found: Schema.Number,
  revisions_checked: Schema.Number,
  bulk_get_docs: Schema.optional(Schema.Number),
  bulk_get_attempts: Schema.optional(Schema.Number)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface ReplicationTask extends Schema.Schema.Type<typeof ReplicationTask> {}

/**
 * A database being compacted (one task per shard on CouchDB 2+).
 *
 * @since 0.2.0
 * @category schemas
 */
export const DatabaseCompactionTask = Schema.Struct({
  type: Schema.Literal("database_compaction"),
  ...taskFields,
  database: Schema.String,
  /** e.g. `document_copy`, `docid_sort`, `docid_copy` (CouchDB 3). */
  phase: Schema.optional(Schema.String),
  /** True when the compaction resumed after an interruption. */
  retry: Schema.optional(Schema.Boolean),
  ...progressFields
})

/**
 * @since 0.2.0
 * @category models
 */
export interface DatabaseCompactionTask extends Schema.Schema.Type<typeof DatabaseCompactionTask> {}

/**
 * The views of a design document being compacted.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ViewCompactionTask = Schema.Struct({
  type: Schema.Literal("view_compaction"),
  ...taskFields,
  database: Schema.String,
  design_document: Schema.String,
  phase: Schema.optional(Schema.String),
  progress: Schema.Number,
  changes_done: Schema.optional(Schema.Number),
  total_changes: Schema.optional(Schema.Number)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface ViewCompactionTask extends Schema.Schema.Type<typeof ViewCompactionTask> {}

/**
 * A search index being built (the Clouseau/Lucene search plugin).
 *
 * @since 0.2.0
 * @category schemas
 */
export const SearchIndexerTask = Schema.Struct({
  type: Schema.Literal("search_indexer"),
  ...taskFields,
  database: Schema.String,
  design_document: Schema.String,
  index: Schema.String,
  ...progressFields
})

/**
 * @since 0.2.0
 * @category models
 */
export interface SearchIndexerTask extends Schema.Schema.Type<typeof SearchIndexerTask> {}

/**
 * The tasks whose shape is modelled, discriminated by `type`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const KnownTask = Schema.Union(
  IndexerTask,
  ReplicationTask,
  DatabaseCompactionTask,
  ViewCompactionTask,
  SearchIndexerTask
)

/**
 * @since 0.2.0
 * @category models
 */
export type KnownTask = Schema.Schema.Type<typeof KnownTask>

const knownTypes: ReadonlySet<string> = new Set(KnownTask.members.map((task) => task.fields.type.literals[0]))

/**
 * A task of a kind this client does not model: its `type` and every field, as sent. A task of
 * a known kind never decodes as this (a malformed one is a `DecodeError`), so `isKnownTask`
 * tells them apart.
 *
 * @since 0.2.0
 * @category schemas
 */
export const OtherTask = Schema.Struct(
  {
    type: Schema.String.pipe(Schema.filter((type) => !knownTypes.has(type), { message: () => "a known task type" }))
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/**
 * @since 0.2.0
 * @category models
 */
export interface OtherTask extends Schema.Schema.Type<typeof OtherTask> {}

/**
 * One entry of `_active_tasks`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ActiveTask = Schema.Union(KnownTask, OtherTask)

/**
 * @since 0.2.0
 * @category models
 */
export type ActiveTask = KnownTask | OtherTask

/**
 * True for the kinds of task this client models: narrow with it, then `switch` on `type`.
 *
 * @since 0.2.0
 * @category guards
 * @example
 * ```ts
 * import { CouchClient, Server } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const indexing = Effect.gen(function*() {
 *   const tasks = yield* Server.activeTasks(yield* CouchClient.CouchClient)
 *   return tasks.filter(Server.isKnownTask).flatMap((task) =>
 *     task.type === "indexer" ? [`${task.design_document}: ${task.progress}%`] : []
 *   )
 * })
 * ```
 */
export const isKnownTask = (task: ActiveTask): task is KnownTask => knownTypes.has(task.type)

/**
 * The tasks running on the server (`GET /_active_tasks`; server admins only). Replications
 * that the scheduler has paused do not show.
 *
 * @since 0.2.0
 * @category reads
 */
export const activeTasks = (self: Service): Effect.Effect<ReadonlyArray<ActiveTask>, CouchError, CouchAuth> =>
  Effect.flatMap(
    Endpoint.send(self, { method: "GET", path: ["_active_tasks"] }),
    Endpoint.json(Schema.Array(ActiveTask))
  )

/**
 * `GET /_membership`: the nodes this node knows, and the ones in the cluster.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Membership = Schema.Struct({
  all_nodes: Schema.Array(Schema.String),
  cluster_nodes: Schema.Array(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Membership extends Schema.Schema.Type<typeof Membership> {}

/**
 * The cluster's nodes (`GET /_membership`, CouchDB 2+).
 *
 * @since 0.2.0
 * @category reads
 */
export const membership = (self: Service): Effect.Effect<Membership, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_membership"] }), Endpoint.json(Membership))

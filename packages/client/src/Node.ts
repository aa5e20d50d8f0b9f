/**
 * One node of a CouchDB server (`/_node/{node-name}`, `_local` by default): its
 * configuration (read, set, delete, reload), statistics (`_stats`, `_system`,
 * `_prometheus`, `_smoosh/status`), versions, name and restart. Needs a server admin.
 *
 * Configuration values are strings both ways, as CouchDB keeps them (`"true"`, `"200"`).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type { CouchAuth } from "./CouchAuth.js"
import type { Service } from "./CouchClient.js"
import type { CouchError } from "./CouchError.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"

/**
 * Which node: a node name (`couchdb@127.0.0.1`, see `_membership`), or `_local`, the node
 * that answers (the default).
 *
 * @since 0.2.0
 * @category models
 */
export interface NodeOptions {
  readonly node?: string | undefined
}

const nodePath = (options: NodeOptions, ...rest: ReadonlyArray<string>): ReadonlyArray<string> => [
  "_node",
  options.node ?? "_local",
  ...rest
]

/**
 * The node's Erlang name (`GET /_node/{node-name}`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Info = Schema.Struct({ name: Schema.String })

/**
 * @since 0.2.0
 * @category models
 */
export interface Info extends Schema.Schema.Type<typeof Info> {}

/**
 * The name of the node (useful with `_local`: which node of a cluster answered).
 *
 * @since 0.2.0
 * @category reads
 */
export const info: Handle.Operation<Service, NodeOptions, Info> = Endpoint.make(
  (_, options: NodeOptions) => ({ method: "GET", path: nodePath(options) }),
  Endpoint.json(Info)
)

// -----------------------------------------------------------------------------
// Configuration
// -----------------------------------------------------------------------------

/**
 * One configuration section: keys to values.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ConfigSection = Schema.Record({ key: Schema.String, value: Schema.String })

/**
 * @since 0.2.0
 * @category models
 */
export type ConfigSection = typeof ConfigSection.Type

/**
 * The whole configuration: sections to keys to values.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Config = Schema.Record({ key: Schema.String, value: ConfigSection })

/**
 * @since 0.2.0
 * @category models
 */
export type Config = typeof Config.Type

/**
 * The node's whole configuration (`GET /_node/{node-name}/_config`).
 *
 * @since 0.2.0
 * @category config
 */
export const config: Handle.Operation<Service, NodeOptions, Config> = Endpoint.make(
  (_, options: NodeOptions) => ({ method: "GET", path: nodePath(options, "_config") }),
  Endpoint.json(Config)
)

/**
 * A configuration section to read.
 *
 * @since 0.2.0
 * @category models
 */
export interface SectionOptions extends NodeOptions {
  readonly section: string
}

/**
 * One configuration section (`GET /_node/{node-name}/_config/{section}`); a section with
 * no keys set is `{}`.
 *
 * @since 0.2.0
 * @category config
 */
export const configSection: Handle.OperationWith<Service, SectionOptions, ConfigSection> = Endpoint.makeWith(
  (_, options: SectionOptions) => ({ method: "GET", path: nodePath(options, "_config", options.section) }),
  Endpoint.json(ConfigSection)
)

/**
 * A configuration key.
 *
 * @since 0.2.0
 * @category models
 */
export interface KeyOptions extends SectionOptions {
  readonly key: string
}

/**
 * A configuration write.
 *
 * @since 0.2.0
 * @category models
 */
export interface WriteOptions extends KeyOptions {
  /** `false` to change the running node only, not its ini files (`X-Couch-Persist: false`). */
  readonly persist?: boolean | undefined
}

/**
 * A configuration value to set.
 *
 * @since 0.2.0
 * @category models
 */
export interface PutOptions extends WriteOptions {
  readonly value: string
}

/** A key that is not set: CouchDB's 404 `unknown_config_value`. */
const isUnset = (error: CouchError) => error._tag === "NotFound" && error.reason === "unknown_config_value"

const persistHeader = (options: WriteOptions) => options.persist === false ? { "x-couch-persist": "false" } : undefined

/** A value CouchDB answered, where `""` stands for "was not set". */
const previous = (value: string): Option.Option<string> => value === "" ? Option.none() : Option.some(value)

const getValue = Endpoint.makeWith(
  (_, options: KeyOptions) => ({ method: "GET", path: nodePath(options, "_config", options.section, options.key) }),
  Endpoint.json(Schema.String)
)

/**
 * A configuration value (`GET /_node/{node-name}/_config/{section}/{key}`), or
 * `Option.none()` when the key is not set.
 *
 * @since 0.2.0
 * @category config
 * @example
 * ```ts
 * import { CouchClient, Node } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const couch = yield* CouchClient.CouchClient
 *   const before = yield* Node.putConfig(couch, { section: "couchdb", key: "max_document_size", value: "8000000" })
 *   const now = yield* Node.getConfig(couch, { section: "couchdb", key: "max_document_size" })
 *   return { before, now } // Option.none() before: it was not set
 * })
 * ```
 */
export const getConfig: Handle.OperationWith<Service, KeyOptions, Option.Option<string>> = dual(
  Endpoint.isDataFirst,
  (self: Service, options: KeyOptions): Effect.Effect<Option.Option<string>, CouchError, CouchAuth> =>
    getValue(self, options).pipe(
      Effect.map(Option.some),
      Effect.catchIf(isUnset, () => Effect.succeedNone)
    )
)

/**
 * Sets a configuration value (`PUT /_node/{node-name}/_config/{section}/{key}`) and answers
 * the value it replaced: `Option.none()` when the key was not set (CouchDB answers `""`
 * then, the same as for a key set to the empty string).
 *
 * @since 0.2.0
 * @category config
 */
export const putConfig: Handle.OperationWith<Service, PutOptions, Option.Option<string>> = Endpoint.makeWith(
  (_, options: PutOptions) => ({
    method: "PUT",
    path: nodePath(options, "_config", options.section, options.key),
    headers: persistHeader(options),
    json: options.value
  }),
  (response) => Effect.map(response.decode(Schema.String), previous)
)

const deleteValue = Endpoint.makeWith(
  (_, options: WriteOptions) => ({
    method: "DELETE",
    path: nodePath(options, "_config", options.section, options.key),
    headers: persistHeader(options)
  }),
  Endpoint.json(Schema.String)
)

/**
 * Deletes a configuration value (`DELETE /_node/{node-name}/_config/{section}/{key}`), which
 * restores its default, and answers the value removed: `Option.none()` when the key was not
 * set.
 *
 * @since 0.2.0
 * @category config
 */
export const removeConfig: Handle.OperationWith<Service, WriteOptions, Option.Option<string>> = dual(
  Endpoint.isDataFirst,
  (self: Service, options: WriteOptions): Effect.Effect<Option.Option<string>, CouchError, CouchAuth> =>
    deleteValue(self, options).pipe(
      Effect.map(previous),
      Effect.catchIf(isUnset, () => Effect.succeedNone)
    )
)

/**
 * Reloads the configuration from the ini files (`POST /_node/{node-name}/_config/_reload`,
 * CouchDB 3+), dropping changes written with `persist: false`.
 *
 * @since 0.2.0
 * @category config
 */
export const reloadConfig: Handle.Operation<Service, NodeOptions, void> = Endpoint.make(
  (_, options: NodeOptions) => ({ method: "POST", path: nodePath(options, "_config", "_reload") }),
  Endpoint.discard
)

// -----------------------------------------------------------------------------
// Statistics
// -----------------------------------------------------------------------------

/**
 * The value of a `histogram` metric, over the last collection interval.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Histogram = Schema.Struct({
  n: Schema.optional(Schema.Number),
  min: Schema.Number,
  max: Schema.Number,
  arithmetic_mean: Schema.Number,
  geometric_mean: Schema.Number,
  harmonic_mean: Schema.Number,
  median: Schema.Number,
  variance: Schema.Number,
  standard_deviation: Schema.Number,
  skewness: Schema.Number,
  kurtosis: Schema.Number,
  /** `[percentile, value]` pairs: 50, 75, 90, 95, 99, 999. */
  percentile: Schema.Array(Schema.Tuple(Schema.Number, Schema.Number)),
  histogram: Schema.Array(Schema.Tuple(Schema.Number, Schema.Number))
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Histogram extends Schema.Schema.Type<typeof Histogram> {}

/**
 * One metric: a `counter` (since the node started), a `gauge`, or a `histogram`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Metric = Schema.Struct({
  value: Schema.Union(Schema.Number, Histogram),
  type: Schema.Literal("counter", "gauge", "histogram"),
  desc: Schema.String
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Metric extends Schema.Schema.Type<typeof Metric> {}

/**
 * A group of metrics (`couchdb`, `fabric`, `couch_replicator`, …), nested by name.
 *
 * @since 0.2.0
 * @category models
 */
export interface StatsGroup {
  readonly [name: string]: Metric | StatsGroup
}

/**
 * @since 0.2.0
 * @category schemas
 */
export const StatsGroup: Schema.Schema<StatsGroup> = Schema.Record({
  key: Schema.String,
  value: Schema.Union(Metric, Schema.suspend(() => StatsGroup))
})

/**
 * What `_stats` answers: a group, or one metric when the path names one.
 *
 * @since 0.2.0
 * @category models
 */
export type Stats = Metric | StatsGroup

/**
 * Whether a stats value is a metric (rather than a group of them).
 *
 * @since 0.2.0
 * @category guards
 */
export const isMetric = (stats: Stats): stats is Metric =>
  typeof stats.desc === "string" && typeof stats.type === "string" && "value" in stats

/**
 * Options of `stats`.
 *
 * @since 0.2.0
 * @category models
 */
export interface StatsOptions extends NodeOptions {
  /** A group or a metric, e.g. `["couchdb", "request_time"]`; all of them by default. */
  readonly path?: ReadonlyArray<string> | undefined
}

/**
 * The node's statistics (`GET /_node/{node-name}/_stats[/{group}/{metric}…]`). Use
 * `isMetric` to tell one metric from a group.
 *
 * @since 0.2.0
 * @category stats
 */
export const stats: Handle.Operation<Service, StatsOptions, Stats> = Endpoint.make(
  (_, options: StatsOptions) => ({ method: "GET", path: nodePath(options, "_stats", ...(options.path ?? [])) }),
  Endpoint.json(Schema.Union(Metric, StatsGroup))
)

/**
 * The Erlang VM's statistics (`GET /_node/{node-name}/_system`): memory, queues, process
 * counts. Meant for CouchDB developers; the fields below are the stable ones.
 *
 * @since 0.2.0
 * @category schemas
 */
export const System = Schema.Struct({
  /** Seconds since the node started. */
  uptime: Schema.Number,
  /** Bytes, by kind (`processes`, `binary`, `ets`, …). */
  memory: Schema.Record({ key: Schema.String, value: Schema.Number }),
  run_queue: Schema.optional(Schema.Number),
  run_queue_dirty_cpu: Schema.optional(Schema.Number),
  ets_table_count: Schema.optional(Schema.Number),
  context_switches: Schema.optional(Schema.Number),
  reductions: Schema.optional(Schema.Number),
  garbage_collection_count: Schema.optional(Schema.Number),
  words_reclaimed: Schema.optional(Schema.Number),
  io_input: Schema.optional(Schema.Number),
  io_output: Schema.optional(Schema.Number),
  os_proc_count: Schema.optional(Schema.Number),
  stale_proc_count: Schema.optional(Schema.Number),
  process_count: Schema.optional(Schema.Number),
  process_limit: Schema.optional(Schema.Number),
  /** Message queue lengths of named processes (some are per-shard maps). */
  message_queues: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  internal_replication_jobs: Schema.optional(Schema.Number),
  distribution: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * @since 0.2.0
 * @category models
 */
export interface System extends Schema.Schema.Type<typeof System> {}

/**
 * The Erlang VM's statistics of the node.
 *
 * @since 0.2.0
 * @category stats
 */
export const system: Handle.Operation<Service, NodeOptions, System> = Endpoint.make(
  (_, options: NodeOptions) => ({ method: "GET", path: nodePath(options, "_system") }),
  Endpoint.json(System)
)

/**
 * The node's `_stats` and `_system` in Prometheus' text format
 * (`GET /_node/{node-name}/_prometheus`, CouchDB 3.2+).
 *
 * @since 0.2.0
 * @category stats
 */
export const prometheus: Handle.Operation<Service, NodeOptions, string> = Endpoint.make(
  (_, options: NodeOptions) => ({
    method: "GET",
    path: nodePath(options, "_prometheus"),
    headers: { accept: "text/plain" }
  }),
  (response) => response.text
)

/**
 * One channel of the auto-compaction daemon.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SmooshChannel = Schema.Struct({
  starting: Schema.Number,
  active: Schema.Number,
  waiting: Schema.Struct({ size: Schema.Number, min: Schema.Number, max: Schema.Number })
})

/**
 * The auto-compaction daemon's channels (`ratio_dbs`, `slack_views`, …).
 *
 * @since 0.2.0
 * @category schemas
 */
export const SmooshStatus = Schema.Struct({
  channels: Schema.Record({ key: Schema.String, value: SmooshChannel })
})

/**
 * @since 0.2.0
 * @category models
 */
export interface SmooshStatus extends Schema.Schema.Type<typeof SmooshStatus> {}

/**
 * The state of the auto-compaction daemon (`GET /_node/{node-name}/_smoosh/status`,
 * CouchDB 3.4+).
 *
 * @since 0.2.0
 * @category stats
 */
export const smooshStatus: Handle.Operation<Service, NodeOptions, SmooshStatus> = Endpoint.make(
  (_, options: NodeOptions) => ({ method: "GET", path: nodePath(options, "_smoosh", "status") }),
  Endpoint.json(SmooshStatus)
)

/**
 * The versions of what the node runs on (`GET /_node/{node-name}/_versions`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Versions = Schema.Struct({
  javascript_engine: Schema.optional(Schema.Struct({
    name: Schema.String,
    version: Schema.optional(Schema.String)
  })),
  erlang: Schema.Struct({
    version: Schema.String,
    supported_hashes: Schema.optional(Schema.Array(Schema.String))
  }),
  collation_driver: Schema.optional(Schema.Struct({
    name: Schema.String,
    library_version: Schema.optional(Schema.String),
    collator_version: Schema.optional(Schema.String),
    collation_algorithm_version: Schema.optional(Schema.String)
  })),
  /** With a search (Clouseau) node connected. */
  clouseau: Schema.optional(Schema.Struct({ version: Schema.String }))
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Versions extends Schema.Schema.Type<typeof Versions> {}

/**
 * The node's Erlang, JavaScript engine and collation versions.
 *
 * @since 0.2.0
 * @category reads
 */
export const versions: Handle.Operation<Service, NodeOptions, Versions> = Endpoint.make(
  (_, options: NodeOptions) => ({ method: "GET", path: nodePath(options, "_versions") }),
  Endpoint.json(Versions)
)

/**
 * Restarts CouchDB on the node (`POST /_node/{node-name}/_restart`): for integration
 * tests, not production, as CouchDB's reference says.
 *
 * @since 0.2.0
 * @category writes
 */
export const restart: Handle.Operation<Service, NodeOptions, void> = Endpoint.make(
  (_, options: NodeOptions) => ({ method: "POST", path: nodePath(options, "_restart") }),
  Endpoint.discard
)

/**
 * Cluster administration: the setup wizard (`_cluster_setup`), shard splitting
 * (`_reshard`: its global state and its jobs) and a database's shard map (`_shards`,
 * `_sync_shards`). Needs a server admin, except to read a shard map (a reader of the
 * database will do). Passwords given to the setup wizard stay `Redacted` until they are
 * written into the request body.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { CouchAuth } from "./CouchAuth.js"
import type { Service } from "./CouchClient.js"
import { type CouchError, InvalidRequest } from "./CouchError.js"
import type { Database } from "./Database.js"
import type { Document } from "./Document.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"

// -----------------------------------------------------------------------------
// _cluster_setup
// -----------------------------------------------------------------------------

/**
 * Where the node or cluster is in the setup wizard.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SetupState = Schema.Struct({
  state: Schema.Literal(
    "cluster_disabled",
    "single_node_disabled",
    "single_node_enabled",
    "cluster_enabled",
    "cluster_finished"
  )
})

/**
 * @since 0.2.0
 * @category models
 */
export interface SetupState extends Schema.Schema.Type<typeof SetupState> {}

/**
 * Options of `setupState`.
 *
 * @since 0.2.0
 * @category models
 */
export interface SetupStateOptions {
  /** The system databases that must exist (`["_users", "_replicator"]` by default). */
  readonly ensure_dbs_exist?: ReadonlyArray<string> | undefined
}

/**
 * The setup wizard's state (`GET /_cluster_setup`).
 *
 * @since 0.2.0
 * @category setup
 */
export const setupState: Handle.Operation<Service, SetupStateOptions, SetupState> = Endpoint.make(
  (_, options: SetupStateOptions) => ({
    method: "GET",
    path: ["_cluster_setup"],
    query: Endpoint.pick(options, ["ensure_dbs_exist"])
  }),
  Endpoint.json(SetupState)
)

/**
 * Configure this node as a standalone server: its admin, address and system databases.
 *
 * @since 0.2.0
 * @category models
 */
export interface EnableSingleNode {
  readonly action: "enable_single_node"
  readonly username: string
  readonly password: Redacted.Redacted<string>
  readonly bind_address?: string | undefined
  readonly port?: number | undefined
  readonly ensure_dbs_exist?: ReadonlyArray<string> | undefined
}

/**
 * Prepare this node (or, with `remote_node`, another one) to join a new cluster.
 *
 * @since 0.2.0
 * @category models
 */
export interface EnableCluster {
  readonly action: "enable_cluster"
  /** The admin to create. */
  readonly username: string
  readonly password: Redacted.Redacted<string>
  readonly bind_address?: string | undefined
  readonly port?: number | undefined
  /** The number of nodes the cluster will have (sets `n`, up to 3). */
  readonly node_count?: number | undefined
  /** Set up this remote node instead of the local one. */
  readonly remote_node?: string | undefined
  /** An admin of the remote node. */
  readonly remote_current_user?: string | undefined
  readonly remote_current_password?: Redacted.Redacted<string> | undefined
}

/**
 * Add a node, prepared with `enable_cluster`, to this cluster.
 *
 * @since 0.2.0
 * @category models
 */
export interface AddNode {
  readonly action: "add_node"
  readonly host: string
  readonly port?: number | undefined
  /** The Erlang node name (`couchdb` by default). */
  readonly name?: string | undefined
  /** The admin of the node to add. */
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

/**
 * Finish the cluster: create the system databases.
 *
 * @since 0.2.0
 * @category models
 */
export interface FinishCluster {
  readonly action: "finish_cluster"
  readonly ensure_dbs_exist?: ReadonlyArray<string> | undefined
}

/**
 * One step of the setup wizard (`POST /_cluster_setup`), as CouchDB's API reference lists
 * them.
 *
 * @since 0.2.0
 * @category models
 */
export type SetupAction = EnableSingleNode | EnableCluster | AddNode | FinishCluster

/** The action as JSON, its passwords revealed at the last moment. */
const setupBody = (action: SetupAction): Record<string, unknown> => {
  const json: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(action)) {
    json[key] = Redacted.isRedacted(value) ? Redacted.value(value) : value
  }
  return json
}

/**
 * Runs one step of the setup wizard. A step that does not apply (a cluster already
 * enabled or finished, a node that cannot be reached) fails with `BadRequest`.
 *
 * @since 0.2.0
 * @category setup
 * @example
 * ```ts
 * import { CouchClient, Cluster } from "@effect-couchdb/client"
 * import { Effect, Redacted } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const couch = yield* CouchClient.CouchClient
 *   yield* Cluster.setup(couch, {
 *     action: "enable_single_node",
 *     username: "admin",
 *     password: Redacted.make("secret"),
 *     bind_address: "0.0.0.0"
 *   })
 *   return yield* Cluster.setupState(couch)
 * })
 * ```
 */
export const setup: Handle.OperationWith<Service, SetupAction, void> = Endpoint.makeWith(
  (_, action: SetupAction) => ({ method: "POST", path: ["_cluster_setup"], json: setupBody(action) }),
  Endpoint.discard
)

// -----------------------------------------------------------------------------
// _reshard
// -----------------------------------------------------------------------------

const Ok = Schema.Struct({ ok: Schema.Literal(true) })

/**
 * Whether resharding runs on the cluster.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ReshardStateName = Schema.Literal("running", "stopped")

/**
 * Counts of resharding jobs and the global state (`GET /_reshard`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const ReshardSummary = Schema.Struct({
  state: ReshardStateName,
  state_reason: Schema.NullOr(Schema.String),
  completed: Schema.Number,
  failed: Schema.Number,
  running: Schema.Number,
  stopped: Schema.Number,
  total: Schema.Number
})

/**
 * @since 0.2.0
 * @category models
 */
export interface ReshardSummary extends Schema.Schema.Type<typeof ReshardSummary> {}

/**
 * The resharding summary of the cluster.
 *
 * @since 0.2.0
 * @category reshard
 */
export const reshard = (self: Service): Effect.Effect<ReshardSummary, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_reshard"] }), Endpoint.json(ReshardSummary))

/**
 * A state and the reason it was set (`/_reshard/state`, `/_reshard/jobs/{jobid}/state`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const ReshardState = Schema.Struct({
  state: Schema.String,
  reason: Schema.NullOr(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface ReshardState extends Schema.Schema.Type<typeof ReshardState> {}

/**
 * The global resharding state (`GET /_reshard/state`): `running` or `stopped`.
 *
 * @since 0.2.0
 * @category reshard
 */
export const reshardState = (self: Service): Effect.Effect<ReshardState, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_reshard", "state"] }), Endpoint.json(ReshardState))

/**
 * A state to set, with an optional reason.
 *
 * @since 0.2.0
 * @category models
 */
export interface SetReshardState {
  readonly state: typeof ReshardStateName.Type
  readonly reason?: string | undefined
}

/**
 * Starts or stops resharding on the whole cluster (`PUT /_reshard/state`); stopping
 * pauses running jobs.
 *
 * @since 0.2.0
 * @category reshard
 */
export const setReshardState: Handle.OperationWith<Service, SetReshardState, void> = Endpoint.makeWith(
  (_, input: SetReshardState) => ({ method: "PUT", path: ["_reshard", "state"], json: input }),
  (response) => Effect.asVoid(response.decode(Ok))
)

/**
 * An event of a resharding job's history.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ReshardEvent = Schema.Struct({
  type: Schema.String,
  timestamp: Schema.String,
  detail: Schema.NullOr(Schema.String)
})

/**
 * A resharding job (a shard split).
 *
 * @since 0.2.0
 * @category schemas
 */
export const ReshardJob = Schema.Struct({
  id: Schema.String,
  type: Schema.String,
  /** `new`, `running`, `stopped`, `completed` or `failed`. */
  job_state: Schema.String,
  /** How far the split is: `initial_copy`, `topoff1`, `build_indices`, …, `completed`. */
  split_state: Schema.String,
  state_info: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  node: Schema.String,
  source: Schema.String,
  target: Schema.Array(Schema.String),
  start_time: Schema.String,
  update_time: Schema.String,
  history: Schema.Array(ReshardEvent)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface ReshardJob extends Schema.Schema.Type<typeof ReshardJob> {}

/**
 * The list of resharding jobs (`GET /_reshard/jobs`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const ReshardJobs = Schema.Struct({
  total_rows: Schema.Number,
  offset: Schema.Number,
  jobs: Schema.Array(ReshardJob)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface ReshardJobs extends Schema.Schema.Type<typeof ReshardJobs> {}

/**
 * Every resharding job of the cluster.
 *
 * @since 0.2.0
 * @category reshard
 */
export const reshardJobs = (self: Service): Effect.Effect<ReshardJobs, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_reshard", "jobs"] }), Endpoint.json(ReshardJobs))

/**
 * What to split: a database (optionally one `range`) or one `shard`, optionally on one
 * `node`.
 *
 * @since 0.2.0
 * @category models
 */
export interface CreateReshardJobs {
  /** Only `split` exists. */
  readonly type: "split"
  readonly db?: string | undefined
  /** A node from `_membership`. */
  readonly node?: string | undefined
  /** `hhhhhhhh-hhhhhhhh`. */
  readonly range?: string | undefined
  /** `shards/{range}/{db}.{suffix}`. */
  readonly shard?: string | undefined
}

/**
 * The outcome of one job of a `POST /_reshard/jobs`: `ok` with the job's `id`, or an
 * `error`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const CreatedReshardJob = Schema.Struct({
  ok: Schema.optional(Schema.Literal(true)),
  id: Schema.optional(Schema.String),
  error: Schema.optional(Schema.String),
  node: Schema.String,
  shard: Schema.String
})

/**
 * @since 0.2.0
 * @category models
 */
export interface CreatedReshardJob extends Schema.Schema.Type<typeof CreatedReshardJob> {}

/**
 * Creates resharding jobs, one per shard copy the request names (`POST /_reshard/jobs`).
 * CouchDB answers 201 when all were created, 202 when some were (the others carry an
 * `error`), and 500 when none was. `db` with `shard`, or `range` with `shard`, is an
 * `InvalidRequest`.
 *
 * @since 0.2.0
 * @category reshard
 */
export const createReshardJobs: Handle.OperationWith<Service, CreateReshardJobs, ReadonlyArray<CreatedReshardJob>> =
  Endpoint.makeWith(
    (_, input: CreateReshardJobs) =>
      input.shard !== undefined && (input.db !== undefined || input.range !== undefined)
        ? Either.left(new InvalidRequest({ description: "Cluster.createReshardJobs: shard excludes db and range" }))
        : Either.right({ method: "POST", path: ["_reshard", "jobs"], json: input }),
    Endpoint.json(Schema.Array(CreatedReshardJob))
  )

/**
 * One resharding job (`GET /_reshard/jobs/{jobid}`); an unknown one is `NotFound`.
 *
 * @since 0.2.0
 * @category reshard
 */
export const reshardJob: Handle.OperationWith<Service, string, ReshardJob> = Endpoint.makeWith(
  (_, id: string) => ({ method: "GET", path: ["_reshard", "jobs", id] }),
  Endpoint.json(ReshardJob)
)

/**
 * Stops and removes a resharding job (`DELETE /_reshard/jobs/{jobid}`).
 *
 * @since 0.2.0
 * @category reshard
 */
export const removeReshardJob: Handle.OperationWith<Service, string, void> = Endpoint.makeWith(
  (_, id: string) => ({ method: "DELETE", path: ["_reshard", "jobs", id] }),
  (response) => Effect.asVoid(response.decode(Ok))
)

/**
 * A job's state (`GET /_reshard/jobs/{jobid}/state`).
 *
 * @since 0.2.0
 * @category reshard
 */
export const reshardJobState: Handle.OperationWith<Service, string, ReshardState> = Endpoint.makeWith(
  (_, id: string) => ({ method: "GET", path: ["_reshard", "jobs", id, "state"] }),
  Endpoint.json(ReshardState)
)

/**
 * Stops or resumes one job (`PUT /_reshard/jobs/{jobid}/state`); a job stopped this way
 * stays stopped when the global state goes back to `running`.
 *
 * @since 0.2.0
 * @category reshard
 */
export const setReshardJobState: {
  (id: string, input: SetReshardState): (self: Service) => Effect.Effect<void, CouchError, CouchAuth>
  (self: Service, id: string, input: SetReshardState): Effect.Effect<void, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Service, id: string, input: SetReshardState): Effect.Effect<void, CouchError, CouchAuth> =>
    Effect.flatMap(
      Endpoint.send(self, { method: "PUT", path: ["_reshard", "jobs", id, "state"], json: input }),
      (response) => Effect.asVoid(response.decode(Ok))
    )
)

// -----------------------------------------------------------------------------
// Shard maps
// -----------------------------------------------------------------------------

/**
 * A database's shards: each range (`00000000-7fffffff`) with the nodes holding a replica.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Shards = Schema.Struct({
  shards: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Shards extends Schema.Schema.Type<typeof Shards> {}

/**
 * The shard map of a database (`GET /{db}/_shards`, CouchDB 2+).
 *
 * @since 0.2.0
 * @category shards
 */
export const shards = (self: Database): Effect.Effect<Shards, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_shards"] }), Endpoint.json(Shards))

/**
 * The shard a document id falls in, and the nodes holding it.
 *
 * @since 0.2.0
 * @category schemas
 */
export const DocumentShard = Schema.Struct({ range: Schema.String, nodes: Schema.Array(Schema.String) })

/**
 * @since 0.2.0
 * @category models
 */
export interface DocumentShard extends Schema.Schema.Type<typeof DocumentShard> {}

/**
 * The shard of a document (`GET /{db}/_shards/{docid}`); the document need not exist.
 *
 * @since 0.2.0
 * @category shards
 */
export const documentShard = (self: Document): Effect.Effect<DocumentShard, CouchError, CouchAuth> =>
  Effect.flatMap(
    Endpoint.send(self.database, { method: "GET", path: ["_shards", self.id] }),
    Endpoint.json(DocumentShard)
  )

/**
 * Starts the internal synchronization of every replica of a database's shards
 * (`POST /{db}/_sync_shards`, CouchDB 2.3.1+), e.g. after moving a shard. CouchDB answers
 * 202 at once.
 *
 * @since 0.2.0
 * @category shards
 */
export const syncShards = (self: Database): Effect.Effect<void, CouchError, CouchAuth> =>
  Effect.flatMap(
    Endpoint.send(self, { method: "POST", path: ["_sync_shards"] }),
    (response) => Effect.asVoid(response.decode(Ok))
  )

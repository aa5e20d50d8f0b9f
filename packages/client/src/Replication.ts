/**
 * Replication: one-shot and continuous `_replicate` requests (and cancelling them),
 * `_replicator` documents, the scheduler's view of jobs and documents
 * (`_scheduler/jobs`, `_scheduler/docs`), and waiting until a replication reaches a state.
 *
 * Endpoints are URLs, `Redacted` URLs (when they carry credentials) or objects with their own
 * headers and basic auth, whose secrets are `Redacted`: they are revealed only in the request
 * body CouchDB needs them in, which no span, log or error records.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Seq } from "./Changes.js"
import type { CouchAuth } from "./CouchAuth.js"
import type { Service } from "./CouchClient.js"
import type { CouchError } from "./CouchError.js"
import type { Credentials } from "./CouchUrl.js"
import type { Database } from "./Database.js"
import * as Document from "./Document.js"
import * as Handle from "./Handle.js"
import * as internalEndpoint from "./internal/endpoint.js"
import * as internalHandle from "./internal/handle.js"
import * as internal from "./internal/replication.js"
import type { JsonObject } from "./Json.js"

// -----------------------------------------------------------------------------
// Endpoints and options
// -----------------------------------------------------------------------------

/**
 * Basic credentials for one endpoint.
 *
 * @since 0.2.0
 * @category models
 */
export interface BasicAuth {
  readonly username: string
  readonly password: Redacted.Redacted<string>
}

/**
 * An endpoint with its own headers or credentials (CouchDB 3.2+: `{"url", "headers",
 * "auth": {"basic": …}}`).
 *
 * @since 0.2.0
 * @category models
 */
export interface Remote {
  /** The database URL; `Redacted` when it carries credentials. */
  readonly url: string | Redacted.Redacted<string>
  /** Headers sent to this endpoint, e.g. `Authorization`; every value is a secret. */
  readonly headers?: Readonly<Record<string, Redacted.Redacted<string>>> | undefined
  readonly auth?: { readonly basic: BasicAuth } | undefined
}

/**
 * A replication source or target: a database URL (`Redacted` when it has credentials in
 * it, see `databaseUrl`), a local database name (deprecated in CouchDB 3), or a `Remote`.
 * Strings are sent as strings, which every server reads; pouchdb-server does not read
 * `Remote` objects.
 *
 * @since 0.2.0
 * @category models
 */
export type Endpoint = string | Redacted.Redacted<string> | Remote

/**
 * What a replication does, with CouchDB's names: the body of `_replicate` and of a
 * `_replicator` document.
 *
 * @since 0.2.0
 * @category models
 */
export interface ReplicateOptions {
  readonly source: Endpoint
  readonly target: Endpoint
  /** Create the target database (needs an admin on the target). */
  readonly create_target?: boolean | undefined
  /** `q`, `n` and `partitioned` of a created target. */
  readonly create_target_params?: {
    readonly q?: number | undefined
    readonly n?: number | undefined
    readonly partitioned?: boolean | undefined
  } | undefined
  /** Only these documents (`doc_ids`, `filter` and `selector` exclude each other). */
  readonly doc_ids?: ReadonlyArray<string> | undefined
  /** A filter function, `ddoc/name`. */
  readonly filter?: string | undefined
  /** Parameters passed to `filter`. */
  readonly query_params?: JsonObject | undefined
  /** A Mango selector choosing the documents. */
  readonly selector?: JsonObject | undefined
  /** Start from this source sequence instead of the checkpoint. */
  readonly since_seq?: Seq | undefined
  /** Replicate winning revisions only (CouchDB 3.3+). */
  readonly winning_revs_only?: boolean | undefined
  readonly use_checkpoints?: boolean | undefined
  /** Milliseconds between checkpoints. */
  readonly checkpoint_interval?: number | undefined
  /** Fetch revisions with `_bulk_get` when the source has it. */
  readonly use_bulk_get?: boolean | undefined
  readonly worker_processes?: number | undefined
  readonly worker_batch_size?: number | undefined
  readonly http_connections?: number | undefined
  /** Milliseconds. */
  readonly connection_timeout?: number | undefined
  readonly retries_per_request?: number | undefined
  /** Erlang socket options, e.g. `[{keepalive, true}]`. */
  readonly socket_options?: string | undefined
  /** A proxy (`http`, `https` or `socks5` URL) to reach the source through. */
  readonly source_proxy?: string | Redacted.Redacted<string> | undefined
  readonly target_proxy?: string | Redacted.Redacted<string> | undefined
  /** The user the replication runs as on local endpoints (needed for non-admins in `_replicator`). */
  readonly user_ctx?: {
    readonly name?: string | null | undefined
    readonly roles?: ReadonlyArray<string> | undefined
  } | undefined
}

/**
 * Options of a one-shot `_replicate`.
 *
 * @since 0.2.0
 * @category models
 */
export interface OneShotOptions extends ReplicateOptions {
  /**
   * How long to wait for the answer, which CouchDB sends when the replication is done;
   * the client's `timeout` by default, `"none"` to wait as long as it takes.
   */
  readonly timeout?: Duration.DurationInput | "none" | undefined
}

/**
 * The URL of database `db` with `credentials` (e.g. the client's, `couch.credentials`) as
 * its userinfo, percent-encoded, for an endpoint every server reads (pouchdb-server reads
 * no `Remote` objects). `Redacted`, so it never shows in logs.
 *
 * @since 0.2.0
 * @category constructors
 */
export const databaseUrl = (db: Database, credentials?: Credentials): Redacted.Redacted<string> => {
  const url = Handle.url(db)
  return Redacted.make(
    credentials === undefined
      ? url
      : internal.withUserinfo(url, Redacted.value(credentials.username), Redacted.value(credentials.password))
  )
}

// -----------------------------------------------------------------------------
// _replicate
// -----------------------------------------------------------------------------

/**
 * One session of a replication's history.
 *
 * @since 0.2.0
 * @category schemas
 */
export const HistoryEntry = Schema.Struct({
  session_id: Schema.optional(Schema.String),
  start_time: Schema.String,
  end_time: Schema.String,
  start_last_seq: Schema.optional(Seq),
  end_last_seq: Schema.optional(Seq),
  recorded_seq: Schema.optional(Seq),
  missing_checked: Schema.optional(Schema.Number),
  missing_found: Schema.optional(Schema.Number),
  docs_read: Schema.Number,
  docs_written: Schema.Number,
  doc_write_failures: Schema.Number,
  bulk_get_docs: Schema.optional(Schema.Number),
  bulk_get_attempts: Schema.optional(Schema.Number)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface HistoryEntry extends Schema.Schema.Type<typeof HistoryEntry> {}

/**
 * The answer to a one-shot replication. CouchDB 3 sends `session_id`, `source_last_seq`,
 * `replication_id_version` and `history` (and `no_changes` when there was nothing to do);
 * PouchDB sends its own summary (`docs_read`, `last_seq`, `status`, …) instead, so both sets
 * are optional.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Result = Schema.Struct({
  ok: Schema.Boolean,
  no_changes: Schema.optional(Schema.Boolean),
  session_id: Schema.optional(Schema.String),
  source_last_seq: Schema.optional(Seq),
  replication_id_version: Schema.optional(Schema.Number),
  history: Schema.optional(Schema.Array(HistoryEntry)),
  // PouchDB's summary.
  status: Schema.optional(Schema.String),
  docs_read: Schema.optional(Schema.Number),
  docs_written: Schema.optional(Schema.Number),
  doc_write_failures: Schema.optional(Schema.Number),
  last_seq: Schema.optional(Seq),
  start_time: Schema.optional(Schema.String),
  end_time: Schema.optional(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Result extends Schema.Schema.Type<typeof Result> {}

/**
 * The answer to starting or cancelling a continuous replication: its id
 * (`"{hex}+continuous"`), which `cancel` and `job` take. PouchDB sends no id.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Started = Schema.Struct({ ok: Schema.Boolean, _local_id: Schema.optional(Schema.String) })

/**
 * @since 0.2.0
 * @category models
 */
export interface Started extends Schema.Schema.Type<typeof Started> {}

/**
 * Replicates once (`POST /_replicate`) and answers when it is done. A missing source or
 * target (without `create_target`) fails with CouchDB's `InternalServerError`
 * (`db_not_found`); `doc_ids`, `filter` and `selector` together are an `InvalidRequest`.
 *
 * @since 0.2.0
 * @category replication
 * @example
 * ```ts
 * import { CouchClient, Replication } from "@effect-couchdb/client"
 * import { Effect, Redacted } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const couch = yield* CouchClient.CouchClient
 *   const result = yield* Replication.replicate(couch, {
 *     source: Replication.databaseUrl(couch.database("orders"), couch.credentials),
 *     target: { url: "https://backup.example.com/orders", auth: { basic: { username: "bk", password: Redacted.make("pw") } } },
 *     create_target: true
 *   })
 *   return result.history?.[0]?.docs_written
 * })
 * ```
 */
export const replicate: Handle.OperationWith<Service, OneShotOptions, Result> = internalEndpoint.makeWith(
  (_, options: OneShotOptions) =>
    Either.map(internal.body(options), (json): internalEndpoint.Request => ({
      method: "POST",
      path: ["_replicate"],
      json,
      ...(options.timeout !== undefined ? { timeout: options.timeout } : {})
    })),
  internalEndpoint.json(Result)
)

/**
 * Starts a continuous replication (`POST /_replicate` with `continuous: true`; CouchDB
 * answers 202 at once). It runs until cancelled (or the server restarts: use a
 * `_replicator` document for one that survives).
 *
 * @since 0.2.0
 * @category replication
 */
export const replicateContinuous: Handle.OperationWith<Service, ReplicateOptions, Started> = internalEndpoint.makeWith(
  (_, options: ReplicateOptions) =>
    Either.map(internal.body(options, { continuous: true }), (json): internalEndpoint.Request => ({
      method: "POST",
      path: ["_replicate"],
      json
    })),
  internalEndpoint.json(Started)
)

/**
 * Which replication to cancel: the same options it was started with, or its id.
 *
 * @since 0.2.0
 * @category models
 */
export type CancelOptions = ReplicateOptions | { readonly replication_id: string }

/**
 * Cancels a continuous replication started with `replicateContinuous`, named by the same
 * options or by its id. One that is not running is `NotFound`.
 *
 * @since 0.2.0
 * @category replication
 */
export const cancel: Handle.OperationWith<Service, CancelOptions, Started> = internalEndpoint.makeWith(
  (_, options: CancelOptions) =>
    Either.map(
      "replication_id" in options
        ? Either.right({ replication_id: options.replication_id, cancel: true })
        : internal.body(options, { continuous: true, cancel: true }),
      (json): internalEndpoint.Request => ({ method: "POST", path: ["_replicate"], json })
    ),
  internalEndpoint.json(Started)
)

// -----------------------------------------------------------------------------
// The scheduler
// -----------------------------------------------------------------------------

/**
 * The states of a replication in the scheduler. `completed` and `failed` are terminal;
 * `crashing` and `error` are retried with a backoff.
 *
 * @since 0.2.0
 * @category schemas
 */
export const State = Schema.Literal("initializing", "running", "completed", "pending", "crashing", "error", "failed")

/**
 * @since 0.2.0
 * @category models
 */
export type State = typeof State.Type

/**
 * A replication's progress, or `error` when it is failing.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Info = Schema.Struct({
  revisions_checked: Schema.optional(Schema.Number),
  missing_revisions_found: Schema.optional(Schema.Number),
  docs_read: Schema.optional(Schema.Number),
  docs_written: Schema.optional(Schema.Number),
  changes_pending: Schema.optional(Schema.NullOr(Schema.Number)),
  doc_write_failures: Schema.optional(Schema.Number),
  bulk_get_docs: Schema.optional(Schema.Number),
  bulk_get_attempts: Schema.optional(Schema.Number),
  checkpointed_source_seq: Schema.optional(Seq),
  source_seq: Schema.optional(Seq),
  through_seq: Schema.optional(Seq),
  /** Why the replication is crashing or failed. */
  error: Schema.optional(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Info extends Schema.Schema.Type<typeof Info> {}

/**
 * The scheduler's view of a `_replicator` document (`_scheduler/docs`). URLs are shown
 * without credentials.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Status = Schema.Struct({
  database: Schema.String,
  doc_id: Schema.String,
  /** The replication id; `null` once `completed` or `failed`. */
  id: Schema.NullOr(Schema.String),
  state: State,
  source: Schema.String,
  target: Schema.String,
  info: Schema.NullOr(Info),
  error_count: Schema.Number,
  start_time: Schema.String,
  last_updated: Schema.String,
  node: Schema.optional(Schema.String),
  source_proxy: Schema.optional(Schema.NullOr(Schema.String)),
  target_proxy: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Status extends Schema.Schema.Type<typeof Status> {}

/**
 * A page of `_scheduler/docs`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Statuses = Schema.Struct({
  total_rows: Schema.Number,
  offset: Schema.Number,
  docs: Schema.Array(Status)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Statuses extends Schema.Schema.Type<typeof Statuses> {}

/**
 * An event of a job's history (`started`, `added`, `crashed`, `stopped`, …).
 *
 * @since 0.2.0
 * @category schemas
 */
export const JobEvent = Schema.Struct({
  timestamp: Schema.String,
  type: Schema.String,
  reason: Schema.optional(Schema.String)
})

/**
 * A replication job of the scheduler (`_scheduler/jobs`), from `_replicate` (no `database`
 * or `doc_id`) or from a `_replicator` document.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Job = Schema.Struct({
  id: Schema.String,
  database: Schema.NullOr(Schema.String),
  doc_id: Schema.NullOr(Schema.String),
  pid: Schema.NullOr(Schema.String),
  source: Schema.String,
  target: Schema.String,
  user: Schema.NullOr(Schema.String),
  info: Schema.NullOr(Info),
  history: Schema.Array(JobEvent),
  node: Schema.String,
  start_time: Schema.String
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Job extends Schema.Schema.Type<typeof Job> {}

/**
 * A page of `_scheduler/jobs`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Jobs = Schema.Struct({
  total_rows: Schema.Number,
  offset: Schema.Number,
  jobs: Schema.Array(Job)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Jobs extends Schema.Schema.Type<typeof Jobs> {}

/**
 * Paging of the scheduler's lists, with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface PageOptions {
  readonly limit?: number | undefined
  readonly skip?: number | undefined
}

/**
 * The scheduler's replication jobs (`GET /_scheduler/jobs`): running and pending ones, not
 * those that completed or failed.
 *
 * @since 0.2.0
 * @category scheduler
 */
export const jobs: Handle.Operation<Service, PageOptions, Jobs> = internalEndpoint.make(
  (_, options: PageOptions) => ({
    method: "GET",
    path: ["_scheduler", "jobs"],
    query: internalEndpoint.pick(options, ["limit", "skip"])
  }),
  internalEndpoint.json(Jobs)
)

/**
 * One replication job (`GET /_scheduler/jobs/{id}`, CouchDB 2.1+), by the id `_replicate`
 * answered or `Status.id`. One that is not (or no longer) scheduled is `NotFound`.
 *
 * @since 0.2.0
 * @category scheduler
 */
export const job: Handle.OperationWith<Service, string, Job> = internalEndpoint.makeWith(
  (_, id: string) => ({ method: "GET", path: ["_scheduler", "jobs", id] }),
  internalEndpoint.json(Job)
)

/**
 * Options of `statuses`.
 *
 * @since 0.2.0
 * @category models
 */
export interface StatusesOptions extends PageOptions {
  /** Another replicator database (named `…/_replicator`); all of `_replicator` by default. */
  readonly database?: string | undefined
  /** Only documents in these states. */
  readonly states?: ReadonlyArray<State> | undefined
}

/**
 * The state of every document of a replicator database (`GET /_scheduler/docs`, or
 * `/_scheduler/docs/{replicator_db}`), completed and failed ones included.
 *
 * @since 0.2.0
 * @category scheduler
 */
export const statuses: Handle.Operation<Service, StatusesOptions, Statuses> = internalEndpoint.make(
  (_, options: StatusesOptions) => ({
    method: "GET",
    path: options.database === undefined ? ["_scheduler", "docs"] : ["_scheduler", "docs", options.database],
    query: {
      ...internalEndpoint.pick(options, ["limit", "skip"]),
      // A comma-separated list, not JSON.
      states: options.states?.join(",")
    }
  }),
  internalEndpoint.json(Statuses)
)

/**
 * The scheduler's state of one replication document
 * (`GET /_scheduler/docs/{replicator_db}/{docid}`). A document the scheduler does not (yet)
 * know is `NotFound`.
 *
 * @since 0.2.0
 * @category scheduler
 */
export const status = (self: Document.Document): Effect.Effect<Status, CouchError, CouchAuth> =>
  Effect.flatMap(
    internalEndpoint.send(self.client, { method: "GET", path: ["_scheduler", "docs", self.database.name, self.id] }),
    internalEndpoint.json(Status)
  )

// -----------------------------------------------------------------------------
// _replicator documents
// -----------------------------------------------------------------------------

/**
 * The handle of replication document `id` in `_replicator` (given the client) or in another
 * replicator database (given its handle). Sends nothing.
 *
 * @since 0.2.0
 * @category handles
 */
export const document: {
  (id: string): (self: Service | Database) => Document.Document
  (self: Service | Database, id: string): Document.Document
} = dual(
  2,
  (self: Service | Database, id: string): Document.Document =>
    internalHandle.document(self._tag === "Server" ? self.database("_replicator") : self, id)
)

/**
 * A replication document to write: what the replication does, and whether it is
 * continuous.
 *
 * @since 0.2.0
 * @category models
 */
export interface DocumentOptions extends ReplicateOptions {
  readonly continuous?: boolean | undefined
}

/**
 * An endpoint read from a stored replication document: its URL without credentials, which
 * are in `auth.basic` (from the URL's userinfo or the stored `auth`), `Redacted` like every
 * header value.
 *
 * @since 0.2.0
 * @category schemas
 */
export const StoredEndpoint = Schema.transformOrFail(
  Schema.Unknown,
  Schema.Struct({
    url: Schema.String,
    headers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.RedactedFromSelf(Schema.String) })),
    auth: Schema.optional(Schema.Struct({
      basic: Schema.Struct({ username: Schema.String, password: Schema.RedactedFromSelf(Schema.String) })
    }))
  }),
  {
    strict: true,
    decode: (stored, _, ast) => {
      const endpoint = internal.fromStored(stored)
      return endpoint !== undefined
        ? ParseResult.succeed(endpoint)
        // The endpoint itself stays out of the issue: it may hold credentials.
        : ParseResult.fail(new ParseResult.Type(ast, "(hidden)", "an endpoint is a URL or an object with a url"))
    },
    encode: (endpoint, _, ast) =>
      Either.match(internal.encodeEndpoint(endpoint, "endpoint"), {
        onLeft: () => ParseResult.fail(new ParseResult.Type(ast, "(hidden)", "the endpoint URL is empty")),
        onRight: ParseResult.succeed
      })
  }
)

/**
 * @since 0.2.0
 * @category models
 */
export interface StoredEndpoint extends Schema.Schema.Type<typeof StoredEndpoint> {}

/**
 * A replication document as read. CouchDB adds `owner` and, when the replication completes
 * or fails, `_replication_state`, `_replication_state_time`, `_replication_stats` (and
 * `_replication_state_reason`); the live state is `status`. PouchDB writes the same fields.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ReplicatorDocument = Schema.Struct({
  ...Document.Meta.fields,
  source: StoredEndpoint,
  target: StoredEndpoint,
  continuous: Schema.optional(Schema.Boolean),
  create_target: Schema.optional(Schema.Boolean),
  doc_ids: Schema.optional(Schema.Array(Schema.String)),
  filter: Schema.optional(Schema.String),
  query_params: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  selector: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  since_seq: Schema.optional(Seq),
  winning_revs_only: Schema.optional(Schema.Boolean),
  owner: Schema.optional(Schema.String),
  _replication_id: Schema.optional(Schema.String),
  _replication_state: Schema.optional(Schema.String),
  _replication_state_time: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
  _replication_state_reason: Schema.optional(Schema.String),
  _replication_stats: Schema.optional(Info)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface ReplicatorDocument extends Schema.Schema.Type<typeof ReplicatorDocument> {}

/**
 * Writes replication document `self` (created, or updated with `options.rev`); the
 * replicator starts it. Its credentials stay in the document, readable by admins.
 *
 * @since 0.2.0
 * @category documents
 */
export const put: {
  (
    spec: DocumentOptions,
    options?: { readonly rev?: string | undefined }
  ): (self: Document.Document) => Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  (
    self: Document.Document,
    spec: DocumentOptions,
    options?: { readonly rev?: string | undefined }
  ): Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
} = dual(
  internalEndpoint.isDataFirst,
  (self: Document.Document, spec: DocumentOptions, options: { readonly rev?: string | undefined } = {}) =>
    Effect.flatMap(
      internal.body(spec),
      (json) =>
        Effect.flatMap(
          internalEndpoint.send(self, { method: "PUT", query: { rev: options.rev }, json }),
          internalEndpoint.json(Document.WriteResult)
        )
    )
)

/**
 * Writes a replication document with a server-assigned id (`POST /_replicator`, or another
 * replicator database given its handle); the answer's `id` names it for `document`.
 *
 * @since 0.2.0
 * @category documents
 */
export const post: {
  (spec: DocumentOptions): (self: Service | Database) => Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  (self: Service | Database, spec: DocumentOptions): Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
} = dual(
  internalEndpoint.isDataFirst,
  (self: Service | Database, spec: DocumentOptions) =>
    Effect.flatMap(
      internal.body(spec),
      (json) =>
        Effect.flatMap(
          internalEndpoint.send(self._tag === "Server" ? self.database("_replicator") : self, { method: "POST", json }),
          internalEndpoint.json(Document.WriteResult)
        )
    )
)

/**
 * Reads replication document `self`, its endpoints' credentials `Redacted`.
 *
 * @since 0.2.0
 * @category documents
 */
export const get = (self: Document.Document): Effect.Effect<ReplicatorDocument, CouchError, CouchAuth> =>
  Effect.flatMap(internalEndpoint.send(self, { method: "GET" }), internalEndpoint.json(ReplicatorDocument))

/**
 * Deletes replication document `self`, which stops its replication: the given revision,
 * or the current one (read first, and read again up to 3 times when a concurrent write
 * wins).
 *
 * @since 0.2.0
 * @category documents
 */
export const remove: {
  (
    options?: { readonly rev?: string | undefined }
  ): (self: Document.Document) => Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  (
    self: Document.Document,
    options?: { readonly rev?: string | undefined }
  ): Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
} = dual(
  internalEndpoint.isDataFirst,
  (self: Document.Document, options: { readonly rev?: string | undefined } = {}) =>
    options.rev !== undefined
      ? Document.remove(self, { rev: options.rev })
      : Effect.retry(
        Effect.flatMap(Document.get(self), (current) => Document.remove(self, { rev: current._rev })),
        // The replicator writes its state into the document too: read again when it won.
        { times: 3, while: (error) => error._tag === "Conflict" }
      )
)

// -----------------------------------------------------------------------------
// Waiting for a state
// -----------------------------------------------------------------------------

/**
 * A replication did not reach the state waited for: it is `failed`, `crashing` or in
 * `error` (unless that was asked for), it ended in another terminal state, or the polling
 * schedule ended first (`state` is then the last one seen, if any).
 *
 * @since 0.2.0
 * @category errors
 */
export class ReplicationStateError extends Schema.TaggedError<ReplicationStateError>(
  "@effect-couchdb/client/Replication/ReplicationStateError"
)("ReplicationStateError", {
  database: Schema.String,
  docId: Schema.String,
  /** The states waited for. */
  expected: Schema.Array(State),
  /** The last state seen. */
  state: Schema.optional(State),
  /** CouchDB's description of the failure (`info.error`), without credentials. */
  reason: Schema.optional(Schema.String)
}) {
  override get message() {
    const doc = `replication document ${JSON.stringify(this.docId)} in ${this.database}`
    const wanted = this.expected.join(" or ")
    if (this.state === undefined) return `${doc} never appeared in the scheduler while waiting for ${wanted}`
    const reason = this.reason !== undefined ? ` (${this.reason})` : ""
    return `${doc} is ${this.state}${reason}, not ${wanted}`
  }
}

/**
 * Options of `states` and `awaitState`.
 *
 * @since 0.2.0
 * @category models
 */
export interface WaitOptions {
  /** When to poll again: every second by default; a finite schedule bounds the wait. */
  readonly schedule?: Schedule.Schedule<unknown, unknown> | undefined
}

const terminal = (state: State) => state === "completed" || state === "failed"
const unhealthy = (state: State) => state === "failed" || state === "crashing" || state === "error"

/**
 * The states replication document `self` goes through, polled from
 * `_scheduler/docs/{replicator_db}/{docid}`: each poll whose state differs from the last,
 * until a terminal state (`completed`, `failed`) or the end of the schedule. Polls before
 * the scheduler knows the document are skipped.
 *
 * @since 0.2.0
 * @category waiting
 */
export const states: {
  (options?: WaitOptions): (self: Document.Document) => Stream.Stream<Status, CouchError, CouchAuth>
  (self: Document.Document, options?: WaitOptions): Stream.Stream<Status, CouchError, CouchAuth>
} = dual(
  internalEndpoint.isDataFirst,
  (self: Document.Document, options: WaitOptions = {}): Stream.Stream<Status, CouchError, CouchAuth> =>
    Stream.repeatEffectWithSchedule(
      Effect.catchTag(Effect.asSome(status(self)), "NotFound", () => Effect.succeedNone),
      options.schedule ?? Schedule.spaced("1 second")
    ).pipe(
      Stream.filterMap((polled) => polled),
      Stream.changesWith((a, b) => a.state === b.state),
      Stream.takeUntil((polled) => terminal(polled.state))
    )
)

/**
 * Waits until replication document `self` is in one of `expected` states, and answers its
 * status then. Fails with `ReplicationStateError` when it is `failed`, `crashing` or in
 * `error` first (unless one of those is expected), when it ends in another terminal state,
 * or when `schedule` ends first.
 *
 * @since 0.2.0
 * @category waiting
 * @example
 * ```ts
 * import { CouchClient, Replication } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const couch = yield* CouchClient.CouchClient
 *   const doc = Replication.document(couch, "nightly-backup")
 *   yield* Replication.put(doc, {
 *     source: Replication.databaseUrl(couch.database("orders"), couch.credentials),
 *     target: Replication.databaseUrl(couch.database("orders-backup"), couch.credentials),
 *     create_target: true
 *   })
 *   const done = yield* Replication.awaitState(doc, ["completed"])
 *   return done.info?.docs_written
 * })
 * ```
 */
export const awaitState: {
  (
    expected: ReadonlyArray<State>,
    options?: WaitOptions
  ): (self: Document.Document) => Effect.Effect<Status, CouchError | ReplicationStateError, CouchAuth>
  (
    self: Document.Document,
    expected: ReadonlyArray<State>,
    options?: WaitOptions
  ): Effect.Effect<Status, CouchError | ReplicationStateError, CouchAuth>
} = dual(
  internalEndpoint.isDataFirst,
  (self: Document.Document, expected: ReadonlyArray<State>, options: WaitOptions = {}) =>
    Effect.suspend(() => {
      // The last state seen by this run, for the error when the stream ends without a match.
      let last: Status | undefined
      const failure = (seen: Status | undefined) =>
        new ReplicationStateError({
          database: self.database.name,
          docId: self.id,
          expected,
          ...(seen !== undefined ? { state: seen.state } : {}),
          ...(seen?.info?.error !== undefined ? { reason: seen.info.error } : {})
        })
      return states(self, options).pipe(
        Stream.tap((seen) => Effect.sync(() => (last = seen))),
        Stream.filter((seen) => expected.includes(seen.state) || unhealthy(seen.state)),
        Stream.runHead,
        Effect.flatMap(Option.match({
          onNone: () => Effect.fail(failure(last)),
          onSome: (seen) => expected.includes(seen.state) ? Effect.succeed(seen) : Effect.fail(failure(seen))
        }))
      )
    })
)

/**
 * Followers: the changes of a database (`_changes`) or the database events of a server
 * (`_db_updates`) as a `Stream` that survives what a long-running backend meets — dropped
 * and reset connections, silent proxies, server restarts, 429 and 5xx answers — and loses
 * nothing.
 *
 * How it works. A follower reads one batch (one request, at most `batchSize` rows) at a time:
 * `feed=longpoll` when listening (the server answers as soon as there are changes, or keeps
 * the connection alive with heartbeats until there are), `feed=normal` for a one-off run,
 * each from the last sequence it delivered. Rows are emitted as they arrive, and read only
 * as fast as the stream is consumed. A transient failure closes the request and, after a
 * backoff (full jitter by default, any `Schedule`), asks again from the last sequence
 * delivered; a connection silent for longer than its heartbeat allows (`idleTimeout`) counts
 * as one. A terminal failure — a 4xx other than 408 and 429 (bad request, credentials,
 * permissions, a missing database), a body that does not decode — ends the stream with its
 * tagged error, and so does a transient one once failures have gone on for `errorTolerance`.
 *
 * Delivery is at least once. Each change carries its `seq`: save the `seq` of the last change
 * you processed (see `Checkpoint`) and pass it back as `since` to resume exactly there. With
 * `seq_interval` the rows between carry `seq: null`; after a reconnect the follower resumes
 * from the last row that had a `seq` and delivers the rows after it again (at most one
 * batch; counted by `redeliveries`). Every reconnect is logged at debug level, recorded as a
 * `couchdb.follow.reconnect` event on the current span and counted by `reconnects`.
 *
 * @since 0.2.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import { dual } from "effect/Function"
import type * as Metric from "effect/Metric"
import type * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Changes from "./Changes.js"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchResponse, Service } from "./CouchClient.js"
import { type CouchError, InvalidRequest } from "./CouchError.js"
import type { Database } from "./Database.js"
import * as DbUpdates from "./DbUpdates.js"
import * as Document from "./Document.js"
import * as Handle from "./Handle.js"
import * as ChangesRequest from "./internal/changes.js"
import * as Endpoint from "./internal/endpoint.js"
import * as Feed from "./internal/feed.js"
import * as internal from "./internal/follow.js"
import * as RowShape from "./internal/rowShape.js"
import * as SeqFeed from "./internal/seqFeed.js"

/**
 * `"listen"` follows forever, waiting for new changes; `"oneOff"` reads to the end of the
 * feed as it is when the follower gets there, then completes.
 *
 * @since 0.2.0
 * @category models
 */
export type Mode = "listen" | "oneOff"

/**
 * How a follower reads, retries and gives up: the options every follower has.
 *
 * @since 0.2.0
 * @category models
 */
export interface Controls {
  /** `"listen"` (the default) or `"oneOff"`. */
  readonly mode?: Mode | undefined
  /**
   * Start after this sequence (a `seq` you saved), or at `"now"`. Default: `"now"` when
   * listening, `0` (the beginning) for a one-off run. `"now"` is resolved with a first request,
   * so that a failure before the first change cannot skip the changes made meanwhile.
   */
  readonly since?: Changes.Seq | "now" | undefined
  /**
   * The wait before asking again after a transient failure; the follower stops with the
   * failure when the schedule is done. It starts over after every change or completed batch.
   * A `Retry-After` (429, 503) is waited out first (up to a minute). Default: `backoff()`.
   */
  readonly schedule?: Schedule.Schedule<unknown, CouchError> | undefined
  /**
   * How long transient failures may go on (from the first of a run of failures) before the
   * follower stops with the last one. `0` fails on the first; by default it never gives up.
   */
  readonly errorTolerance?: Duration.DurationInput | undefined
  /** The most rows one request asks for (`limit`). Default 10,000. */
  readonly batchSize?: number | undefined
  /**
   * Milliseconds between the heartbeats the server sends while it waits for changes, or
   * `true` for its default. Default 30,000.
   */
  readonly heartbeat?: number | boolean | undefined
  /**
   * The longest silence (no row, no heartbeat) before the follower drops the connection and
   * asks again: by default the heartbeat plus as much again (at least 5 s), so 60 s. `"none"`
   * waits forever.
   */
  readonly idleTimeout?: Duration.DurationInput | "none" | undefined
}

/**
 * Options of `changes`: the parameters of `_changes` (filters, `include_docs`, the document
 * Schema, `style`, `seq_interval`, …) and the follower's controls. `feed`, `descending`,
 * `limit`, `timeout` and `lastEventId` are the follower's to choose: passing them is an
 * `InvalidRequest`.
 *
 * @since 0.2.0
 * @category models
 */
export interface ChangesOptions<D = Document.NoSchema, DI = D> extends
  Omit<
    Changes.ChangesOptions<D, DI>,
    "feed" | "descending" | "limit" | "timeout" | "lastEventId" | "since" | "heartbeat" | "idleTimeout"
  >,
  Controls
{
  /**
   * With `include_docs`: the largest response a batch should be, in bytes (default 5 MiB).
   * The rows per batch are this over the bytes per row of the previous response; the first
   * batch, measured for it, asks for at most 100 rows. Ignored without `include_docs`.
   */
  readonly batchBytes?: number | undefined
}

/**
 * Options of `dbUpdates`: the follower's controls (`_db_updates` has no other parameters a
 * follower leaves to you).
 *
 * @since 0.2.0
 * @category models
 */
export interface DbUpdatesOptions extends Controls {}

/**
 * Exponential backoff with full jitter: before the n-th retry, a wait drawn uniformly from
 * zero to `base × 2ⁿ` capped at `cap`, so that clients that failed together do not come back
 * together. Never ends by itself (see `errorTolerance`). The default: from 100 ms, capped at
 * 60 s.
 *
 * @since 0.2.0
 * @category schedules
 */
export const backoff: (options?: {
  readonly base?: Duration.DurationInput | undefined
  readonly cap?: Duration.DurationInput | undefined
}) => Schedule.Schedule<Duration.Duration> = internal.backoff

/**
 * Reconnects of followers: requests sent again after a transient failure, tagged with
 * `db.namespace` (the database, or `_db_updates`).
 *
 * @since 0.2.0
 * @category metrics
 */
export const reconnects: Metric.Metric.Counter<number> = internal.reconnects

/**
 * Changes delivered a second time after a reconnect (the rows after the last `seq` a
 * follower could resume from, with `seq_interval`), tagged with `db.namespace`.
 *
 * @since 0.2.0
 * @category metrics
 */
export const redeliveries: Metric.Metric.Counter<number> = internal.redeliveries

const defaultBatchBytes = 5 * 1024 * 1024

/** The options that are the follower's own, not `_changes` parameters. */
const withoutControls = <O extends Controls & { readonly batchBytes?: number | undefined }>(options: O) => {
  const {
    batchBytes: _batchBytes,
    batchSize: _batchSize,
    errorTolerance: _errorTolerance,
    heartbeat: _heartbeat,
    idleTimeout: _idleTimeout,
    mode: _mode,
    schedule: _schedule,
    since: _since,
    ...params
  } = options
  return params
}

/** Decodes change rows, live documents with `doc` (built once per follower, used per response). */
const changeDecoder = <D>(
  doc: Schema.Schema<D, unknown, never>
): (response: CouchResponse) => (row: unknown) => Either.Either<Changes.Change<unknown>, CouchError> => {
  const schema = Changes.Change(doc)
  const fast = RowShape.change(RowShape.orNullPart(doc))
  return (response) => Feed.decoder(response, schema, fast)
}

const changesImpl = (
  self: Database,
  options: ChangesOptions<unknown, unknown> = {}
): Stream.Stream<Changes.Change<unknown>, CouchError, CouchAuth> => {
  const controls = internal.controls("Follow.changes", options)
  if (controls instanceof InvalidRequest) return Stream.fail(controls)
  const batchBytes = options.include_docs === true ? (options.batchBytes ?? defaultBatchBytes) : undefined
  if (batchBytes !== undefined && !(Number.isFinite(batchBytes) && batchBytes > 0)) {
    return Stream.fail(new InvalidRequest({ description: "Follow.changes: batchBytes must be a number > 0" }))
  }
  const { heartbeat, idle } = internal.liveness(options.heartbeat, controls.idleTimeout)
  const params = withoutControls(options)
  const decoder = options.schema === undefined
    ? changeDecoder(Schema.Unknown)
    : changeDecoder(Document.stored(options.schema))
  return internal.follow({
    namespace: self.name,
    url: `${Handle.url(self)}/_changes`,
    controls,
    batchBytes,
    schedule: options.schedule ?? internal.backoff(),
    open: (batch) =>
      Effect.gen(function*() {
        const request = ChangesRequest.request(
          { ...params, feed: batch.feed, since: batch.since, limit: batch.limit },
          heartbeat
        )
        const sent = yield* Endpoint.send(self, { ...request, timeout: idle ?? "none", scoped: true })
        const response = batch.onBytes === undefined ? sent : internal.countingBytes(sent, batch.onBytes)
        return yield* SeqFeed.open(response, batch.feed, decoder(response), idle)
      })
  })
}

/**
 * Follows the changes of a database: a `Stream` that reconnects after transient failures and
 * resumes from the last change it delivered (see the module's description). Listening, it
 * never ends by itself; one-off, it completes at the end of the feed. Deletions are changes
 * like any other (`deleted: true`, the document's `Tombstone` with `include_docs`); live
 * documents are decoded with `schema`. Interrupting the stream aborts the request in flight.
 * Bad options fail with `InvalidRequest` before any request.
 *
 * @since 0.2.0
 * @category streams
 * @example
 * ```ts
 * import { CouchClient, Follow } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number })
 *
 * const program = Effect.gen(function*() {
 *   const orders = (yield* CouchClient.CouchClient).database("orders")
 *   yield* Follow.changes(orders, { include_docs: true, schema: Order, since: 0, errorTolerance: "10 minutes" }).pipe(
 *     Stream.runForEach((change) =>
 *       change.deleted
 *         ? Effect.log(`${change.id} deleted (seq ${change.seq})`)
 *         : Effect.log(`${change.id}: ${change.doc?.customer} owes ${change.doc?.total}`)
 *     )
 *   )
 * })
 * ```
 */
export const changes: {
  <D = Document.NoSchema, DI = D>(
    options?: ChangesOptions<D, DI>
  ): (self: Database) => Stream.Stream<Changes.Change<Document.DocOf<D>>, CouchError, CouchAuth>
  <D = Document.NoSchema, DI = D>(
    self: Database,
    options?: ChangesOptions<D, DI>
  ): Stream.Stream<Changes.Change<Document.DocOf<D>>, CouchError, CouchAuth>
} = dual(Endpoint.isDataFirst, changesImpl)

/**
 * Follows the database events of the client's server (`_db_updates`, server admins only) as
 * `changes` follows a database: a `Stream` that survives transient failures and resumes from
 * the last event delivered.
 *
 * @since 0.2.0
 * @category streams
 * @example
 * ```ts
 * import { CouchClient, Follow } from "@effect-couchdb/client"
 * import { Effect, Stream } from "effect"
 *
 * const created = Effect.gen(function*() {
 *   const couch = yield* CouchClient.CouchClient
 *   return Follow.dbUpdates(couch).pipe(Stream.filter((event) => event.type === "created"))
 * })
 * ```
 */
export const dbUpdates: Handle.Feed<Service, DbUpdatesOptions, DbUpdates.DbUpdate> = dual(
  Endpoint.isDataFirst,
  (self: Service, options: DbUpdatesOptions = {}): Stream.Stream<DbUpdates.DbUpdate, CouchError, CouchAuth> => {
    const controls = internal.controls("Follow.dbUpdates", options)
    if (controls instanceof InvalidRequest) return Stream.fail(controls)
    const { heartbeat, idle } = internal.liveness(options.heartbeat, controls.idleTimeout)
    return internal.follow({
      namespace: "_db_updates",
      url: `${Handle.url(self)}/_db_updates`,
      controls,
      batchBytes: undefined,
      schedule: options.schedule ?? internal.backoff(),
      open: (batch) =>
        Effect.gen(function*() {
          const response = yield* Endpoint.send(self, {
            method: "GET",
            path: ["_db_updates"],
            query: { feed: batch.feed, since: batch.since, limit: batch.limit, heartbeat },
            timeout: idle ?? "none",
            scoped: true
          })
          return yield* SeqFeed.open(
            response,
            batch.feed,
            Feed.decoder(response, DbUpdates.DbUpdate, RowShape.dbUpdate),
            idle
          )
        })
    })
  }
)

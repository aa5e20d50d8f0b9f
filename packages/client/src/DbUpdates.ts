/**
 * The server-wide `_db_updates` feed (databases created, updated, deleted) as a `Stream`,
 * in the same modes as `_changes`: `normal`, `longpoll`, `continuous` and `eventsource`.
 * Needs a server admin.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Seq } from "./Changes.js"
import type { CouchAuth } from "./CouchAuth.js"
import type { Service } from "./CouchClient.js"
import type { CouchError } from "./CouchError.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"
import * as Feed from "./internal/feed.js"
import * as RowShape from "./internal/rowShape.js"
import * as SeqFeed from "./internal/seqFeed.js"

/**
 * Parameters of `_db_updates`, with CouchDB's names.
 *
 * @since 0.1.0
 * @category models
 */
export interface DbUpdatesParams {
  readonly feed?: SeqFeed.FeedMode | undefined
  /** Start after this sequence; `"now"` for only future updates. */
  readonly since?: Seq | "now" | undefined
  readonly limit?: number | undefined
  readonly descending?: boolean | undefined
  /** Milliseconds to wait for updates before the server ends the feed. */
  readonly timeout?: number | undefined
  /** Milliseconds between heartbeats, or `true` for the server default. */
  readonly heartbeat?: number | boolean | undefined
}

/**
 * One database event.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DbUpdate = Schema.Struct({
  db_name: Schema.String,
  /** `created`, `updated` or `deleted` (other types may appear in future versions). */
  type: Schema.String,
  seq: Schema.NullOr(SeqFeed.Seq)
})

/**
 * @since 0.1.0
 * @category models
 */
export type DbUpdate = typeof DbUpdate.Type

/**
 * An open `_db_updates` feed.
 *
 * @since 0.1.0
 * @category models
 */
export interface DbUpdatesFeed {
  readonly updates: Stream.Stream<DbUpdate, CouchError>
  /** The `seq` of the last update emitted, then the server's `last_seq` once all were. */
  readonly lastSeq: Effect.Effect<Option.Option<Seq>>
}

/**
 * One options object for `_db_updates`: CouchDB's parameters and the watchdog of a silent
 * connection.
 *
 * @since 0.2.0
 * @category models
 */
export interface DbUpdatesOptions extends DbUpdatesParams {
  /** The longest silence before the feed fails with a `TransportError` of kind `Timeout` (see `Changes.ChangesOptions`). */
  readonly idleTimeout?: Duration.DurationInput | "none" | undefined
}

const openImpl = (
  couch: Service,
  options: DbUpdatesOptions = {}
): Effect.Effect<DbUpdatesFeed, CouchError, CouchAuth | Scope.Scope> =>
  Effect.gen(function*() {
    const mode = options.feed ?? "normal"
    const { heartbeat, idle } = SeqFeed.liveness(mode, options)
    const { heartbeat: _heartbeat, idleTimeout: _idle, ...rest } = options
    const response = yield* Endpoint.send(couch, {
      method: "GET",
      path: ["_db_updates"],
      query: { ...rest, heartbeat },
      timeout: idle ?? "none",
      scoped: true,
      ...(mode === "eventsource" ? { headers: { accept: "text/event-stream" } } : {})
    })
    const feed = yield* SeqFeed.open(response, mode, Feed.decoder(response, DbUpdate, RowShape.dbUpdate), idle)
    return { updates: feed.rows, lastSeq: feed.lastSeq }
  })

/**
 * Opens the feed on the client's server (`couch`, the server-root handle). The request is
 * sent, and an error status fails, before this succeeds; updates are read as `updates` is
 * pulled. Closed with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open: {
  (options?: DbUpdatesOptions): (self: Service) => Effect.Effect<DbUpdatesFeed, CouchError, CouchAuth | Scope.Scope>
  (self: Service, options?: DbUpdatesOptions): Effect.Effect<DbUpdatesFeed, CouchError, CouchAuth | Scope.Scope>
} = dual(Endpoint.isDataFirst, openImpl)

/**
 * The database events of the client's server, as a stream.
 *
 * @since 0.1.0
 * @category streams
 */
export const stream: Handle.Feed<Service, DbUpdatesOptions, DbUpdate> = dual(
  Endpoint.isDataFirst,
  (self: Service, options?: DbUpdatesOptions) =>
    Stream.unwrapScoped(Effect.map(openImpl(self, options), (feed) => feed.updates))
)

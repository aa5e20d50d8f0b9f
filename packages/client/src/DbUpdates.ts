/**
 * The server-wide `_db_updates` feed (databases created, updated, deleted) as a `Stream`,
 * in the same modes as `_changes`: `normal`, `longpoll`, `continuous` and `eventsource`.
 * Needs a server admin.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { Seq } from "./Changes.js"
import type { CouchAuth } from "./CouchAuth.js"
import type { Service } from "./CouchClient.js"
import type { CouchError } from "./CouchError.js"
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
 * Opens the feed on `client`'s server. The request is sent, and an error status fails,
 * before this succeeds; updates are read as `updates` is pulled. Closed with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open = (
  client: Service,
  params: DbUpdatesParams = {}
): Effect.Effect<DbUpdatesFeed, CouchError, CouchAuth | Scope.Scope> =>
  Effect.gen(function*() {
    const { heartbeat, ...rest } = params
    const response = yield* client.resource("_db_updates").get({
      query: { ...rest, heartbeat: SeqFeed.heartbeatParam(heartbeat) },
      ...(params.feed === "eventsource" ? { headers: { accept: "text/event-stream" } } : {})
    })
    const feed = yield* SeqFeed.open(
      response,
      params.feed ?? "normal",
      Feed.decoder(response, DbUpdate, RowShape.dbUpdate)
    )
    return { updates: feed.rows, lastSeq: feed.lastSeq }
  })

/**
 * The database events of `client`'s server, as a stream.
 *
 * @since 0.1.0
 * @category streams
 */
export const stream = (
  client: Service,
  params: DbUpdatesParams = {}
): Stream.Stream<DbUpdate, CouchError, CouchAuth> =>
  Stream.unwrapScoped(Effect.map(open(client, params), (feed) => feed.updates))

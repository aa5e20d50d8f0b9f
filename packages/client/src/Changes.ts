/**
 * The `_changes` feed as a `Stream`, in every mode CouchDB has: `normal`, `longpoll`,
 * `continuous` (heartbeats dropped) and `eventsource` (SSE framing, heartbeat events,
 * `Last-Event-ID`). Changes are decoded with Schema one by one as the body arrives; the
 * stream pulls the body only as fast as it is consumed, and interrupting it aborts the
 * HTTP request.
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
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchResponse, QueryValue } from "./CouchClient.js"
import type { CouchError } from "./CouchError.js"
import type { Database } from "./Database.js"
import * as Document from "./Document.js"
import * as ChangesRequest from "./internal/changes.js"
import * as Endpoint from "./internal/endpoint.js"
import * as Feed from "./internal/feed.js"
import * as RowShape from "./internal/rowShape.js"
import * as SeqFeed from "./internal/seqFeed.js"

/**
 * An update sequence: an opaque string in CouchDB 2.x/3.x (`"12-g1AAAA…"`), an integer in
 * CouchDB 1.x and pouchdb-server. Pass it back as `since` unchanged.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Seq: Schema.Union<[typeof Schema.String, typeof Schema.Number]> = SeqFeed.Seq

/**
 * @since 0.1.0
 * @category models
 */
export type Seq = typeof Seq.Type

/**
 * The feed mode.
 *
 * @since 0.1.0
 * @category models
 */
export type FeedMode = SeqFeed.FeedMode

/**
 * Parameters of `_changes`. Query parameters keep CouchDB's names.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChangesParams {
  readonly feed?: FeedMode | undefined
  /** Start after this sequence; `"now"` for only future changes. */
  readonly since?: Seq | "now" | undefined
  readonly limit?: number | undefined
  readonly descending?: boolean | undefined
  readonly include_docs?: boolean | undefined
  readonly conflicts?: boolean | undefined
  readonly attachments?: boolean | undefined
  readonly att_encoding_info?: boolean | undefined
  readonly style?: "main_only" | "all_docs" | undefined
  /** Milliseconds between heartbeats, or `true` for the server default. */
  readonly heartbeat?: number | boolean | undefined
  /** Milliseconds to wait for changes before the server ends the feed. */
  readonly timeout?: number | undefined
  /** Compute `seq` only every N rows (CouchDB 2.x+); the rows between have `seq: null`. */
  readonly seq_interval?: number | undefined
  /** A filter function `ddoc/name`, or `_view` with `view`. */
  readonly filter?: string | undefined
  /** A view `ddoc/name` whose map function filters the changes (sets `filter=_view`). */
  readonly view?: string | undefined
  /** Only these documents: sent in a POST body with `filter=_doc_ids`. */
  readonly doc_ids?: ReadonlyArray<string> | undefined
  /** A Mango selector: sent in a POST body with `filter=_selector`. */
  readonly selector?: Readonly<Record<string, unknown>> | undefined
  /** Extra query parameters for a custom filter function. */
  readonly filterParams?: Readonly<Record<string, QueryValue>> | undefined
  /** For `eventsource`: resume after this event id (sent as the `Last-Event-ID` header). */
  readonly lastEventId?: string | undefined
}

/**
 * What CouchDB keeps of a deleted document, as `include_docs` returns it: `_id`, `_rev` and
 * `_deleted: true`, plus any other fields the deletion kept (a deletion made with a `PUT` of
 * `{ "_deleted": true, ... }` keeps its body). Decoded as it is, never with the document Schema.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Tombstone = Schema.Struct(
  { _id: Schema.String, _rev: Schema.String, _deleted: Schema.Literal(true) },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
).annotations({ identifier: "Tombstone" })

/**
 * @since 0.2.0
 * @category models
 */
export type Tombstone = typeof Tombstone.Type

/**
 * A change that left the document in place (created or updated it).
 *
 * @since 0.2.0
 * @category models
 */
export interface LiveChange<Doc> {
  readonly id: string
  /** `null` on the rows `seq_interval` skips. */
  readonly seq: Seq | null
  readonly changes: ReadonlyArray<{ readonly rev: string }>
  readonly deleted?: false | undefined
  /** With `include_docs`: the document, decoded with the document Schema (`null` when CouchDB sends none). */
  readonly doc?: Doc | null | undefined
}

/**
 * A change that deleted the document.
 *
 * @since 0.2.0
 * @category models
 */
export interface DeletedChange {
  readonly id: string
  /** `null` on the rows `seq_interval` skips. */
  readonly seq: Seq | null
  readonly changes: ReadonlyArray<{ readonly rev: string }>
  readonly deleted: true
  /** With `include_docs`: the tombstone (`null` when CouchDB sends none). */
  readonly doc?: Tombstone | null | undefined
}

/**
 * One change: `deleted` tells a deletion, which carries the document's `Tombstone`, from a
 * live change, which carries the document decoded with the document Schema (both only with
 * `include_docs`). A deletion is an ordinary change: the feed goes on after it.
 *
 * @since 0.1.0
 * @category models
 * @example
 * ```ts
 * import type { Changes } from "@effect-couchdb/client"
 *
 * const describe = (change: Changes.Change<{ readonly title: string }>) =>
 *   change.deleted ? `${change.id} deleted at ${change.doc?._rev}` : `${change.id}: ${change.doc?.title}`
 * ```
 */
export type Change<Doc> = LiveChange<Doc> | DeletedChange

/**
 * The Schema of a change whose live document is decoded with `doc`: a union of a live change
 * and a deleted one (whose document is a `Tombstone`), told apart by `deleted`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Change = <A, I>(doc: Schema.Schema<A, I, never>) => {
  const fields = {
    id: Schema.String,
    seq: Schema.NullOr(Seq),
    changes: Schema.Array(Schema.Struct({ rev: Schema.String }))
  }
  return Schema.Union(
    Schema.Struct({
      ...fields,
      deleted: Schema.optional(Schema.Literal(false)),
      doc: Schema.optional(RowShape.OrNull(doc))
    }).annotations({ identifier: "LiveChange" }),
    Schema.Struct({
      ...fields,
      deleted: Schema.Literal(true),
      doc: Schema.optional(RowShape.OrNull(Tombstone))
    }).annotations({ identifier: "DeletedChange" })
  )
}

/**
 * An open changes feed: the changes, and where the feed stands.
 *
 * @since 0.1.0
 * @category models
 */
export interface ChangesFeed<Doc> {
  readonly changes: Stream.Stream<Change<Doc>, CouchError>
  /**
   * The `seq` of the last change the stream has emitted (rows are emitted a network chunk
   * at a time), then the server's `last_seq` once every change was emitted. To checkpoint
   * exactly what you processed, save each change's own `seq`.
   */
  readonly lastSeq: Effect.Effect<Option.Option<Seq>>
  /** The server's `pending` count, once it sends one (CouchDB 2.x+). */
  readonly pending: Effect.Effect<Option.Option<number>>
}

/**
 * One options object for a changes feed: CouchDB's parameters, the Schema of the live
 * documents (`include_docs`), and the watchdog of a silent connection.
 *
 * @since 0.2.0
 * @category models
 */
export interface ChangesOptions<D = Document.NoSchema, DI = D> extends ChangesParams {
  /** Decodes live documents (with `include_docs`); their metadata is added. Tombstones are never decoded with it. */
  readonly schema?: Schema.Schema<D, DI, never> | undefined
  /**
   * The longest silence (no change, no heartbeat) before the feed fails with a
   * `TransportError` of kind `Timeout`: by default the heartbeat plus as much again (at
   * least 5 s) — continuous and eventsource feeds ask for a heartbeat every 30 s unless
   * `heartbeat` says otherwise — and a longpoll's `timeout` plus 10 s; none for a normal
   * feed. `"none"` waits forever.
   */
  readonly idleTimeout?: Duration.DurationInput | "none" | undefined
}

const openImpl = (
  db: Database,
  options: ChangesOptions<unknown, unknown> = {}
): Effect.Effect<ChangesFeed<unknown>, CouchError, CouchAuth | Scope.Scope> =>
  Effect.gen(function*() {
    const mode = options.feed ?? "normal"
    const { heartbeat, idle } = SeqFeed.liveness(mode, options)
    const request = ChangesRequest.request(options, heartbeat)
    // The response itself may take as long as a silence is allowed to (pouchdb-server sends
    // no headers before the first change or heartbeat).
    const response = yield* Endpoint.send(db, { ...request, timeout: idle ?? "none", scoped: true })
    const { lastSeq, pending, rows } = options.schema === undefined
      ? yield* SeqFeed.open(response, mode, changeDecoder(response, Schema.Unknown), idle)
      : yield* SeqFeed.open(
        response,
        mode,
        changeDecoder(response, Document.stored(options.schema)),
        idle
      )
    return { changes: rows, lastSeq, pending }
  })

const changeDecoder = <D, DI>(response: CouchResponse, doc: Schema.Schema<D, DI, never>) =>
  Feed.decoder(response, Change(doc), RowShape.change(RowShape.orNullPart(doc)))

/**
 * Opens a changes feed on a database. The request is sent, and error statuses fail, before
 * this succeeds; the changes are then read as `changes` is pulled. The feed is closed with
 * the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open: {
  <D = Document.NoSchema, DI = D>(
    options?: ChangesOptions<D, DI>
  ): (self: Database) => Effect.Effect<ChangesFeed<Document.DocOf<D>>, CouchError, CouchAuth | Scope.Scope>
  <D = Document.NoSchema, DI = D>(
    self: Database,
    options?: ChangesOptions<D, DI>
  ): Effect.Effect<ChangesFeed<Document.DocOf<D>>, CouchError, CouchAuth | Scope.Scope>
} = dual(Endpoint.isDataFirst, openImpl)

/**
 * The changes of a database as a stream. For `feed=continuous` and `eventsource` it runs
 * until the server ends it (a `timeout`, a `limit`) or the stream is interrupted; a
 * connection silent for longer than `idleTimeout` fails it with a `TransportError` of kind
 * `Timeout` (for a feed that resumes on its own, see `Follow`). A body the server ends after
 * a whole line or event ends the stream, with or without a final `last_seq` line; a body cut
 * short (inside a line, an event or the JSON, or by a broken connection) fails with a
 * `TransportError` of kind `Reset` after the changes before the cut. A deleted document is
 * an ordinary change (`deleted: true`, with its `Tombstone`).
 *
 * @since 0.1.0
 * @category streams
 * @example
 * ```ts
 * import { Changes, CouchClient } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const Todo = Schema.Struct({ title: Schema.String })
 *
 * const latest = Effect.gen(function* () {
 *   const todos = (yield* CouchClient.CouchClient).database("todos")
 *   return yield* Changes.stream(todos, { feed: "continuous", include_docs: true, timeout: 1000, schema: Todo }).pipe(
 *     Stream.map((change) => change.deleted ? `${change.id} deleted` : `${change.id}: ${change.doc?.title}`),
 *     Stream.take(10),
 *     Stream.runCollect
 *   )
 * })
 * ```
 */
export const stream: {
  <D = Document.NoSchema, DI = D>(
    options?: ChangesOptions<D, DI>
  ): (self: Database) => Stream.Stream<Change<Document.DocOf<D>>, CouchError, CouchAuth>
  <D = Document.NoSchema, DI = D>(
    self: Database,
    options?: ChangesOptions<D, DI>
  ): Stream.Stream<Change<Document.DocOf<D>>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Database, options?: ChangesOptions<unknown, unknown>) =>
    Stream.unwrapScoped(Effect.map(openImpl(self, options), (feed) => feed.changes))
)

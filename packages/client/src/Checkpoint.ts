/**
 * Checkpoints: the sequence a follower has processed up to, kept in a `_local` document of the
 * followed database (never replicated, without revision history, never in the changes feed),
 * so that a restarted follower goes on where it left off.
 *
 * Save a change's `seq` only once the change is processed: `saveEvery` goes after your
 * processing in the stream and saves every N changes or T seconds. A restart then redelivers
 * at most the changes processed since the last save (delivery is at least once).
 *
 * @since 0.2.0
 * @example
 * ```ts
 * import { Checkpoint, CouchClient, Database } from "@effect-couchdb/client"
 * import { Effect, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const orders = (yield* CouchClient.CouchClient).database("orders")
 *   const checkpoint = Database.localDocument(orders, "mailer")
 *   yield* Checkpoint.follow(checkpoint, { include_docs: true, since: 0 }).pipe(
 *     Stream.tap((change) => Effect.log(`mail about ${change.id}`)),
 *     Checkpoint.saveEvery(checkpoint, { changes: 100, interval: "5 seconds" }),
 *     Stream.runDrain
 *   )
 * })
 * ```
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Changes from "./Changes.js"
import type { CouchAuth } from "./CouchAuth.js"
import { type CouchError, InvalidRequest } from "./CouchError.js"
import * as Document from "./Document.js"
import * as Follow from "./Follow.js"
import * as Endpoint from "./internal/endpoint.js"
import { isTerminal } from "./internal/follow.js"

/**
 * What a checkpoint document holds (besides `_id` and `_rev`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const Saved = Schema.Struct({ seq: Changes.Seq })

/**
 * @since 0.2.0
 * @category models
 */
export interface Saved extends Schema.Schema.Type<typeof Saved> {}

const notLocal = (operation: string, self: Document.Document): InvalidRequest | undefined =>
  self.id.startsWith("_local/") ? undefined : new InvalidRequest({
    description: `${operation}: a checkpoint belongs in a _local document (Database.localDocument), not ${
      JSON.stringify(self.id)
    }: any other document would be replicated and show up in the changes feed it follows`
  })

const local = (operation: string, self: Document.Document): Effect.Effect<void, InvalidRequest> => {
  const invalid = notLocal(operation, self)
  return invalid === undefined ? Effect.void : Effect.fail(invalid)
}

/**
 * The saved sequence, or `Option.none()` when nothing was saved yet.
 *
 * @since 0.2.0
 * @category reads
 */
export const load = (self: Document.Document): Effect.Effect<Option.Option<Changes.Seq>, CouchError, CouchAuth> =>
  Effect.zipRight(
    local("Checkpoint.load", self),
    Document.get(self, { schema: Saved }).pipe(
      Effect.map((saved) => Option.some(saved.seq)),
      Effect.catchTag("NotFound", () => Effect.succeedNone)
    )
  )

/**
 * Writes `seq` with the revision `rev` if given; on a conflict (CouchDB 1.x and PouchDB check
 * `_local` revisions, CouchDB 2+ does not), reads the current revision and writes once more.
 */
const write = (
  self: Document.Document,
  seq: Changes.Seq,
  rev: string | undefined
): Effect.Effect<Document.WriteResult, CouchError, CouchAuth> => {
  const put = (current: string | undefined) =>
    Document.put(self, current === undefined ? { seq } : { seq, _rev: current })
  const current = Document.get(self).pipe(
    Effect.map((doc) => doc._rev),
    Effect.catchTag("NotFound", () => Effect.succeed(undefined))
  )
  return put(rev).pipe(Effect.catchTag("Conflict", () => Effect.flatMap(current, put)))
}

/**
 * Saves `seq` as the checkpoint, over whatever was saved before.
 *
 * @since 0.2.0
 * @category writes
 */
export const save: {
  (seq: Changes.Seq): (self: Document.Document) => Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  (self: Document.Document, seq: Changes.Seq): Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
} = dual(
  2,
  (self: Document.Document, seq: Changes.Seq) =>
    Effect.zipRight(local("Checkpoint.save", self), write(self, seq, undefined))
)

/**
 * When `saveEvery` saves.
 *
 * @since 0.2.0
 * @category models
 */
export interface SaveOptions {
  /** Save once this many changes went by since the last save (checked a chunk at a time). Default 100. */
  readonly changes?: number | undefined
  /** Save this often while changes went by unsaved. Default 5 seconds. */
  readonly interval?: Duration.DurationInput | undefined
}

const saveEveryImpl = <A extends { readonly seq: Changes.Seq | null }, E, R>(
  self: Stream.Stream<A, E, R>,
  checkpoint: Document.Document,
  options: SaveOptions = {}
): Stream.Stream<A, E | CouchError, R | CouchAuth> => {
  const invalid = notLocal("Checkpoint.saveEvery", checkpoint)
  if (invalid !== undefined) return Stream.fail(invalid)
  const every = options.changes ?? 100
  const interval = Duration.decodeUnknown(options.interval ?? "5 seconds")
  if (!Number.isInteger(every) || every < 1) {
    return Stream.fail(new InvalidRequest({ description: "Checkpoint.saveEvery: changes must be a whole number ≥ 1" }))
  }
  if (Option.isNone(interval) || !Duration.greaterThan(interval.value, Duration.zero)) {
    return Stream.fail(new InvalidRequest({ description: "Checkpoint.saveEvery: interval must be a duration > 0" }))
  }
  return Stream.unwrapScoped(Effect.gen(function*() {
    const state: { latest: Changes.Seq | undefined; unsaved: number; rev: string | undefined } = {
      latest: undefined,
      unsaved: 0,
      rev: undefined
    }
    const lock = yield* Effect.makeSemaphore(1)
    // A transient failure leaves the changes unsaved until the next save; others end the stream.
    const save = lock.withPermits(1)(Effect.suspend(() => {
      const seq = state.latest
      const count = state.unsaved
      if (seq === undefined || count === 0) return Effect.void
      return write(checkpoint, seq, state.rev).pipe(
        Effect.map((result) => {
          state.rev = result.rev
          state.unsaved -= count
        }),
        Effect.catchIf(
          (error) => !isTerminal(error),
          (error) => Effect.logWarning(`couchdb checkpoint not saved (will try again): ${error.message}`)
        )
      )
    }))
    const processed = (chunk: Iterable<A>) => {
      for (const change of chunk) {
        if (change.seq !== null) state.latest = change.seq
        state.unsaved++
      }
    }
    const periodically = Effect.forever(Effect.zipRight(Effect.sleep(interval.value), save))
    return self.pipe(
      Stream.mapChunksEffect((chunk) => {
        processed(chunk)
        return state.unsaved >= every ? Effect.as(save, chunk) : Effect.succeed(chunk)
      }),
      Stream.concat(Stream.execute(save)),
      Stream.interruptWhen(periodically)
    )
  }))
}

/**
 * Saves the checkpoint as changes go by: place it after your processing, so that every
 * change reaching it is processed. It saves the last `seq` seen (rows with `seq: null` are
 * counted, and covered by the next `seq`) every `changes` changes, every `interval` while
 * changes went by unsaved, and when the stream completes; after a failure or an interruption,
 * the last save stands. A save that fails transiently is tried again at the next occasion
 * (and logged as a warning); any other failure ends the stream.
 *
 * @since 0.2.0
 * @category streams
 */
export const saveEvery: {
  (
    checkpoint: Document.Document,
    options?: SaveOptions
  ): <A extends { readonly seq: Changes.Seq | null }, E, R>(
    self: Stream.Stream<A, E, R>
  ) => Stream.Stream<A, E | CouchError, R | CouchAuth>
  <A extends { readonly seq: Changes.Seq | null }, E, R>(
    self: Stream.Stream<A, E, R>,
    checkpoint: Document.Document,
    options?: SaveOptions
  ): Stream.Stream<A, E | CouchError, R | CouchAuth>
} = dual((args) => Predicate.hasProperty(args[0], Stream.StreamTypeId), saveEveryImpl)

/**
 * Follows the changes of the checkpoint's database from the saved sequence: `Follow.changes`
 * with `since` taken from the checkpoint, or from `options` (its default otherwise) when
 * nothing was saved yet.
 *
 * @since 0.2.0
 * @category streams
 */
export const follow: {
  <D = Document.NoSchema, DI = D>(
    options?: Follow.ChangesOptions<D, DI>
  ): (self: Document.Document) => Stream.Stream<Changes.Change<Document.DocOf<D>>, CouchError, CouchAuth>
  <D = Document.NoSchema, DI = D>(
    self: Document.Document,
    options?: Follow.ChangesOptions<D, DI>
  ): Stream.Stream<Changes.Change<Document.DocOf<D>>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Document.Document, options: Follow.ChangesOptions<unknown, unknown> = {}) =>
    Stream.unwrap(Effect.map(load(self), (saved) =>
      Follow.changes(
        self.database,
        Option.match(saved, { onNone: () => options, onSome: (since) => ({ ...options, since }) })
      )))
)

import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { CouchResponse } from "../CouchClient.js"
import type { CouchError } from "../CouchError.js"
import * as Feed from "./feed.js"

/** @internal */
export const Seq: Schema.Union<[typeof Schema.String, typeof Schema.Number]> = Schema.Union(
  Schema.String,
  Schema.Number
)

/** @internal */
export type Seq = typeof Seq.Type

/** @internal */
export type FeedMode = "normal" | "longpoll" | "continuous" | "eventsource"

/** `heartbeat=true` asks for the server's default interval; `false` sends none. @internal */
export const heartbeatParam = (heartbeat: number | boolean | undefined): number | string | undefined =>
  heartbeat === true ? "true" : heartbeat === false ? undefined : heartbeat

/** @internal */
export interface SeqFeed<A> {
  readonly rows: Stream.Stream<A, CouchError>
  readonly lastSeq: Effect.Effect<Option.Option<Seq>>
  readonly pending: Effect.Effect<Option.Option<number>>
}

const LastSeqLine = Schema.Struct({ last_seq: Seq, pending: Schema.optional(Schema.Number) })

const isEndLine = (value: unknown): boolean =>
  typeof value === "object" && value !== null && "last_seq" in value && !("seq" in value)

/**
 * Reads a sequence-ordered feed (`_changes`, `_db_updates`) in any of its modes: a JSON
 * body with a `results` array (normal, longpoll), one JSON object per line with blank
 * heartbeats and a final `{"last_seq"…}` line (continuous), or server-sent events with
 * heartbeat events (eventsource). `lastSeq` follows the rows as they are pulled, never
 * ahead of the consumer, then takes the server's `last_seq`.
 *
 * @internal
 */
export const open = <A extends { readonly seq: Seq | null }>(
  response: CouchResponse,
  mode: FeedMode,
  decodeRow: (value: unknown) => Either.Either<A, CouchError>
): Effect.Effect<SeqFeed<A>, CouchError, Scope.Scope> =>
  Effect.gen(function*() {
    const state = { lastSeq: Option.none<Seq>(), pending: Option.none<number>() }
    // The end of the feed as the server reported it, applied once every row was pulled.
    const end = { lastSeq: Option.none<Seq>(), pending: Option.none<number>() }
    const applyEnd = Effect.sync(() => {
      if (Option.isSome(end.lastSeq)) state.lastSeq = end.lastSeq
      if (Option.isSome(end.pending)) state.pending = end.pending
    })
    const track = (row: A) =>
      Effect.sync(() => {
        if (row.seq !== null) state.lastSeq = Option.some(row.seq)
        return row
      })
    const decodeSeq = Schema.decodeUnknownOption(Seq)
    const decodeEnd = Schema.decodeUnknownOption(LastSeqLine)

    const parsed: Stream.Stream<A, CouchError> = mode === "continuous"
      ? Feed.lines(response).pipe(
        Stream.filter((line) => line.trim() !== ""),
        Stream.mapEffect((line) =>
          Either.flatMap(Feed.parseJsonText(response, line), (value): Either.Either<Option.Option<A>, CouchError> => {
            const endLine = isEndLine(value) ? decodeEnd(value) : Option.none()
            if (Option.isNone(endLine)) return Either.map(decodeRow(value), Option.some)
            end.lastSeq = Option.some(endLine.value.last_seq)
            end.pending = Option.fromNullable(endLine.value.pending)
            return Either.right(Option.none())
          })
        ),
        Stream.filterMap(identity)
      )
      : mode === "eventsource"
      ? Feed.serverSentEvents(Feed.lines(response)).pipe(
        Stream.filter((event) => event.event !== "heartbeat" && event.data.trim() !== ""),
        Stream.mapEffect((event) => Either.flatMap(Feed.parseJsonText(response, event.data), decodeRow))
      )
      : yield* Feed.framed(response, "results", decodeRow, (key, value) => {
        if (key === "last_seq") end.lastSeq = decodeSeq(value)
        if (key === "pending" && typeof value === "number") end.pending = Option.some(value)
      })

    return {
      // Per element, so lastSeq never runs ahead of what the consumer has pulled.
      rows: parsed.pipe(Stream.mapEffect(track), Stream.onEnd(applyEnd)),
      lastSeq: Effect.sync(() => state.lastSeq),
      pending: Effect.sync(() => state.pending)
    }
  })

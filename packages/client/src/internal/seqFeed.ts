import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
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

/**
 * The heartbeat a feed asks for, and how long it may stay silent. Continuous and eventsource
 * feeds ask for a heartbeat every 30 s unless told otherwise (`heartbeat: false` asks for
 * none), so a dead connection shows; longpoll waits at most its `timeout` (CouchDB's default
 * is 60 s). The idle timeout is the longest silence allowed: the heartbeat plus as much again
 * (at least 5 s), `idleTimeout` when given, none for a normal feed or without heartbeats.
 *
 * @internal
 */
export const liveness = (
  mode: FeedMode,
  params: {
    readonly heartbeat?: number | boolean | undefined
    readonly timeout?: number | undefined
    readonly idleTimeout?: Duration.DurationInput | "none" | undefined
  }
): { readonly heartbeat: number | string | undefined; readonly idle: Duration.Duration | undefined } => {
  const live = mode === "continuous" || mode === "eventsource"
  const heartbeat = params.heartbeat ?? (live ? 30_000 : undefined)
  const heartbeatMs = heartbeat === true ? 60_000 : typeof heartbeat === "number" ? heartbeat : undefined
  const derived = heartbeatMs !== undefined && mode !== "normal"
    ? Duration.millis(heartbeatMs + Math.max(5_000, heartbeatMs))
    : mode === "longpoll"
    ? Duration.millis((params.timeout ?? 60_000) + 10_000)
    : undefined
  return {
    heartbeat: heartbeatParam(heartbeat),
    idle: params.idleTimeout === "none"
      ? undefined
      : params.idleTimeout !== undefined
      ? Duration.decode(params.idleTimeout)
      : derived
  }
}

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

// A normal feed's body (`{"results":[…],"last_seq":…}` on one line, from a server that ignored
// the feed mode) is not an end line: it goes to the row decoder, which rejects it.
const isEndLine = (value: unknown): boolean =>
  typeof value === "object" && value !== null && "last_seq" in value && !("seq" in value) && !("results" in value)

const isEventStream = (contentType: string | undefined): boolean =>
  contentType === undefined || contentType.toLowerCase().startsWith("text/event-stream")

// Rows start with `{`, which spares them the `trim`.
const isBlank = (line: string): boolean => line.length === 0 || (line.charCodeAt(0) !== 0x7b && line.trim() === "")

/**
 * Reads a sequence-ordered feed (`_changes`, `_db_updates`) in any of its modes: a JSON
 * body with a `results` array (normal, longpoll), one JSON object per line with blank
 * heartbeats and a final `{"last_seq"…}` line (continuous), or server-sent events with
 * heartbeat events (eventsource). `lastSeq` follows the rows as the stream emits them (a
 * network chunk at a time), then takes the server's `last_seq` once every row was emitted.
 *
 * A continuous or eventsource feed the server ends cleanly after a complete line or event
 * ends the stream, with or without a `last_seq` line (pouchdb-server never sends one); one
 * that ends inside a line or an event was cut short (`TransportError`, kind `Reset`). An
 * eventsource answer that is not `text/event-stream` (pouchdb-server answers with the normal
 * feed) is a `DecodeError`, not an empty feed.
 *
 * @internal
 */
export const open = <A extends { readonly seq: Seq | null }>(
  response: CouchResponse,
  mode: FeedMode,
  decodeRow: (value: unknown) => Either.Either<A, CouchError>,
  idleTimeout?: Duration.Duration
): Effect.Effect<SeqFeed<A>, CouchError, Scope.Scope> =>
  Effect.gen(function*() {
    const state = { lastSeq: Option.none<Seq>(), pending: Option.none<number>() }
    // The end of the feed as the server reported it, applied once every row was emitted.
    const end = { lastSeq: Option.none<Seq>(), pending: Option.none<number>() }
    const decodeSeq = Schema.decodeUnknownOption(Seq)
    const decodeEnd = Schema.decodeUnknownOption(LastSeqLine)

    // Plain code rather than Either combinators: this runs once per row.
    const row = (text: string, out: Array<A>): CouchError | undefined => {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        return Feed.invalidJson(response, error)
      }
      if (isEndLine(value)) {
        const endLine = decodeEnd(value)
        if (Option.isSome(endLine)) {
          end.lastSeq = Option.some(endLine.value.last_seq)
          end.pending = Option.fromNullable(endLine.value.pending)
          return undefined
        }
      }
      const decoded = decodeRow(value)
      if (Either.isLeft(decoded)) return decoded.left
      out.push(decoded.right)
      return undefined
    }

    const contentType = response.headers["content-type"]
    if (mode === "eventsource" && !isEventStream(contentType)) {
      return yield* Effect.fail(Feed.decodeError(
        response,
        `expected a text/event-stream body for feed=eventsource, got ${contentType} (does the server support it?)`
      ))
    }

    const line = (text: string, out: Array<A>) => isBlank(text) ? undefined : row(text, out)
    const event = (sent: Feed.ServerSentEvent, out: Array<A>) =>
      sent.event === "heartbeat" || sent.data.trim() === "" ? undefined : row(sent.data, out)
    const parser: Feed.BodyParser<A> = mode === "continuous"
      ? Feed.lines(response, line)
      : mode === "eventsource"
      ? Feed.serverSentEvents(response, event)
      : Feed.framed(response, "results", decodeRow, (key, value) => {
        if (key === "last_seq") end.lastSeq = decodeSeq(value)
        if (key === "pending" && typeof value === "number") end.pending = Option.some(value)
      })

    // Only the last row with a `seq` counts (`seq_interval` leaves `null` in the rows between).
    const track = (rows: Chunk.Chunk<A>) => {
      const array = Chunk.toReadonlyArray(rows)
      for (let i = array.length - 1; i >= 0; i--) {
        const seq = array[i]?.seq
        if (seq !== undefined && seq !== null) {
          state.lastSeq = Option.some(seq)
          break
        }
      }
      return rows
    }
    const applyEnd = Effect.sync(() => {
      if (Option.isSome(end.lastSeq)) state.lastSeq = end.lastSeq
      if (Option.isSome(end.pending)) state.pending = end.pending
    })
    return {
      rows: (yield* Feed.parse(response, parser, idleTimeout)).pipe(Stream.mapChunks(track), Stream.onEnd(applyEnd)),
      lastSeq: Effect.sync(() => state.lastSeq),
      pending: Effect.sync(() => state.pending)
    }
  })

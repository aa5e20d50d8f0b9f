import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as ExecutionStrategy from "effect/ExecutionStrategy"
import * as Exit from "effect/Exit"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { CouchAuth } from "../CouchAuth.js"
import type { CouchResponse } from "../CouchClient.js"
import { type CouchError, DecodeError, InvalidRequest } from "../CouchError.js"
import * as Retry from "./retry.js"
import * as SeqFeed from "./seqFeed.js"

type Seq = SeqFeed.Seq

/** @internal */
export type Mode = "listen" | "oneOff"

/** @internal */
export const reconnects: Metric.Metric.Counter<number> = Metric.counter("couchdb.follow.reconnects", {
  description: "Requests a changes follower sent again after a transient failure",
  incremental: true
})

/** @internal */
export const redeliveries: Metric.Metric.Counter<number> = Metric.counter("couchdb.follow.redeliveries", {
  description: "Changes a follower delivered again after a reconnect (seq_interval rows read twice)",
  incremental: true
})

/** The default backoff: full jitter from 100 ms, capped at 60 s, forever. @internal */
export const backoff = (options: {
  readonly base?: Duration.DurationInput | undefined
  readonly cap?: Duration.DurationInput | undefined
} = {}): Schedule.Schedule<Duration.Duration> =>
  Retry.fullJitter(options.base ?? "100 millis", options.cap ?? "60 seconds")

/** A longer `Retry-After` than this is not waited out in full. */
const maxRetryAfter = Duration.minutes(1)

/** Rows of the first batch when it is sized by bytes and nothing was measured yet. */
const probeRows = 100

/**
 * Failures a retry cannot fix: a client error (4xx other than 408 and 429: a bad request,
 * credentials, permissions, a missing database), a response that does not decode (the same
 * bytes decode the same way again), and a request that cannot be sent. Everything else —
 * the connection, a silent connection, 408, 429 and 5xx — is worth another try.
 *
 * @internal
 */
export const isTerminal = (error: CouchError): boolean => {
  switch (error._tag) {
    case "TransportError":
      return false
    case "DecodeError":
    case "InvalidRequest":
      return true
    default:
      return error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429
  }
}

/**
 * The heartbeat a follower asks for (30 s unless told otherwise) and the longest silence it
 * accepts before it reconnects: the heartbeat plus as much again, at least 5 s (without
 * heartbeats, CouchDB's default 60 s longpoll timeout stands for it).
 *
 * @internal
 */
export const liveness = (
  heartbeat: number | boolean | undefined,
  idleTimeout: Duration.Duration | "none" | undefined
): { readonly heartbeat: number | string | undefined; readonly idle: Duration.Duration | undefined } => {
  const beat = heartbeat ?? 30_000
  const beatMillis = typeof beat === "number" ? beat : 60_000
  return {
    heartbeat: SeqFeed.heartbeatParam(beat),
    idle: idleTimeout === "none"
      ? undefined
      : idleTimeout !== undefined
      ? idleTimeout
      : Duration.millis(beatMillis + Math.max(5_000, beatMillis))
  }
}

/** The follower's controls, checked: an `InvalidRequest` names the first bad one. @internal */
export interface Controls {
  readonly mode: Mode
  readonly since: Seq | "now"
  readonly batchSize: number
  readonly errorTolerance: Duration.Duration | undefined
  readonly idleTimeout: Duration.Duration | "none" | undefined
}

/** Options a follower chooses itself, or that make no sense for following. */
const rejected = ["feed", "descending", "limit", "lastEventId", "timeout"] as const

/** @internal */
export const controls = (
  operation: string,
  options: {
    readonly mode?: unknown
    readonly since?: unknown
    readonly batchSize?: unknown
    readonly errorTolerance?: unknown
    readonly idleTimeout?: unknown
  }
): Controls | InvalidRequest => {
  const invalid = (description: string) => new InvalidRequest({ description: `${operation}: ${description}` })
  for (const name of rejected) {
    if (Reflect.get(options, name) !== undefined) {
      return invalid(`\`${name}\` is not an option of a follower (it chooses the feed, the order and the batches)`)
    }
  }
  const mode = options.mode ?? "listen"
  if (mode !== "listen" && mode !== "oneOff") return invalid(`mode must be "listen" or "oneOff"`)
  const since = options.since ?? (mode === "listen" ? "now" : 0)
  if (typeof since !== "string" && (typeof since !== "number" || !Number.isFinite(since))) {
    return invalid("since must be a sequence (a string or a finite number) or \"now\"")
  }
  const batchSize = options.batchSize ?? 10_000
  if (typeof batchSize !== "number" || !Number.isInteger(batchSize) || batchSize < 1) {
    return invalid("batchSize must be a whole number ≥ 1")
  }
  const duration = (name: string, input: unknown): Duration.Duration | InvalidRequest | undefined => {
    if (input === undefined) return undefined
    const decoded = Duration.decodeUnknown(input)
    return Option.isSome(decoded) && Duration.greaterThanOrEqualTo(decoded.value, Duration.zero)
      ? decoded.value
      : invalid(`${name} is not a duration`)
  }
  const errorTolerance = duration("errorTolerance", options.errorTolerance)
  if (errorTolerance instanceof InvalidRequest) return errorTolerance
  const idleTimeout = options.idleTimeout === "none" ? "none" : duration("idleTimeout", options.idleTimeout)
  if (idleTimeout instanceof InvalidRequest) return idleTimeout
  return { mode, since, batchSize, errorTolerance, idleTimeout }
}

/** One request of a follower. @internal */
export interface BatchRequest {
  /** `normal` for a one-off run (and to learn where "now" is), `longpoll` to wait for changes. */
  readonly feed: "normal" | "longpoll"
  readonly since: Seq | "now"
  readonly limit: number
  /** Counts the body's bytes, when batches are sized by bytes. */
  readonly onBytes: ((bytes: number) => void) | undefined
}

/** @internal */
export interface Config<A> {
  /** The database name (or `_db_updates`): a tag on the counters and logs. */
  readonly namespace: string
  /** What the requests go to, for messages. */
  readonly url: string
  readonly controls: Controls
  /** The largest body a batch should have, when sized by bytes. */
  readonly batchBytes: number | undefined
  readonly schedule: Schedule.Schedule<unknown, CouchError>
  /** Sends one request; the response is read in the scope. */
  readonly open: (request: BatchRequest) => Effect.Effect<SeqFeed.SeqFeed<A>, CouchError, CouchAuth | Scope.Scope>
}

/** The batch being read. */
interface Current<A> {
  readonly scope: Scope.CloseableScope
  readonly feed: SeqFeed.SeqFeed<A>
  readonly pull: Effect.Effect<Chunk.Chunk<A>, Option.Option<CouchError>>
  readonly limit: number
  readonly counted: { rows: number; bytes: number }
}

/**
 * A response whose body bytes are counted as they are read (to size the next batches).
 *
 * @internal
 */
export const countingBytes = (response: CouchResponse, onBytes: (bytes: number) => void): CouchResponse => ({
  status: response.status,
  headers: response.headers,
  method: response.method,
  url: response.url,
  text: response.text,
  bytes: response.bytes,
  json: response.json,
  decode: (schema) => response.decode(schema),
  stream: Stream.mapChunks(response.stream, (chunks) => {
    for (const chunk of chunks) onBytes(chunk.length)
    return chunks
  })
})

/**
 * Follows a sequence-ordered feed (`_changes`, `_db_updates`) one request (batch) at a time:
 * `longpoll` in listen mode, `normal` for a one-off run, each asking for at most a batch of
 * rows from the last sequence delivered. Rows are emitted as they arrive. A transient
 * failure (see `isTerminal`) closes the request, waits as the schedule (and `Retry-After`)
 * says and asks again from the last sequence delivered; a terminal one, one after the error
 * tolerance, or one the schedule gives up on, ends the stream with that error.
 *
 * `since: "now"` is first resolved to the current sequence (a normal request), so that a
 * failure before the first change cannot skip the changes made meanwhile. Rows without a
 * `seq` (`seq_interval`) cannot be resumed from: after a reconnect the follower resumes from
 * the last row that had one, and counts the rows it delivers a second time.
 *
 * @internal
 */
export const follow = <A extends { readonly seq: Seq | null }>(
  config: Config<A>
): Stream.Stream<A, CouchError, CouchAuth> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const { batchSize, errorTolerance, mode } = config.controls
    const outer = yield* Effect.scope
    const driver = yield* Schedule.driver(config.schedule)
    const reconnectCount = Metric.tagged(reconnects, "db.namespace", config.namespace)
    const redeliveryCount = Metric.tagged(redeliveries, "db.namespace", config.namespace)
    const state = {
      since: config.controls.since,
      /** Rows delivered since the row (or end line) `since` came from, on this connection. */
      position: 0,
      /** The most rows delivered after `since` by any connection: the ones a reconnect repeats. */
      delivered: 0,
      /** Consecutive failures, and when the first of them happened. */
      failures: 0,
      failingSince: 0,
      /** Body bytes per row, measured on the last batch that had rows. */
      bytesPerRow: undefined as number | undefined,
      done: false
    }
    let current: Current<A> | undefined

    const limit = (): number => {
      if (config.batchBytes === undefined) return batchSize
      if (state.bytesPerRow === undefined) return Math.min(batchSize, probeRows)
      return Math.max(1, Math.min(batchSize, Math.floor(config.batchBytes / state.bytesPerRow)))
    }

    const open: Effect.Effect<void, CouchError, CouchAuth> = Effect.suspend(() => {
      const counted = { rows: 0, bytes: 0 }
      const request: BatchRequest = {
        feed: mode === "listen" && state.since !== "now" ? "longpoll" : "normal",
        since: state.since,
        limit: limit(),
        onBytes: config.batchBytes === undefined ? undefined : (bytes) => {
          counted.bytes += bytes
        }
      }
      return Effect.flatMap(Scope.fork(outer, ExecutionStrategy.sequential), (scope) =>
        Effect.gen(function*() {
          const feed = yield* config.open(request)
          const pull = yield* Stream.toPull(feed.rows)
          current = { scope, feed, pull, limit: request.limit, counted }
        }).pipe(
          Scope.extend(scope),
          Effect.onError((cause) => Scope.close(scope, Exit.failCause(cause)))
        ))
    })

    const close = (exit: Exit.Exit<unknown, unknown>): Effect.Effect<void> =>
      Effect.suspend(() => {
        const batch = current
        if (batch === undefined) return Effect.void
        current = undefined
        if (batch.counted.rows > 0 && batch.counted.bytes > 0) {
          state.bytesPerRow = batch.counted.bytes / batch.counted.rows
        }
        return Scope.close(batch.scope, exit)
      })

    const succeeded: Effect.Effect<void> = Effect.suspend(() => {
      if (state.failures === 0) return Effect.void
      state.failures = 0
      return driver.reset
    })

    const spanEvent = (attributes: Record<string, unknown>) =>
      Effect.flatMap(Effect.option(Effect.currentSpan), (span) =>
        Option.isNone(span)
          ? Effect.void
          : Effect.flatMap(
            Clock.currentTimeNanos,
            (now) => Effect.sync(() => span.value.event("couchdb.follow.reconnect", now, attributes))
          ))

    /** After a failure: stop (terminal, past the tolerance, schedule done), or wait and go on. */
    const recover = (error: CouchError): Effect.Effect<void, Option.Option<CouchError>> =>
      Effect.gen(function*() {
        if (isTerminal(error)) return yield* Effect.fail(Option.some(error))
        const now = yield* Clock.currentTimeMillis
        if (state.failures === 0) state.failingSince = now
        if (errorTolerance !== undefined && now - state.failingSince >= Duration.toMillis(errorTolerance)) {
          return yield* Effect.fail(Option.some(error))
        }
        state.failures++
        // The next connection starts again from `since`.
        state.position = 0
        const attributes = {
          "db.namespace": config.namespace,
          "error.type": error._tag,
          "couchdb.follow.attempt": state.failures,
          "couchdb.follow.since": String(state.since)
        }
        yield* Metric.increment(reconnectCount)
        yield* Effect.annotateLogs(Effect.logDebug(`couchdb follower reconnects: ${error.message}`), attributes)
        yield* spanEvent(attributes)
        const retryAfter = Retry.retryAfter(error, maxRetryAfter)
        if (Duration.greaterThan(retryAfter, Duration.zero)) yield* Effect.sleep(retryAfter)
        yield* Effect.mapError(driver.next(error), () => Option.some(error))
      })

    /** The batch ended cleanly: resume after the server's `last_seq`; a one-off run may be done. */
    const ended = (batch: Current<A>): Effect.Effect<void, Option.Option<CouchError>> =>
      Effect.gen(function*() {
        const lastSeq = yield* batch.feed.lastSeq
        const pending = yield* batch.feed.pending
        yield* close(Exit.void)
        if (Option.isSome(lastSeq)) {
          if (lastSeq.value !== state.since) {
            state.since = lastSeq.value
            state.position = 0
            state.delivered = 0
          }
        } else if (state.since === "now") {
          return yield* Effect.fail(Option.some(
            new DecodeError({
              method: "GET",
              url: config.url,
              description: "the server sent no last_seq for since=now: cannot tell where to follow from"
            })
          ))
        }
        yield* succeeded
        if (mode === "oneOff" && (batch.counted.rows < batch.limit || Option.contains(pending, 0))) state.done = true
      })

    /** Notes where the rows leave the feed; counts the ones delivered a second time. */
    const delivered = (batch: Current<A>, chunk: Chunk.Chunk<A>): Effect.Effect<Chunk.Chunk<A>> => {
      const rows = Chunk.toReadonlyArray(chunk)
      let again = 0
      for (const row of rows) {
        state.position++
        if (state.position <= state.delivered) again++
        else state.delivered = state.position
        if (row.seq !== null) {
          state.since = row.seq
          state.position = 0
          state.delivered = 0
        }
      }
      batch.counted.rows += rows.length
      const result = Effect.as(succeeded, chunk)
      return again === 0 ? result : Effect.zipRight(Metric.incrementBy(redeliveryCount, again), result)
    }

    const next: Effect.Effect<Chunk.Chunk<A>, Option.Option<CouchError>, CouchAuth> = Effect.suspend(() => {
      if (state.done) return Effect.fail(Option.none())
      const batch = current
      if (batch === undefined) {
        return Effect.matchEffect(open, {
          onFailure: (error) => Effect.zipRight(recover(error), next),
          onSuccess: () => next
        })
      }
      return Effect.matchEffect(batch.pull, {
        onSuccess: (chunk) => Chunk.isEmpty(chunk) ? next : delivered(batch, chunk),
        onFailure: Option.match({
          onNone: () => Effect.zipRight(ended(batch), next),
          onSome: (error) => Effect.zipRight(Effect.zipRight(close(Exit.fail(error)), recover(error)), next)
        })
      })
    })

    return Stream.repeatEffectChunkOption(next)
  }))

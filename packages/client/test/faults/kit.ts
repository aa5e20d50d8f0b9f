/**
 * Shared by the fault runs (`pnpm test:faults`): clients on an embedded server, directly or
 * through a FaultProxy; a writer that keeps writing through server restarts; a follower that
 * counts what it receives; and the figures each run reports (changes lost and delivered twice,
 * resets, reconnects, memory).
 */
import {
  type CouchAuth,
  type CouchClient,
  type CouchError,
  type Database,
  Follow,
  Resource
} from "@effect-couchdb/client"
import { EmbeddedCouch, TestCouch } from "@effect-couchdb/embedded"
import { NodeHttpClient } from "@effect/platform-node"
import { Clock, Effect, Fiber, Layer, Metric, Schedule, Stream } from "effect"
import * as fs from "node:fs"

type Run = <A, E>(
  effect: Effect.Effect<A, E, CouchClient.CouchClient | CouchAuth.CouchAuth>
) => Effect.Effect<A, E | CouchError.CouchError>

/** A client with the server's admin, at `url` (the server's, or a proxy's), for the scope. */
export const clientAt = (server: EmbeddedCouch.Server, url: string = server.url) =>
  Layer.build(
    TestCouch.layer.pipe(
      Layer.provide(Layer.succeed(EmbeddedCouch.EmbeddedCouch, { ...server, url })),
      Layer.provide(NodeHttpClient.layerUndici)
    )
  ).pipe(Effect.map((context): Run => (effect) => Effect.provide(effect, context)))

/** Document `i` of a run. */
export const docId = (i: number) => `doc-${String(i).padStart(6, "0")}`

/**
 * Writes documents `0 … total-1` with `_bulk_docs`, `batch` at a time, resending a batch until
 * it goes through (a server being restarted refuses connections meanwhile; documents written
 * by an attempt whose answer was lost come back as conflicts, which is fine). `between` runs
 * before batch `i`, e.g. to kill the server.
 */
export const writeAll = (
  db: Database.Database,
  options: {
    readonly total: number
    readonly batch: number
    readonly between?: (batch: number) => Effect.Effect<void, unknown>
  }
) =>
  Effect.gen(function*() {
    const bulk = Resource.of(db).resource("_bulk_docs")
    for (let start = 0, n = 0; start < options.total; start += options.batch, n++) {
      if (options.between !== undefined) yield* options.between(n)
      const docs = Array.from(
        { length: Math.min(options.batch, options.total - start) },
        (_, i) => ({ _id: docId(start + i), n: start + i, padding: "x".repeat(64) })
      )
      yield* bulk.post({ json: { docs } }).pipe(
        Effect.retry(Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(600))))
      )
    }
  })

/** What a follower delivered: each id once or more, and when. */
export interface Tally {
  readonly seen: Set<string>
  delivered: number
  duplicates: number
  /** When the first change after `mark` arrived (ms, Clock time), once `mark` is set. */
  mark: number | undefined
  firstAfterMark: number | undefined
}

/** An empty tally. */
export const makeTally = (): Tally => ({
  seen: new Set(),
  delivered: 0,
  duplicates: 0,
  mark: undefined,
  firstAfterMark: undefined
})

/** Runs `changes` until every one of `total` documents was seen, counting into `result`. */
export const tally = <E, R>(
  changes: Stream.Stream<{ readonly id: string }, E, R>,
  total: number,
  result: Tally = makeTally()
): Effect.Effect<Tally, E, R> =>
  Effect.suspend(() =>
    changes.pipe(
      Stream.runForEachWhile((change) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          result.delivered++
          if (result.seen.has(change.id)) result.duplicates++
          else result.seen.add(change.id)
          if (result.mark !== undefined && result.firstAfterMark === undefined && now >= result.mark) {
            result.firstAfterMark = now
          }
          return result.seen.size < total
        })
      ),
      Effect.as(result)
    )
  )

/**
 * Waits for the follower fiber. A guard, not a race: a follower that lost nothing is done within
 * seconds, one that lost a change would wait forever.
 */
export const joinFollower = <A, E>(follower: Fiber.Fiber<A, E>) =>
  Fiber.join(follower).pipe(
    Effect.timeoutFail({ duration: "90 seconds", onTimeout: () => new Error("the follower never saw every document") })
  )

/** The ids of `0 … total-1` a tally never saw. */
export const lost = (result: Tally, total: number) =>
  Array.from({ length: total }, (_, i) => docId(i)).filter((id) => !result.seen.has(id))

/** A follower counter's value for database `db`. */
export const counted = (metric: typeof Follow.reconnects, db: string) =>
  Effect.map(Metric.value(Metric.tagged(metric, "db.namespace", db)), (state) => state.count)

/** The process's peak resident memory so far, MB (Linux `VmHWM`, which a forked worker does not inherit). */
const peakRssMB = (): number => {
  try {
    const line = fs.readFileSync("/proc/self/status", "utf8").split("\n").find((l) => l.startsWith("VmHWM:"))
    const kb = Number(line?.replace(/\D+/g, ""))
    if (Number.isFinite(kb) && kb > 0) return kb / 1024
  } catch {
    // Not Linux: the high-water mark the process reports.
  }
  return process.resourceUsage().maxRSS / 1024
}

/** The heap in use after a full collection (the fault runs expose `gc`), MB. */
const heapMB = (): number => {
  const gc: unknown = Reflect.get(globalThis, "gc")
  if (typeof gc === "function") gc()
  return process.memoryUsage().heapUsed / 1024 / 1024
}

/**
 * Samples the resident memory while `effect` runs: before, the highest seen, after, and the
 * process peak; and the heap after a full collection, before and after.
 */
export const measuringMemory = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const mb = () => process.memoryUsage.rss() / 1024 / 1024
    const heapBefore = heapMB()
    const before = mb()
    let highest = before
    const sampler = yield* Effect.fork(
      Effect.repeat(Effect.sync(() => (highest = Math.max(highest, mb()))), Schedule.spaced("50 millis"))
    )
    const started = yield* Clock.currentTimeMillis
    const value = yield* Effect.ensuring(effect, Fiber.interrupt(sampler))
    const seconds = ((yield* Clock.currentTimeMillis) - started) / 1000
    const memory = { before, highest: Math.max(highest, mb()), after: mb(), peak: peakRssMB() }
    return { value, memory: { ...memory, heapBefore, heapAfter: heapMB() }, seconds }
  })

/** Prints one run's figures (the report of `pnpm test:faults`). */
export const report = (name: string, figures: Record<string, string | number>) =>
  Effect.sync(() => {
    const text = Object.entries(figures).map(([key, value]) =>
      `${key}=${typeof value === "number" && !Number.isInteger(value) ? value.toFixed(1) : value}`
    ).join(" ")
    process.stdout.write(`[faults] ${name}: ${text}\n`)
  })

/** A backoff for runs that must recover quickly: full jitter from 10 ms, at most 250 ms. */
export const quickBackoff = Follow.backoff({ base: "10 millis", cap: "250 millis" })

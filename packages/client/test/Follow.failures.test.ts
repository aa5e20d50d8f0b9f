/**
 * How a follower meets failures, over MockCouch and TestClock: transient ones (a broken
 * connection, 429/503 with `Retry-After`, 5xx, a silent connection) are retried from the last
 * seq delivered; terminal ones (400, 401, 403, 404) stop it at once with their tagged error,
 * and so do the error tolerance and a schedule that gives up. Bodies and error bodies are
 * CouchDB 3.x's (couchdb-3.5-wire.md 15-root-badauth and 16-changes-normal; couchdb-3.5-api.md
 * 11.1 for the 404); the 503 and 429 bodies follow CouchDB's API reference (not recorded).
 */
import { CouchAuth, CouchClient, Follow } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, LogLevel, Metric, Option, Schedule, Schema, Stream, TestClock } from "effect"
import { change, changes, couchChanges, rowsOf, withDb } from "./feeds/kit.js"
import { recordingSpans } from "./tracing.js"

const sent = Effect.map(MockCouch.requests, (requests) => requests.length)
const sinces = Effect.map(MockCouch.requests, (requests) => requests.map((r) => r.query.get("since")))

/** Answers `replies` in turn, then one change `d1` and (listening) a wait. */
const inTurn = (replies: ReadonlyArray<MockCouch.Reply>) => {
  let n = 0
  return changes(() =>
    replies[n++] ??
      (n === replies.length + 1
        ? MockCouch.chunked(200, [couchChanges([change("1-g1", "d1")], "1-g1", 0)])
        : MockCouch.stream(200, Stream.concat(Stream.make("{\"results\":[\n"), Stream.never)))
  )
}

const unavailable = (headers: Record<string, string> = {}) =>
  MockCouch.json(503, { error: "service_unavailable", reason: "Service unavailable" }, headers)

/** Runs `effect`, moving the TestClock on a minute at a time until it is done. */
const drive = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let minutes = 0; minutes < 600; minutes++) {
      if (Option.isSome(yield* Fiber.poll(fiber))) break
      yield* TestClock.adjust("1 minute")
    }
    return yield* Fiber.join(fiber)
  })

describe("Follow.changes: transient failures are retried from the last seq delivered", () => {
  it.effect("a 503 with Retry-After is waited out before asking again", () =>
    withDb([inTurn([unavailable({ "retry-after": "2" })])], (db) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(
          rowsOf(Follow.changes(db, { since: "0", schedule: Schedule.forever }).pipe(Stream.take(1)))
        )
        yield* TestClock.adjust("1999 millis")
        expect(yield* sent).toBe(1)
        yield* TestClock.adjust("1 millis")
        expect((yield* Fiber.join(fiber)).map((c) => c.id)).toEqual(["d1"])
        expect(yield* sinces).toEqual(["0", "0"])
      })))

  it.effect("connection refused, 429, 500, 502 and 504 are retried with the schedule's backoff", () =>
    withDb([
      inTurn([
        MockCouch.transportFailure("ECONNREFUSED"),
        MockCouch.json(429, { error: "too_many_requests", reason: "You've exceeded your rate limit allowance." }),
        MockCouch.json(500, { error: "unknown_error", reason: "function_clause" }),
        MockCouch.json(502, { error: "bad_gateway" }),
        MockCouch.json(504, { error: "gateway_timeout" })
      ])
    ], (db) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(
          rowsOf(Follow.changes(db, { since: "0", schedule: Schedule.spaced("1 second") }).pipe(Stream.take(1)))
        )
        for (let second = 1; second <= 5; second++) {
          yield* TestClock.adjust("999 millis")
          expect(yield* sent).toBe(second)
          yield* TestClock.adjust("1 millis")
        }
        expect((yield* Fiber.join(fiber)).map((c) => c.id)).toEqual(["d1"])
        expect(yield* sent).toBe(6)
      })))

  it.effect("the default backoff is full jitter: waits stay under the exponential step", () =>
    withDb([inTurn([unavailable(), unavailable(), unavailable()])], (db) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(rowsOf(Follow.changes(db, { since: "0" }).pipe(Stream.take(1))))
        // Steps of 100, 200 and 400 ms: all three waits are over after 700 ms.
        yield* TestClock.adjust("700 millis")
        expect((yield* Fiber.join(fiber)).map((c) => c.id)).toEqual(["d1"])
        expect(yield* sent).toBe(4)
      })))
})

describe("Follow.changes: terminal failures stop the follower with their tagged error", () => {
  const cases = [
    [400, { error: "bad_request", reason: "Malformed request body" }, "BadRequest"],
    [401, { error: "unauthorized", reason: "Name or password is incorrect." }, "Unauthorized"],
    [403, { error: "forbidden", reason: "You are not allowed to access this db." }, "Forbidden"],
    [404, { error: "not_found", reason: "Database does not exist." }, "NotFound"]
  ] as const
  for (const [status, body, tag] of cases) {
    it.effect(`${status} → ${tag}, after one request`, () =>
      withDb([changes(MockCouch.json(status, body))], (db) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(Stream.runDrain(Follow.changes(db, { since: "0" })))
          expect(error._tag).toBe(tag)
          expect(yield* sent).toBe(1)
        })))
  }

  it.effect("a terminal status after changes were delivered still stops it, after those changes", () =>
    withDb([inTurn([
      MockCouch.chunked(200, [couchChanges([change("1-g1", "d1")], "1-g1", 3)]),
      MockCouch.json(401, { error: "unauthorized", reason: "Name or password is incorrect." })
    ])], (db) =>
      Effect.gen(function*() {
        const results = yield* Stream.runCollect(Stream.either(Follow.changes(db, { since: "0" })))
        expect([...results].map((r) => r._tag === "Right" ? r.right.id : r.left._tag)).toEqual(["d1", "Unauthorized"])
        expect(yield* sinces).toEqual(["0", "1-g1"])
      })))

  it.effect("a document that fails its Schema is a DecodeError, not retried", () =>
    withDb([changes(MockCouch.chunked(200, [
      couchChanges([{ ...change("1-g1", "d1"), doc: { _id: "d1", _rev: "1-a", title: 7 } }], "1-g1", 0)
    ]))], (db) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Stream.runDrain(Follow.changes(db, {
          mode: "oneOff",
          include_docs: true,
          schema: Schema.Struct({ title: Schema.String })
        })))
        expect(error._tag).toBe("DecodeError")
        expect(yield* sent).toBe(1)
      })))
})

describe("Follow.changes: giving up", () => {
  it.effect("errorTolerance: stops once failures have gone on that long, with the last one", () =>
    withDb([changes(unavailable())], (db) =>
      Effect.gen(function*() {
        const error = yield* drive(Effect.flip(Stream.runDrain(
          Follow.changes(db, { since: "0", schedule: Schedule.spaced("1 second"), errorTolerance: "3 seconds" })
        )))
        expect(error._tag).toBe("ServiceUnavailable")
        // Failures at 0, 1, 2 and 3 s: the one at 3 s is past the tolerance.
        expect(yield* sent).toBe(4)
      })))

  it.effect("errorTolerance 0 fails on the first transient failure", () =>
    withDb([changes(unavailable())], (db) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(Stream.runDrain(Follow.changes(db, { since: "0", errorTolerance: 0 })))
        expect(error._tag).toBe("ServiceUnavailable")
        expect(yield* sent).toBe(1)
      })))

  it.effect("a schedule that is done ends the stream with the last failure", () =>
    withDb([changes(MockCouch.transportFailure("ECONNRESET"))], (db) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(
          Stream.runDrain(Follow.changes(db, { since: "0", schedule: Schedule.recurs(2) }))
        )
        expect(error).toMatchObject({ _tag: "TransportError", kind: "Reset" })
        expect(yield* sent).toBe(3)
      })))

  it.effect("a change in between starts the tolerance and the schedule over", () =>
    withDb([inTurn([
      unavailable(),
      MockCouch.chunked(200, [couchChanges([change("1-g1", "d1")], "1-g1", 3)]),
      unavailable(),
      MockCouch.chunked(200, [couchChanges([change("2-g1", "d2")], "2-g1", 3)])
    ])], (db) =>
      Effect.gen(function*() {
        const rows = yield* drive(rowsOf(
          Follow.changes(db, { since: "0", schedule: Schedule.recurs(1), errorTolerance: "5 seconds" }).pipe(
            Stream.take(2)
          )
        ))
        expect(rows.map((c) => c.id)).toEqual(["d1", "d2"])
      })))
})

describe("Follow.changes: the silent-connection watchdog", () => {
  const silent = MockCouch.stream(200, Stream.concat(Stream.make("{\"results\":[\n"), Stream.never))
  const heartbeats = MockCouch.stream(
    200,
    Stream.concat(Stream.make("{\"results\":[\n"), Stream.repeatEffect(Effect.as(Effect.sleep("10 seconds"), "\n")))
  )

  it.effect("no data and no heartbeat within heartbeat + grace: it reconnects from the same seq", () =>
    withDb([inTurn([silent])], (db) =>
      Effect.gen(function*() {
        const before = (yield* Metric.value(Metric.tagged(Follow.reconnects, "db.namespace", "db"))).count
        const fiber = yield* Effect.fork(rowsOf(
          Follow.changes(db, { since: "5-g1", heartbeat: 1_000, schedule: Schedule.forever }).pipe(Stream.take(1))
        ))
        // A 1 s heartbeat allows 1 s + 5 s of silence.
        yield* TestClock.adjust("5999 millis")
        expect(yield* sent).toBe(1)
        yield* TestClock.adjust("1 millis")
        expect((yield* Fiber.join(fiber)).map((c) => c.id)).toEqual(["d1"])
        expect(yield* sinces).toEqual(["5-g1", "5-g1"])
        const after = (yield* Metric.value(Metric.tagged(Follow.reconnects, "db.namespace", "db"))).count
        expect(after - before).toBe(1)
      })))

  it.effect("a connection that only sends heartbeats is alive: no reconnect in 10 minutes", () =>
    withDb([inTurn([heartbeats])], (db) =>
      Effect.gen(function*() {
        // A 10 s heartbeat allows 20 s of silence; heartbeats come every 10 s.
        const fiber = yield* Effect.fork(Stream.runDrain(Follow.changes(db, { since: "5-g1", heartbeat: 10_000 })))
        for (let minute = 0; minute < 10; minute++) yield* TestClock.adjust("1 minute")
        expect(yield* sent).toBe(1)
        expect(Option.isNone(yield* Fiber.poll(fiber))).toBe(true)
        yield* Fiber.interrupt(fiber)
      })))

  it.effect("response headers that never come count as silence too", () =>
    withDb([changes(() => Effect.never)], (db) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(Effect.flip(Stream.runDrain(
          Follow.changes(db, { since: "0", idleTimeout: "10 seconds", errorTolerance: 0 })
        )))
        yield* TestClock.adjust("10 seconds")
        expect(yield* Fiber.join(fiber)).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
      })))
})

describe("Follow.changes: bad options are rejected before any request", () => {
  const bad: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ["feed", { feed: "continuous" }],
    ["descending", { descending: true }],
    ["limit", { limit: 10 }],
    ["timeout", { timeout: 1000 }],
    ["lastEventId", { lastEventId: "1" }],
    ["mode", { mode: "forever" }],
    ["batchSize", { batchSize: 0 }],
    ["batchSize", { batchSize: 1.5 }],
    ["errorTolerance", { errorTolerance: "soon" }],
    ["idleTimeout", { idleTimeout: "banana" }],
    ["since", { since: Number.NaN }],
    ["batchBytes", { include_docs: true, batchBytes: -1 }]
  ]
  for (const [name, options] of bad) {
    it.effect(`${name}: ${JSON.stringify(options)}`, () =>
      withDb([], (db) =>
        Effect.gen(function*() {
          // Options a caller could pass from untyped code (JSON configuration): checked at run time.
          const error = yield* Effect.flip(Stream.runDrain(Follow.changes(db, options as Follow.ChangesOptions)))
          expect(error._tag).toBe("InvalidRequest")
          expect(error.message).toContain(name)
          expect(yield* sent).toBe(0)
        })))
  }
})

describe("Follow.changes: every reconnect is visible", () => {
  it.effect("a debug log and a span event, with no credentials in either", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const logger = Logger.make((log) => lines.push(Logger.logfmtLogger.log(log)))
      const couch = yield* CouchClient.CouchClient
      const consume = Follow.changes(couch.database("db"), { since: "0", schedule: Schedule.forever }).pipe(
        Stream.take(1),
        Stream.runDrain,
        Effect.withSpan("consumer"),
        Effect.provide(Logger.replace(Logger.defaultLogger, logger)),
        Logger.withMinimumLogLevel(LogLevel.Debug)
      )
      const { result, spans } = yield* recordingSpans(consume)
      expect(result._tag).toBe("Success")
      const reconnects = lines.filter((line) => line.includes("follower reconnects"))
      expect(reconnects).toHaveLength(1)
      expect(reconnects[0]).toContain("ServiceUnavailable")
      expect(reconnects[0]).toContain("couchdb.follow.attempt=1")
      // Effect records the log on the span too; the reconnect event is there whatever the log level.
      const all = spans.find((s) => s.name === "consumer")?.recordedEvents ?? []
      const events = all.filter((e) => e.name === "couchdb.follow.reconnect")
      expect(events).toHaveLength(1)
      expect(events[0]?.attributes).toMatchObject({ "error.type": "ServiceUnavailable", "couchdb.follow.since": "0" })
      const rendered = [...lines, JSON.stringify(all)].join("\n")
      expect(rendered).not.toContain("s3cret")
    }).pipe(Effect.provide(
      CouchClient.layer({ url: "http://admin:s3cret@couch.test:5984" }).pipe(
        Layer.provideMerge(MockCouch.layer([inTurn([unavailable()])]))
      )
    )))
})

describe("Follow.dbUpdates", () => {
  it.effect("pouchdb-server's 400 with an empty body (no _db_updates) stops it with BadRequest", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Follow.dbUpdates(yield* CouchClient.CouchClient)))
      expect(error._tag).toBe("BadRequest")
      expect(yield* sent).toBe(1)
    }).pipe(Effect.provide(
      Layer.mergeAll(CouchClient.layer({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
        Layer.provideMerge(MockCouch.layer([MockCouch.route("GET", "/_db_updates", MockCouch.raw(400, ""))]))
      )
    )))
})

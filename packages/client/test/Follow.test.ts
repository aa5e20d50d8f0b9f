/**
 * Follow.changes and Follow.dbUpdates over MockCouch: the requests a follower sends (feed,
 * since, limit, heartbeat), how it resumes after a broken connection, batches sized by count
 * and by bytes, deletions, one-off and listen modes. Bodies are in CouchDB 3.x's normal and
 * longpoll layout (couchdb-3.5-wire.md, 16-changes-normal; couchdb-3.5-api.md, 11.4–11.7).
 * Failures, retries and the watchdog are in Follow.failures.test.ts.
 */
import { CouchClient, Follow } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Metric, Schedule, Schema, Stream } from "effect"
import { change, changes, Couch, couchChanges, rowsOf, withDb } from "./feeds/kit.js"

/** `since` as the fake server numbers its sequences (`"7-g1"` → 7). */
const position = (since: string | null, end: number) =>
  since === null || since === "0" ? 0 : since === "now" ? end : Number(since.split("-")[0])

/** A longpoll with nothing to send yet: CouchDB 3.x opens the results array and waits. */
const waiting = MockCouch.stream(200, Stream.concat(Stream.make("{\"results\":[\n"), Stream.never))

/**
 * A database whose changes are `d1 … dN` (seq `"i-g1"`), answering each `_changes` request
 * from its `since` and `limit` in CouchDB 3.x's layout; a longpoll at the end waits.
 */
const feedOf = (count: number, row: (i: number) => object = (i) => change(`${i}-g1`, `d${i}`)) =>
  changes((request) => {
    const from = position(request.query.get("since"), count)
    const to = Math.min(count, from + Number(request.query.get("limit") ?? count))
    if (from === to && request.query.get("feed") === "longpoll") return waiting
    const rows = Array.from({ length: to - from }, (_, i) => row(from + i + 1))
    return MockCouch.chunked(200, [couchChanges(rows, `${to}-g1`, count - to)])
  })

const queries = Effect.map(
  MockCouch.requests,
  (requests) => requests.map((r) => Object.fromEntries(r.query.entries()))
)

const ids = <A extends { readonly id: string }>(rows: ReadonlyArray<A>) => rows.map((r) => r.id)

const counter = (metric: typeof Follow.reconnects, db: string) =>
  Effect.map(Metric.value(Metric.tagged(metric, "db.namespace", db)), (state) => state.count)

describe("Follow.changes: one-off", () => {
  it.effect("reads to the end in batches of batchSize, each request from the last seq delivered", () =>
    withDb([feedOf(5)], (db) =>
      Effect.gen(function*() {
        const rows = yield* rowsOf(Follow.changes(db, { mode: "oneOff", batchSize: 2 }))
        expect(ids(rows)).toEqual(["d1", "d2", "d3", "d4", "d5"])
        expect(rows.map((r) => r.seq)).toEqual(["1-g1", "2-g1", "3-g1", "4-g1", "5-g1"])
        expect(yield* queries).toEqual([
          { feed: "normal", since: "0", limit: "2", heartbeat: "30000" },
          { feed: "normal", since: "2-g1", limit: "2", heartbeat: "30000" },
          { feed: "normal", since: "4-g1", limit: "2", heartbeat: "30000" }
        ])
      })))

  it.effect("stops when the server says nothing is pending, without asking again", () =>
    withDb([feedOf(4)], (db) =>
      Effect.gen(function*() {
        expect(ids(yield* rowsOf(Follow.changes(db, { mode: "oneOff", batchSize: 2 })))).toEqual([
          "d1",
          "d2",
          "d3",
          "d4"
        ])
        expect((yield* queries).map((q) => q.since)).toEqual(["0", "2-g1"])
      })))

  it.effect("starts exactly after a `since` given by the caller, and passes the _changes parameters on", () =>
    withDb([feedOf(6)], (db) =>
      Effect.gen(function*() {
        const rows = yield* rowsOf(
          Follow.changes(db, { mode: "oneOff", since: "4-g1", style: "all_docs", conflicts: true, filter: "app/f" })
        )
        expect(ids(rows)).toEqual(["d5", "d6"])
        expect(yield* queries).toEqual([{
          feed: "normal",
          since: "4-g1",
          limit: "10000",
          heartbeat: "30000",
          style: "all_docs",
          conflicts: "true",
          filter: "app/f"
        }])
      })))

  it.effect("doc_ids and selector are sent in a POST body, with their filter", () =>
    withDb([feedOf(1)], (db) =>
      Effect.gen(function*() {
        yield* Stream.runDrain(Follow.changes(db, { mode: "oneOff", doc_ids: ["d1"] }))
        const [sent] = yield* MockCouch.requests
        expect(sent?.method).toBe("POST")
        expect(sent?.query.get("filter")).toBe("_doc_ids")
        expect(JSON.parse(sent?.body ?? "")).toEqual({ doc_ids: ["d1"] })
      })))

  it.effect("deleted documents are typed tombstones; live documents are decoded with the schema", () => {
    const Todo = Schema.Struct({ title: Schema.String })
    const row = (i: number) =>
      i === 2
        ? {
          ...change(`${i}-g1`, "gone"),
          deleted: true,
          doc: { _id: "gone", _rev: "2-b", _deleted: true }
        }
        : { ...change(`${i}-g1`, `d${i}`), doc: { _id: `d${i}`, _rev: "1-a", title: `t${i}` } }
    return withDb([feedOf(3, row)], (db) =>
      Effect.gen(function*() {
        const rows = yield* rowsOf(Follow.changes(db, { mode: "oneOff", include_docs: true, schema: Todo }))
        expect(rows.map((r) => r.deleted ? `${r.id} deleted at ${r.doc?._rev}` : `${r.id}: ${r.doc?.title}`)).toEqual([
          "d1: t1",
          "gone deleted at 2-b",
          "d3: t3"
        ])
      }))
  })
})

describe("Follow.changes: listen", () => {
  it.effect("resolves since=now with a first request, then longpolls from that seq", () =>
    withDb([feedOf(7)], (db) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(rowsOf(Follow.changes(db, { heartbeat: 5_000 }).pipe(Stream.take(1))))
        yield* MockCouch.requests.pipe(Effect.repeat({ until: (requests) => requests.length >= 2 }))
        expect(yield* queries).toEqual([
          { feed: "normal", since: "now", limit: "10000", heartbeat: "5000" },
          { feed: "longpoll", since: "7-g1", limit: "10000", heartbeat: "5000" }
        ])
        yield* Fiber.interrupt(fiber)
      })))

  it.effect("goes on from each batch's last_seq, and delivers new changes as they come", () => {
    // Longpolls answer two changes at a time: `d1 d2`, `d3 d4`, ….
    let served = 0
    const route = changes((request) => {
      const from = position(request.query.get("since"), 0)
      if (from !== served) return MockCouch.json(500, { error: "wrong since", reason: String(from) })
      served += 2
      const rows = [change(`${from + 1}-g1`, `d${from + 1}`), change(`${from + 2}-g1`, `d${from + 2}`)]
      return MockCouch.chunked(200, [couchChanges(rows, `${served}-g1`, 0)])
    })
    return withDb([route], (db) =>
      Effect.gen(function*() {
        const rows = yield* rowsOf(Follow.changes(db, { since: 0 }).pipe(Stream.take(6)))
        expect(ids(rows)).toEqual(["d1", "d2", "d3", "d4", "d5", "d6"])
        expect((yield* queries).map((q) => [q.feed, q.since])).toEqual([
          ["longpoll", "0"],
          ["longpoll", "2-g1"],
          ["longpoll", "4-g1"]
        ])
      }))
  })

  it.effect("a slow consumer slows the reads: an endless response is read only as far as it is consumed", () => {
    let produced = 0
    const endless = MockCouch.lazy(200, (n) => {
      produced = n + 1
      return n === 0 ? "{\"results\":[\n" : `${n > 1 ? ",\r\n" : ""}${JSON.stringify(change(`${n}-g1`, `d${n}`))}`
    })
    return withDb([changes(endless)], (db) =>
      Effect.gen(function*() {
        const pull = yield* Stream.toPull(Follow.changes(db, { since: 0 }))
        expect(ids(Chunk.toReadonlyArray(yield* pull))).toEqual(["d1"])
        expect(ids(Chunk.toReadonlyArray(yield* pull))).toEqual(["d2"])
        expect(produced).toBeLessThanOrEqual(4)
      }).pipe(Effect.scoped))
  })

  it.effect("interrupting the stream aborts the request in flight", () =>
    withDb([changes(waiting)], (db) =>
      Effect.gen(function*() {
        const fiber = yield* Effect.fork(Stream.runDrain(Follow.changes(db, { since: "9-g1" })))
        const [request] = yield* MockCouch.requests.pipe(Effect.repeat({ until: (requests) => requests.length >= 1 }))
        expect(request?.aborted()).toBe(false)
        yield* Fiber.interrupt(fiber)
        expect(request?.aborted()).toBe(true)
      })))
})

describe("Follow.changes: resuming", () => {
  const cutAfter = (rows: ReadonlyArray<object>) =>
    MockCouch.chunked(200, [
      `{"results":[\n${rows.map((r) => JSON.stringify(r)).join(",\r\n")},\r\n{"seq":"9-g1","id":"half`
    ], { failAfter: "ECONNRESET" })

  it.effect("a connection reset mid-batch resumes from the last seq delivered: nothing lost, nothing twice", () => {
    let calls = 0
    const route = changes((request) =>
      calls++ === 0
        ? cutAfter([change("1-g1", "d1"), change("2-g1", "d2")])
        : MockCouch.chunked(200, [
          couchChanges([change("3-g1", "d3")], "3-g1", position(request.query.get("since"), 3) === 2 ? 0 : 99)
        ])
    )
    return withDb([route], (db) =>
      Effect.gen(function*() {
        const before = yield* counter(Follow.reconnects, "db")
        const rows = yield* rowsOf(Follow.changes(db, { mode: "oneOff", schedule: Schedule.forever }))
        expect(ids(rows)).toEqual(["d1", "d2", "d3"])
        expect((yield* queries).map((q) => q.since)).toEqual(["0", "2-g1"])
        expect((yield* counter(Follow.reconnects, "db")) - before).toBe(1)
      }))
  })

  it.effect("seq_interval: rows without a seq are delivered again after a reconnect, and counted", () => {
    let calls = 0
    const first = [change("1-g1", "d1"), change(null, "d2"), change(null, "d3")]
    const rest = [change(null, "d2"), change(null, "d3"), change("4-g1", "d4")]
    const route = changes(() =>
      calls++ === 0 ? cutAfter(first) : MockCouch.chunked(200, [couchChanges(rest, "4-g1", 0)])
    )
    return withDb([route], (db) =>
      Effect.gen(function*() {
        const before = yield* counter(Follow.redeliveries, "db")
        const rows = yield* rowsOf(
          Follow.changes(db, { mode: "oneOff", seq_interval: 3, schedule: Schedule.forever })
        )
        expect(ids(rows)).toEqual(["d1", "d2", "d3", "d2", "d3", "d4"])
        expect((yield* queries).map((q) => [q.since, q.seq_interval])).toEqual([["0", "3"], ["1-g1", "3"]])
        expect((yield* counter(Follow.redeliveries, "db")) - before).toBe(2)
      }))
  })
})

describe("Follow.changes: batches sized by bytes (include_docs)", () => {
  it.effect("the first batch asks for 100 rows; the next ones for batchBytes over the bytes per row seen", () => {
    const padding = "x".repeat(1_000)
    const row = (i: number) => ({ ...change(`${i}-g1`, `d${i}`), doc: { _id: `d${i}`, _rev: "1-a", padding } })
    return withDb([feedOf(150, row)], (db) =>
      Effect.gen(function*() {
        const rows = yield* rowsOf(
          Follow.changes(db, { mode: "oneOff", include_docs: true, batchBytes: 10_000, batchSize: 500 })
        )
        expect(rows).toHaveLength(150)
        const limits = (yield* queries).map((q) => Number(q.limit))
        expect(limits[0]).toBe(100)
        // Each row is some 1,100 bytes: 9 rows fit in 10,000.
        expect(limits.slice(1).every((limit) => limit === 9)).toBe(true)
        expect(limits.length).toBe(1 + Math.ceil(50 / 9))
      }))
  })

  it.effect("without include_docs, batches are sized by count only", () =>
    withDb([feedOf(3)], (db) =>
      Effect.gen(function*() {
        yield* Stream.runDrain(Follow.changes(db, { mode: "oneOff", batchBytes: 10, batchSize: 7 }))
        expect((yield* queries).map((q) => q.limit)).toEqual(["7"])
      })))
})

describe("Follow.dbUpdates (CouchDB 3.5 recordings 11.4–11.7)", () => {
  const update = (db: string, type: string, seq: string) => ({ db_name: db, type, seq })
  const body = (rows: ReadonlyArray<object>, lastSeq: string) =>
    `{"results":[\n${rows.map((r) => JSON.stringify(r)).join(",\r\n")}\n],\n"last_seq":${JSON.stringify(lastSeq)}}\n`

  it.effect("listens from now: resolves the current seq, then longpolls and resumes from each last_seq", () => {
    const replies = [
      body([], "2-g1AAAACb"),
      body([update("api-tmp", "deleted", "3-g1AAAACb"), update("_dbs", "updated", "4-g1AAAACb")], "4-g1AAAACb")
    ]
    let n = 0
    const route = MockCouch.route("GET", "/_db_updates", () => {
      const reply = replies[n++]
      return reply === undefined ? waiting : MockCouch.chunked(200, [reply])
    })
    return Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const events = yield* rowsOf(Follow.dbUpdates(couch).pipe(Stream.take(2)))
      expect(events.map((e) => `${e.db_name} ${e.type}`)).toEqual(["api-tmp deleted", "_dbs updated"])
      expect(yield* queries).toEqual([
        { feed: "normal", since: "now", limit: "10000", heartbeat: "30000" },
        { feed: "longpoll", since: "2-g1AAAACb", limit: "10000", heartbeat: "30000" }
      ])
    }).pipe(Effect.provide(Couch(route)))
  })

  it.effect("one-off: reads in batches until a batch comes back short", () => {
    const all = [update("a", "created", "1-x"), update("_dbs", "updated", "2-x"), update("b", "created", "3-x")]
    const route = MockCouch.route("GET", "/_db_updates", (request) => {
      const from = position(request.query.get("since"), 3)
      const rows = all.slice(from, from + 2)
      return MockCouch.chunked(200, [body(rows, rows.at(-1)?.seq ?? `${from}-x`)])
    })
    return Effect.gen(function*() {
      const events = yield* rowsOf(Follow.dbUpdates(yield* CouchClient.CouchClient, { mode: "oneOff", batchSize: 2 }))
      expect(events.map((e) => e.db_name)).toEqual(["a", "_dbs", "b"])
      expect((yield* queries).map((q) => q.since)).toEqual(["0", "2-x"])
    }).pipe(Effect.provide(Couch(route)))
  })
})

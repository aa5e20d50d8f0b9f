/**
 * How the feeds flow: interruption aborts the request, a slow consumer reads only what it
 * pulls, and `lastSeq` follows the rows (`seq_interval` included).
 */
import { Changes, Database, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Stream } from "effect"
import { allDocs, change, changes, Couch, database, eventStream, sent, withDb } from "./kit.js"

describe("interruption and backpressure", () => {
  /** An endless view body, produced on demand; `produced` counts the chunks asked for. */
  const endlessView = () => {
    const counter = { produced: 0 }
    const reply = MockCouch.lazy(200, (n) => {
      counter.produced = n + 1
      return n === 0
        ? `{"total_rows":1000000000,"offset":0,"rows":[\r\n`
        : `${n > 1 ? ",\r\n" : ""}{"id":"r${n}","key":${n},"value":null}`
    })
    return { counter, reply }
  }

  /** An endless continuous feed, one change per chunk. */
  const endlessContinuous = () => {
    const counter = { produced: 0 }
    const reply = MockCouch.lazy(200, (n) => {
      counter.produced = n + 1
      return `${JSON.stringify(change(`${n + 1}-x`, `d${n}`))}\n`
    })
    return { counter, reply }
  }

  it.effect("take(n) on an endless view ends the stream and aborts the request", () => {
    const { counter, reply } = endlessView()
    return Effect.gen(function*() {
      const whileReading: Array<boolean> = []
      const rows = yield* View.stream(Database.allDocs(yield* database)).pipe(
        Stream.tap(() => Effect.map(sent, (request) => whileReading.push(request.aborted()))),
        Stream.take(3),
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(rows).map((row) => row.id)).toEqual(["r1", "r2", "r3"])
      expect(whileReading).toEqual([false, false, false])
      expect((yield* sent).aborted()).toBe(true)
      // A slow consumer does not make the client read ahead: a few chunks for three rows.
      expect(counter.produced).toBeLessThan(10)
    }).pipe(Effect.provide(Couch(allDocs(reply))))
  })

  it.effect("take(n) on an endless continuous feed and on an endless eventsource feed aborts the request", () => {
    const continuous = endlessContinuous()
    const events = { produced: 0 }
    return Effect.gen(function*() {
      const db = yield* database
      const read = yield* Changes.stream(db, { feed: "continuous" }).pipe(Stream.take(4), Stream.runCollect)
      expect(Chunk.toReadonlyArray(read).map((c) => c.id)).toEqual(["d0", "d1", "d2", "d3"])
      expect(continuous.counter.produced).toBeLessThan(10)
      const readEvents = yield* Changes.stream(db, { feed: "eventsource" }).pipe(Stream.take(2), Stream.runCollect)
      expect(Chunk.toReadonlyArray(readEvents).map((c) => c.id)).toEqual(["e0", "e1"])
      expect(events.produced).toBeLessThan(10)
      const requests = yield* MockCouch.requests
      expect(requests.map((request) => request.aborted())).toEqual([true, true])
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/db/_changes", (request) =>
        request.query.get("feed") === "continuous"
          ? continuous.reply
          : MockCouch.lazy(200, (n) => {
            events.produced = n + 1
            return n % 2 === 0
              ? "event: heartbeat\ndata: \n\n"
              : `data: ${JSON.stringify(change(`${n}-x`, `e${(n - 1) / 2}`))}\nid: ${n}-x\n\n`
          }, eventStream))
    )))
  })

  it.effect("a slow consumer of a huge normal _changes body pulls only what it reads", () => {
    const counter = { produced: 0 }
    return Effect.gen(function*() {
      const feed = yield* Changes.open(yield* database)
      expect(counter.produced).toBe(1)
      const first = yield* feed.changes.pipe(Stream.take(5), Stream.runCollect)
      expect(Chunk.size(first)).toBe(5)
      expect(counter.produced).toBeLessThan(10)
      expect(yield* feed.lastSeq).toEqual(Option.some("5-x"))
    }).pipe(
      Effect.scoped,
      Effect.provide(Couch(changes(MockCouch.lazy(200, (n) => {
        counter.produced = n + 1
        return n === 0 ? `{"results":[\n` : `${n > 1 ? ",\r\n" : ""}${JSON.stringify(change(`${n}-x`, `d${n}`))}`
      }))))
    )
  })

  it.live("nothing is read in the background while the consumer is busy", () => {
    const { counter, reply } = endlessView()
    return Effect.gen(function*() {
      const feed = yield* View.open(Database.allDocs(yield* database))
      const pull = yield* Stream.toPull(feed.rows)
      const first = yield* pull
      expect(Chunk.toReadonlyArray(first).map((row) => row.id)).toEqual(["r1"])
      const produced = counter.produced
      yield* Effect.sleep("50 millis")
      expect(counter.produced).toBe(produced)
      const second = yield* pull
      expect(Chunk.toReadonlyArray(second).map((row) => row.id)).toEqual(["r2"])
      expect(counter.produced).toBe(produced + 1)
    }).pipe(Effect.scoped, Effect.provide(Couch(allDocs(reply))))
  })

  it.effect("View.open reads the body only up to the rows", () => {
    const { counter, reply } = endlessView()
    return Effect.gen(function*() {
      const feed = yield* View.open(Database.allDocs(yield* database))
      expect(Option.getOrNull((yield* feed.meta).totalRows)).toBe(1_000_000_000)
      expect(counter.produced).toBe(1)
      const [row] = yield* feed.rows.pipe(Stream.take(1), Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      expect(row?.id).toBe("r1")
      expect(counter.produced).toBeLessThanOrEqual(3)
    }).pipe(Effect.scoped, Effect.provide(Couch(allDocs(reply))))
  })

  it.live("interrupting a consumer blocked on a silent feed aborts the request", () =>
    Effect.gen(function*() {
      const db = yield* database
      const waitForRequest = (count: number) =>
        MockCouch.requests.pipe(
          Effect.delay("5 millis"),
          Effect.repeat({ until: (requests) => requests.length >= count })
        )
      const follower = yield* Effect.fork(Stream.runDrain(Changes.stream(db, { feed: "continuous", since: "now" })))
      const [request] = yield* waitForRequest(1)
      yield* Effect.sleep("30 millis")
      expect(request?.aborted()).toBe(false)
      yield* Fiber.interrupt(follower)
      expect(request?.aborted()).toBe(true)

      const opening = yield* Effect.fork(Effect.scoped(View.open(Database.allDocs(db))))
      const requests = yield* waitForRequest(2)
      yield* Effect.sleep("30 millis")
      expect(requests[1]?.aborted()).toBe(false)
      yield* Fiber.interrupt(opening)
      expect(requests[1]?.aborted()).toBe(true)
    }).pipe(Effect.provide(Couch(
      changes(MockCouch.chunked(200, ["\n"], { delay: "1 second" })),
      allDocs(MockCouch.chunked(200, [`{"total_rows":0,"offset":0,"rows":[]}`], { delay: "1 second" }))
    ))))
})

describe("seq_interval", () => {
  it.effect("rows with seq null decode, and lastSeq keeps the last real seq", () =>
    withDb([
      changes(MockCouch.chunked(200, [
        `${JSON.stringify(change("1-a", "d1"))}\n`,
        `${JSON.stringify(change(null, "d2"))}\n`,
        "{\"last_seq\":\"2-b\",\"pending\":0}\n"
      ]))
    ], (db) =>
      Effect.gen(function*() {
        const feed = yield* Changes.open(db, { feed: "continuous", seq_interval: 2 })
        const seen = yield* feed.changes.pipe(
          Stream.mapEffect((c) => Effect.map(feed.lastSeq, (lastSeq) => [c.seq, lastSeq] as const)),
          Stream.runCollect
        )
        expect(Chunk.toReadonlyArray(seen)).toEqual([["1-a", Option.some("1-a")], [null, Option.some("1-a")]])
        expect(yield* feed.lastSeq).toEqual(Option.some("2-b"))
      }).pipe(Effect.scoped)))
})

/**
 * The idle-timeout watchdog of `Changes` and `DbUpdates` feeds: a connection that sends
 * nothing — no row, no heartbeat — for longer than `idleTimeout` fails the feed with a
 * `TransportError` of kind `Timeout`; heartbeats keep it alive. Continuous and eventsource
 * feeds ask for a 30 s heartbeat unless told otherwise and allow the heartbeat plus as much
 * again (at least 5 s); a longpoll allows its `timeout` plus 10 s. Over MockCouch bodies driven
 * by the TestClock, and once over a real socket (a silent one: nothing races the timeout).
 */
import { Changes, CouchAuth, CouchClient, DbUpdates } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Option, Stream, TestClock } from "effect"
import * as Net from "node:net"
import { change, changes, Couch, database, sent } from "./kit.js"

const row = `${JSON.stringify(change("1-g1", "d1"))}\n`
const second = `${JSON.stringify(change("2-g2", "d2"))}\n`

/** One change, then nothing at all. */
const silentAfterOne = MockCouch.stream(200, Stream.concat(Stream.make(row), Stream.never))

/** One change, then a blank-line heartbeat every `seconds`. */
const heartbeatsEvery = (seconds: number, beat = "\n", headers?: Record<string, string>) =>
  MockCouch.stream(
    200,
    Stream.concat(Stream.make(row), Stream.repeatEffect(Effect.as(Effect.sleep(`${seconds} seconds`), beat))),
    headers
  )

/** Forks reading `stream`; `after` tells whether it is still running and how it ended. */
const watch = <A, E>(stream: Stream.Stream<A, E, CouchAuth.CouchAuth>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Stream.runDrain(stream))
    return {
      running: Effect.map(Fiber.poll(fiber), Option.isNone),
      failure: Effect.flip(Fiber.join(fiber)),
      stop: Fiber.interrupt(fiber)
    }
  })

describe("Changes: the idle timeout", () => {
  it.effect("a continuous feed gone silent fails after 60 s by default (30 s heartbeat + 30 s)", () =>
    Effect.gen(function*() {
      const feed = yield* watch(Changes.stream(yield* database, { feed: "continuous" }))
      yield* TestClock.adjust("59999 millis")
      expect(yield* feed.running).toBe(true)
      yield* TestClock.adjust("1 millis")
      const error = yield* feed.failure
      expect(error).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
      expect(error.message).toContain("no data for 1m: the connection went silent")
      expect((yield* sent).query.get("heartbeat")).toBe("30000")
    }).pipe(Effect.provide(Couch(changes(silentAfterOne)))))

  it.effect("heartbeats keep a continuous feed alive: no timeout in 10 minutes", () =>
    Effect.gen(function*() {
      const feed = yield* watch(Changes.stream(yield* database, { feed: "continuous" }))
      for (let minute = 0; minute < 10; minute++) yield* TestClock.adjust("1 minute")
      expect(yield* feed.running).toBe(true)
      yield* feed.stop
    }).pipe(Effect.provide(Couch(changes(heartbeatsEvery(30))))))

  it.effect("heartbeat events keep an eventsource feed alive", () =>
    Effect.gen(function*() {
      const feed = yield* watch(Changes.stream(yield* database, { feed: "eventsource", heartbeat: 10_000 }))
      for (let minute = 0; minute < 5; minute++) yield* TestClock.adjust("1 minute")
      expect(yield* feed.running).toBe(true)
      yield* feed.stop
    }).pipe(Effect.provide(Couch(changes(MockCouch.stream(
      200,
      Stream.repeatEffect(Effect.as(Effect.sleep("10 seconds"), "event: heartbeat\ndata: \n\n")),
      { "content-type": "text/event-stream" }
    ))))))

  it.effect("a 1 s heartbeat allows 6 s of silence; idleTimeout overrides it", () =>
    Effect.gen(function*() {
      const db = yield* database
      const derived = yield* watch(Changes.stream(db, { feed: "continuous", heartbeat: 1_000 }))
      const given = yield* watch(Changes.stream(db, { feed: "continuous", heartbeat: 1_000, idleTimeout: "2 seconds" }))
      yield* TestClock.adjust("2 seconds")
      expect(yield* given.failure).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
      expect(yield* derived.running).toBe(true)
      yield* TestClock.adjust("4 seconds")
      expect(yield* derived.failure).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
    }).pipe(Effect.provide(Couch(changes(silentAfterOne)))))

  it.effect("idleTimeout \"none\" and a normal feed wait as long as it takes", () =>
    Effect.gen(function*() {
      const db = yield* database
      const none = yield* watch(Changes.stream(db, { feed: "continuous", idleTimeout: "none" }))
      const normal = yield* watch(Changes.stream(db))
      yield* TestClock.adjust("1 hour")
      expect(yield* none.running).toBe(true)
      expect(yield* normal.running).toBe(true)
      yield* none.stop
      yield* normal.stop
    }).pipe(Effect.provide(Couch(changes((request) =>
      request.query.get("feed") === "continuous"
        ? silentAfterOne
        : MockCouch.stream(200, Stream.concat(Stream.make("{\"results\":[\n"), Stream.never))
    )))))

  it.effect("a longpoll allows its timeout plus 10 s (CouchDB's 60 s when not given)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const given = yield* watch(Changes.stream(db, { feed: "longpoll", timeout: 1_000 }))
      const defaulted = yield* watch(Changes.stream(db, { feed: "longpoll" }))
      yield* TestClock.adjust("11 seconds")
      expect(yield* given.failure).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
      yield* TestClock.adjust("58999 millis")
      expect(yield* defaulted.running).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect(yield* defaulted.failure).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
    }).pipe(
      Effect.provide(
        Couch(changes(MockCouch.stream(200, Stream.concat(Stream.make("{\"results\":[\n"), Stream.never))))
      )
    ))

  it.effect("a pull interrupted while it waits loses nothing: the next pull gets the change", () =>
    Effect.gen(function*() {
      const pull = yield* Stream.toPull(
        Changes.stream(yield* database, { feed: "continuous", heartbeat: 10_000 })
      )
      expect(Chunk.map(yield* pull, (c) => c.id)).toEqual(Chunk.make("d1"))
      const interrupted = yield* Effect.fork(pull)
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(interrupted)
      yield* TestClock.adjust("4 seconds")
      expect(Chunk.map(yield* pull, (c) => c.id)).toEqual(Chunk.make("d2"))
      // The watchdog still watches the next wait: 20 s of silence (10 s heartbeat + 10 s) end it.
      const last = yield* Effect.fork(Effect.flip(pull))
      yield* TestClock.adjust("20 seconds")
      expect(yield* Fiber.join(last)).toMatchObject(Option.some({ _tag: "TransportError", kind: "Timeout" }))
    }).pipe(
      Effect.scoped,
      Effect.provide(Couch(changes(MockCouch.stream(
        200,
        Stream.concat(
          Stream.make(row),
          Stream.concat(Stream.fromEffect(Effect.as(Effect.sleep("5 seconds"), second)), Stream.never)
        )
      ))))
    ))

  it.effect("response headers that never come time out the same way", () =>
    Effect.gen(function*() {
      const feed = yield* watch(Changes.stream(yield* database, { feed: "continuous", heartbeat: 1_000 }))
      yield* TestClock.adjust("6 seconds")
      expect(yield* feed.failure).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
    }).pipe(Effect.provide(Couch(changes(() => Effect.never)))))
})

describe("DbUpdates: the idle timeout", () => {
  const updates = (reply: MockCouch.Reply) =>
    Layer.mergeAll(CouchClient.layer({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
      Layer.provideMerge(MockCouch.layer([MockCouch.route("GET", "/_db_updates", reply)]))
    )
  const event = `${JSON.stringify({ db_name: "a", type: "created", seq: "1-g1" })}\n`

  it.effect("a continuous feed gone silent fails with Timeout; one with heartbeats does not", () =>
    Effect.gen(function*() {
      const feed = yield* watch(
        DbUpdates.stream(yield* CouchClient.CouchClient, { feed: "continuous", heartbeat: 5_000 })
      )
      yield* TestClock.adjust("9999 millis")
      expect(yield* feed.running).toBe(true)
      yield* TestClock.adjust("1 millis")
      expect(yield* feed.failure).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
    }).pipe(Effect.provide(updates(MockCouch.stream(200, Stream.concat(Stream.make(event), Stream.never))))))

  it.effect("heartbeats keep it alive", () =>
    Effect.gen(function*() {
      const feed = yield* watch(
        DbUpdates.stream(yield* CouchClient.CouchClient, { feed: "continuous", heartbeat: 5_000 })
      )
      for (let minute = 0; minute < 5; minute++) yield* TestClock.adjust("1 minute")
      expect(yield* feed.running).toBe(true)
      yield* feed.stop
    }).pipe(Effect.provide(updates(MockCouch.stream(
      200,
      Stream.concat(Stream.make(event), Stream.repeatEffect(Effect.as(Effect.sleep("5 seconds"), "\n")))
    )))))
})

describe("the idle timeout over a real socket", () => {
  /** A server that answers with a chunked continuous feed: one change, then silence. */
  const server = (then: (socket: Net.Socket) => void) =>
    Effect.acquireRelease(
      Effect.async<{ readonly server: Net.Server; readonly url: string }>((resume) => {
        const server = Net.createServer((socket) => {
          socket.on("error", () => socket.destroy())
          socket.once("data", () => {
            socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
            socket.write(`${Buffer.byteLength(row).toString(16)}\r\n${row}\r\n`)
            then(socket)
          })
        })
        server.listen(0, "127.0.0.1", () => {
          // listen() on a TCP host and port always yields an AddressInfo.
          const { port } = server.address() as Net.AddressInfo
          resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}` }))
        })
      }),
      ({ server }) =>
        Effect.async<undefined>((resume) => {
          server.close(() => resume(Effect.succeed(undefined)))
        })
    )
  const client = (url: string) =>
    Layer.mergeAll(CouchClient.layer({ url }), CouchAuth.layerNone).pipe(Layer.provide(NodeHttpClient.layerUndici))

  it.scopedLive("a silent connection fails the feed with Timeout, after the change before it", () =>
    Effect.gen(function*() {
      const sockets: Array<Net.Socket> = []
      const { url } = yield* server((socket) => sockets.push(socket))
      yield* Effect.addFinalizer(() => Effect.sync(() => sockets.forEach((s) => s.destroy())))
      const items = yield* Effect.gen(function*() {
        const db = (yield* CouchClient.CouchClient).database("db")
        return yield* Stream.runCollect(
          Stream.either(Changes.stream(db, { feed: "continuous", idleTimeout: "300 millis" }))
        )
      }).pipe(Effect.provide(client(url)), Effect.map((chunk) => [...chunk]))
      expect(items.map((e) => e._tag === "Right" ? e.right.id : e.left._tag)).toEqual(["d1", "TransportError"])
      expect(items[1]).toMatchObject({ left: { kind: "Timeout" } })
    }))
})

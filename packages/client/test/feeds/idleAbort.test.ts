/**
 * What the idle-timeout watchdog does to the connection: when a silent `_changes` feed fails
 * with `TransportError` (`Timeout`), its request is aborted and the server sees the connection
 * close — nothing is left open. (feeds/idleTimeout.test.ts covers the timeouts themselves over
 * MockCouch, which has no connection to watch.) The feed runs against a node:http server on a
 * real socket whose response the test writes, under `TestClock`; the test waits for the
 * watchdog's timer to be on the clock, which happens only once the feed has read the bytes.
 */
import { Changes, CouchAuth, CouchClient } from "@effect-couchdb/client"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Chunk, Effect, Exit, Fiber, Layer, Option, Queue, Stream, TestClock } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** A request the server holds open: the test writes its response. */
interface Held {
  readonly res: Http.ServerResponse
}

/** A node:http server on an ephemeral port that hands each request to the test, unanswered. */
const server = Effect.gen(function*() {
  const arrivals = yield* Queue.unbounded<Held>()
  const http = Http.createServer((_, res) => {
    Queue.unsafeOffer(arrivals, { res })
  })
  const port = yield* Effect.acquireRelease(
    Effect.async<number>((resume) => {
      // listen() on a TCP host and port always yields an AddressInfo.
      http.listen(0, "127.0.0.1", () => resume(Effect.succeed((http.address() as AddressInfo).port)))
    }),
    () =>
      Effect.async((resume: (done: Effect.Effect<void>) => void) => {
        http.closeAllConnections()
        http.close(() => resume(Effect.void))
      })
  )
  return { url: `http://127.0.0.1:${port}`, next: Queue.take(arrivals) }
})

/** Writes `text` (the status line and headers first, if not sent yet), once it is handed to the socket. */
const write = (held: Held, text: string) =>
  Effect.async((resume: (done: Effect.Effect<void>) => void) => {
    if (!held.res.headersSent) held.res.writeHead(200, { "content-type": "application/json" })
    held.res.write(text, () => resume(Effect.void))
  })

/** The client over the server at `url`, on undici sockets. */
const Client = (url: string) =>
  Layer.mergeAll(CouchClient.layer({ url }), CouchAuth.layerNone).pipe(Layer.provide(NodeHttpClient.layerUndici))

/**
 * Runs a feed in a fiber. `take` waits for its next item, `until` for anything else, and both
 * die if the feed ends first.
 */
const watch = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.gen(function*() {
    const items = yield* Queue.unbounded<A>()
    // Scoped, so that a failed test interrupts the feed before the client's connections close.
    const fiber = yield* Effect.forkScoped(Stream.runForEach(stream, (item) => Queue.offer(items, item)))
    const ended = Effect.flatMap(Fiber.await(fiber), (exit) => Effect.dieMessage(`the feed ended: ${exit}`))
    const until = <B>(effect: Effect.Effect<B>) => Effect.raceFirst(effect, ended)
    return { fiber, take: until(Queue.take(items)), until }
  })

/** A bound on a wait that should end at once, so that a broken watchdog fails the test rather than hangs it. */
const guard = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 10_000)))

/**
 * Waits until the clock holds a sleep ending at `at`: the watchdog the feed starts when it
 * pulls the body, `idle` after its last data.
 */
const awaitWatchdog = (feed: { readonly until: <B>(effect: Effect.Effect<B>) => Effect.Effect<B> }, at: number) =>
  feed.until(Effect.raceFirst(
    TestClock.sleeps().pipe(
      Effect.tap(() => Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))),
      Effect.repeat({ until: Chunk.some((end) => end === at) }),
      Effect.asVoid
    ),
    Effect.zipRight(guard, Effect.dieMessage(`no watchdog ending at ${at} appeared`))
  ))

/** The feed's failure, which must be a watchdog's `TransportError` of kind `Timeout`. */
const timedOut = <A, E>(fiber: Fiber.RuntimeFiber<A, E>) =>
  Effect.map(Fiber.await(fiber), (exit) => {
    expect(Exit.isFailure(exit)).toBe(true)
    const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined
    expect(error).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
    return error
  })

const change = (seq: string, id: string) => `${JSON.stringify({ seq, id, changes: [{ rev: `1-${id}` }] })}\n`

describe("the idle timeout and the connection", () => {
  it.scoped("a continuous _changes feed silent for idleTimeout fails with Timeout, and its connection is closed", () =>
    Effect.gen(function*() {
      const { next, url } = yield* server
      yield* Effect.gen(function*() {
        const db = (yield* CouchClient.CouchClient).database("db")
        const feed = yield* watch(Changes.stream(db, { feed: "continuous", idleTimeout: "10 seconds" }))
        const held = yield* feed.until(next)
        yield* TestClock.adjust("1 second")
        yield* write(held, change("1-a", "a"))
        expect(yield* feed.take).toMatchObject({ id: "a" })
        yield* awaitWatchdog(feed, 11_000)
        yield* TestClock.adjust(9_999)
        expect(yield* Fiber.poll(feed.fiber)).toEqual(Option.none())
        yield* TestClock.adjust(1)
        const error = yield* timedOut(feed.fiber)
        expect(error?.message).toContain("no data for 10s: the connection went silent")
        // The request was aborted: the server sees the connection close (the guard fails the test otherwise).
        yield* Effect.raceFirst(
          Effect.async((resume: (done: Effect.Effect<void>) => void) => {
            if (held.res.closed) resume(Effect.void)
            else held.res.once("close", () => resume(Effect.void))
          }),
          Effect.zipRight(guard, Effect.dieMessage("the connection stayed open"))
        )
      }).pipe(Effect.scoped, Effect.provide(Client(url)))
    }))
})

/**
 * 1,000 feeds interrupted mid-response, ten at a time: half are followers (`Follow.changes`, a
 * longpoll), half continuous `_changes` feeds. The server is a few lines of node:http that
 * answers one change and then keeps every response open (as CouchDB does while it waits for
 * changes), so each feed is interrupted with its response still coming — as soon as its first
 * change arrived. The server keeps account of every connection: afterwards each feed sent
 * exactly one request, every connection that carried one was closed, no fiber the feeds started
 * is still running, and the heap (after a full GC) has grown by less than 32 MB.
 *
 * Connections that carried no request are undici's: after a request is aborted mid-body, its
 * pool client connects again at once (plain undici does it too: one aborted `request()` opens
 * two connections). The next request takes that connection, so only the last ones of the run
 * stay idle in the pool (about one per feed running at once), and the pool closes them itself
 * after its keep-alive timeout (4 s): then no connection is left open at all.
 */
import { Changes, CouchAuth, CouchClient, Follow } from "@effect-couchdb/client"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Schedule, Stream, Supervisor } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { measuringMemory, report } from "./kit.js"

const feeds = 1_000
const concurrency = 10

const row = JSON.stringify({ seq: "6-g1", id: "d6", changes: [{ rev: "1-a" }] })

/** A connection as the server saw it. */
interface Connection {
  requests: number
  closed: boolean
}

/** Answers every `_changes` request with one change, then keeps the response open. */
const endlessServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly connections: Array<Connection>; readonly server: http.Server }>(
    (resume) => {
      const connections: Array<Connection> = []
      const bySocket = new WeakMap<object, Connection>()
      const server = http.createServer((request, response) => {
        const connection = bySocket.get(request.socket)
        if (connection !== undefined) connection.requests++
        response.writeHead(200, { "content-type": "application/json" })
        response.write(request.url?.includes("feed=continuous") ? `${row}\n` : `{"results":[\n${row},\r\n`)
      })
      server.on("connection", (socket) => {
        const connection: Connection = { requests: 0, closed: false }
        connections.push(connection)
        bySocket.set(socket, connection)
        socket.on("close", () => (connection.closed = true))
      })
      server.listen(0, "127.0.0.1", () => {
        // listen() on a TCP host and port always yields an AddressInfo.
        const { port } = server.address() as AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, connections, server }))
      })
    }
  ),
  ({ server }) =>
    Effect.async<undefined>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.succeed(undefined)))
    })
)

describe("interrupting feeds mid-response", () => {
  it.scopedLive(
    `${feeds.toLocaleString("en")} interrupted feeds leave no socket beyond the pool, no fiber running`,
    () =>
      Effect.gen(function*() {
        const { connections, url } = yield* endlessServer
        const context = yield* Layer.build(
          Layer.mergeAll(CouchClient.layer({ url }), CouchAuth.layerNone).pipe(
            Layer.provide(NodeHttpClient.layerUndici)
          )
        )

        /** Starts feed `i`, waits for its first change, interrupts it. */
        const interruptOne = (i: number) =>
          Effect.gen(function*() {
            const db = (yield* CouchClient.CouchClient).database("endless")
            const first = yield* Deferred.make<undefined>()
            const feed = i % 2 === 0
              ? Follow.changes(db, { since: "5-g1" })
              : Changes.stream(db, { feed: "continuous", since: "5-g1" })
            const fiber = yield* Effect.fork(Stream.runForEach(feed, () => Deferred.succeed(first, undefined)))
            yield* Deferred.await(first)
            yield* Fiber.interrupt(fiber)
          }).pipe(Effect.provide(context))

        const supervisor = yield* Supervisor.track
        const { memory, seconds } = yield* measuringMemory(
          Effect.forEach(Array.from({ length: feeds }, (_, i) => i), interruptOne, { concurrency, discard: true }).pipe(
            Effect.supervised(supervisor)
          )
        )
        const running = yield* supervisor.value
        const carried = () => connections.filter((c) => c.requests > 0)
        const open = () => connections.filter((c) => !c.closed)
        // The server notices aborted connections as their FIN arrives; waiting for it is a guard, not a race.
        const waitUntil = (done: () => boolean) =>
          Effect.sync(done).pipe(
            Effect.repeat({ schedule: Schedule.spaced("20 millis"), until: (ok) => ok }),
            Effect.timeout("30 seconds"),
            Effect.ignore
          )
        yield* waitUntil(() => carried().every((c) => c.closed))
        const openWithRequest = carried().filter((c) => !c.closed).length
        const openIdle = open().length - openWithRequest
        // The pool retires its idle connections after its keep-alive timeout.
        const poolStarted = Date.now()
        yield* waitUntil(() => open().length === 0)
        const poolClosedMs = Date.now() - poolStarted
        const requests = connections.reduce((sum, c) => sum + c.requests, 0)
        const idle = connections.filter((c) => c.requests === 0)
        yield* report("interrupts", {
          feeds,
          concurrency,
          requests,
          connections: connections.length,
          connectionsWithoutRequest: idle.length,
          openWithRequest,
          openIdle,
          idleClosedByPoolMs: poolClosedMs,
          openAtEnd: open().length,
          fibersRunning: running.length,
          seconds,
          heapBeforeMB: memory.heapBefore,
          heapAfterMB: memory.heapAfter,
          rssBeforeMB: memory.before,
          rssHighestMB: memory.highest,
          rssAfterMB: memory.after,
          peakRssMB: memory.peak
        })
        expect(running).toEqual([])
        // One request per feed: none retried, none sent twice.
        expect(requests).toBe(feeds)
        // Every response was endless: each connection that carried one was closed when its feed was interrupted.
        expect(openWithRequest).toBe(0)
        expect(carried().every((c) => c.requests === 1)).toBe(true)
        // What was left open was the pool's idle connections: it closed them itself.
        expect(open()).toEqual([])
        // The feeds leave nothing behind on the heap (a loose bound: 1,000 leaked feeds would be far more).
        expect(memory.heapAfter - memory.heapBefore).toBeLessThan(32)
      }),
    { timeout: 120_000 }
  )
})

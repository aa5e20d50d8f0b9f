/**
 * 1,000 feeds interrupted mid-response, ten at a time, through a FaultProxy that counts the
 * connections: half are followers (`Follow.changes`, a longpoll), half continuous `_changes`
 * feeds. The server is a few lines of node:http that answers one change and then keeps every
 * response open (as CouchDB does while it waits for changes), so each feed is interrupted with
 * its response still coming — as soon as its first change arrived. Afterwards no connection is
 * open beyond the ten the pool may keep, no fiber the feeds started is still running, and the
 * heap (after a full GC) has not grown with the feeds.
 */
import { Changes, CouchAuth, CouchClient, Follow } from "@effect-couchdb/client"
import { FaultProxy } from "@effect-couchdb/testing"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Layer, Stream, Supervisor } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { measuringMemory, report } from "./kit.js"

const feeds = 1_000
const concurrency = 10

const row = JSON.stringify({ seq: "6-g1", id: "d6", changes: [{ rev: "1-a" }] })

/** Answers every `_changes` request with one change, then keeps the response open. */
const endlessServer = Effect.acquireRelease(
  Effect.async<http.Server>((resume) => {
    const server = http.createServer((request, response) => {
      response.writeHead(200, { "content-type": "application/json" })
      response.write(request.url?.includes("feed=continuous") ? `${row}\n` : `{"results":[\n${row},\r\n`)
    })
    server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
  }),
  (server) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

describe("interrupting feeds mid-response", () => {
  it.scopedLive(`${feeds.toLocaleString("en")} interrupted feeds leave no socket beyond the pool, no fiber running`, () =>
    Effect.gen(function*() {
      const server = yield* endlessServer
      // listen() on a TCP host and port always yields an AddressInfo.
      const proxy = yield* FaultProxy.make({ target: (server.address() as AddressInfo).port })
      const context = yield* Layer.build(
        Layer.mergeAll(CouchClient.layer({ url: proxy.url }), CouchAuth.layerNone).pipe(
          Layer.provide(NodeHttpClient.layerUndici)
        )
      )

      /** Starts feed `i`, waits for its first change, interrupts it. */
      const interruptOne = (i: number) =>
        Effect.gen(function*() {
          const db = (yield* CouchClient.CouchClient).database("endless")
          const first = yield* Deferred.make<void>()
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
      // Aborted connections close as the proxy notices; waiting for it is a guard, not a race.
      const settled = yield* proxy.awaitStats((stats) => stats.open <= concurrency).pipe(Effect.timeout("30 seconds"))
      yield* report("interrupts", {
        feeds,
        concurrency,
        connectionsOpened: settled.total,
        openAfter: settled.open,
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
      expect(settled.open).toBeLessThanOrEqual(concurrency)
      // Every response was endless: no connection could go back to the pool.
      expect(settled.total).toBe(feeds)
    }), { timeout: 120_000 })
})

/**
 * A follower reading through a FaultProxy that resets its connections, while 10,000
 * documents are written to the server directly: every change arrives (none lost), none twice
 * (pouchdb-server gives every row a seq, so a reconnect resumes exactly after the last one
 * delivered), and at least 20 resets were survived. The resets are drawn from a seeded PRNG;
 * the follower's jitter too. Each connection is reset after 2–24 kB of response bytes, so the
 * ≥ 1.3 MB the follower reads cannot pass with fewer than 50 resets.
 */
import { CouchClient, Database, Follow } from "@effect-couchdb/client"
import { EmbeddedCouch } from "@effect-couchdb/embedded"
import { FaultProxy } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Random } from "effect"
import { clientAt, counted, joinFollower, lost, measuringMemory, quickBackoff, report, tally, writeAll } from "./kit.js"

const total = 10_000

describe("following through connection resets", () => {
  it.scopedLive(
    `${total.toLocaleString("en")} documents written while following: 0 lost, ≥ 20 resets survived`,
    () =>
      Effect.gen(function*() {
        const couch = yield* EmbeddedCouch.make({ embeddedOnly: true })
        const proxy = yield* FaultProxy.make({ target: couch.server.url })
        const direct = yield* clientAt(couch.server)
        const proxied = yield* clientAt(couch.server, proxy.url)
        const name = "faults-resets"
        const db = (client: CouchClient.Service) => client.database(name)
        yield* direct(Effect.flatMap(CouchClient.CouchClient, (client) => Database.create(db(client))))
        const reconnectsBefore = yield* counted(Follow.reconnects, name)
        const redeliveriesBefore = yield* counted(Follow.redeliveries, name)

        yield* proxy.resetRandomly({ seed: 20_251_201, minBytes: 2_000, maxBytes: 24_000 })
        const { memory, seconds, value: result } = yield* measuringMemory(Effect.gen(function*() {
          const follower = yield* Effect.fork(
            proxied(Effect.flatMap(CouchClient.CouchClient, (client) =>
              tally(
                Follow.changes(db(client), {
                  since: 0,
                  include_docs: true,
                  batchSize: 500,
                  batchBytes: 64 * 1024,
                  heartbeat: 1_000,
                  schedule: quickBackoff
                }),
                total
              ))).pipe(Effect.withRandom(Random.make(7)))
          )
          yield* direct(
            Effect.flatMap(CouchClient.CouchClient, (client) => writeAll(db(client), { total, batch: 250 }))
          )
          return yield* joinFollower(follower)
        }))

        const stats = yield* proxy.stats
        const reconnects = (yield* counted(Follow.reconnects, name)) - reconnectsBefore
        const redeliveries = (yield* counted(Follow.redeliveries, name)) - redeliveriesBefore
        yield* report("resets", {
          documents: total,
          lost: lost(result, total).length,
          delivered: result.delivered,
          redelivered: result.duplicates,
          redeliveriesCounted: redeliveries,
          resets: stats.resets,
          reconnects,
          connections: stats.total,
          seconds,
          rssBeforeMB: memory.before,
          rssHighestMB: memory.highest,
          rssAfterMB: memory.after,
          peakRssMB: memory.peak
        })
        expect(lost(result, total)).toEqual([])
        expect(stats.resets).toBeGreaterThanOrEqual(20)
        expect(reconnects).toBeGreaterThanOrEqual(1)
        // Every row carries a seq: a reconnect resumes after the last change delivered.
        expect(result.duplicates).toBe(0)
        expect(redeliveries).toBe(0)
      }),
    { timeout: 120_000 }
  )
})

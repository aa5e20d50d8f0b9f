/**
 * A follower reading through a FaultProxy (resetting connections after 5–30 kB, seeded) while 10,000
 * documents are written, and the server process — pouchdb-server on disk (LevelDB, `dataDir`) —
 * is killed (SIGKILL) halfway through the writes and restarted on the same port and data:
 * every change arrives, none twice, and the follower resumes by itself. The recovery time is
 * from the restarted server accepting connections to the follower's next change; `firstWriteMs`
 * is when the first batch written after the restart was acknowledged (the server's own
 * warm-up, which the follower cannot beat).
 */
import { CouchClient, Database, Follow } from "@effect-couchdb/client"
import { EmbeddedCouch } from "@effect-couchdb/embedded"
import { FaultProxy } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Clock, Effect, Random } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  clientAt,
  counted,
  joinFollower,
  lost,
  makeTally,
  measuringMemory,
  quickBackoff,
  report,
  tally,
  writeAll
} from "./kit.js"

const total = 10_000
const batch = 250

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "faults-restart-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

describe("following through a server restart", () => {
  it.scopedLive(
    `${total.toLocaleString("en")} documents, the server killed and restarted halfway: 0 lost`,
    () =>
      Effect.gen(function*() {
        const couch = yield* EmbeddedCouch.make({ embeddedOnly: true, dataDir: yield* tempDir })
        const proxy = yield* FaultProxy.make({ target: couch.server.url })
        const direct = yield* clientAt(couch.server)
        const proxied = yield* clientAt(couch.server, proxy.url)
        const name = "faults-restart"
        const db = (client: CouchClient.Service) => client.database(name)
        yield* direct(Effect.flatMap(CouchClient.CouchClient, (client) => Database.create(db(client))))
        const reconnectsBefore = yield* counted(Follow.reconnects, name)
        yield* proxy.resetRandomly({ seed: 4_242, minBytes: 5_000, maxBytes: 30_000 })

        const restart = { downMs: 0, firstWriteMs: 0 }
        const counts = makeTally()
        const { memory, seconds, value: result } = yield* measuringMemory(Effect.gen(function*() {
          const follower = yield* Effect.fork(
            proxied(Effect.flatMap(CouchClient.CouchClient, (client) =>
              tally(
                Follow.changes(db(client), { since: 0, batchSize: 500, heartbeat: 1_000, schedule: quickBackoff }),
                total,
                counts
              ))).pipe(Effect.withRandom(Random.make(11)))
          )
          const halfway = total / batch / 2
          yield* direct(Effect.flatMap(CouchClient.CouchClient, (client) =>
            writeAll(db(client), {
              total,
              batch,
              between: (n) =>
                n === halfway + 1
                  ? Effect.map(Clock.currentTimeMillis, (now) => {
                    restart.firstWriteMs = now - (counts.mark ?? now)
                  })
                  : n !== halfway
                  ? Effect.void
                  : Effect.gen(function*() {
                    const killedAt = yield* Clock.currentTimeMillis
                    yield* couch.kill
                    yield* couch.restart
                    counts.mark = yield* Clock.currentTimeMillis
                    restart.downMs = counts.mark - killedAt
                  })
            })))
          return yield* joinFollower(follower)
        }))

        const stats = yield* proxy.stats
        const reconnects = (yield* counted(Follow.reconnects, name)) - reconnectsBefore
        yield* report("restart", {
          documents: total,
          lost: lost(result, total).length,
          delivered: result.delivered,
          redelivered: result.duplicates,
          resets: stats.resets,
          reconnects,
          serverDownMs: restart.downMs,
          // From the restarted server accepting connections: to the first batch written, to the first change followed.
          firstWriteMs: restart.firstWriteMs,
          recoveryMs: result.firstAfterMark !== undefined && result.mark !== undefined
            ? result.firstAfterMark - result.mark
            : "none",
          seconds,
          rssBeforeMB: memory.before,
          rssHighestMB: memory.highest,
          rssAfterMB: memory.after,
          peakRssMB: memory.peak
        })
        expect(lost(result, total)).toEqual([])
        expect(result.duplicates).toBe(0)
        // Each connection is reset after 5–30 kB: the ≥ 1 MB the follower reads cannot pass with fewer.
        expect(stats.resets).toBeGreaterThanOrEqual(20)
        expect(reconnects).toBeGreaterThanOrEqual(1)
        // The writes after the restart reached the follower too.
        expect(result.firstAfterMark).toBeDefined()
      }),
    { timeout: 120_000 }
  )
})

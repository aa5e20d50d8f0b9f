import { Bulk, CouchAuth, CouchClient, Database } from "@effect-couchdb/client"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A `_bulk_docs` server over a real socket: it reads each batch whole and answers one
 * result per document (a conflict for every 1,000th). It holds the answers until
 * `concurrency` batches are waiting (or the last one has come), then answers them last
 * first: the client must keep `concurrency` requests in flight and put their results back in
 * order, or the run never ends.
 */
const bulkServer = Effect.acquireRelease(
  Effect.async<{ readonly server: Http.Server; readonly url: string; readonly maxConcurrent: () => number }>(
    (resume) => {
      let held: Array<() => void> = []
      let maxConcurrent = 0
      const server = Http.createServer((req, res) => {
        const parts: Array<Buffer> = []
        req.on("data", (chunk: Buffer) => parts.push(chunk))
        req.on("end", () => {
          const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as { docs: Array<{ _id: string; n: number }> }
          const results = body.docs.map((doc) =>
            doc.n % 1_000 === 999
              ? `{"id":"${doc._id}","error":"conflict","reason":"Document update conflict."}`
              : `{"ok":true,"id":"${doc._id}","rev":"1-a"}`
          )
          held.push(() => {
            res.writeHead(201, { "content-type": "application/json" })
            res.end(`[${results.join(",")}]\n`)
          })
          maxConcurrent = Math.max(maxConcurrent, held.length)
          if (held.length < concurrency && body.docs.at(-1)?.n !== count - 1) return
          const answers = held.reverse()
          held = []
          for (const answer of answers) answer()
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo // listen() on a TCP port always yields an AddressInfo
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}`, maxConcurrent: () => maxConcurrent }))
      })
    }
  ),
  ({ server }) =>
    Effect.sync(() => server.closeAllConnections()).pipe(Effect.andThen(Effect.sync(() => server.close())))
)

const count = 100_000
const batchSize = 1_000
const concurrency = 4
/** The source's chunks: the writer can only be ahead of its consumer by whole chunks of it. */
const sourceChunk = 100
const pad = "x".repeat(200)

describe("Bulk.writer over a real socket", () => {
  it.scopedLive("streams 100,000 documents with a few batches in memory, every result in order", () =>
    Effect.gen(function*() {
      const server = yield* bulkServer
      let produced = 0
      let consumed = 0
      let maxInFlight = 0
      const heapBefore = process.memoryUsage().heapUsed
      let heapMax = heapBefore
      const docs = Stream.range(0, count - 1, sourceChunk).pipe(
        Stream.map((n) => {
          produced++
          maxInFlight = Math.max(maxInFlight, produced - consumed)
          return { _id: `d${String(n).padStart(6, "0")}`, n, pad }
        })
      )
      const summary = yield* Effect.gen(function*() {
        const db = Database.make(yield* CouchClient.CouchClient, "db")
        return yield* docs.pipe(
          Bulk.writer(db, { batchSize, concurrency }),
          Stream.runFold({ inOrder: true, conflicts: 0 }, (acc, written) => {
            const inOrder = acc.inOrder && written.index === consumed && written.result.id === written.document._id
            consumed++
            if (consumed % 5_000 === 0) heapMax = Math.max(heapMax, process.memoryUsage().heapUsed)
            return { inOrder, conflicts: acc.conflicts + ("error" in written.result ? 1 : 0) }
          })
        )
      }).pipe(
        Effect.provide(
          Layer.mergeAll(CouchClient.layer({ url: server.url }), CouchAuth.layerNone).pipe(
            Layer.provide(NodeHttpClient.layerUndici)
          )
        )
      )
      // The measured figures, for the record (the assertions below bound them).
      // eslint-disable-next-line no-console
      console.info(
        `Bulk.writer, ${count} documents: at most ${maxInFlight} documents between source and consumer, ` +
          `${server.maxConcurrent()} requests held at once, heap used grew by at most ${
            Math.round((heapMax - heapBefore) / 1e6)
          } MB`
      )
      expect(consumed).toBe(count)
      expect(summary).toEqual({ inOrder: true, conflicts: count / 1_000 })
      expect(server.maxConcurrent()).toBe(concurrency)
      // Buffering the input would hold up to 100,000 documents; the writer holds the batches in
      // flight, one being encoded, one being grouped and one being emitted, plus a source chunk.
      expect(maxInFlight).toBeLessThanOrEqual((concurrency + 4) * batchSize + sourceChunk)
    }))
})

import { Bulk, CouchAuth, CouchClient, Database } from "@effect-couchdb/client"
import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A `_bulk_docs` server over a real socket. It reads the first MB of the request body, then
 * stops reading until the client has stopped producing documents (no new one in three
 * checks 20 ms apart), noting how far the client's document stream ran ahead of what it
 * received; then it reads the rest and answers one result per document.
 *
 * With backpressure the client stops once the socket's buffers are full, and the pause ends
 * with it. Without, it would produce every document during the pause. (A stall of the client
 * longer than 60 ms could end the pause early and hide a lack of backpressure, but never make
 * a client with backpressure fail.)
 */
interface SlowReader {
  readonly url: string
  /** The most bytes of documents the client had produced beyond those received. */
  readonly maxAhead: () => number
  readonly received: () => number
  readonly documents: () => number
}

const slowReader = (produced: () => number) =>
  Effect.acquireRelease(
    Effect.async<SlowReader & { readonly server: Http.Server }>((resume) => {
      let received = 0
      let maxAhead = 0
      let documents = 0
      const note = () => {
        maxAhead = Math.max(maxAhead, produced() - received)
      }
      const server = Http.createServer((req, res) => {
        const parts: Array<Buffer> = []
        let paused = false
        req.on("data", (chunk: Buffer) => {
          parts.push(chunk)
          received += chunk.length
          note()
          if (paused || received < 1024 * 1024) return
          paused = true
          req.pause()
          let last = -1
          let unchanged = 0
          const timer = setInterval(() => {
            note()
            const now = produced()
            unchanged = now === last ? unchanged + 1 : 0
            last = now
            if (unchanged < 3) return
            clearInterval(timer)
            req.resume()
          }, 20)
        })
        req.on("end", () => {
          const body = JSON.parse(Buffer.concat(parts).toString("utf8")) as { docs: Array<{ _id: string }> }
          documents = body.docs.length
          res.writeHead(201, { "content-type": "application/json" })
          res.end(`[${body.docs.map((doc) => `{"ok":true,"id":"${doc._id}","rev":"1-a"}`).join(",")}]\n`)
        })
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo // listen() on a TCP port always yields an AddressInfo
        resume(Effect.succeed({
          server,
          url: `http://127.0.0.1:${port}`,
          maxAhead: () => maxAhead,
          received: () => received,
          documents: () => documents
        }))
      })
    }),
    ({ server }) =>
      Effect.sync(() => server.closeAllConnections()).pipe(Effect.andThen(Effect.sync(() => server.close())))
  )

const count = 32_000
const pad = "x".repeat(1_000)
/** Every document is the same number of bytes of JSON, so bytes produced = documents × size. */
const docBytes = JSON.stringify({ _id: "d000001", pad }).length + 1

const backends: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["node:http", NodeHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici]
]

describe("a streamed _bulk_docs body over a real socket that stops reading", () => {
  for (const [name, backend] of backends) {
    it.scopedLive(`is produced only as fast as the server reads it (${name})`, () =>
      Effect.gen(function*() {
        let produced = 0
        const server = yield* slowReader(() => produced * docBytes)
        // Chunks of 64 documents: the client can only be as far ahead as one chunk of its source.
        const docs = Stream.range(1, count, 64).pipe(
          Stream.map((i) => {
            produced++
            return { _id: `d${String(i).padStart(6, "0")}`, pad }
          })
        )
        const results = yield* Effect.gen(function*() {
          const db = Database.make(yield* CouchClient.CouchClient, "db")
          return yield* Stream.runFold(Bulk.saveStream(db, docs), 0, (n, result) => ("ok" in result ? n + 1 : n))
        }).pipe(
          Effect.provide(
            Layer.mergeAll(CouchClient.layer({ url: server.url }), CouchAuth.layerNone).pipe(Layer.provide(backend))
          )
        )
        expect(results).toBe(count)
        expect(server.documents()).toBe(count)
        expect(server.received()).toBeGreaterThan(count * docBytes)
        // ~32 MB went out. Without backpressure the client would have encoded all of it during
        // the pause; with it, it stays within the socket's buffers (both kernels', a few MB on
        // loopback) and the transport's, plus a chunk of documents.
        expect(server.maxAhead()).toBeLessThan(16 * 1024 * 1024)
      }))
  }
})

import { CouchAuth, CouchClient, Database, View } from "@effect-couchdb/client"
import { type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A server that streams an endless CouchDB-layout `_all_docs` body over a real socket,
 * writing only when the socket drains, and counts the bytes it managed to hand over.
 */
interface EndlessServer {
  readonly server: Http.Server
  readonly url: string
  readonly written: () => number
  readonly closed: () => boolean
}

const row = (i: number) =>
  `{"id":"doc-${i}","key":"doc-${i}","value":{"rev":"1-abc"},"doc":{"_id":"doc-${i}","pad":"${"x".repeat(400)}"}},\r\n`

const endlessView = Effect.acquireRelease(
  Effect.async<EndlessServer>((resume) => {
    let written = 0
    let closed = false
    const server = Http.createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" })
      res.write("{\"total_rows\":100000000,\"offset\":0,\"rows\":[\r\n")
      let i = 0
      const pump = () => {
        while (!closed) {
          const chunk = Array.from({ length: 64 }, () => row(i++)).join("")
          written += chunk.length
          if (!res.write(chunk)) return
        }
      }
      res.on("drain", pump)
      res.on("close", () => {
        closed = true
      })
      pump()
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo // listen() on a TCP port always yields an AddressInfo
      resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}`, written: () => written, closed: () => closed }))
    })
  }),
  ({ server }) =>
    Effect.sync(() => server.closeAllConnections()).pipe(Effect.andThen(Effect.sync(() => server.close())))
)

const backends: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["node:http", NodeHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici]
]

describe("a slow consumer over a real socket", () => {
  for (const [name, backend] of backends) {
    it.scopedLive(`does not make the client buffer the body (${name}), and closing the stream aborts it`, () =>
      Effect.gen(function*() {
        const server = yield* endlessView
        const rows = yield* Effect.gen(function*() {
          const couch = yield* CouchClient.CouchClient
          return yield* View.stream(Database.allDocs(couch.database("db")), { include_docs: true }).pipe(
            Stream.tap(() => Effect.sleep("2 millis")),
            Stream.take(200),
            Stream.runCollect
          )
        }).pipe(
          Effect.provide(
            Layer.mergeAll(CouchClient.layer({ url: server.url }), CouchAuth.layerNone).pipe(Layer.provide(backend))
          )
        )
        expect(Chunk.size(rows)).toBe(200)
        // 200 rows are ~90 KB; socket and stream buffers hold a few MB at most. Without
        // backpressure the server would have written hundreds of MB by now.
        expect(server.written()).toBeLessThan(16 * 1024 * 1024)
        yield* Effect.sleep("100 millis")
        expect(server.closed()).toBe(true)
      }))
  }
})

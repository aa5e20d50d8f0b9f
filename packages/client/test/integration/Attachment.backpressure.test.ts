import { Attachment, CouchAuth, CouchClient, Database } from "@effect-couchdb/client"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Deferred, Effect, Layer, Option, Stream } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

const MB = 1024 * 1024

/**
 * A server over a real socket. GET answers an endless attachment, written only when the
 * socket drains; PUT reads the upload slowly (one piece per timer tick). It counts what it
 * wrote and read, and resolves `closed` when the GET's connection closes.
 */
const slowServer = Effect.acquireRelease(
  Effect.gen(function*() {
    const closed = yield* Deferred.make<boolean>()
    let written = 0
    let received = 0
    const server = Http.createServer((req, res) => {
      if (req.method === "GET") {
        res.writeHead(200, { "content-type": "application/octet-stream", etag: "\"x\"" })
        const piece = new Uint8Array(64 * 1024).fill(7)
        let open = true
        const pump = () => {
          while (open) {
            written += piece.length
            if (!res.write(piece)) return
          }
        }
        res.on("drain", pump)
        res.on("close", () => {
          open = false
          Deferred.unsafeDone(closed, Effect.succeed(true))
        })
        pump()
        return
      }
      req.on("data", (chunk: Buffer) => {
        received += chunk.length
        req.pause()
        setTimeout(() => req.resume(), 1)
      })
      req.on("end", () => {
        res.writeHead(201, { "content-type": "application/json" })
        res.end("{\"ok\":true,\"id\":\"doc\",\"rev\":\"1-a\"}")
      })
    })
    const url = yield* Effect.async<string>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo // listen() on a TCP port always yields an AddressInfo
        resume(Effect.succeed(`http://127.0.0.1:${port}`))
      })
    })
    return { server, url, closed, written: () => written, received: () => received }
  }),
  ({ server }) =>
    Effect.sync(() => server.closeAllConnections()).pipe(Effect.andThen(Effect.sync(() => server.close())))
)

const backends: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["node:http", NodeHttpClient.layer],
  ["platform undici", NodeHttpClient.layerUndici],
  ["@effect-couchdb/undici", UndiciHttpClient.layer]
]

/**
 * Uploads are checked on the undici transports only. @effect/platform-node's node:http client
 * (0.108) writes a request body stream without backpressure when each pull gives one chunk:
 * its write loop ignores `write()` returning false for the last item of a chunk, so it pulls
 * the whole stream ahead of the socket (measured: all 48 MB). That is the transport's, not the
 * client's: the same stream is pulled only as the socket drains on undici.
 */
const uploadBackends = backends.filter(([name]) => name !== "node:http")

const client = (url: string, backend: Layer.Layer<HttpClient.HttpClient>) =>
  Layer.mergeAll(CouchClient.layer({ url }), CouchAuth.layerNone).pipe(Layer.provide(backend))

describe("attachments over a real socket with a slow side", () => {
  for (const [name, backend] of backends) {
    it.scopedLive(`download: a slow consumer does not make the client buffer; interrupting aborts (${name})`, () =>
      Effect.gen(function*() {
        const server = yield* slowServer
        const taken = yield* Effect.gen(function*() {
          const att = Database.attachment((yield* CouchClient.CouchClient).database("db"), "doc", "big.bin")
          return yield* Attachment.stream(att).pipe(
            Stream.tap(() => Effect.sleep("1 millis")),
            Stream.runFoldWhile(0, (n) => n < 2 * MB, (n, chunk) => n + chunk.length)
          )
        }).pipe(Effect.provide(client(server.url, backend)))
        expect(taken).toBeGreaterThanOrEqual(2 * MB)
        // Socket and stream buffers hold a few MB at most; without backpressure the server
        // would have written hundreds of MB while the consumer slept.
        expect(server.written()).toBeLessThan(taken + 16 * MB)
        // Stopping the stream closed the connection (the server saw it close).
        yield* Deferred.await(server.closed).pipe(Effect.timeoutFail({
          duration: "10 seconds",
          onTimeout: () => new Error("the download was not aborted")
        }))
      }))
  }
  for (const [name, backend] of uploadBackends) {
    it.scopedLive(`upload: the stream is pulled only as fast as the server reads (${name})`, () =>
      Effect.gen(function*() {
        const server = yield* slowServer
        const total = 48 * MB
        const piece = 64 * 1024
        let pulled = 0
        let widestGap = 0
        const source = Stream.repeatEffectOption(Effect.suspend(() => {
          if (pulled >= total) return Effect.fail(Option.none())
          pulled += piece
          widestGap = Math.max(widestGap, pulled - server.received())
          return Effect.succeed(new Uint8Array(piece).fill(1))
        }))
        const result = yield* Effect.gen(function*() {
          const att = Database.attachment((yield* CouchClient.CouchClient).database("db"), "doc", "up.bin")
          return yield* Attachment.put(att, source, { contentType: "application/octet-stream", length: total })
        }).pipe(Effect.provide(client(server.url, backend)))
        expect(result.rev).toBe("1-a")
        expect(server.received()).toBe(total)
        // The client ran ahead of the server's reads by socket buffers only, never by the
        // whole upload: a body gathered in memory first would show a gap near 48 MB.
        expect(widestGap).toBeLessThan(16 * MB)
      }))
  }
})

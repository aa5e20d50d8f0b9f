import { HttpClient } from "@effect/platform"
import { Deferred, Effect, type Layer, type Scope } from "effect"
import * as Http from "node:http"
import type { AddressInfo } from "node:net"

/** What the test server saw of one request. */
export interface Seen {
  readonly method: string
  readonly url: string
  readonly headers: Http.IncomingHttpHeaders
  /** Bytes of request body received so far. */
  received: number
  /** Bytes of response body the server managed to write (for the endless routes). */
  written: number
  /** True once the response was completely handed to the socket. */
  finished: boolean
  /** True once the connection closed before the response was finished. */
  aborted: boolean
}

export interface TestServer {
  readonly url: string
  readonly port: number
  /** Every request, in arrival order. */
  readonly requests: Array<Seen>
  /** Completes with the next request to `/hang`, once it has arrived. */
  readonly hanging: Deferred.Deferred<Seen>
  /** Completes when a request's connection closes before its response finished. */
  readonly abortedOnce: Deferred.Deferred<Seen>
}

export const doc = { _id: "doc", _rev: "1-abc", pad: "x".repeat(1000) }
const chunk64k = Buffer.alloc(64 * 1024, "y")

/**
 * A node:http server on 127.0.0.1 and an ephemeral port, with a few routes:
 *
 * - `GET /json`, `/text` (UTF-8), `/bom` (a UTF-8 BOM then text), `/bytes` (0..255),
 *   `/empty` (200, no body), `/form` (urlencoded), `/multipart`;
 * - `GET /headers`: two `Set-Cookie` headers and a custom one;
 * - `GET /url`: the request-target as text;
 * - `* /echo`: reads the body, answers `{ method, bytes, contentType, contentLength, transferEncoding }`;
 * - `GET /big?mb=N`: N MiB of "y" written with backpressure (only when the socket drains);
 * - `GET /drip`: a chunk every 20 ms, forever;
 * - `GET /broken`: announces 1 MiB, sends 64 KiB, then destroys the socket;
 * - `GET /hang`: never answers;
 * - `POST /sink`: counts the body's bytes as they arrive, answers the total;
 * - anything else: 404 with the request-target as text.
 */
export const make = Effect.gen(function*() {
  const hanging = yield* Deferred.make<Seen>()
  const abortedOnce = yield* Deferred.make<Seen>()
  const requests: Array<Seen> = []
  const server = Http.createServer((req, res) => {
    const seen: Seen = {
      method: req.method ?? "",
      url: req.url ?? "",
      headers: req.headers,
      received: 0,
      written: 0,
      finished: false,
      aborted: false
    }
    requests.push(seen)
    res.on("finish", () => {
      seen.finished = true
    })
    res.on("close", () => {
      if (!seen.finished) {
        seen.aborted = true
        Deferred.unsafeDone(abortedOnce, Effect.succeed(seen))
      }
    })
    const path = seen.url.split("?")[0]
    const query = new URLSearchParams(seen.url.split("?")[1] ?? "")
    switch (path) {
      case "/json":
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc))
        return
      case "/text":
        res.writeHead(200, { "content-type": "text/plain; charset=utf-8" }).end("héllo wörld ✓")
        return
      case "/bom":
        res.writeHead(200, { "content-type": "text/plain" }).end(
          Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("bom")])
        )
        return
      case "/bytes":
        res.writeHead(200, { "content-type": "application/octet-stream" }).end(
          Buffer.from(Array.from({ length: 256 }, (_, i) => i))
        )
        return
      case "/empty":
        res.writeHead(200).end()
        return
      case "/form":
        res.writeHead(200, { "content-type": "application/x-www-form-urlencoded" }).end("a=1&b=x+y&a=2")
        return
      case "/multipart": {
        const boundary = "BOUNDARY"
        res.writeHead(200, { "content-type": `multipart/form-data; boundary=${boundary}` }).end(
          `--${boundary}\r\ncontent-disposition: form-data; name="field"\r\n\r\nvalue\r\n--${boundary}--\r\n`
        )
        return
      }
      case "/headers":
        res.setHeader("set-cookie", ["a=1; Path=/", "b=2; HttpOnly"])
        res.setHeader("x-custom", "yes")
        res.writeHead(204).end()
        return
      case "/url":
        res.writeHead(200, { "content-type": "text/plain" }).end(seen.url)
        return
      case "/echo":
      case "/sink": {
        req.on("data", (chunk: Buffer) => {
          seen.received += chunk.length
        })
        req.on("end", () => {
          res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
            method: seen.method,
            bytes: seen.received,
            contentType: req.headers["content-type"] ?? null,
            contentLength: req.headers["content-length"] ?? null,
            transferEncoding: req.headers["transfer-encoding"] ?? null
          }))
        })
        return
      }
      case "/big": {
        const total = Number(query.get("mb") ?? "64") * 1024 * 1024
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(total) })
        const pump = () => {
          while (seen.written < total && !res.destroyed) {
            seen.written += chunk64k.length
            const more = res.write(chunk64k)
            if (seen.written >= total) {
              res.end()
              return
            }
            if (!more) return
          }
        }
        res.on("drain", pump)
        pump()
        return
      }
      case "/drip": {
        res.writeHead(200, { "content-type": "text/plain" })
        const timer = setInterval(() => {
          seen.written += 5
          res.write("drip\n")
        }, 20)
        res.on("close", () => clearInterval(timer))
        return
      }
      case "/small-chunks": {
        // 200 HTTP chunks of 100 bytes in one TCP write, as CouchDB sends rows in ~1.5 kB chunks.
        res.writeHead(200, { "content-type": "text/plain" })
        res.cork()
        for (let i = 0; i < 200; i++) res.write("x".repeat(99) + "\n")
        res.end()
        return
      }
      case "/broken": {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(1024 * 1024) })
        res.write(chunk64k, () => setTimeout(() => res.destroy(), 20))
        return
      }
      case "/hang":
        Deferred.unsafeDone(hanging, Effect.succeed(seen))
        return
      default:
        res.writeHead(404, { "content-type": "text/plain" }).end(seen.url)
    }
  })
  const port = yield* Effect.acquireRelease(
    Effect.async<number>((resume) => {
      server.listen(0, "127.0.0.1", () => {
        // listen() on a TCP host and port always yields an AddressInfo.
        const address = server.address() as AddressInfo
        resume(Effect.succeed(address.port))
      })
    }),
    () =>
      Effect.async((resume: (effect: Effect.Effect<void>) => void) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  )
  const testServer: TestServer = { url: `http://127.0.0.1:${port}`, port, requests, hanging, abortedOnce }
  return testServer
})

/** A port nothing listens on (a server's, once it has been closed). */
export const closedPort = Effect.async<number>((resume) => {
  const server = Http.createServer()
  server.listen(0, "127.0.0.1", () => {
    // listen() on a TCP host and port always yields an AddressInfo.
    const { port } = server.address() as AddressInfo
    server.close(() => resume(Effect.succeed(port)))
  })
})

/** Runs `f` with the client of `layer` and a fresh test server. */
export const withServer = (layer: Layer.Layer<HttpClient.HttpClient>) =>
<A, E>(
  f: (http: HttpClient.HttpClient, server: TestServer) => Effect.Effect<A, E, Scope.Scope>
) =>
  Effect.gen(function*() {
    const server = yield* make
    const http = yield* HttpClient.HttpClient
    return yield* f(http, server)
  }).pipe(Effect.provide(layer))

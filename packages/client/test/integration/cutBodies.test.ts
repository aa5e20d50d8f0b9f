/**
 * A response body cut short, over real sockets: whatever the framing (`Content-Length`,
 * chunked, either with `Connection: close`, or delimited by the connection's close) and
 * whichever transport (node:http, undici), every feed reads the rows before the cut, then
 * fails with a `TransportError` of kind `Reset` saying the body was cut short. The server
 * writes exact HTTP/1.1 bytes on a TCP socket, then closes it (FIN), so nothing races.
 */
import { Changes, CouchAuth, CouchClient, Database, View } from "@effect-couchdb/client"
import type { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Layer, Stream } from "effect"
import * as Net from "node:net"

/** A server answering every request with `response`, then closing the connection. */
const rawServer = (response: string) =>
  Effect.acquireRelease(
    Effect.async<{ readonly server: Net.Server; readonly url: string }>((resume) => {
      const server = Net.createServer((socket) => {
        socket.once("data", () => socket.end(response))
        socket.on("error", () => socket.destroy())
      })
      server.listen(0, "127.0.0.1", () => {
        // listen() on a TCP host and port always yields an AddressInfo.
        const { port } = server.address() as Net.AddressInfo
        resume(Effect.succeed({ server, url: `http://127.0.0.1:${port}` }))
      })
    }),
    ({ server }) =>
      Effect.async((resume: (effect: Effect.Effect<void>) => void) => {
        server.close(() => resume(Effect.void))
      })
  )

const head = (status: string, headers: ReadonlyArray<string>) =>
  `HTTP/1.1 ${status}\r\n${headers.map((header) => `${header}\r\n`).join("")}\r\n`

/** How the body is framed: the response bytes for `body` when the server meant to send `full` bytes. */
const framings: ReadonlyArray<readonly [string, (body: string, full: number) => string]> = [
  ["Content-Length", (body, full) => head("200 OK", [`Content-Length: ${full}`]) + body],
  [
    "Content-Length, Connection: close",
    (body, full) => head("200 OK", [`Content-Length: ${full}`, "Connection: close"]) + body
  ],
  ["chunked", (body) => head("200 OK", ["Transfer-Encoding: chunked"]) + chunk(body)],
  [
    "chunked, Connection: close",
    (body) => head("200 OK", ["Transfer-Encoding: chunked", "Connection: close"]) + chunk(body)
  ],
  ["delimited by the connection's close", (body) => head("200 OK", ["Connection: close"]) + body]
]

const chunk = (text: string) => text === "" ? "" : `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`

const backends: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["node:http", NodeHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici]
]

const row = (i: number) => ({ seq: `${i}-g1AA`, id: `d${i}`, changes: [{ rev: `1-${i}` }] })

/** Each feed: its content type, a complete body of two rows, and how to read it. */
const feeds: ReadonlyArray<{
  readonly name: string
  readonly contentType: string
  readonly body: string
  readonly read: (
    couch: CouchClient.Service
  ) => Stream.Stream<{ readonly id?: string | undefined }, unknown, CouchAuth.CouchAuth>
}> = [
  {
    name: "a view",
    contentType: "application/json",
    body: `{"total_rows":2,"offset":0,"rows":[\r\n${
      [1, 2].map((i) => JSON.stringify({ id: `d${i}`, key: i, value: null })).join(",\r\n")
    }\r\n]}\n`,
    read: (couch) => View.stream(Database.allDocs(couch.database("db")))
  },
  {
    name: "a normal _changes feed",
    contentType: "application/json",
    body: `{"results":[\n${JSON.stringify(row(1))},\r\n${
      JSON.stringify(row(2))
    }\n],\n"last_seq":"2-g1AA","pending":0}\n`,
    read: (couch) => Changes.stream(couch.database("db"))
  },
  {
    name: "a continuous _changes feed",
    contentType: "application/json",
    body: `${JSON.stringify(row(1))}\n${JSON.stringify(row(2))}\n{"last_seq":"2-g1AA","pending":0}\n`,
    read: (couch) => Changes.stream(couch.database("db"), { feed: "continuous" })
  },
  {
    name: "an eventsource _changes feed",
    contentType: "text/event-stream",
    body: [1, 2].map((i) => `data: ${JSON.stringify(row(i))}\nid: ${i}-g1AA\n\n`).join(""),
    read: (couch) => Changes.stream(couch.database("db"), { feed: "eventsource" })
  }
]

/** The ids read and the errors, from `response` over `backend`. */
const readFrom = (response: string, backend: Layer.Layer<HttpClient.HttpClient>, feed: (typeof feeds)[number]) =>
  Effect.gen(function*() {
    const { url } = yield* rawServer(response)
    const all = yield* Effect.flatMap(
      CouchClient.CouchClient,
      (couch) => Stream.runCollect(Stream.either(feed.read(couch)))
    )
      .pipe(
        Effect.provide(
          Layer.mergeAll(CouchClient.layer({ url }), CouchAuth.layerNone).pipe(Layer.provide(backend))
        )
      )
    const results = Chunk.toReadonlyArray(all)
    return {
      ids: results.flatMap((result) => Either.isRight(result) ? [result.right.id] : []),
      errors: results.flatMap((result) => Either.isLeft(result) ? [result.left] : [])
    }
  }).pipe(Effect.scoped)

describe("a body cut short over a real socket", () => {
  for (const [backendName, backend] of backends) {
    for (const [framing, frame] of framings) {
      it.live(`is a TransportError (Reset) in every feed: ${framing}, over ${backendName}`, () =>
        Effect.gen(function*() {
          for (const feed of feeds) {
            const withType = (response: string) =>
              response.replace("HTTP/1.1 200 OK\r\n", `HTTP/1.1 200 OK\r\nContent-Type: ${feed.contentType}\r\n`)
            const full = Buffer.byteLength(feed.body)
            // The whole body (with the last chunk when chunked): the framing itself reads cleanly.
            const whole = framing.startsWith("chunked")
              ? withType(frame(feed.body, full)) + "0\r\n\r\n"
              : withType(frame(feed.body, full))
            expect(yield* readFrom(whole, backend, feed), `${feed.name}, whole`).toEqual({
              ids: ["d1", "d2"],
              errors: []
            })
            // Cut inside the second row.
            const cut = feed.body.slice(0, feed.body.indexOf("d2") + 1)
            const read = yield* readFrom(withType(frame(cut, full)), backend, feed)
            expect(read.ids, feed.name).toEqual(["d1"])
            expect(read.errors, feed.name).toMatchObject([{ _tag: "TransportError", kind: "Reset" }])
            expect(String(read.errors[0]), feed.name).toContain("the response body was cut short")
          }
        }))
    }
  }
})

import { CouchAuth, CouchClient } from "@effect-couchdb/client"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Layer } from "effect"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A real server that records the raw request target of every request, so the test sees the
 * path exactly as it left the transport (after any URL normalisation the transport does).
 */
const recordingServer = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly paths: Array<string>; readonly server: http.Server }>((resume) => {
    const paths: Array<string> = []
    const server = http.createServer((req, res) => {
      paths.push(req.url ?? "")
      res.writeHead(200, { "content-type": "application/json" }).end("{\"ok\":true}")
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo // listening on TCP: address() is an AddressInfo
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, paths, server }))
    })
  }),
  ({ server }) =>
    Effect.async<undefined>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.succeed(undefined)))
    })
)

const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["node:http", NodeHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici],
  ["fetch", FetchHttpClient.layer]
]

const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
/** Text that looks like path syntax: dots, slashes and their escapes, mixed with anything. */
const tricky = fc.oneof(
  printable,
  fc.fullUnicodeString(),
  fc.array(fc.constantFrom(".", "..", "/", "%2e", "%2E", "%2f", "%", "%25", "?", "#", "\\", "+", " ", "é", "☃", "😀"), {
    maxLength: 6
  }).map((parts) => parts.join(""))
)
const docId = fc.oneof(
  tricky,
  tricky.map((name) => `_design/${name}`),
  tricky.map((name) => `_local/${name}`)
)

/** The segments a document id becomes, as CouchDB reads it back. */
const expectedSegments = (db: string, id: string, attachment: string | undefined): ReadonlyArray<string> => {
  const prefix = ["_design/", "_local/"].find((p) => id.startsWith(p))
  const docSegments = prefix === undefined ? [id] : [prefix.slice(0, -1), id.slice(prefix.length)]
  return [db, ...docSegments, ...(attachment === undefined ? [] : [attachment])]
}

/** The segments the client must refuse: dot segments, and text with no UTF-8 form. */
const isRefused = (segment: string) =>
  segment === "" || segment === "." || segment === ".." ||
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(segment)

describe("the path the server receives decodes to exactly the caller's segments", () => {
  for (const [name, transport] of transports) {
    it.scoped(`over ${name}: generated database names, ids and attachment names`, () =>
      Effect.gen(function*() {
        const server = yield* recordingServer
        const context = yield* Layer.build(
          Layer.mergeAll(CouchClient.layerWithoutAuth({ url: server.url }), CouchAuth.layerNone).pipe(
            Layer.provide(transport)
          )
        )
        const couch = yield* Effect.provide(CouchClient.CouchClient, context)
        const check = (db: string, id: string, attachment: string | undefined) =>
          Effect.gen(function*() {
            const before = server.paths.length
            const document = couch.resource(db).document(id)
            const target = attachment === undefined ? document : document.attachment(attachment)
            const result = yield* Effect.either(target.get())
            const segments = expectedSegments(db, id, attachment)
            if (segments.some(isRefused)) {
              // Refused before any I/O, with the typed error.
              expect(Either.isLeft(result) && result.left._tag).toBe("InvalidRequest")
              expect(server.paths.length).toBe(before)
              return
            }
            expect(Either.isRight(result)).toBe(true)
            expect(server.paths.length).toBe(before + 1)
            const received = server.paths[before] ?? ""
            expect(received.split("/").slice(1).map(decodeURIComponent)).toEqual(segments)
          }).pipe(Effect.provide(context))
        yield* Effect.promise(() =>
          fc.assert(
            fc.asyncProperty(
              fc.oneof(fc.constant("db"), tricky),
              docId,
              fc.option(tricky, { nil: undefined }),
              (db, id, attachment) => Effect.runPromise(check(db, id, attachment))
            ),
            { numRuns: 150 }
          )
        )
      }), 60_000)
  }
})

import { type CouchAuth, CouchClient, type CouchError } from "@effect-couchdb/client"
import { EmbeddedCouch, TestCouch } from "@effect-couchdb/embedded"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted, Schema, Scope } from "effect"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"

const tempDir = Effect.acquireRelease(
  Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), "embedded-test-"))),
  (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
)

/** Builds a client with the admin over `server` for the scope, and runs effects with it. */
const clientOn = (server: EmbeddedCouch.Server) =>
  Layer.build(
    TestCouch.layer.pipe(
      Layer.provide(Layer.succeed(EmbeddedCouch.EmbeddedCouch, server)),
      Layer.provide(NodeHttpClient.layerUndici)
    )
  ).pipe(
    Effect.map(
      (context) =>
      <A>(effect: Effect.Effect<A, CouchError.CouchError, CouchClient.CouchClient | CouchAuth.CouchAuth>) =>
        Effect.provide(effect, context)
    )
  )

const Doc = Schema.Struct({ _id: Schema.String, n: Schema.Number })

describe("EmbeddedCouch", () => {
  it.live("starts pouchdb-server with an admin, and stops it with the scope", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(EmbeddedCouch.layer({ embeddedOnly: true }), scope)
      const server = yield* Effect.provide(EmbeddedCouch.EmbeddedCouch, context)
      expect(server.kind).toBe("embedded")
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(String(server.password)).not.toContain("secret")

      const client = yield* HttpClient.HttpClient
      const root = yield* client.execute(HttpClientRequest.get(server.url).pipe(HttpClientRequest.acceptJson))
      expect(yield* root.json).toMatchObject({ "express-pouchdb": "Welcome!", "pouchdb-adapters": ["memory"] })
      const session = yield* client.execute(
        HttpClientRequest.get(`${server.url}/_session`).pipe(
          HttpClientRequest.acceptJson,
          HttpClientRequest.basicAuth(server.username, Redacted.value(server.password))
        )
      )
      expect(yield* session.json).toMatchObject({ userCtx: { name: "admin", roles: ["_admin"] } })

      yield* Scope.close(scope, Exit.void)
      const after = yield* Effect.either(client.get(server.url))
      expect(after._tag).toBe("Left")
    }).pipe(Effect.provide(FetchHttpClient.layer)))

  it.scopedLive("keeps the databases on disk with dataDir: a killed server restarts on the same URL with its data", () =>
    Effect.gen(function*() {
      const dataDir = yield* tempDir
      const couch = yield* EmbeddedCouch.make({ embeddedOnly: true, dataDir })
      const run = yield* clientOn(couch.server)
      const db = yield* run(Effect.map(CouchClient.CouchClient, (client) => client.resource("durable")))
      yield* run(db.put())
      yield* run(db.document("a").put({ json: { n: 1 } }))

      yield* couch.kill
      const down = yield* Effect.flip(run(db.document("a").get()))
      expect(down._tag).toBe("TransportError")

      yield* couch.restart
      expect(yield* run(db.document("a").getJson(Doc))).toEqual({ _id: "a", n: 1 })
      yield* run(db.document("b").put({ json: { n: 2 } }))
      expect(fs.readdirSync(dataDir)).toContain("durable")
    }))

  it.scopedLive("starts empty again after a restart in memory", () =>
    Effect.gen(function*() {
      const couch = yield* EmbeddedCouch.make({ embeddedOnly: true })
      const run = yield* clientOn(couch.server)
      const db = yield* run(Effect.map(CouchClient.CouchClient, (client) => client.resource("volatile")))
      yield* run(db.put())
      yield* couch.restart
      const gone = yield* Effect.flip(run(db.get()))
      expect(gone._tag).toBe("NotFound")
    }))

  it.scopedLive("fails with a StartError when the port is taken", () =>
    Effect.gen(function*() {
      const taken = yield* Effect.acquireRelease(
        Effect.async<net.Server>((resume) => {
          const server = net.createServer().listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
        }),
        (server) => Effect.async((resume) => void server.close(() => resume(Effect.void)))
      )
      const port = (taken.address() as net.AddressInfo).port // listen() on a TCP port yields an AddressInfo
      const error = yield* Effect.flip(EmbeddedCouch.make({ embeddedOnly: true, port }))
      expect(error._tag).toBe("StartError")
      expect(error.message).toContain("EADDRINUSE")
    }))

  it.scoped("takes COUCHDB_URL as an external server, which it cannot kill or restart", () =>
    Effect.gen(function*() {
      const previous = process.env.COUCHDB_URL
      yield* Effect.acquireRelease(
        Effect.sync(() => (process.env.COUCHDB_URL = "http://ops:p%40ss@couch.example:5984/")),
        () =>
          Effect.sync(() => {
            if (previous === undefined) delete process.env.COUCHDB_URL
            else process.env.COUCHDB_URL = previous
          })
      )
      const couch = yield* EmbeddedCouch.make()
      expect(couch.server.kind).toBe("external")
      expect(couch.server.url).toBe("http://couch.example:5984")
      expect(couch.server.username).toBe("ops")
      expect(Redacted.value(couch.server.password)).toBe("p@ss")
      expect(String(couch.server.urlWithCredentials)).not.toContain("p%40ss")
      const error = yield* Effect.flip(couch.restart)
      expect(error.message).toContain("external server")
    }))
})

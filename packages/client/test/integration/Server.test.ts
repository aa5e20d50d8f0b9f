import { CouchClient, Database, Server } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
const server = VitestCouch.server()

describe("Server on a real server", () => {
  it.effect("info: a version; pouchdb-server has no couchdb welcome key", () =>
    Effect.gen(function*() {
      const info = yield* Server.info(yield* CouchClient.CouchClient)
      expect(info.version).toMatch(/^\d+\.\d+/)
      expect(info.couchdb).toBe(server.kind === "embedded" ? undefined : "Welcome")
    }).pipe(Effect.provide(AdminLive)))

  it.effect("up: pouchdb-server has no /_up, a NotFound", () =>
    Effect.gen(function*() {
      const up = yield* Effect.either(Server.up(yield* CouchClient.CouchClient))
      if (server.kind === "embedded") expect(up).toMatchObject({ _tag: "Left", left: { _tag: "NotFound" } })
      else expect(up).toMatchObject({ _tag: "Right", right: { status: "ok" } })
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("allDbs lists a new database; streamAllDbs yields every name once, one name per page", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      // No slash in this name: pouchdb-server lists "a/b" as "ab".
      const db = couch.database(yield* TestCouch.databaseName("alldbs"))
      yield* Effect.acquireRelease(Database.create(db), () => Effect.ignore(Database.remove(db)))
      expect(yield* Server.allDbs(couch)).toContain(db.name)
      // pouchdb-server ignores limit, startkey and skip: the stream must still end, without repeats.
      const streamed = Chunk.toReadonlyArray(yield* Stream.runCollect(Server.streamAllDbs(couch, { pageSize: 1 })))
      expect(streamed).toContain(db.name)
      expect(streamed).toContain("_users")
      expect(new Set(streamed).size).toBe(streamed.length)
    }).pipe(Effect.provide(AdminLive)))

  it.effect("uuids, activeTasks and membership decode", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const uuids = yield* Server.uuids(couch, { count: 3 })
      expect(new Set(uuids).size).toBe(3)
      expect(yield* Server.uuids(couch)).toHaveLength(1)
      expect(Array.isArray(yield* Server.activeTasks(couch))).toBe(true)
      const membership = yield* Server.membership(couch)
      expect(membership.all_nodes.length).toBeGreaterThan(0)
    }).pipe(Effect.provide(AdminLive)))
})

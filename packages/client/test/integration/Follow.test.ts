/**
 * Follow and Checkpoint against the embedded server (pouchdb-server: integer sequences,
 * single-line bodies, `_local` documents that check their revision). The same code paths
 * under injected faults, server restarts and mass interruption are in test/faults.
 */
import { Checkpoint, Database, Document, Follow, Resource } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Option, Schema, Stream } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))

const Item = Schema.Struct({ n: Schema.Number })

const write = (db: Database.Database, from: number, count: number) =>
  Resource.of(db).resource("_bulk_docs").post({
    json: { docs: Array.from({ length: count }, (_, i) => ({ _id: `item-${from + i}`, n: from + i })) }
  })

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

describe("Follow.changes on a real server", () => {
  it.scoped("one-off: every change in batches, deletions as tombstones, documents decoded", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/follow")
      yield* write(db, 0, 25)
      const item3 = yield* Document.get(Database.document(db, "item-3"))
      yield* Document.remove(Database.document(db, "item-3"), { rev: item3._rev })
      const changes = yield* collect(
        Follow.changes(db, { mode: "oneOff", batchSize: 7, include_docs: true, schema: Item })
      )
      expect(changes.map((c) => c.id).sort()).toEqual(Array.from({ length: 25 }, (_, i) => `item-${i}`).sort())
      const deleted = changes.find((c) => c.id === "item-3")
      expect(deleted).toMatchObject({ deleted: true, doc: { _id: "item-3", _deleted: true } })
      const live = changes.find((c) => c.id === "item-4")
      expect(live?.deleted ? undefined : live?.doc?.n).toBe(4)
      // Integer sequences, each change once, in order.
      expect(changes.map((c) => c.seq)).toEqual([...changes.map((c) => c.seq)].sort((a, b) => Number(a) - Number(b)))
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("listen: from a seq given by the caller, the changes written after it, as they come", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/follow")
      yield* write(db, 0, 5)
      const since = (yield* Database.info(db)).update_seq
      const follower = yield* Effect.fork(
        collect(Follow.changes(db, { since, heartbeat: 200, batchSize: 3 }).pipe(Stream.take(8)))
      )
      yield* write(db, 5, 4)
      yield* write(db, 9, 4)
      const changes = yield* follower
      expect(changes.map((c) => c.id)).toEqual(Array.from({ length: 8 }, (_, i) => `item-${5 + i}`))
    }).pipe(Effect.provide(AdminLive)))
})

describe("Checkpoint on a real server", () => {
  it.scoped("saves over its own revision (pouchdb checks _local revisions), loads, and resumes from it", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/checkpoint")
      const checkpoint = Database.localDocument(db, "indexer")
      expect(yield* Checkpoint.load(checkpoint)).toEqual(Option.none())
      yield* write(db, 0, 10)
      const first = yield* collect(
        Checkpoint.follow(checkpoint, { mode: "oneOff" }).pipe(
          Stream.take(6),
          Checkpoint.saveEvery(checkpoint, { changes: 4 })
        )
      )
      expect(first.map((c) => c.id)).toEqual(Array.from({ length: 6 }, (_, i) => `item-${i}`))
      expect(yield* Checkpoint.load(checkpoint)).toEqual(Option.some(first[5]?.seq))
      // A second save over the first (a conflict without the revision on pouchdb).
      yield* Checkpoint.save(checkpoint, first[5]?.seq ?? 0)
      const rest = yield* collect(Checkpoint.follow(checkpoint, { mode: "oneOff" }))
      expect(rest.map((c) => c.id)).toEqual(Array.from({ length: 4 }, (_, i) => `item-${6 + i}`))
    }).pipe(Effect.provide(AdminLive)))
})

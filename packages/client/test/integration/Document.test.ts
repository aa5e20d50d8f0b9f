import { CouchClient, Database, Document } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Equal, Layer, Option, Schema, Stream } from "effect"

const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number, placed: Schema.Date })

/** A fresh database for the test, deleted when its scope closes. */
const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))

describe("Document on a real server", () => {
  it.scoped("typed both ways: encodes on write, decodes on read, metadata added once", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/typed")
      const doc = Database.document(db, "o/1 ü")
      const placed = new Date("2026-11-30T12:00:00.000Z")
      const created = yield* Document.put(doc, { customer: "ada", total: 120, placed }, { schema: Order })
      expect(created).toMatchObject({ ok: true, id: "o/1 ü" })

      // Stored as JSON: the Date was encoded as a string.
      const raw = yield* Document.get(doc)
      expect(raw.placed).toBe("2026-11-30T12:00:00.000Z")

      const order = yield* doc.pipe(Document.get({ schema: Order }))
      expect(order.placed).toEqual(placed)
      expect(order._id).toBe("o/1 ü")
      expect(order._rev).toBe(created.rev)

      // The read carries _rev, so writing it back updates.
      const updated = yield* Document.put(doc, { ...order, total: 100 }, { schema: Order })
      expect(updated.rev).toMatch(/^2-/)
      const stale = yield* Effect.flip(Document.put(doc, { ...order, total: 1 }, { schema: Order }))
      expect(stale._tag).toBe("Conflict")

      expect(yield* Document.revision(doc)).toEqual(Option.some(updated.rev))
      expect(yield* Document.exists(doc)).toBe(true)

      const removed = yield* Document.remove(doc, { rev: updated.rev })
      expect(removed.rev).toMatch(/^3-/)
      expect(yield* Document.exists(doc)).toBe(false)
      expect(yield* Document.revision(doc)).toEqual(Option.none())
      expect((yield* Effect.flip(Document.get(doc)))._tag).toBe("NotFound")
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("a document that does not match its Schema is a DecodeError with its id and path", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/decode")
      const doc = Database.document(db, "bad")
      yield* Document.put(doc, { customer: "ada", total: "lots", placed: "2026-01-01" })
      const error = yield* Effect.flip(Document.get(doc, { schema: Order }))
      expect(error._tag).toBe("DecodeError")
      if (error._tag === "DecodeError") {
        expect(error.documentId).toBe("bad")
        expect(error.path).toEqual(["total"])
        expect(error.message).toContain("document \"bad\"")
      }
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("a value the Schema cannot encode is an InvalidRequest, and nothing is sent", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/encode")
      const doc = Database.document(db, "e")
      const error = yield* Effect.flip(
        Document.put(doc, { customer: "ada", total: 1, placed: new Date(Number.NaN) }, { schema: Order })
      )
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("document \"e\"")
      expect(yield* Document.exists(doc)).toBe(false)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("getIfChanged is none while the revision is unchanged", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/etag")
      const doc = Database.document(db, "d")
      const { rev } = yield* Document.put(doc, { n: 1 })
      // pouchdb-server's ETag is not the rev (test-server.md), so it always answers 200 there.
      const unchanged = yield* Document.getIfChanged(doc, rev)
      if (Option.isSome(unchanged)) expect(unchanged.value._rev).toBe(rev)
      const { rev: rev2 } = yield* Document.put(doc, { n: 2, _rev: rev })
      const changed = yield* Document.getIfChanged(doc, rev)
      expect(Option.map(changed, (d) => d._rev)).toEqual(Option.some(rev2))
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("COPY to a new id and over an existing one; _local documents", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/copy")
      const source = Database.document(db, "src")
      yield* Document.put(source, { n: 1 })
      // ASCII only here: pouchdb-server decodes the Destination header as Latin-1, CouchDB as UTF-8 bytes.
      yield* Document.copy(source, { destination: "dst/1 +" })
      expect((yield* Document.get(Database.document(db, "dst/1 +"))).n).toBe(1)
      const target = yield* Document.put(Database.document(db, "existing"), { old: true })
      yield* Document.copy(source, { destination: "existing", destinationRev: target.rev })
      expect((yield* Document.get(Database.document(db, "existing"))).n).toBe(1)
      expect((yield* Effect.flip(Document.copy(source, { destination: "a?b" })))._tag).toBe("InvalidRequest")

      const local = Database.localDocument(db, "checkpoint")
      expect(local.id).toBe("_local/checkpoint")
      yield* Document.put(local, { seq: 42 })
      const read = yield* Document.get(local)
      expect(read.seq).toBe(42)
      yield* Document.remove(local, { rev: read._rev })
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("database handles: info, exists, post, ensure; handles are equal by path", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const db = yield* TestCouch.withDatabase("test/db")
      expect(Equal.equals(db, couch.database(db.name))).toBe(true)
      expect(Equal.equals(Database.document(db, "a"), Database.document(db, "b"))).toBe(false)
      expect(yield* Database.exists(db)).toBe(true)
      expect(yield* Database.ensure(db)).toBe(false)
      const posted = yield* Database.post(db, { customer: "x", total: 1, placed: new Date(0) }, { schema: Order })
      expect(posted.id.length).toBeGreaterThan(0)
      const info = yield* Database.info(db)
      expect(info.doc_count).toBe(1)
      expect((yield* Effect.flip(Database.create(db)))._tag).toBe("PreconditionFailed")
      const missing = couch.database(yield* TestCouch.databaseName("test/missing"))
      expect(yield* Database.exists(missing)).toBe(false)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("conflicts via new_edits=false; open_revs as JSON and as a stream; a deleted leaf is a tombstone", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/conflicts")
      const doc = Database.document(db, "c")
      const V = Schema.Struct({ v: Schema.String })
      const first = yield* Document.put(doc, { v: "a" }, { schema: V })
      const forced = yield* Document.put(doc, { _rev: "1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", v: "b" }, {
        schema: V,
        new_edits: false
      })
      expect(forced.rev).toBe("1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
      const winner = yield* Document.get(doc, { conflicts: true, schema: V })
      const loser = winner._rev === first.rev ? forced.rev : first.rev
      expect(winner._conflicts).toEqual([loser])

      const leaves = yield* Document.openRevs(doc, { open_revs: "all", schema: V })
      expect(leaves.map((leaf) => leaf._tag === "Missing" ? "" : leaf.ok._rev).sort()).toEqual(
        [first.rev, forced.rev].sort()
      )
      const asked = yield* Document.openRevs(doc, { open_revs: [first.rev, "9-99999999999999999999999999999999"] })
      expect(asked).toEqual([
        { _tag: "Ok", ok: { _id: "c", _rev: first.rev, v: "a" } },
        { _tag: "Missing", missing: "9-99999999999999999999999999999999" }
      ])

      // Deleting the losing leaf leaves a tombstone among the leaves.
      yield* Document.remove(doc, { rev: loser })
      const streamed = yield* Document.streamOpenRevs(doc, { open_revs: "all", schema: V, revs: true }).pipe(
        Stream.runCollect
      )
      const tags = Chunk.toArray(streamed).map((leaf) => leaf._tag).sort()
      expect(tags).toEqual(["Deleted", "Ok"])
      const tombstone = Chunk.toArray(streamed).find((leaf) => leaf._tag === "Deleted")
      expect(tombstone?._tag === "Deleted" ? tombstone.ok._deleted : undefined).toBe(true)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("update under contention: ten concurrent increments all land", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/update")
      const doc = Database.document(db, "counter")
      const Counter = Schema.Struct({ n: Schema.Number })
      yield* Document.put(doc, { n: 0 }, { schema: Counter })
      yield* Effect.forEach(
        Array.from({ length: 10 }),
        () => Document.update(doc, (c) => ({ ...c, n: c.n + 1 }), { schema: Counter, attempts: 50 }),
        { concurrency: 10 }
      )
      expect((yield* Document.get(doc, { schema: Counter })).n).toBe(10)
    }).pipe(Effect.provide(AdminLive)))
})

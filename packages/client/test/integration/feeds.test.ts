import { Changes, Database, DesignDocument, Document, Resource, View } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Option, Schema, Stream } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))

const Item = Schema.Struct({ _id: Schema.String, type: Schema.String, n: Schema.Number })

const seed = (count: number) =>
  Effect.gen(function*() {
    const db = yield* TestCouch.withDatabase("test/feeds")
    const docs = Array.from({ length: count }, (_, i) => ({
      _id: `item-${String(i).padStart(3, "0")}`,
      type: i % 2 === 0 ? "even" : "odd",
      n: i
    }))
    yield* Resource.of(db).resource("_bulk_docs").post({ json: { docs } })
    yield* DesignDocument.put(Database.designDocument(db, "app"), {
      views: {
        by_type: { map: "function (doc) { if (doc.type) emit([doc.type, doc.n], doc.n) }" },
        count: { map: "function (doc) { if (doc.type) emit(doc.type, 1) }", reduce: "_count" }
      }
    })
    return db
  })

describe("views and _all_docs streamed from a real server", () => {
  it.scoped("streams _all_docs with include_docs, decoding each document", () =>
    Effect.gen(function*() {
      const db = yield* seed(50)
      const feed = yield* View.open(Database.allDocs(db), {
        include_docs: true,
        startkey: "item",
        endkey: "item\ufff0",
        valueSchema: Schema.Struct({ rev: Schema.String }),
        schema: Item
      })
      expect(Option.getOrThrow((yield* feed.meta).totalRows)).toBe(51)
      const rows = Chunk.toReadonlyArray(yield* Stream.runCollect(feed.rows))
      expect(rows).toHaveLength(50)
      expect(rows[7]?.doc?.n).toBe(7)
      expect(rows[7]?.id).toBe("item-007")
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("queries a view with JSON keys, limits and update_seq", () =>
    Effect.gen(function*() {
      const db = yield* seed(20)
      const feed = yield* View.open(DesignDocument.view(Database.designDocument(db, "app"), "by_type"), {
        startkey: ["odd", 5],
        endkey: ["odd", {}],
        limit: 3,
        update_seq: true,
        reduce: false,
        keySchema: Schema.Tuple(Schema.String, Schema.Number),
        valueSchema: Schema.Number
      })
      const rows = Chunk.toReadonlyArray(yield* Stream.runCollect(feed.rows))
      expect(rows.map((r) => r.key)).toEqual([["odd", 5], ["odd", 7], ["odd", 9]])
      expect(Option.isSome((yield* feed.meta).updateSeq)).toBe(true)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("sends many keys in a POST body and keeps the rows of missing keys", () =>
    Effect.gen(function*() {
      const db = yield* seed(5)
      const rows = yield* View.stream(Database.allDocs(db), { keys: ["item-001", "nope", "item-003"] }).pipe(
        Stream.runCollect
      )
      const [first, missing, third] = Chunk.toReadonlyArray(rows)
      expect(first && !View.isErrorRow(first) ? first.id : undefined).toBe("item-001")
      expect(missing && View.isErrorRow(missing) ? missing.error : undefined).toBe("not_found")
      expect(third?.key).toBe("item-003")
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("reduces with group=true", () =>
    Effect.gen(function*() {
      const db = yield* seed(9)
      const rows = yield* View.stream(DesignDocument.view(Database.designDocument(db, "_design/app"), "count"), {
        group: true,
        keySchema: Schema.String,
        valueSchema: Schema.Number
      }).pipe(Stream.runCollect)
      expect(Chunk.toReadonlyArray(rows).map((r) => [r.key, r.value])).toEqual([["even", 5], ["odd", 4]])
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("fails a query on a missing view with NotFound", () =>
    Effect.gen(function*() {
      const db = yield* seed(1)
      const error = yield* Effect.flip(
        Stream.runDrain(View.stream(DesignDocument.view(Database.designDocument(db, "app"), "nope")))
      )
      expect(error._tag).toBe("NotFound")
    }).pipe(Effect.provide(AdminLive)))
})

describe("_changes from a real server", () => {
  it.scoped("reads the normal feed with last_seq", () =>
    Effect.gen(function*() {
      const db = yield* seed(6)
      const feed = yield* Changes.open(db, { include_docs: true, schema: Schema.Unknown })
      const changes = Chunk.toReadonlyArray(yield* Stream.runCollect(feed.changes))
      expect(changes.map((c) => c.id).sort()).toContain("item-005")
      expect(changes).toHaveLength(7)
      expect(Option.isSome(yield* feed.lastSeq)).toBe(true)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("filters by doc_ids (POST body) and by view", () =>
    Effect.gen(function*() {
      const db = yield* seed(6)
      const byIds = yield* Stream.runCollect(Changes.stream(db, { doc_ids: ["item-002", "item-004"] }))
      expect(Chunk.toReadonlyArray(byIds).map((c) => c.id).sort()).toEqual(["item-002", "item-004"])
      const byView = yield* Stream.runCollect(Changes.stream(db, { view: "app/by_type" }))
      expect(Chunk.size(byView)).toBe(6)
    }).pipe(Effect.provide(AdminLive)))

  it.scopedLive("long-polls until a change arrives", () =>
    Effect.gen(function*() {
      const db = yield* seed(2)
      const all = yield* Stream.runCollect(Changes.stream(db))
      const last = Option.getOrThrow(Chunk.last(all)).seq ?? undefined
      const waiting = yield* Effect.fork(Stream.runCollect(Changes.stream(db, { feed: "longpoll", since: last })))
      yield* Document.put(Database.document(db, "late"), { type: "late", n: 99 })
      const changes = yield* Fiber.join(waiting)
      expect(Chunk.toReadonlyArray(changes).map((c) => c.id)).toEqual(["late"])
    }).pipe(Effect.provide(AdminLive)))

  it.scopedLive("follows the continuous feed while documents are written", () =>
    Effect.gen(function*() {
      const db = yield* seed(3)
      // From the current sequence, so the changes are seen however late the feed connects.
      const { update_seq } = yield* Database.info(db)
      const follower = yield* Effect.fork(
        Changes.stream(db, { feed: "continuous", since: update_seq, heartbeat: 200 }).pipe(
          Stream.take(3),
          Stream.runCollect
        )
      )
      for (const id of ["c1", "c2", "c3"]) {
        yield* Document.put(Database.document(db, id), { type: "live", n: 0 })
      }
      const changes = yield* Fiber.join(follower)
      expect(Chunk.toReadonlyArray(changes).map((c) => c.id)).toEqual(["c1", "c2", "c3"])
    }).pipe(Effect.provide(AdminLive)))
})

describe("deleted documents and wrong resources on a real server", () => {
  /** Deletes `id` (reading its current revision first); returns the tombstone's revision. */
  const remove = (db: Database.Database, id: string) =>
    Effect.gen(function*() {
      const doc = Database.document(db, id)
      const { _rev } = yield* Document.get(doc)
      const { rev } = yield* Document.remove(doc, { rev: _rev })
      return rev
    })

  it.scoped("a typed changes feed with include_docs goes on past a deletion, which carries its tombstone", () =>
    Effect.gen(function*() {
      const db = yield* seed(3)
      const rev = yield* remove(db, "item-001")
      // The items only: the design document is not an Item.
      const doc_ids = ["item-000", "item-001", "item-002"]
      for (const feed of ["normal", "longpoll"] as const) {
        const changes = Chunk.toReadonlyArray(
          yield* Stream.runCollect(Changes.stream(db, { feed, doc_ids, include_docs: true, schema: Item }))
        )
        expect(changes.map((change) => change.id).sort()).toEqual(doc_ids)
        const deleted = changes.find((change) => change.deleted === true)
        expect(deleted?.id).toBe("item-001")
        expect(deleted?.deleted ? deleted.doc : undefined).toMatchObject({ _id: "item-001", _rev: rev, _deleted: true })
      }
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("_all_docs with keys naming a deleted document: value.deleted and doc null, with a doc Schema", () =>
    Effect.gen(function*() {
      const db = yield* seed(2)
      const rev = yield* remove(db, "item-001")
      const rows = Chunk.toReadonlyArray(
        yield* Stream.runCollect(
          View.stream(Database.allDocs(db), {
            keys: ["item-000", "item-001", "nope"],
            include_docs: true,
            keySchema: Schema.String,
            valueSchema: View.AllDocsValue,
            schema: Item
          })
        )
      )
      expect(rows.map((row) => View.isErrorRow(row) ? [row.key, row.error] : [row.key, row.doc?.n ?? null])).toEqual([
        ["item-000", 0],
        ["item-001", null],
        ["nope", "not_found"]
      ])
      const gone = rows[1]
      expect(gone !== undefined && !View.isErrorRow(gone) ? gone.value : undefined).toEqual({ rev, deleted: true })
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("View.stream on the database itself is a type error, and a DecodeError saying a rows array was expected", () =>
    Effect.gen(function*() {
      // @ts-expect-error a Database is not a view target: the handle types keep this from compiling
      const db: View.Target = yield* seed(1)
      const error = yield* Effect.flip(Stream.runDrain(View.stream(db)))
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toContain(`expected a JSON object with a "rows" array; the body has none`)
    }).pipe(Effect.provide(AdminLive)))
})

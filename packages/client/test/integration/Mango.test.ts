/**
 * Mango on the embedded server (pouchdb-server): index creation and listing, `_find` with a
 * Schema, projections, sort, limit and skip, `pages`, errors and `_explain`. pouchdb-server
 * sends no bookmark and no execution statistics, answers a request with a bookmark with 400,
 * and answers `DELETE _index/…` with 500 (test-server.md), so those are tested on MockCouch
 * (test/Mango.test.ts, test/MangoIndexes.test.ts).
 */
import { Database, Mango } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Option, Schema, Stream } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
const server = VitestCouch.server()

const Fruit = Schema.Struct({ type: Schema.String, name: Schema.String, n: Schema.Number, picked: Schema.Date })

const fruits = [
  { _id: "d1", type: "fruit", name: "apple", n: 3, picked: "2026-11-01T00:00:00.000Z" },
  { _id: "d2", type: "fruit", name: "banana", n: 5, picked: "2026-11-02T00:00:00.000Z" },
  { _id: "d3", type: "veg", name: "carrot", n: 2, picked: "2026-11-03T00:00:00.000Z" },
  { _id: "d4", type: "veg", name: "daikon", n: 7, picked: "2026-11-04T00:00:00.000Z" },
  { _id: "d5", type: "fruit", name: "elderberry", n: 1, picked: "2026-11-05T00:00:00.000Z" }
]

/** A fresh database holding `fruits`, deleted when its scope closes. */
const fruitDatabase = Effect.gen(function*() {
  const db = yield* TestCouch.withDatabase("test/mango")
  for (const { _id, ...fruit } of fruits) yield* Database.post(db, { _id, ...fruit })
  return db
})

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

describe("Mango on a real server", () => {
  it.scoped("indexes: created, then exists; listed with the special _all_docs index", () =>
    Effect.gen(function*() {
      const db = yield* fruitDatabase
      const index = { index: { fields: ["type", "n"] }, ddoc: "mango-idx", name: "type-n" } as const
      expect(yield* Mango.createIndex(db, index)).toEqual({
        result: "created",
        id: "_design/mango-idx",
        name: "type-n"
      })
      expect((yield* Mango.createIndex(db, index)).result).toBe("exists")
      const { indexes, total_rows } = yield* Mango.indexes(db)
      expect(total_rows).toBe(2)
      expect(indexes.map((i) => [i.ddoc, i.name, i.type, i.def.fields])).toEqual([
        [null, "_all_docs", "special", [{ _id: "asc" }]],
        ["_design/mango-idx", "type-n", "json", [{ type: "asc" }, { n: "asc" }]]
      ])
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("find with a Schema on an index: selector, sort, limit, skip; typed documents with metadata", () =>
    Effect.gen(function*() {
      const db = yield* fruitDatabase
      yield* Mango.createIndex(db, { index: { fields: ["type", "n"] } })
      const found = yield* collect(Mango.find(db, {
        schema: Fruit,
        selector: { type: "fruit", n: { $gt: 1 } },
        sort: [{ type: "asc" }, { n: "asc" }],
        limit: 5
      }))
      expect(found.map((fruit) => [fruit._id, fruit.name, fruit.n])).toEqual([["d1", "apple", 3], ["d2", "banana", 5]])
      expect(found[0]?.picked).toEqual(new Date("2026-11-01"))
      expect(found[0]?._rev).toMatch(/^1-/)
      const skipped = yield* collect(Mango.find(db, {
        schema: Fruit,
        selector: { type: "fruit", n: { $gt: 0 } },
        sort: ["type", "n"],
        skip: 1,
        limit: 1
      }))
      expect(skipped.map((fruit) => fruit.name)).toEqual(["apple"])
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("fields: projected documents, with a Schema of the projection; $or, $in, $regex, $gte", () =>
    Effect.gen(function*() {
      const db = yield* fruitDatabase
      const projected = yield* collect(Mango.find(db, {
        // pouchdb-server fails on $regex or $ne inside $or ("userValue.every is not a function").
        selector: { $or: [{ name: "apple" }, { n: { $in: [5, 7] } }], name: { $regex: "^[a-d]" } },
        fields: ["_id", "n"]
      }))
      expect([...projected].sort((a, b) => String(a._id).localeCompare(String(b._id)))).toEqual([
        { _id: "d1", n: 3 },
        { _id: "d2", n: 5 },
        { _id: "d4", n: 7 }
      ])
      const names = yield* collect(Mango.find(db, {
        schema: Schema.Struct({ name: Schema.String }),
        selector: { n: { $gte: 5 } },
        fields: ["name"]
      }))
      expect(names.map((doc) => doc.name).sort()).toEqual(["banana", "daikon"])
      expect(names.every((doc) => doc._id === undefined)).toBe(true)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("open: the warning when no index is used; pages: everything in one page without a bookmark", () =>
    Effect.gen(function*() {
      const db = yield* fruitDatabase
      const { docs, meta } = yield* Mango.open(db, { selector: { n: { $gt: 4 } }, fields: ["_id"] })
      expect((yield* collect(docs)).map((doc) => doc._id).sort()).toEqual(["d2", "d4"])
      const { bookmark, warning } = yield* meta
      expect(Option.getOrElse(warning, () => "")).toContain("No matching index")
      if (server.kind === "embedded") expect(bookmark).toEqual(Option.none())
      const all = yield* collect(Mango.pages(db, { selector: { type: { $gt: null } }, limit: 10 }))
      expect(all.map((doc) => doc._id).sort()).toEqual(["d1", "d2", "d3", "d4", "d5"])
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("an invalid operator and a sort no index serves are BadRequest", () =>
    Effect.gen(function*() {
      const db = yield* fruitDatabase
      const bogus = yield* Effect.flip(Stream.runDrain(Mango.find(db, { selector: { n: { $bogus: 1 } } })))
      expect(bogus._tag).toBe("BadRequest")
      const sort = yield* Effect.flip(Stream.runDrain(Mango.find(db, { selector: { n: { $gt: 0 } }, sort: ["n"] })))
      expect(sort._tag).toBe("BadRequest")
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("explain names the index a query would use", () =>
    Effect.gen(function*() {
      const db = yield* fruitDatabase
      yield* Mango.createIndex(db, { index: { fields: ["type", "n"] }, ddoc: "mango-idx", name: "type-n" })
      const explained = yield* Mango.explain(db, {
        selector: { type: "fruit", n: { $gt: 0 } },
        fields: ["_id"],
        limit: 2
      })
      // pouchdb-server reports its own name for the database (without the slashes).
      expect(explained.dbname.replace(/\//g, "")).toBe(db.name.replace(/\//g, ""))
      expect(explained.index).toMatchObject({ ddoc: "_design/mango-idx", name: "type-n", type: "json" })
      expect(explained.limit).toBe(2)
      expect(explained.fields).toEqual(["_id"])
      const fallback = yield* Mango.explain(db, { selector: { name: "apple" } })
      expect(fallback.index.name).toBe("_all_docs")
    }).pipe(Effect.provide(AdminLive)))
})

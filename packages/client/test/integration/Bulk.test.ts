import { Bulk, Database, Document } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
const server = VitestCouch.server()
const freshDatabase = TestCouch.withDatabase

const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number, placed: Schema.Date })

const revOf = (result: Bulk.SaveResult | undefined): string => {
  if (result === undefined || !("ok" in result)) throw new Error(`expected a written document, got ${String(result)}`)
  return result.rev
}

describe("Bulk on a real server", () => {
  it.scoped("writes new documents, reports a conflict per document, updates and deletes with _rev", () =>
    Effect.gen(function*() {
      const db = yield* freshDatabase("bulk-write")
      const created = yield* Bulk.save(db, [{ _id: "a", n: 1 }, { _id: "b", n: 2 }, { n: 3 }])
      expect(created.map((r) => "ok" in r)).toEqual([true, true, true])
      expect(created.slice(0, 2).map((r) => r.id)).toEqual(["a", "b"])
      // The server assigned the third document's id.
      expect(created[2]?.id).toMatch(/.+/)

      // "a" without its rev conflicts; "b" is updated; the others are untouched.
      const second = yield* Bulk.save(db, [{ _id: "a", n: 10 }, { _id: "b", _rev: revOf(created[1]), n: 20 }])
      expect(second[0]).toMatchObject({ id: "a", error: "conflict" })
      expect(second[1]).toMatchObject({ ok: true, id: "b", rev: expect.stringMatching(/^2-/) })

      // A delete is a document with `_deleted: true` and its rev.
      const deleted = yield* Bulk.save(db, [{ _id: "a", _rev: revOf(created[0]), _deleted: true }])
      expect(deleted[0]).toMatchObject({ ok: true, id: "a", rev: expect.stringMatching(/^2-/) })
      expect(yield* Document.exists(Database.document(db, "a"))).toBe(false)
      expect((yield* Document.get(Database.document(db, "b"))).n).toBe(20)
      // CouchDB answers the deleted leaf; pouchdb-server answers `{}`, a missing document.
      const [gone] = yield* Bulk.get(db, [{ id: "a" }])
      expect(gone?.docs).toEqual([
        server.kind === "embedded"
          ? { error: { id: "a", error: "not_found", reason: "missing" } }
          : { deleted: { _id: "a", _rev: revOf(deleted[0]), _deleted: true } }
      ])
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("new_edits: false stores the given revisions (answer []), and both branches are read back", () =>
    Effect.gen(function*() {
      const db = yield* freshDatabase("bulk-replicate")
      const branch = (rev: string, v: string) => ({
        _id: "r",
        _rev: `1-${rev}`,
        _revisions: { start: 1, ids: [rev] },
        v
      })
      const results = yield* Bulk.save(db, [branch("a".repeat(32), "a"), branch("c".repeat(32), "c")], {
        new_edits: false
      })
      expect(results).toEqual([])
      const read = yield* Document.get(Database.document(db, "r"), { conflicts: true })
      expect(read._rev).toBe(`1-${"c".repeat(32)}`)
      expect(read._conflicts).toEqual([`1-${"a".repeat(32)}`])
      const [result] = yield* Bulk.get(db, [{ id: "r", rev: `1-${"a".repeat(32)}` }], { revs: true })
      expect(result?.docs).toEqual([{
        ok: { _id: "r", _rev: `1-${"a".repeat(32)}`, v: "a", _revisions: { start: 1, ids: ["a".repeat(32)] } }
      }])
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("typed documents both ways: encoded by save, decoded by get", () =>
    Effect.gen(function*() {
      const db = yield* freshDatabase("bulk-typed")
      const placed = new Date("2026-11-30T12:00:00.000Z")
      const written = yield* Bulk.save(db, [
        { _id: "o1", customer: "ada", total: 120, placed },
        { _id: "o2", customer: "bob", total: 7, placed }
      ], { schema: Order })
      expect(written.every((r) => "ok" in r)).toBe(true)
      expect((yield* Document.get(Database.document(db, "o1"))).placed).toBe("2026-11-30T12:00:00.000Z")

      const results = yield* Bulk.get(db, [{ id: "o1" }, { id: "o2" }, { id: "nope" }], { schema: Order })
      const byId = new Map(results.map((result) => [result.id, result.docs]))
      const [o1] = byId.get("o1") ?? []
      if (o1 === undefined || !("ok" in o1)) throw new Error("o1 was not read")
      expect(o1.ok.placed).toEqual(placed)
      expect(o1.ok._rev).toBe(revOf(written[0]))
      expect(byId.get("nope")).toEqual([{ error: { id: "nope", error: "not_found", reason: "missing" } }])

      // A document that fails to encode stops the whole array before anything is sent.
      const refused = yield* Effect.flip(Bulk.save(db, [
        { _id: "o3", customer: "cy", total: 1, placed },
        { _id: "o4", customer: "di", total: 1, placed: new Date(Number.NaN) }
      ], { schema: Order }))
      expect(refused._tag).toBe("InvalidRequest")
      expect(yield* Document.exists(Database.document(db, "o3"))).toBe(false)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("a Stream of 500 documents is written in one streamed request, results streamed back", () =>
    Effect.gen(function*() {
      const db = yield* freshDatabase("bulk-stream")
      const docs = Stream.range(1, 500).pipe(
        Stream.map((i) => ({ _id: `d${String(i).padStart(5, "0")}`, customer: "ada", total: i, placed: new Date(i) }))
      )
      const results = yield* Stream.runCollect(Bulk.saveStream(db, docs, { schema: Order }))
      expect(Chunk.size(results)).toBe(500)
      expect(Chunk.every(results, (result) => "ok" in result)).toBe(true)
      expect(Chunk.unsafeGet(results, 499).id).toBe("d00500")
      expect((yield* Database.info(db)).doc_count).toBe(500)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("a document that fails to encode mid-stream aborts the request: nothing is written", () =>
    Effect.gen(function*() {
      const db = yield* freshDatabase("bulk-abort")
      const docs = Stream.range(1, 3_000).pipe(
        Stream.map((i) => ({ _id: `d${i}`, customer: "ada", total: i, placed: new Date(i === 2_500 ? Number.NaN : i) }))
      )
      const error = yield* Effect.flip(Bulk.save(db, docs, { schema: Order }))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("index 2499")
      // The first 2,499 documents went out, but the body never ended, so the server stored none.
      expect((yield* Database.info(db)).doc_count).toBe(0)
      // The connection pool is still usable.
      expect(yield* Bulk.save(db, [{ _id: "after" }])).toMatchObject([{ ok: true, id: "after" }])
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("writer: 2,000 documents in concurrent batches, results in input order, conflicts reported per document", () =>
    Effect.gen(function*() {
      const db = yield* freshDatabase("bulk-writer")
      // Every 100th document exists already: writing it again without its rev conflicts.
      const existing = Array.from({ length: 20 }, (_, k) => ({ _id: `w${String(k * 100).padStart(4, "0")}`, n: -1 }))
      yield* Bulk.save(db, existing)
      const docs = Stream.range(0, 1_999).pipe(Stream.map((n) => ({ _id: `w${String(n).padStart(4, "0")}`, n })))
      const results = yield* docs.pipe(Bulk.writer(db, { batchSize: 300, concurrency: 3 }), Stream.runCollect)
      expect(Chunk.size(results)).toBe(2_000)
      const inOrder = Chunk.toReadonlyArray(results).every((written, i) =>
        written.index === i && written.result.id === written.document._id
      )
      expect(inOrder).toBe(true)
      const failed = Chunk.toReadonlyArray(Chunk.filter(results, (written) => "error" in written.result))
      expect(failed.map((written) => written.index)).toEqual(existing.map((_, k) => k * 100))
      expect(failed.every((written) => "error" in written.result && written.result.error === "conflict")).toBe(true)
      expect((yield* Database.info(db)).doc_count).toBe(2_000)
      // The conflicting documents were left as they were.
      expect((yield* Document.get(Database.document(db, "w0100"))).n).toBe(-1)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("get: a missing document and an unknown revision are not_found errors; getMultipart reads JSON too", () =>
    Effect.gen(function*() {
      const db = yield* freshDatabase("bulk-get")
      const [written] = yield* Bulk.save(db, [{ _id: "b1", v: 1 }])
      const results = yield* Bulk.get(db, [{ id: "b1" }, { id: "nope" }, { id: "zz", rev: "9-x" }])
      // pouchdb-server answers in its own order (test-server.md): match by id.
      const byId = new Map(results.map((result) => [result.id, result.docs]))
      expect(byId.get("b1")).toEqual([{ ok: { _id: "b1", _rev: revOf(written), v: 1 } }])
      expect(byId.get("nope")).toEqual([{ error: { id: "nope", error: "not_found", reason: "missing" } }])
      expect(byId.get("zz")?.[0]).toMatchObject({ error: { id: "zz", error: "not_found" } })

      // pouchdb-server answers multipart/mixed with JSON: the same revisions, flattened.
      const revisions = yield* Bulk.getMultipart(db, [{ id: "b1" }])
      expect(revisions).toEqual([{ ok: { _id: "b1", _rev: revOf(written), v: 1 }, attachments: new Map() }])
    }).pipe(Effect.provide(AdminLive)))
})

import { CouchClient, CouchError, Resource } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema, Stream } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))

const Ok = Schema.Struct({ ok: Schema.Literal(true), id: Schema.String, rev: Schema.String })
const Todo = Schema.Struct({ _id: Schema.String, _rev: Schema.String, title: Schema.String, done: Schema.Boolean })

describe("databases and documents on a real server", () => {
  it.scoped("creates, inspects and deletes a database", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      // No slash in this name: pouchdb-server drops slashes from db_name (CouchDB keeps them).
      const db = couch.resource(yield* TestCouch.databaseName("dbs"))
      yield* db.put()
      const info = yield* db.getJson(Schema.Struct({ db_name: Schema.String, doc_count: Schema.Number }))
      expect(info.db_name).toBe(db.segments[0])
      expect(info.doc_count).toBe(0)

      const again = yield* Effect.flip(db.put())
      expect(again._tag).toBe("PreconditionFailed")

      yield* db.delete()
      const all = yield* couch.resource("_all_dbs").getJson(Schema.Array(Schema.String))
      expect(all).not.toContain(db.segments[0])
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("writes, reads, updates and deletes a document with revisions", () =>
    Effect.gen(function*() {
      const db = Resource.of(yield* TestCouch.withDatabase("test/crud"))
      const doc = db.document("todo/1 ü+&=?#")
      const created = yield* doc.putJson(Ok, { json: { title: "write tests", done: false } })
      expect(created.id).toBe("todo/1 ü+&=?#")
      expect(created.rev).toMatch(/^1-/)

      const read = yield* doc.getJson(Todo)
      expect(read).toEqual({ _id: created.id, _rev: created.rev, title: "write tests", done: false })

      const updated = yield* doc.putJson(Ok, { json: { ...read, done: true } })
      expect(updated.rev).toMatch(/^2-/)

      const stale = yield* Effect.flip(doc.put({ json: { ...read, done: false } }))
      expect(stale._tag).toBe("Conflict")
      if (stale._tag === "Conflict") {
        expect(stale.status).toBe(409)
        expect(stale.error).toBe("conflict")
        expect(stale.url).toContain("todo%2F1%20%C3%BC%2B%26%3D%3F%23")
      }

      const caught = yield* doc.put({ json: { ...read } }).pipe(
        Effect.as("written"),
        Effect.catchTag("Conflict", (e) => Effect.succeed(`conflict: ${e.reason}`))
      )
      expect(caught).toMatch(/^conflict: Document update conflict/)

      yield* doc.delete({ query: { rev: updated.rev } })
      const gone = yield* Effect.flip(doc.get())
      expect(gone).toBeInstanceOf(CouchError.NotFound)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("keeps the literal slash of _design and _local ids", () =>
    Effect.gen(function*() {
      const db = Resource.of(yield* TestCouch.withDatabase("test/ddoc"))
      const ddoc = db.document("_design/app")
      expect(ddoc.url.endsWith("/_design/app")).toBe(true)
      yield* ddoc.put({ json: { views: {} } })
      const read = yield* ddoc.getJson(Schema.Struct({ _id: Schema.String }))
      expect(read._id).toBe("_design/app")

      const local = db.document("_local/checkpoint")
      yield* local.put({ json: { seq: 3 } })
      expect((yield* local.getJson(Schema.Struct({ _id: Schema.String, seq: Schema.Number }))).seq).toBe(3)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("stores and reads attachments whose names hold slashes", () =>
    Effect.gen(function*() {
      const db = Resource.of(yield* TestCouch.withDatabase("test/att"))
      const bytes = new Uint8Array(1000).map((_, i) => i % 251)
      const put = yield* db.document("doc").attachment("dir/file 1.bin").putJson(Ok, {
        body: bytes,
        contentType: "application/octet-stream"
      })
      expect(put.rev).toMatch(/^1-/)
      const back = yield* db.document("doc").attachment("dir/file 1.bin").get({ headers: { accept: "*/*" } })
      expect(back.headers["content-type"]).toBe("application/octet-stream")
      expect(yield* back.bytes).toEqual(bytes)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("uploads a body given as a stream", () =>
    Effect.gen(function*() {
      const db = Resource.of(yield* TestCouch.withDatabase("test/stream-body"))
      const parts = ["{\"title\":\"stre", "amed\",\"done\":", "true}"]
      const body = Stream.fromIterable(parts).pipe(Stream.encodeText)
      yield* db.document("s1").put({ body, contentType: "application/json" })
      const read = yield* db.document("s1").getJson(Todo)
      expect(read.title).toBe("streamed")
    }).pipe(Effect.provide(AdminLive)))
})

import { CouchClient, Database, DesignDocument, Document } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))

const freshDatabase = (prefix: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const db = (yield* CouchClient.CouchClient).database(yield* TestCouch.databaseName(`test/${prefix}`))
      yield* Database.create(db)
      return db
    }),
    (db) => Effect.ignore(Database.remove(db))
  )

describe("design documents on a real server", () => {
  it.scoped("put, get, replace and remove a design document; its functions run", () =>
    Effect.gen(function*() {
      const db = yield* freshDatabase("ddoc")
      const app = Database.designDocument(db, "app")
      const created = yield* DesignDocument.put(app, {
        views: { by_name: { map: "function (doc) { if (doc.name) emit(doc.name, 1) }", reduce: "_count" } },
        validate_doc_update: "function (doc) { if (doc.bad) throw({ forbidden: 'no bad docs' }) }",
        shows: { hello: "function (doc, req) { return 'hello ' + (doc ? doc.name : 'nobody') }" },
        updates: {
          touch: "function (doc, req) { if (!doc) return [null, 'missing']; doc.touched = true; return [doc, 'ok'] }"
        }
      })
      const read = yield* DesignDocument.get(app)
      expect(read._rev).toBe(created.rev)
      expect(read.views?.["by_name"]?.reduce).toBe("_count")

      yield* Document.put(Database.document(db, "d1"), { name: "ada" })
      const rejected = yield* Effect.flip(Document.put(Database.document(db, "d2"), { bad: true }))
      expect(rejected).toMatchObject({ _tag: "Forbidden", reason: "no bad docs" })

      const shown = yield* DesignDocument.show(app, "hello", { docId: "d1" })
      expect(shown.text).toBe("hello ada")
      const touched = yield* DesignDocument.update(app, "touch", { docId: "d1" })
      expect(touched.text).toBe("ok")
      expect(Option.isSome(touched.newRev)).toBe(true)
      const d1 = yield* Document.get(Database.document(db, "d1"), {
        schema: Schema.Struct({ touched: Schema.Boolean })
      })
      expect(d1.touched).toBe(true)

      const replaced = yield* DesignDocument.put(app, { ...read, shows: {} })
      yield* DesignDocument.remove(app, { rev: replaced.rev })
      expect((yield* Effect.flip(DesignDocument.get(app)))._tag).toBe("NotFound")
    }).pipe(Effect.provide(AdminLive)))
})

import { Changes, Database, Document, View } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"

const backends: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["node:http", NodeHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici],
  ["fetch", FetchHttpClient.layer]
]

describe("the same client works over every HttpClient backend", () => {
  for (const [name, backend] of backends) {
    it.scoped(`CRUD, a conflict, a view and changes over ${name}`, () =>
      Effect.gen(function*() {
        const db = yield* TestCouch.withDatabase(`test/${name.replace(/\W/g, "")}`)
        const doc = Database.document(db, "a")
        const written = yield* Document.put(doc, { n: 1 })
        const conflict = yield* Effect.flip(Document.put(doc, { n: 2 }))
        expect(conflict._tag).toBe("Conflict")
        yield* Document.put(doc, { n: 2, _rev: written.rev })
        const rows = yield* Stream.runCollect(View.stream(Database.allDocs(db), { include_docs: true }))
        expect(Chunk.toReadonlyArray(rows).map((r) => r.doc)).toMatchObject([{ _id: "a", n: 2 }])
        const changes = yield* Stream.runCollect(Changes.stream(db))
        expect(Chunk.toReadonlyArray(changes).map((c) => c.id)).toEqual(["a"])
      }).pipe(
        Effect.provide(VitestCouch.layerClient.pipe(Layer.provide(backend)))
      ))
  }
})

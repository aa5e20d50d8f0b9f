import { Changes, Database, Document, Resource, View } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Schema, Stream } from "effect"

// The server of the `@effect-couchdb/embedded/globalSetup` (embedded, or COUCHDB_URL).
const CouchLive = VitestCouch.layerClient.pipe(Layer.provide(UndiciHttpClient.layer))

const Item = Schema.Struct({ _id: Schema.String, n: Schema.Number })

describe("CouchClient over UndiciHttpClient.layer", () => {
  it.scopedLive("creates a database, writes, reads, streams _all_docs, follows _changes, deletes it", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("undici")

      yield* Document.put(Database.document(db, "doc-1"), { n: 1 })
      const doc = yield* Document.get(Database.document(db, "doc-1"), { schema: Item })
      expect(doc).toMatchObject({ _id: "doc-1", n: 1 })

      const docs = Array.from({ length: 40 }, (_, i) => ({ _id: `item-${String(i).padStart(2, "0")}`, n: i }))
      yield* Resource.of(db).resource("_bulk_docs").post({ json: { docs } })
      const rows = yield* View.stream(Database.allDocs(db), { include_docs: true, schema: Item }).pipe(
        Stream.runCollect
      )
      expect(Chunk.size(rows)).toBe(41)
      expect(Chunk.toReadonlyArray(rows).map((row) => row.doc?.n)).toContain(39)

      // Follow the continuous feed from the current sequence: it sees the documents written after it.
      const { update_seq } = yield* Database.info(db)
      const follower = yield* Effect.fork(
        Changes.stream(db, { feed: "continuous", since: update_seq, heartbeat: 200 }).pipe(
          Stream.take(2),
          Stream.runCollect
        )
      )
      yield* Document.put(Database.document(db, "late-1"), { n: 100 })
      yield* Document.put(Database.document(db, "late-2"), { n: 101 })
      const changes = yield* Fiber.join(follower).pipe(Effect.timeout("10 seconds"))
      expect(Chunk.toReadonlyArray(changes).map((change) => change.id)).toEqual(["late-1", "late-2"])

      yield* Database.remove(db)
      expect(yield* Database.exists(db)).toBe(false)
    }).pipe(Effect.provide(CouchLive)))
})

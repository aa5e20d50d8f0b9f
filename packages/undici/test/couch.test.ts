import { Changes, View } from "@effect-couchdb/client"
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

      yield* db.document("doc-1").put({ json: { n: 1 } })
      const doc = yield* db.document("doc-1").getJson(Item)
      expect(doc).toEqual({ _id: "doc-1", n: 1 })

      const docs = Array.from({ length: 40 }, (_, i) => ({ _id: `item-${String(i).padStart(2, "0")}`, n: i }))
      yield* db.resource("_bulk_docs").post({ json: { docs } })
      const rows = yield* View.stream(View.allDocs(db), { include_docs: true }, { doc: Item }).pipe(Stream.runCollect)
      expect(Chunk.size(rows)).toBe(41)
      expect(Chunk.toReadonlyArray(rows).map((row) => row.doc?.n)).toContain(39)

      // Follow the continuous feed: it sees documents written after it started.
      const follower = yield* Effect.fork(
        Changes.stream(db, { feed: "continuous", since: "now", heartbeat: 200 }).pipe(Stream.take(2), Stream.runCollect)
      )
      yield* Effect.sleep("100 millis")
      yield* db.document("late-1").put({ json: { n: 100 } })
      yield* db.document("late-2").put({ json: { n: 101 } })
      const changes = yield* Fiber.join(follower).pipe(Effect.timeout("10 seconds"))
      expect(Chunk.toReadonlyArray(changes).map((change) => change.id)).toEqual(["late-1", "late-2"])

      yield* db.delete()
      const gone = yield* Effect.flip(db.get())
      expect(gone._tag).toBe("NotFound")
    }).pipe(Effect.provide(CouchLive)))
})

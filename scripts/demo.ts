/**
 * A tour of effect-couchdb against the embedded server (pouchdb-server in memory), or the
 * CouchDB in `COUCHDB_URL`: create a database, write documents, stream a view, follow
 * changes for a moment, and catch a `Conflict` by its tag.
 *
 *   pnpm demo
 */
import { Changes, CouchClient, View } from "@effect-couchdb/client"
import { EmbeddedCouch, TestCouch } from "@effect-couchdb/embedded"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { Console, Effect, Fiber, Layer, Schema, Stream } from "effect"

const Order = Schema.Struct({
  _id: Schema.String,
  customer: Schema.String,
  total: Schema.Number
})

const Written = Schema.Struct({ ok: Schema.Boolean, id: Schema.String, rev: Schema.String })

const orders: ReadonlyArray<typeof Order.Type> = [
  { _id: "order-1", customer: "ada", total: 120 },
  { _id: "order-2", customer: "grace", total: 80 },
  { _id: "order-3", customer: "ada", total: 45 },
  { _id: "order-4", customer: "linus", total: 300 },
  { _id: "order-5", customer: "grace", total: 15 }
]

const program = Effect.gen(function*() {
  const server = yield* EmbeddedCouch.EmbeddedCouch
  const couch = yield* CouchClient.CouchClient
  yield* Console.log(`CouchDB-compatible server (${server.kind}) at ${couch.url}\n`)

  const db = couch.resource(`demo-${Date.now()}`)
  yield* db.put()
  yield* Console.log(`1. Created database ${db.segments[0]}`)

  for (const order of orders) {
    const written = yield* db.document(order._id).putJson(Written, { json: order })
    yield* Console.log(`2. Wrote ${written.id.padEnd(8)} rev ${written.rev.slice(0, 12)}…`)
  }

  yield* db.document("_design/reports").put({
    json: { views: { by_customer: { map: "function (doc) { emit(doc.customer, doc.total) }", reduce: "_sum" } } }
  })
  yield* Console.log("\n3. Streaming the view reports/by_customer, row by row (grouped, summed):")
  yield* View.stream(View.view(db, "reports", "by_customer"), { group: true }, {
    key: Schema.String,
    value: Schema.Number
  }).pipe(Stream.runForEach((row) => Console.log(`   ${row.key.padEnd(6)} ${String(row.value).padStart(4)}`)))

  yield* Console.log("\n4. Following the continuous changes feed while two more orders arrive:")
  const follower = yield* Changes.stream(
    db,
    { feed: "continuous", since: "now", include_docs: true, heartbeat: 500 },
    Order
  )
    .pipe(
      Stream.take(2),
      Stream.runForEach((change) =>
        Console.log(`   change seq ${change.seq}: ${change.id} for ${change.doc?.customer} (${change.doc?.total})`)
      ),
      Effect.fork
    )
  yield* Effect.sleep("200 millis")
  yield* db.document("order-6").put({ json: { customer: "barbara", total: 60 } })
  yield* db.document("order-7").put({ json: { customer: "ada", total: 99 } })
  yield* Fiber.join(follower).pipe(Effect.timeout("10 seconds"))

  yield* Console.log("\n5. Updating order-1 with a stale revision:")
  const message = yield* db.document("order-1").put({ json: { ...orders[0], total: 1 } }).pipe(
    Effect.as("   unexpectedly written"),
    Effect.catchTag(
      "Conflict",
      (conflict) => Effect.succeed(`   caught Conflict (${conflict.status} ${conflict.error}): ${conflict.reason}`)
    )
  )
  yield* Console.log(message)

  yield* db.delete()
  yield* Console.log(`\n6. Deleted ${db.segments[0]}. Done.`)
})

// An embedded server (or COUCHDB_URL), with a client and the server admin as CouchAuth.
const CouchLive = TestCouch.layerEmbedded().pipe(Layer.provide(UndiciHttpClient.layer))

Effect.runPromise(
  program.pipe(
    Effect.provide(CouchLive),
    Effect.catchAll((error) => Console.error(`Demo failed: ${error.message}`).pipe(Effect.andThen(Effect.fail(error))))
  )
).catch(() => {
  process.exitCode = 1
})

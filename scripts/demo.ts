/**
 * A tour of effect-couchdb against the embedded server (pouchdb-server in memory), or the
 * CouchDB in `COUCHDB_URL`: create a database, write documents, stream a view, follow
 * changes for a moment, and catch a `Conflict` by its tag.
 *
 *   pnpm demo
 */
import { Changes, CouchClient, Database, DesignDocument, Document, View } from "@effect-couchdb/client"
import { EmbeddedCouch, TestCouch } from "@effect-couchdb/embedded"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { Console, Effect, Fiber, Layer, Schema, Stream } from "effect"

const Order = Schema.Struct({
  _id: Schema.String,
  customer: Schema.String,
  total: Schema.Number
})

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

  const db = couch.database(`demo-${Date.now()}`)
  yield* Database.create(db)
  yield* Console.log(`1. Created database ${db.name}`)

  for (const order of orders) {
    const written = yield* Document.put(Database.document(db, order._id), order, { schema: Order })
    yield* Console.log(`2. Wrote ${written.id.padEnd(8)} rev ${written.rev.slice(0, 12)}…`)
  }

  const reports = Database.designDocument(db, "reports")
  yield* DesignDocument.put(reports, {
    views: { by_customer: { map: "function (doc) { emit(doc.customer, doc.total) }", reduce: "_sum" } }
  })
  yield* Console.log("\n3. Streaming the view reports/by_customer, row by row (grouped, summed):")
  yield* View.stream(DesignDocument.view(reports, "by_customer"), {
    group: true,
    keySchema: Schema.String,
    valueSchema: Schema.Number
  }).pipe(Stream.runForEach((row) => Console.log(`   ${row.key.padEnd(6)} ${String(row.value).padStart(4)}`)))

  yield* Console.log("\n4. Following the continuous changes feed while two more orders arrive:")
  // From the current sequence: the follower sees what is written next, however late it connects.
  const { update_seq } = yield* Database.info(db)
  const follower = yield* Changes.stream(db, {
    feed: "continuous",
    since: update_seq,
    include_docs: true,
    heartbeat: 500,
    schema: Order
  }).pipe(
    Stream.take(2),
    Stream.runForEach((change) =>
      change.deleted
        ? Console.log(`   change seq ${change.seq}: ${change.id} deleted`)
        : Console.log(`   change seq ${change.seq}: ${change.id} for ${change.doc?.customer} (${change.doc?.total})`)
    ),
    Effect.fork
  )
  yield* Document.put(Database.document(db, "order-6"), { _id: "order-6", customer: "barbara", total: 60 }, {
    schema: Order
  })
  yield* Document.put(Database.document(db, "order-7"), { _id: "order-7", customer: "ada", total: 99 }, {
    schema: Order
  })
  yield* Fiber.join(follower).pipe(Effect.timeout("10 seconds"))

  yield* Console.log("\n5. Updating order-1 with a stale revision:")
  const message = yield* Document.put(Database.document(db, "order-1"), { ...orders[0], total: 1 }).pipe(
    Effect.as("   unexpectedly written"),
    Effect.catchTag(
      "Conflict",
      (conflict) => Effect.succeed(`   caught Conflict (${conflict.status} ${conflict.error}): ${conflict.reason}`)
    )
  )
  yield* Console.log(message)

  yield* Database.remove(db)
  yield* Console.log(`\n6. Deleted ${db.name}. Done.`)
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

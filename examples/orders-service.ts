import { CouchClient, Database, DesignDocument, Document, View } from "@effect-couchdb/client"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer, Schema, Stream } from "effect"

const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number })

const program = Effect.gen(function*() {
  const orders = (yield* CouchClient.CouchClient).database("orders")
  yield* Database.ensure(orders)
  const reports = Database.designDocument(orders, "reports")
  yield* DesignDocument.put(reports, {
    views: { by_customer: { map: "function (doc) { emit(doc.customer, doc.total) }", reduce: "_sum" } }
  }).pipe(Effect.catchTag("Conflict", () => Effect.void))

  const o1 = Database.document(orders, "o1")
  yield* Document.put(o1, { customer: "ada", total: 120 }, { schema: Order }).pipe(Effect.ignore)
  const order = yield* Document.get(o1, { schema: Order }) // carries _id and _rev
  yield* Document.put(o1, { ...order, total: order.total + 1 }, { schema: Order })
  const stale = yield* Effect.flip(Document.put(o1, order, { schema: Order }))
  yield* Effect.log(`writing with the old revision fails with ${stale._tag}`)

  yield* View.stream(DesignDocument.view(reports, "by_customer"), {
    group: true,
    keySchema: Schema.String,
    valueSchema: Schema.Number
  }).pipe(Stream.runForEach((row) => Effect.log(`${row.key} ordered ${row.value}`)))
})

const CouchLive = CouchClient.layerConfig({ url: Config.redacted("COUCHDB_URL") }).pipe(
  Layer.provide(UndiciHttpClient.layer)
)

program.pipe(Effect.provide(CouchLive), NodeRuntime.runMain)

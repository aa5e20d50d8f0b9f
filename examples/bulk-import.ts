import { Bulk, CouchClient, Database } from "@effect-couchdb/client"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer, Schema, Stream } from "effect"

const Product = Schema.Struct({ name: Schema.String, price: Schema.Number, imported: Schema.Date })

// The feed to import: 2,000 records (in real life a file or a queue), two SKUs repeated.
const records = Stream.range(1, 2_000).pipe(
  Stream.map((i) => ({ sku: `sku-${i > 1_998 ? i - 1_990 : i}`, name: `Product ${i}`, price: i % 100 }))
)

const program = Effect.gen(function*() {
  const products = (yield* CouchClient.CouchClient).database("products")
  yield* Database.ensure(products)
  const imported = yield* records.pipe(
    Stream.map(({ sku, ...product }) => ({ _id: sku, ...product, imported: new Date() })),
    Bulk.writer(products, { schema: Product, batchSize: 500, concurrency: 4 }),
    // Every record gets its result, in input order: report the ones CouchDB refused.
    Stream.tap(({ document, index, result }) =>
      "error" in result
        ? Effect.logWarning(`record ${index + 1} (${document._id}) not imported: ${result.error}`)
        : Effect.void
    ),
    Stream.filter(({ result }) => "ok" in result),
    Stream.runCount
  )
  yield* Effect.log(`imported ${imported} products`)
})

const CouchLive = CouchClient.layerConfig({ url: Config.redacted("COUCHDB_URL") }).pipe(
  Layer.provide(UndiciHttpClient.layer)
)

program.pipe(Effect.provide(CouchLive), NodeRuntime.runMain)

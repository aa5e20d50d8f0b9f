import { Checkpoint, CouchClient, Database, Document } from "@effect-couchdb/client"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer, Schema, Stream } from "effect"

const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number })
const isOrder = Schema.is(Order)

// Mails every order changed since the last run, then exits (mode "listen" would follow forever).
// The checkpoint, a _local document, makes the next run start where this one stopped; the
// follower survives dropped connections, restarts and 5xx answers on the way.
const program = Effect.gen(function*() {
  const orders = (yield* CouchClient.CouchClient).database("orders")
  yield* Database.ensure(orders)
  yield* Document.put(Database.document(orders, `o-${Date.now()}`), { customer: "ada", total: 42 })
  const checkpoint = Database.document(orders, "_local/order-mailer")

  const mailed = yield* Checkpoint.follow(checkpoint, { mode: "oneOff", include_docs: true }).pipe(
    // The database holds other documents too (a design document, …): only orders are mailed.
    Stream.filter((change) => change.deleted || isOrder(change.doc)),
    Stream.tap((change) =>
      isOrder(change.doc)
        ? Effect.log(`mailing ${change.doc.customer} about order ${change.id} (${change.doc.total})`)
        : Effect.log(`order ${change.id} was cancelled`)
    ),
    Checkpoint.saveEvery(checkpoint, { changes: 100 }),
    Stream.runCount
  )
  yield* Effect.log(`mailed ${mailed} orders`)
})

const CouchLive = CouchClient.layerConfig({ url: Config.redacted("COUCHDB_URL") }).pipe(
  Layer.provide(UndiciHttpClient.layer)
)

program.pipe(Effect.provide(CouchLive), NodeRuntime.runMain)

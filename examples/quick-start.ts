import { CouchClient, Database, Document, View } from "@effect-couchdb/client"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer, Schema, Stream } from "effect"

const Todo = Schema.Struct({ title: Schema.String, done: Schema.Boolean })

const program = Effect.gen(function*() {
  const todos = (yield* CouchClient.CouchClient).database("todos")
  yield* Database.ensure(todos) // creates it unless it exists
  yield* Document.put(Database.document(todos, "t1"), { title: "try effect-couchdb", done: false }, {
    schema: Todo
  }).pipe(Effect.catchTag("Conflict", () => Effect.log("t1 exists already")))
  yield* View.stream(Database.allDocs(todos), { include_docs: true, schema: Todo }).pipe(
    Stream.runForEach((row) => Effect.log(`${row.id}: ${row.doc?.title}`))
  )
})

// COUCHDB_URL=http://admin:secret@localhost:5984 — the URL's credentials become basic auth.
const CouchLive = CouchClient.layerConfig({ url: Config.redacted("COUCHDB_URL") }).pipe(
  Layer.provide(UndiciHttpClient.layer)
)

program.pipe(Effect.provide(CouchLive), NodeRuntime.runMain)

import { CouchClient, Database, Document } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"

const Todo = Schema.Struct({ title: Schema.String })

// The code under test: rename a todo.
const rename = (id: string, title: string) =>
  Effect.gen(function*() {
    const todos = (yield* CouchClient.CouchClient).database("todos")
    return yield* Document.update(Database.document(todos, id), (todo) => ({ ...todo, title }), { schema: Todo })
  })

// A client over MockCouch: each expected request answered once, in order; any other request
// fails the test, and so does an expected one that never came.
const TestCouch = CouchClient.layer({ url: "http://couch.test" }).pipe(
  Layer.provideMerge(MockCouch.layerExpectations([
    MockCouch.expect("GET", "/todos/t1", MockCouch.json(200, { _id: "t1", _rev: "1-a", title: "old" })),
    MockCouch.expect("PUT", "/todos/t1", MockCouch.json(409, { error: "conflict" })),
    MockCouch.expect("GET", "/todos/t1", MockCouch.json(200, { _id: "t1", _rev: "2-b", title: "other" })),
    MockCouch.expect("PUT", "/todos/t1", MockCouch.json(201, { ok: true, id: "t1", rev: "3-c" }), {
      json: { _id: "t1", _rev: "2-b", title: "new" }
    })
  ]))
)

it.effect("rename survives a concurrent write", () =>
  Effect.gen(function*() {
    const written = yield* rename("t1", "new")
    expect(written.rev).toBe("3-c")
  }).pipe(Effect.provide(TestCouch)))

/**
 * The consumer's test, run by scripts/pack-check.ts with vitest in a scratch npm project that
 * installed the packed tarballs: the test kit's MockCouch expectations, and the embedded server
 * its globalSetup started, both through the built client.
 */
import { CouchClient, Database, Document, View } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { MockCouch } from "@effect-couchdb/testing"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema, Stream } from "effect"

describe("the published packages, as a consumer installs them", () => {
  it.effect("MockCouch answers the client from expectations, and records what it sent", () =>
    Effect.gen(function*() {
      const todos = (yield* CouchClient.CouchClient).database("todos")
      const error = yield* Effect.flip(Document.put(Database.document(todos, "t1"), { title: "x" }))
      expect(error._tag).toBe("Conflict")
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => [r.method, r.path, r.body])).toEqual([["PUT", "/todos/t1", "{\"title\":\"x\"}"]])
    }).pipe(
      Effect.provide(
        CouchClient.layer({ url: "http://couch.test" }).pipe(
          Layer.provideMerge(
            MockCouch.layerExpectations([
              MockCouch.expect("PUT", "/todos/t1", MockCouch.json(409, { error: "conflict" }))
            ])
          )
        )
      )
    ))

  it.scoped("the embedded server from the globalSetup serves documents and views", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("consumer")
      yield* Document.put(Database.document(db, "a"), { n: 1 })
      const rows = yield* View.stream(Database.allDocs(db), {
        include_docs: true,
        schema: Schema.Struct({ n: Schema.Number })
      }).pipe(Stream.runCollect)
      expect(Array.from(rows, (row) => row.doc?.n)).toEqual([1])
    }).pipe(Effect.provide(VitestCouch.layerClient.pipe(Layer.provide(UndiciHttpClient.layer)))))
})

/**
 * The consumer's test, run by scripts/pack-check.ts with vitest in a scratch npm project that
 * installed the packed tarballs: the test kit's MockCouch, and the embedded server its
 * globalSetup started, both through the built client.
 */
import { CouchAuth, CouchClient, CouchUrl, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema, Stream } from "effect"
import { inject } from "vitest"

describe("the published packages, as a consumer installs them", () => {
  it.effect("MockCouch answers the client, and records what it sent", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const error = yield* couch.resource("todos", "t1").put({ json: { title: "x" } }).pipe(Effect.flip)
      expect(error._tag).toBe("Conflict")
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => [r.method, r.path, r.body])).toEqual([["PUT", "/todos/t1", "{\"title\":\"x\"}"]])
    }).pipe(
      Effect.provide(
        Layer.mergeAll(CouchClient.layer({ url: "http://couch.test" }), CouchAuth.layerNone).pipe(
          Layer.provideMerge(
            MockCouch.layer([MockCouch.route("PUT", "/todos/t1", MockCouch.json(409, { error: "conflict" }))])
          )
        )
      )
    ))

  it.live("the embedded server from the globalSetup serves documents and views", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const db = couch.resource(`consumer_${Date.now()}`)
      yield* db.put()
      yield* db.document("a").put({ json: { n: 1 } })
      const rows = yield* View.stream(View.allDocs(db), { include_docs: true }, {
        doc: Schema.Struct({ _id: Schema.String, n: Schema.Number })
      }).pipe(Stream.runCollect)
      expect(Array.from(rows, (row) => row.doc?.n)).toEqual([1])
      yield* db.delete()
    }).pipe(
      Effect.provide(
        Layer.unwrapEffect(
          Effect.map(CouchUrl.extractCredentials(inject("couchUrl")), ({ credentials, url }) =>
            Layer.mergeAll(
              CouchClient.layer({ url }),
              credentials === undefined ? CouchAuth.layerNone : CouchAuth.layerBasic(credentials)
            ))
        ).pipe(Layer.provide(UndiciHttpClient.layer))
      )
    ))
})

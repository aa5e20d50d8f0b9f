import { CouchClient } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Schema, Scope } from "effect"

const Session = Schema.Struct({
  userCtx: Schema.Struct({ name: Schema.NullOr(Schema.String), roles: Schema.Array(Schema.String) })
})
const DbInfo = Schema.Struct({ doc_count: Schema.Number })

const whoAmI = Effect.flatMap(CouchClient.CouchClient, (couch) => couch.resource("_session").getJson(Session))

describe("TestCouch", () => {
  it.effect("layerEmbedded starts a server and gives a client with the server admin", () =>
    Effect.gen(function*() {
      const session = yield* whoAmI
      expect(session.userCtx).toEqual({ name: "admin", roles: ["_admin"] })
      const couch = yield* CouchClient.CouchClient
      expect(couch.url).not.toBe(VitestCouch.server().url)
    }).pipe(
      Effect.provide(TestCouch.layerEmbedded({ embeddedOnly: true }).pipe(Layer.provide(NodeHttpClient.layerUndici)))
    ))

  it.effect("withDatabase creates a fresh database for the scope and deletes it when the scope closes", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const first = yield* Scope.extend(TestCouch.withDatabase("test/kit"), scope)
      const second = yield* Scope.extend(TestCouch.withDatabase("test/kit"), scope)
      expect(first.segments).toHaveLength(1)
      expect(first.segments[0]).toMatch(/^test\/kit-[0-9a-f]{12}$/)
      expect(second.segments[0]).not.toBe(first.segments[0])
      yield* first.document("a").put({ json: { n: 1 } })
      expect(yield* first.getJson(DbInfo)).toEqual({ doc_count: 1 })
      expect(yield* second.getJson(DbInfo)).toEqual({ doc_count: 0 })

      yield* Scope.close(scope, Exit.void)
      expect((yield* Effect.flip(first.get()))._tag).toBe("NotFound")
      expect((yield* Effect.flip(second.get()))._tag).toBe("NotFound")
    }).pipe(Effect.provide(VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici)))))

  it.effect("databaseName rejects a prefix that is not a database name, with InvalidRequest", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(TestCouch.databaseName("Orders"))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("\"Orders\"")
      expect(yield* TestCouch.databaseName()).toMatch(/^test-[0-9a-f]{12}$/)
    }))
})

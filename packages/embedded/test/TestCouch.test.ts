import { CouchClient, Database, Document } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Schema, Scope } from "effect"

const Session = Schema.Struct({
  userCtx: Schema.Struct({ name: Schema.NullOr(Schema.String), roles: Schema.Array(Schema.String) })
})

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
      expect(first.name).toMatch(/^test\/kit-[0-9a-f]{12}$/)
      expect(second.name).not.toBe(first.name)
      yield* Document.put(Database.document(first, "a"), { n: 1 })
      expect((yield* Database.info(first)).doc_count).toBe(1)
      expect((yield* Database.info(second)).doc_count).toBe(0)

      yield* Scope.close(scope, Exit.void)
      expect(yield* Database.exists(first)).toBe(false)
      expect(yield* Database.exists(second)).toBe(false)
    }).pipe(Effect.provide(VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici)))))

  it.effect("databaseName rejects a prefix that is not a database name, with InvalidRequest", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(TestCouch.databaseName("Orders"))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("\"Orders\"")
      expect(yield* TestCouch.databaseName()).toMatch(/^test-[0-9a-f]{12}$/)
    }))
})

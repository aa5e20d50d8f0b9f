import { EmbeddedCouch } from "@effect-couchdb/testing"
import { FetchHttpClient, HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Layer, Redacted, Scope } from "effect"

describe("EmbeddedCouch", () => {
  it.live("starts pouchdb-server with an admin, and stops it with the scope", () =>
    Effect.gen(function*() {
      const scope = yield* Scope.make()
      const context = yield* Layer.buildWithScope(EmbeddedCouch.layer({ embeddedOnly: true }), scope)
      const server = yield* EmbeddedCouch.EmbeddedCouch.pipe(Effect.provide(context))
      expect(server.kind).toBe("embedded")
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(String(server.password)).not.toContain("secret")

      const client = yield* HttpClient.HttpClient
      const root = yield* client.execute(HttpClientRequest.get(server.url).pipe(HttpClientRequest.acceptJson))
      expect(yield* root.json).toMatchObject({ "express-pouchdb": "Welcome!" })
      const session = yield* client.execute(
        HttpClientRequest.get(`${server.url}/_session`).pipe(
          HttpClientRequest.acceptJson,
          HttpClientRequest.basicAuth(server.username, Redacted.value(server.password))
        )
      )
      expect(yield* session.json).toMatchObject({ userCtx: { name: "admin", roles: ["_admin"] } })

      yield* Scope.close(scope, Exit.void)
      const after = yield* Effect.either(client.get(server.url))
      expect(after._tag).toBe("Left")
    }).pipe(Effect.provide(FetchHttpClient.layer)), 30_000)
})

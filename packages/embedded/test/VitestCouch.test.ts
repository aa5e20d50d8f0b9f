import { CouchClient } from "@effect-couchdb/client"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import { inject } from "vitest"

describe("VitestCouch", () => {
  it("reads the globalSetup's server", () => {
    const server = VitestCouch.server()
    expect(server.kind).toBe(inject("couchKind"))
    expect(Redacted.value(server.urlWithCredentials)).toBe(inject("couchUrl"))
    expect(server.url).not.toContain("@")
    expect(server.username).toBe(new URL(inject("couchUrl")).username)
  })

  it.effect("layerClient is a client on that server, as its admin", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      expect(couch.url).toBe(VitestCouch.server().url)
      const session = yield* couch.resource("_session").getJson(
        Schema.Struct({
          userCtx: Schema.Struct({ name: Schema.NullOr(Schema.String), roles: Schema.Array(Schema.String) })
        })
      )
      expect(session.userCtx.name).toBe(VitestCouch.server().username)
      expect(session.userCtx.roles).toContain("_admin")
    }).pipe(Effect.provide(VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici)))))
})

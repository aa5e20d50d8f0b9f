import { CouchAuth, CouchClient } from "@effect-couchdb/client"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"

const Session = Schema.Struct({
  ok: Schema.Boolean,
  userCtx: Schema.Struct({ name: Schema.NullOr(Schema.String), roles: Schema.Array(Schema.String) })
})

const server = VitestCouch.server()

const ClientLive = CouchClient.layer({ url: server.url }).pipe(Layer.provide(NodeHttpClient.layer))

const whoAmI = Effect.flatMap(CouchClient.CouchClient, (couch) => couch.resource("_session").getJson(Session))

describe("auth against a real server with a configured admin", () => {
  it.effect("runs as the anonymous user without credentials", () =>
    Effect.gen(function*() {
      const session = yield* whoAmI.pipe(CouchAuth.withProvider(CouchAuth.none))
      expect(session.userCtx.name).toBeNull()
      const denied = yield* Effect.flip(
        Effect.flatMap(CouchClient.CouchClient, (c) => c.resource("_config").get()).pipe(
          CouchAuth.withProvider(CouchAuth.none)
        )
      )
      expect(denied._tag).toBe("Unauthorized")
    }).pipe(Effect.provide(ClientLive)))

  it.effect("authenticates with Basic auth", () =>
    Effect.gen(function*() {
      const session = yield* whoAmI.pipe(
        CouchAuth.withProvider(CouchAuth.basic({
          username: server.username,
          password: server.password
        }))
      )
      expect(session.userCtx.name).toBe(server.username)
      expect(session.userCtx.roles).toContain("_admin")
    }).pipe(Effect.provide(ClientLive)))

  it.effect("rejects a wrong Basic password with Unauthorized, without the password in the error", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(whoAmI.pipe(
        CouchAuth.withProvider(CouchAuth.basic({
          username: server.username,
          password: Redacted.make("not-the-Password-42")
        }))
      ))
      expect(error._tag).toBe("Unauthorized")
      expect(JSON.stringify(error)).not.toContain("not-the-Password-42")
      expect(String(error)).not.toContain("not-the-Password-42")
    }).pipe(Effect.provide(ClientLive)))

  it.effect("opens a cookie session and uses it for later requests", () =>
    Effect.gen(function*() {
      const cookie = yield* CouchAuth.cookie({
        username: server.username,
        password: server.password
      })
      const first = yield* whoAmI.pipe(CouchAuth.withProvider(cookie))
      const second = yield* whoAmI.pipe(CouchAuth.withProvider(cookie))
      expect(first.userCtx.name).toBe(server.username)
      expect(second.userCtx.roles).toContain("_admin")
    }).pipe(Effect.provide(ClientLive)))

  it.effect("fails cookie login with a wrong password as Unauthorized", () =>
    Effect.gen(function*() {
      const cookie = yield* CouchAuth.cookie({
        username: server.username,
        password: Redacted.make("wrong-Secret-77")
      })
      const error = yield* Effect.flip(whoAmI.pipe(CouchAuth.withProvider(cookie)))
      expect(error._tag).toBe("Unauthorized")
      expect(JSON.stringify(error)).not.toContain("wrong-Secret-77")
    }).pipe(Effect.provide(ClientLive)))
})

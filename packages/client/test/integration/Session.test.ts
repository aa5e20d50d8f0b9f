import { CouchAuth, CouchClient, Session } from "@effect-couchdb/client"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
const server = VitestCouch.server()
const admin = { name: server.username, password: server.password }

describe("Session on a real server", () => {
  it.effect("get: anonymous, and as the ambient basic-auth admin", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const anonymous = yield* Session.get(couch).pipe(CouchAuth.withProvider(CouchAuth.none))
      expect(anonymous.userCtx.name).toBeNull()
      expect(anonymous.info.authenticated).toBeUndefined()
      const basic = yield* Session.get(couch)
      expect(basic.userCtx).toMatchObject({ name: admin.name, roles: expect.arrayContaining(["_admin"]) })
      expect(basic.info.authenticated).toBe("default")
    }).pipe(Effect.provide(AdminLive)))

  it.effect("login returns a cookie provider that runs requests as the user; logout", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const login = yield* Session.login(couch, admin).pipe(CouchAuth.withProvider(CouchAuth.none))
      expect(login).toMatchObject({ ok: true, name: admin.name })
      const session = yield* Session.get(couch).pipe(CouchAuth.withProvider(login.provider))
      expect(session.userCtx.name).toBe(admin.name)
      expect(session.info.authenticated).toBe("cookie")
      yield* Session.logout(couch).pipe(CouchAuth.withProvider(login.provider))
    }).pipe(Effect.provide(AdminLive)))

  it.effect("a wrong password is Unauthorized", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      // The name may be the Redacted one from the server's URL.
      const error = yield* Effect.flip(
        Session.login(couch, { name: server.username, password: Redacted.make("wrong") })
      )
      expect(error._tag).toBe("Unauthorized")
    }).pipe(Effect.provide(AdminLive)))
})

import { CouchAuth, CouchClient, Document, type Json, Users } from "@effect-couchdb/client"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"

const Session = Schema.Struct({
  userCtx: Schema.Struct({ name: Schema.NullOr(Schema.String), roles: Schema.Array(Schema.String) })
})

/** Who `GET /_session` says the request runs as, with `name`'s basic credentials. */
const sessionAs = (name: string, password: string) =>
  Effect.flatMap(CouchClient.CouchClient, (couch) =>
    couch.resource("_session").getJson(Session).pipe(
      CouchAuth.withProvider(CouchAuth.basic({ username: name, password: Redacted.make(password) }))
    ))

/** A fresh user name, its document deleted when the scope closes (as the admin: see test-server.md). */
const freshUser = (prefix: string) =>
  Effect.gen(function*() {
    const couch = yield* CouchClient.CouchClient
    const name = `${prefix}-${Math.random().toString(36).slice(2, 10)}`
    yield* Effect.addFinalizer(() => Effect.ignore(Users.remove(couch, name)))
    return name
  })

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))

describe("Users on a real server", () => {
  it.scoped("create, read, log in, change the password and the roles, delete", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const name = yield* freshUser("alice")
      const created = yield* Users.create(couch, { name, password: Redacted.make("apple-123"), roles: ["readers"] })
      expect(created).toMatchObject({ ok: true, id: `org.couchdb.user:${name}` })

      const user = yield* Users.get(couch, name)
      expect(user).toMatchObject({ _id: `org.couchdb.user:${name}`, name, roles: ["readers"], type: "user" })
      expect(user.password_scheme).toBe("pbkdf2")
      expect(typeof user.derived_key).toBe("string")
      expect(typeof user.salt).toBe("string")
      expect(Object.keys(user)).not.toContain("password")
      expect((yield* sessionAs(name, "apple-123")).userCtx).toEqual({ name, roles: ["readers"] })

      const changed = yield* Users.setPassword(couch, name, Redacted.make("banana-456"))
      expect(changed.rev).toMatch(/^2-/)
      expect((yield* Effect.flip(sessionAs(name, "apple-123")))._tag).toBe("Unauthorized")
      expect((yield* sessionAs(name, "banana-456")).userCtx.name).toBe(name)
      const rehashed = yield* Users.get(couch, name)
      expect(rehashed.derived_key).not.toBe(user.derived_key)

      yield* couch.pipe(Users.setRoles(name, ["editors", "readers"]))
      expect((yield* Users.get(couch, name)).roles).toEqual(["editors", "readers"])
      // The roles changed, the password did not.
      expect((yield* sessionAs(name, "banana-456")).userCtx.roles).toEqual(["editors", "readers"])

      const removed = yield* Users.remove(couch, name)
      expect(removed.rev).toMatch(/^4-/)
      expect((yield* Effect.flip(Users.get(couch, name)))._tag).toBe("NotFound")
      expect((yield* Effect.flip(sessionAs(name, "banana-456")))._tag).toBe("Unauthorized")
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("an existing user is Conflict; a stale revision to remove is Conflict; other fields survive a change", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const name = yield* freshUser("bob")
      const created = yield* Users.create(couch, { name, password: Redacted.make("pw-1") })
      expect((yield* Effect.flip(Users.create(couch, { name, password: Redacted.make("pw-2") })))._tag).toBe("Conflict")

      // A field of the application's own, written with the document API, is kept by setPassword.
      const doc = Users.document(couch, name)
      const current: Json.JsonObject = yield* Document.get(doc)
      yield* Document.put(doc, { ...current, email: "bob@example.com" })
      yield* Users.setPassword(couch, name, Redacted.make("pw-3"))
      expect((yield* Document.get(doc)).email).toBe("bob@example.com")

      const stale = yield* Effect.flip(Users.remove(couch, name, { rev: created.rev }))
      expect(stale._tag).toBe("Conflict")
    }).pipe(Effect.provide(AdminLive)))
})

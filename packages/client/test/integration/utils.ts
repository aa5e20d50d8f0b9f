import { CouchAuth, CouchClient, CouchUrl, Database } from "@effect-couchdb/client"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Either, Layer, Redacted } from "effect"
import { inject } from "vitest"

/** The integration server: URL without credentials, and the admin's credentials. */
export const server = (() => {
  const { credentials, url } = Either.getOrThrow(CouchUrl.extractCredentials(inject("couchUrl")))
  if (credentials === undefined) throw new Error("the integration server URL has no admin credentials")
  return { url, credentials, kind: inject("couchKind") }
})()

export const admin = CouchAuth.basic({
  username: server.credentials.username,
  password: server.credentials.password
})

/** The client over Node's undici, with the admin as the ambient auth. */
export const AdminLive = Layer.mergeAll(
  CouchClient.layer({ url: server.url }),
  Layer.succeed(CouchAuth.CouchAuth, admin)
).pipe(Layer.provide(NodeHttpClient.layerUndici))

/** A fresh database name (with a slash, so escaping is exercised on every request). */
export const dbName = (prefix: string) => `test/${prefix}/${Math.random().toString(36).slice(2, 10)}`

/** Creates a database for the test and drops it afterwards. */
export const withDatabase = (prefix: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const db = couch.resource(dbName(prefix))
      yield* db.put()
      return db
    }),
    (db) => Effect.ignore(db.delete())
  )

export const adminPassword = Redacted.value(server.credentials.password)

/** A fresh database handle for the test, created now and deleted when its scope closes. */
export const freshDatabase = (prefix: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const db = (yield* CouchClient.CouchClient).database(dbName(prefix))
      yield* Database.create(db)
      return db
    }),
    (db) => Effect.ignore(Database.remove(db))
  )

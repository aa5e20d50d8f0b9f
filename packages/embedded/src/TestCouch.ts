/**
 * A client on the test server, and a fresh database per test: `layerEmbedded()` gives a
 * `CouchClient` with the server admin as `CouchAuth` over an embedded server it starts (or
 * `COUCHDB_URL`), and `withDatabase` creates a uniquely named database that is deleted
 * when the test's scope closes.
 *
 * @since 0.2.0
 * @example
 * ```ts
 * import { Database, Document } from "@effect-couchdb/client"
 * import { TestCouch } from "@effect-couchdb/embedded"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 *
 * const CouchLive = TestCouch.layerEmbedded().pipe(Layer.provide(NodeHttpClient.layerUndici))
 *
 * // In a test file: it.scoped("writes a document", () => writesADocument)
 * export const writesADocument = Effect.gen(function*() {
 *   const db = yield* TestCouch.withDatabase("orders")
 *   yield* Document.put(Database.document(db, "o1"), { total: 1 })
 * }).pipe(Effect.provide(CouchLive))
 * ```
 */
import * as CouchAuth from "@effect-couchdb/client/CouchAuth"
import * as CouchClient from "@effect-couchdb/client/CouchClient"
import { type CouchError, InvalidRequest } from "@effect-couchdb/client/CouchError"
import * as Database from "@effect-couchdb/client/Database"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as EmbeddedCouch from "./EmbeddedCouch.js"

/**
 * A `CouchClient` with the server admin as `CouchAuth`, over the server in context.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<
  CouchClient.CouchClient | CouchAuth.CouchAuth,
  InvalidRequest,
  EmbeddedCouch.EmbeddedCouch | HttpClient.HttpClient
> = Layer.unwrapEffect(Effect.map(EmbeddedCouch.EmbeddedCouch, (server) =>
  Layer.mergeAll(
    CouchClient.layer({ url: server.url }),
    CouchAuth.layerBasic({ username: server.username, password: server.password })
  )))

/**
 * Starts an embedded server (or picks up `COUCHDB_URL`) for the layer's scope, with a
 * `CouchClient` and the server admin as `CouchAuth` over it.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerEmbedded = (options: EmbeddedCouch.Options = {}): Layer.Layer<
  CouchClient.CouchClient | CouchAuth.CouchAuth | EmbeddedCouch.EmbeddedCouch,
  EmbeddedCouch.StartError | InvalidRequest,
  HttpClient.HttpClient
> => layer.pipe(Layer.provideMerge(EmbeddedCouch.layer(options)))

const validName = /^[a-z][a-z0-9_$()+/-]*$/

/**
 * A database name that no other test uses: `prefix`, a dash and 12 random hex digits.
 * The prefix must be a valid CouchDB database name (lower-case letter first, then
 * `a-z 0-9 _ $ ( ) + - /`); a slash in it exercises escaping on every request.
 *
 * @since 0.2.0
 * @category constructors
 */
export const databaseName = (prefix = "test"): Effect.Effect<string, InvalidRequest> =>
  validName.test(prefix)
    ? Effect.sync(() => `${prefix}-${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`)
    : Effect.fail(new InvalidRequest({ description: `not a valid database name prefix: ${JSON.stringify(prefix)}` }))

/**
 * Creates a database with a fresh name (see `databaseName`) for the scope, and deletes it
 * when the scope closes.
 *
 * @since 0.2.0
 * @category constructors
 */
export const withDatabase = (
  prefix?: string
): Effect.Effect<Database.Database, CouchError, CouchClient.CouchClient | CouchAuth.CouchAuth | Scope.Scope> =>
  Effect.gen(function*() {
    const couch = yield* CouchClient.CouchClient
    const db = couch.database(yield* databaseName(prefix))
    return yield* Effect.acquireRelease(Effect.as(Database.create(db), db), () => Effect.ignore(Database.remove(db)))
  })

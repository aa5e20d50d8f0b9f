/**
 * The server that `@effect-couchdb/embedded/globalSetup` started for the vitest run, inside
 * the tests. Importing this module also types vitest's `inject("couchUrl")` and
 * `inject("couchKind")`; no extra declaration is needed.
 *
 * Not in the package's index, because it imports `vitest` at runtime: import it as
 * `@effect-couchdb/embedded/VitestCouch`.
 *
 * @since 0.2.0
 * @example
 * ```ts
 * // vitest.config.ts: test: { globalSetup: ["@effect-couchdb/embedded/globalSetup"] }
 * import { Database, Document } from "@effect-couchdb/client"
 * import { TestCouch } from "@effect-couchdb/embedded"
 * import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
 * import { NodeHttpClient } from "@effect/platform-node"
 * import { Effect, Layer } from "effect"
 *
 * const CouchLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
 *
 * // In a test file: it.scoped("writes a document", () => writesADocument)
 * export const writesADocument = Effect.gen(function*() {
 *   const db = yield* TestCouch.withDatabase("orders")
 *   yield* Document.put(Database.document(db, "o1"), { total: 1 })
 * }).pipe(Effect.provide(CouchLive))
 * ```
 */
import type * as CouchAuth from "@effect-couchdb/client/CouchAuth"
import type * as CouchClient from "@effect-couchdb/client/CouchClient"
import type { InvalidRequest } from "@effect-couchdb/client/CouchError"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Layer from "effect/Layer"
import { inject } from "vitest"
import { EmbeddedCouch, type Server } from "./EmbeddedCouch.js"
import { fromUrl } from "./internal/server.js"
import * as TestCouch from "./TestCouch.js"

declare module "vitest" {
  export interface ProvidedContext {
    /** The URL of the globalSetup's server, with the admin's credentials in it. */
    couchUrl: string
    /** `"embedded"` for pouchdb-server, `"external"` for a server from `COUCHDB_URL`. */
    couchKind: "embedded" | "external"
  }
}

/**
 * The globalSetup's server. Throws when the run has no `@effect-couchdb/embedded/globalSetup`.
 *
 * @since 0.2.0
 * @category accessors
 */
export const server = (): Server => fromUrl(inject("couchUrl"), inject("couchKind"))

/**
 * The globalSetup's server as the `EmbeddedCouch` service. Its process belongs to the main
 * vitest process: tests cannot kill or restart it (use `EmbeddedCouch.make` for that).
 *
 * @since 0.2.0
 * @category layers
 */
export const layer: Layer.Layer<EmbeddedCouch> = Layer.sync(EmbeddedCouch, server)

/**
 * A `CouchClient` with the server admin as `CouchAuth`, over the globalSetup's server.
 *
 * @since 0.2.0
 * @category layers
 */
export const layerClient: Layer.Layer<
  CouchClient.CouchClient | CouchAuth.CouchAuth | EmbeddedCouch,
  InvalidRequest,
  HttpClient.HttpClient
> = TestCouch.layer.pipe(Layer.provideMerge(layer))

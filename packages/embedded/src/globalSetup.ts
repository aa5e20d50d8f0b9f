/**
 * A vitest `globalSetup` that starts one embedded server for the whole run (or uses
 * `COUCHDB_URL`) and provides it to the tests: `inject("couchUrl")` is the URL with the
 * admin's credentials in it, `inject("couchKind")` says which server it is. In the tests,
 * `VitestCouch` reads them (and types `inject` for them).
 *
 * ```ts
 * // vitest.config.ts
 * export default defineProject({ test: { globalSetup: ["@effect-couchdb/embedded/globalSetup"] } })
 * ```
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import type { TestProject } from "vitest/node"
import { start } from "./EmbeddedCouch.js"
// The declaration of the `couchUrl` and `couchKind` keys of vitest's ProvidedContext.
import type {} from "./VitestCouch.js"

/**
 * @since 0.1.0
 * @category vitest
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const { server, stop } = await start()
  project.provide("couchUrl", Redacted.value(server.urlWithCredentials))
  project.provide("couchKind", server.kind)
  return stop
}

/**
 * A vitest `globalSetup` that starts one embedded server for the whole run (or uses
 * `COUCHDB_URL`) and provides it to the tests: `inject("couchUrl")` is the URL with the
 * admin's credentials in it, `inject("couchKind")` says which server it is.
 *
 * ```ts
 * // vitest.config.ts
 * export default defineProject({ test: { globalSetup: ["@effect-couchdb/testing/globalSetup"] } })
 * ```
 *
 * @since 0.1.0
 */
import * as Redacted from "effect/Redacted"
import type {} from "vitest"
import type { TestProject } from "vitest/node"
import { start } from "./EmbeddedCouch.js"

declare module "vitest" {
  export interface ProvidedContext {
    couchUrl: string
    couchKind: "embedded" | "external"
  }
}

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

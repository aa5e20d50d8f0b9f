import { CouchClient, Database, Users } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Logger, LogLevel, Redacted } from "effect"
import { inject } from "vitest"
import { administration } from "../../../../examples/administration.js"

// As the example is meant to be run: the admin's credentials in the client's URL.
const CouchLive = CouchClient.layer({ url: Redacted.make(inject("couchUrl")) }).pipe(
  Layer.provide(NodeHttpClient.layerUndici)
)

describe("examples/administration.ts on the test server", () => {
  it.scopedLive("creates the user, gives it the database, replicates it and waits", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const options = {
        source: yield* TestCouch.databaseName("example-source"),
        target: yield* TestCouch.databaseName("example-target"),
        user: `reader-${Math.random().toString(36).slice(2, 10)}`,
        password: Redacted.make("example-pw")
      }
      yield* Effect.addFinalizer(() =>
        Effect.all([
          Database.remove(couch.database(options.source)),
          Database.remove(couch.database(options.target)),
          Users.remove(couch, options.user)
        ], { mode: "either" })
      )
      const summary = yield* administration(options)
      expect(summary).toEqual({ documentsSeenByUser: 1, docsWritten: 1 })
      expect((yield* Database.info(couch.database(options.target))).doc_count).toBe(1)
      expect((yield* Users.get(couch, options.user)).roles).toEqual(["readers"])

      // Run again: the user exists (its password is set again); one more document to replicate.
      const again = yield* administration(options)
      expect(again).toEqual({ documentsSeenByUser: 2, docsWritten: 1 })
      expect((yield* Database.info(couch.database(options.target))).doc_count).toBe(2)
    }).pipe(Effect.provide(CouchLive), Logger.withMinimumLogLevel(LogLevel.Warning)))
})

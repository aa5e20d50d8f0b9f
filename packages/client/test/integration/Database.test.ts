import { Database, Document } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

// pouchdb-server lacks _missing_revs, _revs_limit, _purge and _purged_infos_limit
// (test-server.md §2.3): those are tested on CouchDB 3.5's recorded bytes in test/Database.test.ts.
const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))

describe("Database maintenance on a real server", () => {
  it.scoped("revsDiff: only the revisions the database lacks", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("revsdiff")
      const { rev } = yield* Document.put(Database.document(db, "a"), { n: 1 })
      const diff = yield* Database.revsDiff(db, { a: [rev, "2-0123456789abcdef0123456789abcdef"], b: ["1-abc"] })
      expect(diff["a"]?.missing).toEqual(["2-0123456789abcdef0123456789abcdef"])
      expect(diff["b"]?.missing).toEqual(["1-abc"])
      expect(yield* Database.revsDiff(db, { a: [rev] })).toEqual({})
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("compact, viewCleanup and ensureFullCommit are accepted", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("maintenance")
      expect(yield* Database.compact(db)).toEqual({ ok: true })
      expect(yield* Database.viewCleanup(db)).toEqual({ ok: true })
      const commit = yield* Database.ensureFullCommit(db)
      expect(commit.instance_start_time.length).toBeGreaterThan(0)
    }).pipe(Effect.provide(AdminLive)))
})

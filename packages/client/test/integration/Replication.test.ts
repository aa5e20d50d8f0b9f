import { CouchClient, Database, Document, Replication } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schedule } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
const server = VitestCouch.server()
const credentials = { username: Redacted.make(server.username), password: server.password }

/** A database name for the test that the replication creates, deleted when the scope closes. */
const laterDatabase = (prefix: string) =>
  Effect.acquireRelease(
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      return couch.database(yield* TestCouch.databaseName(`test/${prefix}`))
    }),
    (db) => Effect.ignore(Database.remove(db))
  )

/** A source with three documents. */
const sourceWithDocs = Effect.gen(function*() {
  const source = yield* TestCouch.withDatabase("test/rep-source")
  for (const id of ["a", "b/c", "d é"]) yield* Document.put(Database.document(source, id), { id, n: id.length })
  return source
})

/** The endpoint of `db` with the test server's admin credentials in its URL. */
const endpoint = (db: Database.Database) => Replication.databaseUrl(db, credentials)

// Never send pouchdb-server a replication whose endpoint refuses its credentials: the 401
// is an unhandled 'error' event that kills the server (found while writing these tests).
describe("Replication on a real server", () => {
  it.scoped("one-shot between two fresh databases, with full URLs and credentials", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const source = yield* sourceWithDocs
      const target = yield* TestCouch.withDatabase("test/rep-target")
      const result = yield* Replication.replicate(couch, { source: endpoint(source), target: endpoint(target) })
      expect(result.ok).toBe(true)
      // CouchDB reports the session in `history`, pouchdb-server its own summary.
      expect(result.docs_written ?? result.history?.[0]?.docs_written).toBe(3)
      expect((yield* Database.info(target)).doc_count).toBe(3)
      expect(yield* Document.get(Database.document(target, "d é"))).toMatchObject({ id: "d é", n: 3 })

      // Again: nothing new is written.
      const again = yield* Replication.replicate(couch, { source: endpoint(source), target: endpoint(target) })
      expect(again.docs_written ?? again.history?.[0]?.docs_written ?? 0).toBe(0)
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("create_target creates the target", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const source = yield* sourceWithDocs
      const target = yield* laterDatabase("rep-created")
      expect(yield* Database.exists(target)).toBe(false)
      yield* Replication.replicate(couch, { source: endpoint(source), target: endpoint(target), create_target: true })
      expect((yield* Database.info(target)).doc_count).toBe(3)
    }).pipe(Effect.provide(AdminLive)))

  it.scopedLive("a _replicator document: written, replicated, read back with its credentials Redacted, deleted", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const source = yield* sourceWithDocs
      const target = yield* TestCouch.withDatabase("test/rep-doc-target")
      const doc = Replication.document(couch, `rep-${Math.random().toString(36).slice(2, 10)}`)
      yield* Effect.addFinalizer(() => Effect.ignore(Replication.remove(doc)))
      const written = yield* Replication.put(doc, { source: endpoint(source), target: endpoint(target) })
      expect(written.ok).toBe(true)

      // Both pouchdb-server and CouchDB 3 write the final state into the document.
      yield* Replication.get(doc).pipe(
        Effect.repeat({
          schedule: Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(400))),
          until: (read) => read._replication_state === "completed" || read._replication_state === "error"
        })
      )
      const done = yield* Replication.get(doc)
      expect(done).toMatchObject({ _replication_state: "completed" })
      expect((yield* Database.info(target)).doc_count).toBe(3)
      expect(done.source.url).toBe(Replication.databaseUrl(source).pipe(Redacted.value))
      expect(done.source.auth?.basic.username).toBe(server.username)
      expect(JSON.stringify(done)).not.toContain(Redacted.value(server.password))

      yield* Replication.remove(doc)
      expect((yield* Effect.flip(Replication.get(doc)))._tag).toBe("NotFound")
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("pouchdb-server has no scheduler: its endpoints are NotFound", () =>
    Effect.gen(function*() {
      // A real CouchDB has one; this documents the embedded server's gap (test-server.md).
      if (server.kind !== "embedded") return
      const couch = yield* CouchClient.CouchClient
      expect((yield* Effect.flip(Replication.statuses(couch)))._tag).toBe("NotFound")
      expect((yield* Effect.flip(Replication.jobs(couch)))._tag).toBe("NotFound")
    }).pipe(Effect.provide(AdminLive)))
})

/**
 * Administration with @effect-couchdb/client: create a user, give it a database, replicate
 * that database and wait for the replication to finish.
 *
 *   COUCHDB_URL=http://admin:secret@localhost:5984 READER_PASSWORD=… npx tsx examples/administration.ts
 *
 * The replication's endpoints carry the client's own credentials (from `COUCHDB_URL`), kept
 * `Redacted` from the configuration to the request body.
 */
import { CouchAuth, CouchClient, Database, Replication, Security, Users } from "@effect-couchdb/client"
import { NodeHttpClient, NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer, type Redacted } from "effect"
import { pathToFileURL } from "node:url"

/** What the example works on. */
export interface Options {
  /** The database to share and replicate. */
  readonly source: string
  /** Where to replicate it (created if missing). */
  readonly target: string
  /** The user to create (or whose password to reset) and give the database to. */
  readonly user: string
  readonly password: Redacted.Redacted<string>
}

/**
 * The whole example as one Effect: it needs the client and an admin as the ambient
 * `CouchAuth` (both from `CouchClient.layer` with credentials in the URL).
 */
export const administration = (options: Options) =>
  Effect.gen(function*() {
    const couch = yield* CouchClient.CouchClient
    const source = couch.database(options.source)
    yield* Database.ensure(source)
    yield* Database.post(source, { type: "order", total: 120 })

    // 1. A user (or, when it exists, a new password for it).
    yield* Users.create(couch, { name: options.user, password: options.password, roles: ["readers"] }).pipe(
      Effect.catchTag("Conflict", () => Users.setPassword(couch, options.user, options.password))
    )

    // 2. The user becomes a member of the database (the rest of its security object is kept).
    yield* Security.addMembers(source, { names: [options.user] })
    const asUser = CouchAuth.basic({ username: options.user, password: options.password })
    const seenByUser = yield* Database.info(source).pipe(CouchAuth.withProvider(asUser))
    yield* Effect.log(`${options.user} can read ${seenByUser.db_name} (${seenByUser.doc_count} documents)`)

    // 3. Replicate it, and wait until that is done.
    const replication = {
      source: Replication.databaseUrl(source, couch.credentials),
      target: Replication.databaseUrl(couch.database(options.target), couch.credentials),
      create_target: true
    }
    const docsWritten = yield* Replication.statuses(couch, { limit: 0 }).pipe(
      Effect.matchEffect({
        // A server with a replication scheduler (CouchDB 2.1+): a `_replicator` document,
        // which survives restarts, and its state polled until it completes.
        onSuccess: () =>
          Effect.gen(function*() {
            const doc = Replication.document(couch, `${options.source} to ${options.target}`)
            yield* Replication.put(doc, replication)
            const done = yield* Replication.awaitState(doc, ["completed"])
            yield* Replication.remove(doc)
            return done.info?.docs_written ?? 0
          }),
        // No scheduler (pouchdb-server, CouchDB 1.x): a one-shot `_replicate`, which answers
        // when the replication is done.
        onFailure: (error) =>
          error._tag === "NotFound"
            ? Effect.map(
              Replication.replicate(couch, replication),
              (result) => result.history?.[0]?.docs_written ?? result.docs_written ?? 0
            )
            : Effect.fail(error)
      })
    )
    yield* Effect.log(`replicated ${options.source} to ${options.target}: ${docsWritten} documents written`)
    return { documentsSeenByUser: seenByUser.doc_count, docsWritten }
  })

/** The example with its settings from the environment. */
export const program = Effect.gen(function*() {
  const password = yield* Config.redacted("READER_PASSWORD")
  return yield* administration({ source: "example-orders", target: "example-orders-backup", user: "reader", password })
})

const CouchLive = CouchClient.layerConfig({ url: Config.redacted("COUCHDB_URL") }).pipe(
  Layer.provide(NodeHttpClient.layerUndici)
)

// Run only when started as a script (the tests import `administration`).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  program.pipe(Effect.provide(CouchLive), NodeRuntime.runMain)
}

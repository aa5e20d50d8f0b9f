/**
 * Names round-trip on the embedded server (issue 8): generated database names (CouchDB's
 * legal characters), document ids (every printable ASCII character and unicode, `_design/…`
 * and `_local/…`), design document and view names, and attachment names are written, read
 * back, and reported by the server exactly as given. A fixed seed and a modest number of runs
 * keep the test deterministic and short; fast-check shrinks a failure to its smallest name.
 */
import { Attachment, CouchClient, Database, DesignDocument, Document, Server, View } from "@effect-couchdb/client"
import type { CouchAuth } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, FastCheck as fc, Layer, Option, Runtime, type Scope, Stream } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))

const seed = 20_261_130

type Services = CouchClient.CouchClient | CouchAuth.CouchAuth

/**
 * Checks each generated value with `effect`, run with the test's services in a scope of its
 * own: its finalizers undo what it wrote, so that a failed run leaves nothing behind for the
 * runs that shrink it.
 */
const forAll = <A>(
  arbitrary: fc.Arbitrary<A>,
  numRuns: number,
  effect: (value: A) => Effect.Effect<void, unknown, Services | Scope.Scope>
) =>
  Effect.gen(function*() {
    const run = Runtime.runPromise(yield* Effect.runtime<Services>())
    yield* Effect.promise(() =>
      fc.assert(fc.asyncProperty(arbitrary, (value) => run(Effect.scoped(effect(value)))), { seed, numRuns })
    )
  })

/** Deletes the document, whatever its revision, when the scope closes. */
const removedLater = (doc: Document.Document) =>
  Effect.addFinalizer(() =>
    Document.revision(doc).pipe(
      Effect.flatMap(Option.match({ onNone: () => Effect.void, onSome: (rev) => Document.remove(doc, { rev }) })),
      Effect.ignore
    )
  )

/** One printable character: ASCII from space to `~`, or any unicode scalar value past the C1 controls. */
const printable = fc.oneof(
  fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0xa0, max: 0x10ffff })
    .filter((code) => code < 0xd800 || code > 0xdfff)
    .map((code) => String.fromCodePoint(code))
)

/** A name of printable characters; `.` and `..` are dot segments, which the client refuses to send. */
const name = fc.string({ unit: printable, minLength: 1, maxLength: 12 }).filter((s) => s !== "." && s !== "..")

/** CouchDB reserves ids that start with `_` (but `_design/` and `_local/`), and attachment names that do. */
const plain = name.filter((s) => !s.startsWith("_"))

const docId = fc.oneof(plain, name.map((s) => `_design/${s}`), name.map((s) => `_local/${s}`))

const lower = "abcdefghijklmnopqrstuvwxyz"

/** A database name: a lowercase letter, then `a-z 0-9 _ $ ( ) + - /`. */
const databaseName = fc.tuple(
  fc.constantFrom(...lower),
  fc.array(fc.constantFrom(...`${lower}0123456789_$()+-/`), { maxLength: 15 })
).map(([first, rest]) => `${first}${rest.join("")}`)

const rows = <A, E, R>(stream: Stream.Stream<A, E, R>) => Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

describe("names round-trip on the embedded server", () => {
  it.scopedLive(
    "database names with every legal character: created, reported, listed, used and removed",
    () =>
      Effect.gen(function*() {
        // pouchdb-server drops `/` from the name it reports (`db_name`, `_all_dbs`), though it
        // addresses the database by its whole name.
        const reported = VitestCouch.server().kind === "embedded"
          ? (given: string) => given.replaceAll("/", "")
          : (given: string) => given
        yield* forAll(databaseName, 12, (generated) =>
          Effect.gen(function*() {
            const couch = yield* CouchClient.CouchClient
            // A unique tail keeps the name apart from every other test's (and every other run's).
            const given = `${generated}-${crypto.randomUUID().slice(0, 8)}`
            const db = couch.database(given)
            yield* Effect.acquireRelease(Database.create(db), () => Effect.ignore(Database.remove(db)))
            expect((yield* Database.info(db)).db_name).toBe(reported(given))
            expect(yield* Server.allDbs(couch)).toContain(reported(given))
            expect((yield* Document.put(Database.document(db, "d"), { given })).id).toBe("d")
            expect(yield* Document.get(Database.document(db, "d"))).toMatchObject({ given })
            yield* Database.remove(db)
            expect(yield* Database.exists(db)).toBe(false)
          }))
      }).pipe(Effect.provide(AdminLive)),
    30_000
  )

  it.scopedLive(
    "document ids of any printable or unicode character, _design/ and _local/ ones: written and read as given",
    () =>
      Effect.gen(function*() {
        const db = yield* TestCouch.withDatabase("test/names-docs")
        yield* forAll(docId, 40, (id) =>
          Effect.gen(function*() {
            const doc = Database.document(db, id)
            yield* removedLater(doc)
            expect((yield* Document.put(doc, { id })).id).toBe(id)
            const read = yield* Document.get(doc)
            expect(read).toMatchObject({ _id: id, id })
            if (!id.startsWith("_local/")) {
              // As a key of _all_docs too, sent as JSON in the query string.
              const [row] = yield* rows(View.stream(Database.allDocs(db), { key: id }))
              expect(row?.id).toBe(id)
            }
            expect((yield* Document.remove(doc, { rev: read._rev })).id).toBe(id)
            expect(yield* Document.exists(doc)).toBe(false)
          }))
      }).pipe(Effect.provide(AdminLive)),
    30_000
  )

  it.scopedLive(
    "design document and view names: put, read, queried and removed as given",
    () =>
      Effect.gen(function*() {
        const db = yield* TestCouch.withDatabase("test/names-ddocs")
        yield* Document.put(Database.document(db, "one"), { n: 1 })
        const designName = name.filter((s) => !s.startsWith("_design/"))
        yield* forAll(fc.tuple(designName, name), 15, ([ddocName, viewName]) =>
          Effect.gen(function*() {
            const ddoc = Database.designDocument(db, ddocName)
            yield* removedLater(DesignDocument.asDocument(ddoc))
            const written = yield* DesignDocument.put(ddoc, {
              views: { [viewName]: { map: "function (doc) { if (doc.n) emit(doc.n, null) }" } }
            })
            expect(written.id).toBe(`_design/${ddocName}`)
            const read = yield* DesignDocument.get(ddoc)
            expect(read._id).toBe(`_design/${ddocName}`)
            expect(Object.keys(read.views ?? {})).toEqual([viewName])
            const [row] = yield* rows(View.stream(DesignDocument.view(ddoc, viewName)))
            expect(row).toMatchObject({ id: "one", key: 1 })
            yield* DesignDocument.remove(ddoc, { rev: read._rev })
          }))
      }).pipe(Effect.provide(AdminLive)),
    30_000
  )

  it.scopedLive(
    "attachment names (slashes and unicode included): stored, listed and read back as given",
    () =>
      Effect.gen(function*() {
        const db = yield* TestCouch.withDatabase("test/names-atts")
        const encoder = new TextEncoder()
        yield* forAll(fc.tuple(plain, plain), 20, ([id, attachmentName]) =>
          Effect.gen(function*() {
            const attachment = Database.attachment(db, id, attachmentName)
            yield* removedLater(Database.document(db, id))
            const body = encoder.encode(`${id} / ${attachmentName}`)
            const written = yield* Attachment.put(attachment, body, { contentType: "text/plain" })
            expect(written.id).toBe(id)
            expect(yield* Attachment.get(attachment)).toEqual(body)
            const doc = yield* Document.get(Database.document(db, id))
            expect(Object.keys(doc._attachments ?? {})).toEqual([attachmentName])
            yield* Attachment.remove(attachment, { rev: written.rev })
            expect(yield* Attachment.exists(attachment)).toBe(false)
          }))
      }).pipe(Effect.provide(AdminLive)),
    30_000
  )
})

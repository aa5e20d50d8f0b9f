/**
 * Names on the embedded server (issues 7 §1 and 8): generated database names, document ids
 * (every printable ASCII character, `%2e`-style escapes, unicode, `_design/…`, `_local/…`),
 * design document names and attachment names (with `/`) address exactly the resource given:
 * what is written is read back under that name, and nothing else in the database changes.
 * Empty, `.` and `..` segments are an `InvalidRequest` before any request leaves the client.
 * A fixed seed and a bounded number of runs keep it deterministic and short; fast-check
 * shrinks a failure to its smallest name.
 *
 * Left out, and why: ids starting with `_` other than `_design/` and `_local/`, and attachment
 * names starting with `_` (CouchDB reserves them: 400); database names outside CouchDB's
 * `^[a-z][a-z0-9_$()+/-]*$` (CouchDB refuses them; pouchdb-server takes any); design document
 * names starting with `_design/` (the handle takes that prefix as given, not as part of the
 * name); control characters; lone surrogates (an `InvalidRequest`, see requestSafety.test.ts).
 * Views of a design document or view name with `/` are not queried: pouchdb-server splits
 * `{ddoc}/{view}` on `/` and answers 404 (the design document itself round-trips). Every
 * request is an admin's: pouchdb-server crashes on a non-admin's database PUT or DELETE
 * (test-server.md §2.3), and no `_changes` filter is sent.
 */
import { Attachment, CouchClient, Database, DesignDocument, Document, Server, View } from "@effect-couchdb/client"
import type { CouchAuth } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, FastCheck as fc, Option, Runtime, type Scope, Stream } from "effect"
import { recordingAdmin } from "./recordingClient.js"

/** The admin client, and every request it sends. */
const { layer: AdminLive, sent } = recordingAdmin()

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

/** Text that looks like path syntax: dots, slashes, escapes of them, query and fragment marks. */
const piece = fc.constantFrom(
  ".",
  "..",
  "/",
  "%2e",
  "%2E",
  "%2f",
  "%2F",
  "%",
  "%25",
  "%00",
  "?",
  "#",
  "\\",
  "+",
  " ",
  ";",
  "&",
  "=",
  "é",
  "☃",
  "😀",
  "_design/",
  "_local/"
)

const isDotSegment = (s: string) => s === "" || s === "." || s === ".."

/** A name of printable characters, path-like pieces or both; never a dot segment (refused, see below). */
const name = fc.oneof(
  fc.string({ unit: printable, minLength: 1, maxLength: 12 }),
  fc.array(piece, { minLength: 1, maxLength: 5 }).map((parts) => parts.join("")),
  fc.tuple(fc.string({ unit: printable, maxLength: 4 }), piece, fc.string({ unit: printable, maxLength: 4 }))
    .map((parts) => parts.join(""))
).filter((s) => !isDotSegment(s))

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

/**
 * The ids `_all_docs` lists. (pouchdb-server leaves out ids from U+FFF0 up, emoji included:
 * the round trips count documents with `doc_count` instead.)
 */
const allIds = (db: Database.Database) =>
  Effect.map(rows(View.stream(Database.allDocs(db))), (all) => all.map((row) => row.id))

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
            expect(yield* Document.get(Database.document(db, "d"))).toMatchObject({ _id: "d", given })
            yield* Database.remove(db)
            expect(yield* Database.exists(db)).toBe(false)
          }))
      }).pipe(Effect.provide(AdminLive)),
    30_000
  )

  it.scopedLive(
    "document ids of printable, path-like and unicode text, _design/ and _local/ ones: that document and no other",
    () =>
      Effect.gen(function*() {
        const db = yield* TestCouch.withDatabase("test/names-docs")
        yield* forAll(docId, 50, (id) =>
          Effect.gen(function*() {
            const doc = Database.document(db, id)
            yield* removedLater(doc)
            const local = id.startsWith("_local/")
            expect((yield* Document.put(doc, { id })).id).toBe(id)
            const read = yield* Document.get(doc)
            expect(read).toMatchObject({ _id: id, id })
            // The one document written is this one (a `_local/` one is not counted).
            expect((yield* Database.info(db)).doc_count).toBe(local ? 0 : 1)
            if (!local) {
              // As a key of _all_docs too, sent as JSON in the query string.
              const [row] = yield* rows(View.stream(Database.allDocs(db), { key: id }))
              expect(row?.id).toBe(id)
            }
            expect((yield* Document.remove(doc, { rev: read._rev })).id).toBe(id)
            expect(yield* Document.exists(doc)).toBe(false)
            expect((yield* Database.info(db)).doc_count).toBe(0)
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
        yield* forAll(fc.tuple(designName, name), 25, ([ddocName, viewName]) =>
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
            expect((yield* Database.info(db)).doc_count).toBe(2)
            if (!ddocName.includes("/") && !viewName.includes("/")) {
              const [row] = yield* rows(View.stream(DesignDocument.view(ddoc, viewName)))
              expect(row).toMatchObject({ id: "one", key: 1 })
            }
            yield* DesignDocument.remove(ddoc, { rev: read._rev })
            expect((yield* Database.info(db)).doc_count).toBe(1)
          }))
      }).pipe(Effect.provide(AdminLive)),
    30_000
  )

  it.scopedLive(
    "attachment names with slashes, path-like pieces and unicode: stored, listed and read back as given",
    () =>
      Effect.gen(function*() {
        const db = yield* TestCouch.withDatabase("test/names-atts")
        const encoder = new TextEncoder()
        // Names built around `/`: `a//b`, `./x`, `q/`, `a/../b` and the like.
        const slashed = fc.tuple(fc.array(fc.oneof(plain, piece), { minLength: 1, maxLength: 4 }))
          .map(([parts]) => parts.join("/"))
          .filter((s) => !isDotSegment(s) && !s.startsWith("_"))
        let run = 0
        yield* forAll(fc.tuple(plain, fc.oneof(plain, slashed)), 30, ([generated, attachmentName]) =>
          Effect.gen(function*() {
            // A document of its own per run: pouchdb-server cannot put an attachment without a rev on a
            // deleted document (404), which a shrinking run repeating an id would otherwise do.
            const id = `${run++}${generated}`
            const attachment = Database.attachment(db, id, attachmentName)
            yield* removedLater(Database.document(db, id))
            // Another attachment first: a name that reached a different one would show here.
            const first = yield* Attachment.put(Database.attachment(db, id, "other"), encoder.encode("other"), {
              contentType: "text/plain"
            })
            const body = encoder.encode(`${id} / ${attachmentName}`)
            const written = yield* Attachment.put(attachment, body, { contentType: "text/plain", rev: first.rev })
            expect(written.id).toBe(id)
            expect(yield* Attachment.get(attachment)).toEqual(body)
            expect(yield* Attachment.get(Database.attachment(db, id, "other"))).toEqual(encoder.encode("other"))
            const doc = yield* Document.get(Database.document(db, id))
            expect(Object.keys(doc._attachments ?? {}).sort()).toEqual([attachmentName, "other"].sort())
            expect((yield* Database.info(db)).doc_count).toBe(1)
            yield* Attachment.remove(attachment, { rev: written.rev })
            expect(yield* Attachment.exists(attachment)).toBe(false)
            expect(yield* Attachment.exists(Database.attachment(db, id, "other"))).toBe(true)
          }))
      }).pipe(Effect.provide(AdminLive)),
    30_000
  )
})

describe("empty, . and .. segments on the embedded server", () => {
  it.scopedLive("are an InvalidRequest naming the segment, nothing is sent, and the database is untouched", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("test/names-dots")
      const couch = yield* CouchClient.CouchClient
      yield* Document.put(Database.document(db, "keep"), { keep: true })
      yield* Attachment.put(Database.attachment(db, "keep", "x"), new TextEncoder().encode("x"), {
        contentType: "text/plain",
        rev: (yield* Document.get(Database.document(db, "keep")))._rev
      })
      const before = yield* Document.get(Database.document(db, "keep"))
      const refused = <A, E extends { readonly _tag: string }>(
        effect: Effect.Effect<A, E, Services>,
        segment: string
      ) =>
        Effect.gen(function*() {
          const count = sent.length
          const error = yield* Effect.flip(effect)
          // Compared as text: a mismatch would print the whole error otherwise.
          const description = "description" in error ? String(error.description) : ""
          expect([error._tag, description, sent.slice(count)]).toEqual([
            "InvalidRequest",
            expect.stringContaining(segment === "" ? "is empty" : `is "${segment}"`),
            []
          ])
        })
      for (const segment of ["", ".", ".."]) {
        yield* refused(Database.remove(couch.database(segment)), segment)
        yield* refused(Database.create(couch.database(segment)), segment)
        for (const id of [segment, `_design/${segment}`, `_local/${segment}`]) {
          // `_design/` alone is the id `_design/`, one segment: only `_design/.` and `_design/..` are refused.
          if (segment === "" && id !== "") continue
          const doc = Database.document(db, id)
          yield* refused(Document.remove(doc, { rev: before._rev }), segment)
          yield* refused(Document.put(doc, { _rev: before._rev, keep: false }), segment)
          yield* refused(Document.get(doc), segment)
        }
        // A design document named "" is the id `_design/`, sent as the one segment `_design%2F` (see
        // CouchUrl.documentSegments): not another resource, but not refused either.
        if (segment !== "") yield* refused(DesignDocument.get(Database.designDocument(db, segment)), segment)
        const attachment = Database.attachment(db, "keep", segment)
        yield* refused(Attachment.remove(attachment, { rev: before._rev }), segment)
        yield* refused(
          Attachment.put(attachment, new Uint8Array(1), { contentType: "text/plain", rev: before._rev }),
          segment
        )
        yield* refused(Attachment.get(attachment), segment)
      }
      // Nothing reached the database, the document or its attachment.
      expect(yield* Document.get(Database.document(db, "keep"))).toEqual(before)
      expect(yield* Attachment.get(Database.attachment(db, "keep", "x"))).toEqual(new TextEncoder().encode("x"))
      expect(yield* allIds(db)).toEqual(["keep"])
    }).pipe(Effect.provide(AdminLive)))
})

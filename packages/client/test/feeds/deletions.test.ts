/**
 * Deletions are ordinary data. A typed `_changes` feed goes on past a deleted document (its
 * change carries the tombstone, decoded without the document Schema), and views and
 * `_all_docs` rows whose `doc` is `null` decode whatever the document Schema is.
 */
import { Changes, Database, DesignDocument, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import { allDocs, changes, couchChanges, drain, perByte, rowsOf, withDb } from "./kit.js"

const Todo = Schema.Struct({ _id: Schema.String, title: Schema.String })

const revA = "1-967a00dff5e02add41819138abb3284d"
const revGone = "2-d0ae140c7f7cdb92dd85a3e31ae18f0c"
const live = (seq: string, id: string, title: string) => ({
  seq,
  id,
  changes: [{ rev: revA }],
  doc: { _id: id, _rev: revA, title }
})
/** A deletion as CouchDB 3.x writes it with include_docs: `deleted` before `doc`, the doc a tombstone. */
const deletion = (seq: string, id: string, kept: Record<string, unknown> = {}) => ({
  seq,
  id,
  changes: [{ rev: revGone }],
  deleted: true,
  doc: { _id: id, _rev: revGone, _deleted: true, ...kept }
})

describe("a typed _changes feed and deleted documents", () => {
  const rows = [live("1-g1AA", "a", "first"), deletion("2-g1AA", "gone"), live("3-g1AA", "c", "third")]

  it.effect("goes on past a deletion, in every mode; the deleted change carries its tombstone", () =>
    Effect.gen(function*() {
      const continuous = rows.map((row) => `${JSON.stringify(row)}\n`).join("")
      const bodies = [
        { feed: "normal", body: couchChanges(rows, "3-g1AA", 0), headers: {} },
        { feed: "continuous", body: `${continuous}{"last_seq":"3-g1AA","pending":0}\n`, headers: {} },
        {
          feed: "eventsource",
          body: rows.map((row) => `data: ${JSON.stringify(row)}\nid: ${row.seq}\n\n`).join(""),
          headers: { "content-type": "text/event-stream" }
        }
      ] as const
      for (const { body, feed, headers } of bodies) {
        for (const chunks of [[body], perByte(body)]) {
          const { errors, values } = yield* withDb(
            [changes(MockCouch.chunked(200, chunks, { headers }))],
            (db) => drain(Changes.stream(db, { feed, include_docs: true, schema: Todo }))
          )
          expect(errors).toEqual([])
          expect(values).toEqual([
            { seq: "1-g1AA", id: "a", changes: [{ rev: revA }], doc: { _id: "a", _rev: revA, title: "first" } },
            {
              seq: "2-g1AA",
              id: "gone",
              changes: [{ rev: revGone }],
              deleted: true,
              doc: { _id: "gone", _rev: revGone, _deleted: true }
            },
            { seq: "3-g1AA", id: "c", changes: [{ rev: revA }], doc: { _id: "c", _rev: revA, title: "third" } }
          ])
        }
      }
    }))

  it.effect("`deleted` tells the two apart: a live change's doc is the Schema's, a deleted one's the tombstone", () =>
    Effect.gen(function*() {
      const read = yield* withDb(
        [changes(MockCouch.json(200, { results: rows, last_seq: "3-g1AA" }))],
        (db) => rowsOf(Changes.stream(db, { include_docs: true, schema: Todo }))
      )
      // Checked by the compiler too: `_rev` exists only on the tombstone, `title` only on the document.
      const described = read.map((change) =>
        change.deleted ? `${change.id} deleted at ${change.doc?._rev}` : `${change.id}: ${change.doc?.title}`
      )
      expect(described).toEqual(["a: first", `gone deleted at ${revGone}`, "c: third"])
    }))

  it.effect("a deletion made by PUT with a body keeps its fields in the tombstone, in the order sent", () =>
    Effect.gen(function*() {
      const kept = deletion("2-g1AA", "gone", { title: "kept", tags: ["x"], n: null })
      const reordered = { ...deletion("3", "b"), doc: { n: 1, _deleted: true, _rev: revGone, _id: "b" } }
      const read = yield* withDb(
        [changes(MockCouch.chunked(200, [`${JSON.stringify(kept)}\n${JSON.stringify(reordered)}\n`]))],
        (db) => rowsOf(Changes.stream(db, { feed: "continuous", include_docs: true, schema: Todo }))
      )
      expect(read[0]?.doc).toStrictEqual({
        _id: "gone",
        _rev: revGone,
        _deleted: true,
        title: "kept",
        tags: ["x"],
        n: null
      })
      expect(Object.keys(read[1]?.doc ?? {})).toEqual(["_id", "_rev", "_deleted", "n"])
    }))

  it.effect("a deletion without include_docs, or with a null doc, decodes; a live doc of null stays null", () =>
    Effect.gen(function*() {
      // A document Schema that would turn null into something: it is never asked.
      const Lenient = Schema.transform(Schema.Unknown, Schema.String, { decode: String, encode: (s) => s })
      const body = [
        { seq: 1, id: "a", changes: [{ rev: revGone }], deleted: true },
        { seq: 2, id: "b", changes: [{ rev: revGone }], deleted: true, doc: null },
        { seq: 3, id: "c", changes: [{ rev: revA }], doc: null }
      ].map((row) => `${JSON.stringify(row)}\n`).join("")
      const read = yield* withDb(
        [changes(MockCouch.chunked(200, [body]))],
        (db) => rowsOf(Changes.stream(db, { feed: "continuous", include_docs: true, schema: Lenient }))
      )
      expect(read.map((change) => [change.deleted, change.doc])).toEqual([[true, undefined], [true, null], [
        undefined,
        null
      ]])
    }))

  it.effect("a deleted change whose doc is not a tombstone is a DecodeError naming the tombstone", () =>
    Effect.gen(function*() {
      const bad = { seq: "2", id: "gone", changes: [{ rev: revGone }], deleted: true, doc: { _id: "gone", title: "x" } }
      const { errors, values } = yield* withDb(
        [changes(MockCouch.chunked(200, [`${JSON.stringify(live("1", "a", "ok"))}\n${JSON.stringify(bad)}\n`]))],
        (db) => drain(Changes.stream(db, { feed: "continuous", include_docs: true, schema: Todo }))
      )
      expect(values.map((change) => change.id)).toEqual(["a"])
      expect(errors.map((e) => e._tag)).toEqual(["DecodeError"])
      expect(errors[0]?.message).toContain("Tombstone")
    }))
})

describe("views and _all_docs rows without a document", () => {
  // Recording 3.45 of couchdb-3.5-api.md: POST /api/_all_docs?include_docs=true with keys ["b1","gone"].
  const recorded = [
    `{"total_rows":29,"offset":null,"rows":[\r\n{"id":"b1","key":"b1","value":{"rev":"1-7a7e4b29f3af401e69b6f86e4c26b727"},"doc":{"_id":"b1","_rev":"1-7a7e4b29f3af401e69b6f86e4c26b727","v":1}},\r\n{"id":"gone","key":"gone","value":{"rev":"2-d0ae140c7f7cdb92dd85a3e31ae18f0c","deleted":true},"doc":null}\r\n]}`,
    "\n"
  ]
  const Doc = Schema.Struct({ _id: Schema.String, v: Schema.Number })

  it.effect("_all_docs with keys and include_docs (3.45): the deleted document's row has doc null", () =>
    Effect.gen(function*() {
      for (const chunks of [recorded, perByte(recorded.join(""))]) {
        const result = yield* withDb(
          [allDocs(MockCouch.chunked(200, chunks))],
          (db) =>
            Effect.scoped(Effect.gen(function*() {
              const feed = yield* View.open(Database.allDocs(db), {
                keys: ["b1", "gone"],
                include_docs: true,
                keySchema: Schema.String,
                valueSchema: View.AllDocsValue,
                schema: Doc
              })
              return { rows: yield* rowsOf(feed.rows), meta: yield* feed.meta }
            }))
        )
        expect(result.rows).toEqual([
          {
            id: "b1",
            key: "b1",
            value: { rev: "1-7a7e4b29f3af401e69b6f86e4c26b727" },
            doc: { _id: "b1", _rev: "1-7a7e4b29f3af401e69b6f86e4c26b727", v: 1 }
          },
          { id: "gone", key: "gone", value: { rev: revGone, deleted: true }, doc: null }
        ])
        expect(result.meta).toEqual({ totalRows: Option.some(29), offset: Option.none(), updateSeq: Option.none() })
        // `value.deleted` says which row has no document.
        const deleted = result.rows.flatMap((row) => !View.isErrorRow(row) && row.value.deleted ? [row.key] : [])
        expect(deleted).toEqual(["gone"])
      }
    }))

  it.effect("pouchdb-server's rows: doc null even without include_docs, error rows for missing keys", () =>
    Effect.gen(function*() {
      // test-server.md §2.2: `offset` before `total_rows`, `"doc":null` on a deleted document's row.
      const body =
        `{"offset":0,"total_rows":14,"rows":[{"key":"zz","error":"not_found"},{"id":"doc1","key":"doc1","value":{"rev":"5-a","deleted":true},"doc":null}]}\n`
      const rows = yield* withDb(
        [allDocs(MockCouch.raw(200, body, { "content-type": "application/json" }))],
        (db) =>
          rowsOf(
            View.stream(Database.allDocs(db), { keys: ["zz", "doc1"], valueSchema: View.AllDocsValue, schema: Doc })
          )
      )
      expect(rows).toEqual([
        { key: "zz", error: "not_found" },
        { id: "doc1", key: "doc1", value: { rev: "5-a", deleted: true }, doc: null }
      ])
    }))

  it.effect("a view row whose linked document does not exist has doc null, whatever the doc Schema", () =>
    Effect.gen(function*() {
      const Lenient = Schema.transform(Schema.Unknown, Schema.String, { decode: String, encode: (s) => s })
      const body =
        `{"total_rows":2,"offset":0,"rows":[\r\n{"id":"a","key":1,"value":{"_id":"b1"},"doc":{"_id":"b1","_rev":"1-b","v":1}},\r\n{"id":"a","key":2,"value":{"_id":"nope"},"doc":null}\r\n]}\n`
      const route = MockCouch.route("GET", "/db/_design/app/_view/linked", MockCouch.chunked(200, [body]))
      const typed = yield* withDb(
        [route],
        (db) =>
          rowsOf(
            View.stream(DesignDocument.view(Database.designDocument(db, "app"), "linked"), {
              include_docs: true,
              schema: Doc
            })
          )
      )
      expect(typed.map((row) => row.doc)).toEqual([{ _id: "b1", _rev: "1-b", v: 1 }, null])
      const lenient = yield* withDb(
        [route],
        (db) =>
          rowsOf(
            View.stream(DesignDocument.view(Database.designDocument(db, "app"), "linked"), {
              include_docs: true,
              schema: Lenient
            })
          )
      )
      expect(lenient.map((row) => row.doc)).toEqual(["[object Object]", null])
    }))
})

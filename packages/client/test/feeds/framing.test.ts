/**
 * How the views and `_changes` feeds read their bodies: chunk boundaries in awkward places
 * (inside characters, rows, escapes), and the layouts of CouchDB and pouchdb-server.
 */
import { Changes, Database, DesignDocument, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Option, Schema } from "effect"
import {
  allDocs,
  aroundEscapes,
  change,
  changes,
  Couch,
  couchChanges,
  couchView,
  cutAt,
  database,
  encoder,
  eventStream,
  everyTwoWayCut,
  insideCharacters,
  perByte,
  rowsOf,
  withDb
} from "./kit.js"

describe("chunk boundaries", () => {
  const unicodeRows = [
    { id: "café", key: ["é", "😀"], value: "naïve ☃" },
    { id: "😀😀", key: "ß", value: { emoji: "👍🏽", text: "日本語" } }
  ]
  const unicodeView = couchView(unicodeRows, `"total_rows":2,"offset":0,`)

  it.effect("a boundary inside multi-byte UTF-8 characters of view rows", () =>
    Effect.gen(function*() {
      const offsets = insideCharacters(unicodeView)
      // é and ß (2 bytes), ☃ and 日本語 (3 bytes), 😀 and 👍🏽 (4 bytes): every cut inside each.
      expect(offsets.length).toBe(27)
      for (const chunks of [cutAt(unicodeView, offsets), perByte(unicodeView)]) {
        const rows = yield* withDb([allDocs(MockCouch.chunked(200, chunks))], (db) =>
          rowsOf(View.stream(Database.allDocs(db))))
        expect(rows).toEqual(unicodeRows)
      }
    }))

  it.effect("a boundary inside multi-byte UTF-8 characters of continuous changes and events", () =>
    Effect.gen(function*() {
      const rows = [change("1-é", "é"), change("2-😀", "😀", { doc: { note: "日本語 ☃" } })]
      const continuous = rows.map((row) => `${JSON.stringify(row)}\n`).join("")
      const events = rows.map((row) => `data: ${JSON.stringify(row)}\nid: ${row.seq}\n\n`).join("")
      for (const chunks of [cutAt(continuous, insideCharacters(continuous)), perByte(continuous)]) {
        const read = yield* withDb(
          [changes(MockCouch.chunked(200, chunks))],
          (db) => rowsOf(Changes.stream(db, { feed: "continuous" }))
        )
        expect(read).toEqual(rows)
      }
      for (const chunks of [cutAt(events, insideCharacters(events)), perByte(events)]) {
        const read = yield* withDb(
          [changes(MockCouch.chunked(200, chunks, { headers: eventStream }))],
          (db) => rowsOf(Changes.stream(db, { feed: "eventsource" }))
        )
        expect(read).toEqual(rows)
      }
    }))

  it.effect("a boundary anywhere in a view body, rows included (every two-way cut)", () =>
    Effect.gen(function*() {
      const rows = [
        { id: "a", key: [1, "x", null, true], value: { n: -1.5e3, list: [1, [2, { three: 3 }]] } },
        { id: "b", key: false, value: null }
      ]
      const body = couchView(rows, `"total_rows":9,"offset":4,"update_seq":"12-g1AAAA",`)
      for (const chunks of everyTwoWayCut(body)) {
        const result = yield* withDb([allDocs(MockCouch.chunked(200, chunks))], (db) =>
          Effect.scoped(Effect.gen(function*() {
            const feed = yield* View.open(Database.allDocs(db))
            const meta = yield* feed.meta
            return { meta, rows: yield* rowsOf(feed.rows) }
          })))
        expect(result).toEqual({
          meta: { totalRows: Option.some(9), offset: Option.some(4), updateSeq: Option.some("12-g1AAAA") },
          rows
        })
      }
    }))

  it.effect("a boundary anywhere in a normal _changes body (every two-way cut)", () =>
    Effect.gen(function*() {
      const rows = [change("1-a", "a"), change("2-b", "b", { deleted: true })]
      const body = couchChanges(rows, "2-b", 3)
      for (const chunks of everyTwoWayCut(body)) {
        const result = yield* withDb([changes(MockCouch.chunked(200, chunks))], (db) =>
          Effect.scoped(Effect.gen(function*() {
            const feed = yield* Changes.open(db)
            const read = yield* rowsOf(feed.changes)
            return { read, lastSeq: yield* feed.lastSeq, pending: yield* feed.pending }
          })))
        expect(result).toEqual({ read: rows, lastSeq: Option.some("2-b"), pending: Option.some(3) })
      }
    }))

  it.effect("text that looks like structure inside strings: total_rows, rows, ]} and ,\\r\\n", () =>
    Effect.gen(function*() {
      const rows = [
        {
          id: "tricky",
          key: "]}",
          value: ",\r\n",
          doc: {
            _id: "tricky",
            note: "{\"total_rows\":99,\"offset\":7,\"rows\":[",
            tail: "\r\n]}\n",
            sep: ",\r\n{\"id\":\"fake\"}",
            rows: [{ total_rows: 5 }, "]}"],
            total_rows: 42,
            offset: 1
          }
        },
        { id: "plain", key: "total_rows", value: "\"total_rows\":1", doc: { _id: "plain" } }
      ]
      const body = couchView(rows, `"total_rows":2,"offset":0,`)
      // The body really carries the lookalikes (escaped where JSON requires it).
      expect(body).toContain(String.raw`"note":"{\"total_rows\":99,\"offset\":7,\"rows\":[",`)
      expect(body).toContain(String.raw`"sep":",\r\n{\"id\":\"fake\"}"`)
      for (const chunks of [[body], perByte(body), cutAt(body, [40, 41, 100, 150, 151, 200, 260])]) {
        const result = yield* withDb(
          [allDocs(MockCouch.chunked(200, chunks))],
          (db) =>
            Effect.scoped(Effect.gen(function*() {
              const feed = yield* View.open(Database.allDocs(db), { include_docs: true })
              const read = yield* rowsOf(feed.rows)
              return { read, meta: yield* feed.meta }
            }))
        )
        expect(result.read).toEqual(rows)
        expect(result.meta).toEqual({ totalRows: Option.some(2), offset: Option.some(0), updateSeq: Option.none() })
      }
    }))

  it.effect("escaped quotes and backslashes with a boundary at each of them", () =>
    Effect.gen(function*() {
      const values = ["say \"hi\"", "C:\\dir\\", "\\\"", "\\", "\"", "é\"]}", "\\\\\"\\", "\\u0041 is not A"]
      const rows = values.map((value, i) => ({ id: `r${i}`, key: value, value }))
      const body = couchView(rows, `"total_rows":8,"offset":0,`)
      expect(body).toContain(String.raw`"value":"C:\\dir\\"}`)
      expect(body).toContain(String.raw`"value":"\\\""}`)
      for (const chunks of [cutAt(body, aroundEscapes(body)), perByte(body), ...everyTwoWayCut(body)]) {
        const read = yield* withDb([allDocs(MockCouch.chunked(200, chunks))], (db) =>
          rowsOf(View.stream(Database.allDocs(db))))
        expect(read.map((row) =>
          row.value
        )).toEqual(values)
      }
      // The same in continuous lines and eventsource data.
      const changeRows = values.map((value, i) => change(`${i}-x`, value))
      const lines = changeRows.map((row) => `${JSON.stringify(row)}\n`).join("")
      const events = changeRows.map((row) => `data: ${JSON.stringify(row)}\n\n`).join("")
      for (const chunks of [cutAt(lines, aroundEscapes(lines)), perByte(lines)]) {
        const read = yield* withDb(
          [changes(MockCouch.chunked(200, chunks))],
          (db) => rowsOf(Changes.stream(db, { feed: "continuous" }))
        )
        expect(read.map((row) => row.id)).toEqual(values)
      }
      for (const chunks of [cutAt(events, aroundEscapes(events)), perByte(events)]) {
        const read = yield* withDb(
          [changes(MockCouch.chunked(200, chunks, { headers: eventStream }))],
          (db) => rowsOf(Changes.stream(db, { feed: "eventsource" }))
        )
        expect(read.map((row) => row.id)).toEqual(values)
      }
    }))
})

describe("body layouts", () => {
  const pouchAllDocs =
    `{"total_rows":14,"offset":0,"rows":[{"id":"0922","key":"0922","value":{"rev":"1-a111"}},{"id":"a/b","key":"a/b","value":{"rev":"1-b"}},{"id":"attdoc","key":"attdoc","value":{"rev":"2-c"}}]}\n`

  it.scoped("pouchdb-server single-line bodies, sent with Content-Length", () =>
    Effect.gen(function*() {
      const feed = yield* View.open(Database.allDocs(yield* database), {
        limit: 3,
        keySchema: Schema.String,
        valueSchema: Schema.Struct({ rev: Schema.String })
      })
      expect(yield* feed.meta).toEqual({ totalRows: Option.some(14), offset: Option.some(0), updateSeq: Option.none() })
      const rows = yield* rowsOf(feed.rows)
      expect(rows.map((row) => [row.id, row.value.rev])).toEqual([
        ["0922", "1-a111"],
        ["a/b", "1-b"],
        ["attdoc", "2-c"]
      ])
    }).pipe(Effect.provide(Couch(allDocs(MockCouch.raw(200, pouchAllDocs, {
      "content-type": "application/json",
      "content-length": String(encoder.encode(pouchAllDocs).length)
    }))))))

  it.scoped("offset before total_rows, and update_seq after the rows (known once they are drained)", () =>
    Effect.gen(function*() {
      const feed = yield* View.open(Database.allDocs(yield* database), { update_seq: true })
      expect(yield* feed.meta).toEqual({ totalRows: Option.some(5), offset: Option.some(1), updateSeq: Option.none() })
      expect(yield* rowsOf(feed.rows)).toEqual([{ key: "a", id: "r1", value: 1 }, { key: "b", id: "r2", value: 1 }])
      expect(yield* feed.meta).toEqual({ totalRows: Option.some(5), offset: Option.some(1), updateSeq: Option.some(7) })
    }).pipe(Effect.provide(Couch(allDocs(MockCouch.chunked(200, [
      `{"offset":1,"total_rows":5,"rows":[{"key":"a","id":"r1","value":1},`,
      `{"key":"b","id":"r2","value":1}],"update_seq":7}\n`
    ]))))))

  it.scoped("CouchDB's update_seq in the meta line is known as soon as the view is open", () =>
    Effect.gen(function*() {
      const feed = yield* View.open(Database.allDocs(yield* database), { update_seq: true })
      expect((yield* feed.meta).updateSeq).toEqual(Option.some("3-g1AAAAB"))
      expect(yield* rowsOf(feed.rows)).toHaveLength(1)
    }).pipe(Effect.provide(Couch(allDocs(MockCouch.chunked(200, [
      `{"total_rows":1,"offset":0,"update_seq":"3-g1AAAAB","rows":[\r\n`,
      `{"id":"a","key":"a","value":{"rev":"1-a"}}`,
      `\r\n]}`,
      "\n"
    ]))))))

  it.scoped("a Sync Gateway style trailer: total_rows and update_seq after the rows", () =>
    Effect.gen(function*() {
      const feed = yield* View.open(Database.allDocs(yield* database))
      expect((yield* feed.meta).totalRows).toEqual(Option.none())
      expect(yield* rowsOf(feed.rows)).toEqual([{ id: "a", key: "a", value: 1 }, { id: "b", key: "b", value: 2 }])
      expect(yield* feed.meta).toEqual({ totalRows: Option.some(2), offset: Option.none(), updateSeq: Option.some(5) })
    }).pipe(Effect.provide(Couch(allDocs(MockCouch.chunked(200, [
      `{"rows":[\n{"id":"a","key":"a","value":1},\n{"id":"b","key":"b","value":2}\n],\n`,
      `"total_rows":2,"update_seq":5}\n`
    ]))))))

  it.effect("reduce output has rows without id and no meta (CouchDB and pouchdb-server layouts)", () =>
    Effect.gen(function*() {
      for (
        const body of [
          `{"rows":[\r\n{"key":"a","value":2},\r\n{"key":"b","value":2},\r\n{"key":"c","value":1}\r\n]}\n`,
          `{"rows":[{"value":2,"key":"a"},{"value":2,"key":"b"},{"value":1,"key":"c"}]}\n`
        ]
      ) {
        const route = MockCouch.route("GET", "/db/_design/app/_view/count", MockCouch.raw(200, body))
        const result = yield* withDb([route], (db) =>
          Effect.scoped(Effect.gen(function*() {
            const feed = yield* View.open(DesignDocument.view(Database.designDocument(db, "app"), "count"), {
              group: true,
              keySchema: Schema.String,
              valueSchema: Schema.Number
            })
            return { rows: yield* rowsOf(feed.rows), meta: yield* feed.meta }
          })))
        expect(result.rows).toEqual([{ key: "a", value: 2 }, { key: "b", value: 2 }, { key: "c", value: 1 }])
        expect(result.rows.some((row) => "id" in row)).toBe(false)
        expect(result.meta).toEqual({ totalRows: Option.none(), offset: Option.none(), updateSeq: Option.none() })
      }
    }))

  it.effect("empty views: map and reduce, CouchDB and pouchdb-server layouts", () =>
    Effect.gen(function*() {
      const cases = [
        { body: `{"total_rows":0,"offset":0,"rows":[\r\n\r\n]}\n`, totalRows: Option.some(0) },
        { body: `{"total_rows":14,"offset":14,"rows":[]}\n`, totalRows: Option.some(14) },
        { body: `{"rows":[\r\n\r\n]}\n`, totalRows: Option.none() },
        { body: `{"rows":[]}`, totalRows: Option.none() }
      ]
      for (const { body, totalRows } of cases) {
        for (const chunks of [[body], perByte(body)]) {
          const result = yield* withDb([allDocs(MockCouch.chunked(200, chunks))], (db) =>
            Effect.scoped(Effect.gen(function*() {
              const feed = yield* View.open(Database.allDocs(db))
              return { rows: yield* rowsOf(feed.rows), meta: yield* feed.meta }
            })))
          expect(result.rows).toEqual([])
          expect(result.meta.totalRows).toEqual(totalRows)
        }
      }
    }))

  it.scoped("continuous heartbeats (blank lines, CRLF, spaces) are dropped; integer seqs stay numbers", () =>
    Effect.gen(function*() {
      const feed = yield* Changes.open(yield* database, { feed: "continuous", heartbeat: 500 })
      const read = yield* rowsOf(feed.changes)
      expect(read).toEqual([
        { id: "d0", changes: [{ rev: "1-fe4c" }], seq: 1 },
        { id: "w700", changes: [{ rev: "1-aa" }], seq: 2 }
      ])
      expect(yield* feed.lastSeq).toEqual(Option.some(2))
    }).pipe(Effect.provide(Couch(changes(MockCouch.chunked(200, [
      "\n",
      `{"id":"d0","changes":[{"rev":"1-fe4c"}],"seq":1}\n`,
      "\n",
      "\n\n",
      "\r\n",
      "  \n",
      `{"id":"w700","changes":[{"rev":"1-aa"}],"seq":2}\n\n`,
      "\n"
    ]))))))

  it.scoped("longpoll heartbeats inside the results array (pouchdb-server) are skipped", () =>
    Effect.gen(function*() {
      const feed = yield* Changes.open(yield* database, { feed: "longpoll", since: 5 })
      expect(yield* rowsOf(feed.changes)).toEqual([{ id: "late", changes: [{ rev: "1-x" }], seq: 6 }])
      expect(yield* feed.lastSeq).toEqual(Option.some(6))
      expect(yield* feed.pending).toEqual(Option.none())
    }).pipe(Effect.provide(Couch(changes(MockCouch.chunked(200, [
      `{"results":[\n`,
      "\n",
      "\n",
      `{"id":"late","changes":[{"rev":"1-x"}],"seq":6}\n`,
      `],\n"last_seq":6}\n`
    ]))))))
})

/**
 * Bodies the feeds cannot use: cut short (whatever the framing), broken connections,
 * invalid JSON, rows that do not match their Schema, and 200 answers without the expected
 * `rows`/`results` array. Each is a typed error after the rows read before it, never an
 * empty or shortened success.
 */
import { Changes, CouchClient, CouchError, Database, DbUpdates, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, Stream } from "effect"
import {
  allDocs,
  base,
  change,
  changes,
  Couch,
  couchChanges,
  couchView,
  cutAt,
  drain,
  encoder,
  eventStream,
  perByte,
  rowsOf,
  withDb
} from "./kit.js"

describe("broken and invalid bodies", () => {
  const twoRows = `{"total_rows":3,"offset":0,"rows":[\r\n{"id":"a","key":"a","value":1},\r\n{"id":"b","ke`
  const fail = { failAfter: "ECONNRESET" }

  it.effect("a view body that ends before its JSON does was cut short: the rows read, then a TransportError", () =>
    Effect.gen(function*() {
      // What a `Connection: close` body cut short looks like: the body ends, cleanly, too soon.
      const cases: ReadonlyArray<readonly [ReadonlyArray<string | Uint8Array>, ReadonlyArray<string>]> = [
        [[twoRows], ["a"]],
        [perByte(twoRows), ["a"]],
        [[`{"total_rows":3,"offset":0,"rows":[\r\n{"id":"a","key":"a","value":1}`], []],
        [[`{"total_rows":3,"offset":0,"rows":[\r\n{"id":"a","key":"a","value":1}\r\n]`], ["a"]],
        [[`{"total_rows":3,"offs`], []],
        [[""], []]
      ]
      for (const [chunks, ids] of cases) {
        const { errors, values } = yield* withDb(
          [allDocs(MockCouch.chunked(200, chunks))],
          (db) => drain(View.stream(Database.allDocs(db)))
        )
        expect(values.map((row) => row.id)).toEqual(ids)
        expect(errors).toHaveLength(1)
        expect(errors[0]).toBeInstanceOf(CouchError.TransportError)
        expect(errors[0]).toMatchObject({ kind: "Reset", method: "GET", url: `${base}/db/_all_docs` })
        expect(errors[0]?.message).toContain("the response body was cut short")
      }
    }))

  it.effect("a _changes body that ends inside its JSON, a line or an event was cut short, in every mode", () =>
    Effect.gen(function*() {
      const cutShort = { _tag: "TransportError", kind: "Reset" }
      const a = JSON.stringify(change("1-a", "a"))
      const normal = couchChanges([change("1-a", "a"), change("2-b", "b")], "2-b", 0)
      const normalRead = yield* withDb(
        [changes(MockCouch.chunked(200, [normal.slice(0, normal.indexOf("\"last_seq\"") + 4)]))],
        (db) => drain(Changes.stream(db))
      )
      expect(normalRead.values.map((c) => c.id)).toEqual(["a", "b"])
      expect(normalRead.errors).toMatchObject([cutShort])

      const continuous = [
        // Half a change: never parsed as a (broken) change.
        `${a}\n{"seq":"2-b","id":"b","chan`,
        // A body cut inside a multi-byte character is not silently shortened.
        encoder.encode(`${a}\n{"seq":"2-b","id":"é"}`).slice(0, -3),
        // Every line CouchDB sends ends with its newline: a last line without one was cut, even if it parses.
        `${a}\n{"last_seq":"2-b","pending":0}`
      ]
      for (const body of continuous) {
        for (const chunks of [[body], cutAt(body, [30, 60])]) {
          const read = yield* withDb(
            [changes(MockCouch.chunked(200, chunks))],
            (db) => drain(Changes.stream(db, { feed: "continuous" }))
          )
          expect(read.values.map((c) => c.id)).toEqual(["a"])
          expect(read.errors).toMatchObject([cutShort])
          expect(read.errors[0]?.message).toContain("the response body was cut short: it ended inside a line")
        }
      }

      // Ended inside the data line, then after the fields but before the blank line that dispatches the event.
      for (const body of [`data: ${a}\n\ndata: {"seq":"2-b"`, `data: ${a}\n\ndata: ${a}\nid: 2-b\n`]) {
        const read = yield* withDb(
          [changes(MockCouch.chunked(200, [body], { headers: eventStream }))],
          (db) => drain(Changes.stream(db, { feed: "eventsource" }))
        )
        expect(read.values.map((c) => c.id)).toEqual(["a"])
        expect(read.errors).toMatchObject([cutShort])
        expect(read.errors[0]?.message).toContain("the response body was cut short")
      }
    }))

  it.effect("a continuous or eventsource feed the server ends after a whole line or event ends normally", () =>
    Effect.gen(function*() {
      // pouchdb-server never sends a last_seq line; CouchDB sends one on timeout or limit.
      const a = JSON.stringify(change("1-a", "a"))
      for (const body of [`${a}\n`, `${a}\n\n`, `${a}\r\n{"last_seq":"1-a","pending":0}\n`]) {
        const read = yield* withDb(
          [changes(MockCouch.chunked(200, [body]))],
          (db) => drain(Changes.stream(db, { feed: "continuous" }))
        )
        expect(read).toEqual({ values: [change("1-a", "a")], errors: [] })
      }
      for (const body of [`data: ${a}\n\n`, `data: ${a}\nid: 1-a\n\nevent: heartbeat\ndata: \n\n: bye\n`]) {
        const read = yield* withDb(
          [changes(MockCouch.chunked(200, [body], { headers: eventStream }))],
          (db) => drain(Changes.stream(db, { feed: "eventsource" }))
        )
        expect(read).toEqual({ values: [change("1-a", "a")], errors: [] })
      }
    }))

  it.effect("a connection broken mid-body is a TransportError, in a view", () =>
    Effect.gen(function*() {
      const view = yield* withDb(
        [allDocs(MockCouch.chunked(200, cutAt(twoRows, [20, 50]), fail))],
        (db) => drain(View.stream(Database.allDocs(db)))
      )
      expect(view.values.map((row) => row.id)).toEqual(["a"])
      expect(view.errors.map((e) => e._tag)).toEqual(["TransportError"])
      expect(view.errors[0]).toMatchObject({ kind: "Reset", method: "GET", url: `${base}/db/_all_docs` })
      expect(view.errors[0]?.message).toContain("the response body was cut short: ECONNRESET")

      const beforeRows = yield* withDb(
        [allDocs(MockCouch.chunked(200, [`{"total_rows":3,"off`], fail))],
        (db) => Effect.flip(Effect.scoped(View.open(Database.allDocs(db))))
      )
      expect(beforeRows._tag).toBe("TransportError")
    }))

  it.effect("a connection broken mid-body is a TransportError, in a normal _changes feed", () =>
    Effect.gen(function*() {
      const normal = couchChanges([change("1-a", "a"), change("2-b", "b")], "2-b", 0)
      const normalRead = yield* withDb(
        [changes(MockCouch.chunked(200, [normal.slice(0, normal.indexOf("2-b") + 10)], fail))],
        (db) => drain(Changes.stream(db))
      )
      expect(normalRead.values.map((c) => c.id)).toEqual(["a"])
      expect(normalRead.errors.map((e) => e._tag)).toEqual(["TransportError"])
    }))

  it.effect("a connection broken mid-line of a continuous feed is a TransportError, not a DecodeError", () =>
    Effect.gen(function*() {
      // The half line must not be parsed as a (broken) change.
      const continuous = `${JSON.stringify(change("1-a", "a"))}\n{"seq":"2-b","id":"b","chan`
      for (const chunks of [[continuous], cutAt(continuous, [10, 60, 70])]) {
        const read = yield* withDb(
          [changes(MockCouch.chunked(200, chunks, fail))],
          (db) => drain(Changes.stream(db, { feed: "continuous" }))
        )
        expect(read.values.map((c) => c.id)).toEqual(["a"])
        expect(read.errors.map((e) => e._tag)).toEqual(["TransportError"])
      }
    }))

  it.effect("a connection broken mid-event of an eventsource feed is a TransportError", () =>
    Effect.gen(function*() {
      const events = `data: ${JSON.stringify(change("1-a", "a"))}\nid: 1-a\n\ndata: {"seq":"2-b","id":"b","chan`
      const read = yield* withDb(
        [changes(MockCouch.chunked(200, [events], { ...fail, headers: eventStream }))],
        (db) => drain(Changes.stream(db, { feed: "eventsource" }))
      )
      expect(read.values.map((c) => c.id)).toEqual(["a"])
      expect(read.errors.map((e) => e._tag)).toEqual(["TransportError"])
    }))

  it.effect("an invalid JSON row is a DecodeError after the valid rows, in every feed", () =>
    Effect.gen(function*() {
      const view = yield* withDb(
        [allDocs(MockCouch.chunked(200, [
          `{"total_rows":2,"offset":0,"rows":[\r\n{"id":"a","key":"a","value":1},\r\n{"id":"b","key":tru,"value":1}\r\n]}\n`
        ]))],
        (db) => drain(View.stream(Database.allDocs(db)))
      )
      expect(view.values.map((row) => row.id)).toEqual(["a"])
      expect(view.errors.map((e) => e._tag)).toEqual(["DecodeError"])
      expect(view.errors[0]?.message).toContain("invalid JSON")

      const normal = yield* withDb(
        [changes(MockCouch.chunked(200, [
          `{"results":[\n${JSON.stringify(change("1-a", "a"))},\r\n{"seq":"2-b",,}\n],\n"last_seq":"2-b"}\n`
        ]))],
        (db) => drain(Changes.stream(db))
      )
      expect(normal.values.map((c) => c.id)).toEqual(["a"])
      expect(normal.errors.map((e) => e._tag)).toEqual(["DecodeError"])

      const continuous = yield* withDb(
        [changes(MockCouch.chunked(200, [
          `${JSON.stringify(change("1-a", "a"))}\n{"seq":"2-b",id:"b"}\n${JSON.stringify(change("3-c", "c"))}\n`
        ]))],
        (db) => drain(Changes.stream(db, { feed: "continuous" }))
      )
      expect(continuous.values.map((c) => c.id)).toEqual(["a"])
      expect(continuous.errors.map((e) => e._tag)).toEqual(["DecodeError"])

      const events = yield* withDb(
        [changes(MockCouch.chunked(200, [`data: ${JSON.stringify(change("1-a", "a"))}\n\ndata: {"seq":\n\n`], {
          headers: eventStream
        }))],
        (db) => drain(Changes.stream(db, { feed: "eventsource" }))
      )
      expect(events.values.map((c) => c.id)).toEqual(["a"])
      expect(events.errors.map((e) => e._tag)).toEqual(["DecodeError"])
    }))

  it.effect("a body that is not a JSON object, or has data after it, is a DecodeError", () =>
    Effect.gen(function*() {
      const html = yield* withDb(
        [allDocs(MockCouch.raw(200, "<html><body>proxy</body></html>", { "content-type": "text/html" }))],
        (db) => Effect.flip(Effect.scoped(View.open(Database.allDocs(db))))
      )
      expect(html._tag).toBe("DecodeError")

      const trailing = yield* withDb(
        [allDocs(MockCouch.chunked(200, [`{"rows":[{"key":1,"value":2}]}\n`, `{"rows":[]}`]))],
        (db) => drain(View.stream(Database.allDocs(db)))
      )
      expect(trailing.values).toEqual([{ key: 1, value: 2 }])
      expect(trailing.errors.map((e) => e._tag)).toEqual(["DecodeError"])
    }))

  it.effect("a row that does not match the Schema is a DecodeError naming the field", () =>
    Effect.gen(function*() {
      const view = yield* withDb(
        [allDocs(MockCouch.chunked(200, [
          couchView(
            [{ id: "a", key: "a", value: 1 }, { id: "b", key: "b", value: "one" }],
            `"total_rows":2,"offset":0,`
          )
        ]))],
        (db) => drain(View.stream(Database.allDocs(db), { valueSchema: Schema.Number }))
      )
      expect(view.values).toEqual([{ id: "a", key: "a", value: 1 }])
      expect(view.errors.map((e) => e._tag)).toEqual(["DecodeError"])
      expect(view.errors[0]?.message).toContain("value")

      const Todo = Schema.Struct({ title: Schema.String })
      const feed = yield* withDb(
        [changes(MockCouch.chunked(200, [
          couchChanges(
            [
              change("1-a", "a", { doc: { _id: "a", _rev: "1-a", title: "ok" } }),
              change("2-b", "b", { doc: { _id: "b", _rev: "1-b", title: 2 } })
            ],
            "2-b",
            0
          )
        ]))],
        (db) => drain(Changes.stream(db, { include_docs: true, schema: Todo }))
      )
      expect(feed.values.map((c) => c.doc)).toEqual([{ _id: "a", _rev: "1-a", title: "ok" }])
      expect(feed.errors.map((e) => e._tag)).toEqual(["DecodeError"])
      expect(feed.errors[0]?.message).toContain("title")
    }))
})

describe("a 200 answer without the body shape the feed expects", () => {
  const expectRows = `expected a JSON object with a "rows" array`
  const expectResults = `expected a JSON object with a "results" array`

  it.effect("View.stream on the database itself is a type error, and at run time a DecodeError, not zero rows", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      // @ts-expect-error a Database is not a view target: the handle types keep this from compiling
      const wrong: View.Target = couch.database("db")
      const error = yield* Effect.flip(Stream.runCollect(View.stream(wrong)))
      expect(error).toBeInstanceOf(CouchError.DecodeError)
      expect(error.message).toBe(`DecodeError on GET ${base}/db: ${expectRows}; the body has none`)
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", "/db", MockCouch.json(200, { db_name: "db", doc_count: 3 }))))))

  it.effect("a view body whose rows are missing, null or not an array is a DecodeError saying what was expected", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, string]> = [
        [`{"total_rows":0,"offset":0}\n`, "the body has none"],
        [`{"total_rows":0,"offset":0,"rows":null}\n`, `its "rows" is null`],
        [`{"rows":{"id":"a","key":"a","value":1}}`, `its "rows" is {"id":"a","key":"a","value":1}`],
        [`{"rows":"[]","total_rows":0}`, `its "rows" is "[]"`],
        [`{}`, "the body has none"],
        [`{"error":"not_found","reason":"missing"}\n`, "the body has none (error: not_found, reason: missing)"]
      ]
      for (const [body, says] of cases) {
        for (const chunks of [[body], perByte(body)]) {
          const { errors, values } = yield* withDb(
            [allDocs(MockCouch.chunked(200, chunks))],
            (db) => drain(View.stream(Database.allDocs(db)))
          )
          expect(values).toEqual([])
          expect(errors).toHaveLength(1)
          expect(errors[0]).toBeInstanceOf(CouchError.DecodeError)
          expect(errors[0]?.message).toBe(`DecodeError on GET ${base}/db/_all_docs: ${expectRows}; ${says}`)
        }
      }
      // `View.open` fails too, rather than opening an empty result.
      const opened = yield* withDb(
        [allDocs(MockCouch.json(200, { error: "not_found", reason: "missing" }))],
        (db) => Effect.flip(Effect.scoped(View.open(Database.allDocs(db))))
      )
      expect(opened._tag).toBe("DecodeError")
    }))

  it.effect("a normal _changes or _db_updates body without a results array is a DecodeError", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [unknown, string]> = [
        [{ last_seq: "5-x", pending: 0 }, "the body has none"],
        [{ results: null, last_seq: "5-x" }, `its "results" is null`],
        [{ error: "bad_request", reason: "nope" }, "the body has none (error: bad_request, reason: nope)"]
      ]
      for (const [body, says] of cases) {
        const normal = yield* withDb([changes(MockCouch.json(200, body))], (db) => drain(Changes.stream(db)))
        expect(normal.values).toEqual([])
        expect(normal.errors.map((e) => e.message)).toEqual([
          `DecodeError on GET ${base}/db/_changes: ${expectResults}; ${says}`
        ])
        const updates = yield* Effect.flatMap(CouchClient.CouchClient, (couch) => drain(DbUpdates.stream(couch))).pipe(
          Effect.provide(Couch(MockCouch.route("GET", "/_db_updates", MockCouch.json(200, body))))
        )
        expect(updates.errors.map((e) => e.message)).toEqual([
          `DecodeError on GET ${base}/_db_updates: ${expectResults}; ${says}`
        ])
      }
    }))

  it.effect("a continuous feed answered with a normal body is a DecodeError, not an end line", () =>
    Effect.gen(function*() {
      // A one-line normal body has `last_seq` and no `seq`, like the end line of a continuous feed.
      const { errors, values } = yield* withDb(
        [changes(MockCouch.chunked(200, [`{"results":[${JSON.stringify(change(1, "a"))}],"last_seq":1}\n`]))],
        (db) => drain(Changes.stream(db, { feed: "continuous" }))
      )
      expect(values).toEqual([])
      expect(errors.map((e) => e._tag)).toEqual(["DecodeError"])
    }))

  it.effect("an eventsource feed answered with JSON (pouchdb-server's normal feed) is a DecodeError", () =>
    Effect.gen(function*() {
      const body = `{"results":[${JSON.stringify(change(1, "a"))}],"last_seq":1}\n`
      const error = yield* withDb(
        [changes(MockCouch.chunked(200, [body]))],
        (db) => Effect.flip(Stream.runCollect(Changes.stream(db, { feed: "eventsource" })))
      )
      expect(error.message).toBe(
        `DecodeError on GET ${base}/db/_changes?feed=eventsource&heartbeat=30000: expected a text/event-stream body for feed=eventsource, got application/json (does the server support it?)`
      )
      // Without a Content-Type the body is read as events.
      const untyped = yield* withDb(
        [changes(MockCouch.raw(200, `data: ${JSON.stringify(change(1, "a"))}\n\n`))],
        (db) => drain(Changes.stream(db, { feed: "eventsource" }))
      )
      expect(untyped).toEqual({ values: [change(1, "a")], errors: [] })
    }))

  it.effect("a view row without key or value is a DecodeError under the default Schemas, not a row of undefined", () =>
    Effect.gen(function*() {
      const rows = [{ id: "a", key: "a", value: null }, { id: "b", value: 1 }]
      for (const bad of [{ id: "b", value: 1 }, { id: "b", key: "b" }, {}]) {
        const route = allDocs(MockCouch.chunked(200, [couchView([rows[0], bad], `"total_rows":2,"offset":0,`)]))
        const plain = yield* withDb([route], (db) => drain(View.stream(Database.allDocs(db))))
        const withKeys = yield* withDb([route], (db) => drain(View.stream(Database.allDocs(db), { keys: ["a", "b"] })))
        for (const { errors, values } of [plain, withKeys]) {
          expect(values).toEqual([{ id: "a", key: "a", value: null }])
          expect(errors.map((e) => e._tag)).toEqual(["DecodeError"])
          expect(errors[0]?.message).toContain("is missing")
        }
      }
      // A Schema for the key that accepts `undefined` is the caller's choice.
      const lenient = yield* withDb(
        [allDocs(MockCouch.chunked(200, [couchView(rows, `"total_rows":2,"offset":0,`)]))],
        (db) => rowsOf(View.stream(Database.allDocs(db), { keySchema: Schema.UndefinedOr(Schema.String) }))
      )
      expect(lenient).toEqual([{ id: "a", key: "a", value: null }, { id: "b", key: undefined, value: 1 }])
    }))
})

/**
 * Behaviour of the streamed views and `_changes` feeds against MockCouch: chunk boundaries in
 * awkward places, the layouts of CouchDB and pouchdb-server, broken and invalid bodies,
 * interruption and backpressure, EventSource parsing, and how parameters are sent.
 */
import { Changes, CouchAuth, CouchClient, CouchError, type Resource, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Fiber, Layer, Option, Schema, Stream } from "effect"

const base = "http://couch.test:5984"
const encoder = new TextEncoder()

/** The client over MockCouch with `routes`, no auth. */
const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layer({ url: base }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const database = Effect.map(CouchClient.CouchClient, (couch) => couch.resource("db"))

/** Runs `f` on database `db` of a client over MockCouch answering with `routes`. */
const withDb = <A, E, R>(
  routes: ReadonlyArray<MockCouch.Route>,
  f: (db: Resource.Resource) => Effect.Effect<A, E, R>
) => Effect.flatMap(database, f).pipe(Effect.provide(Couch(...routes)))

const allDocs = (reply: MockCouch.Reply | ((request: MockCouch.RecordedRequest) => MockCouch.Reply)) =>
  MockCouch.route("*", "/db/_all_docs", reply)
const changes = (reply: MockCouch.Reply | ((request: MockCouch.RecordedRequest) => MockCouch.Reply)) =>
  MockCouch.route("*", "/db/_changes", reply)

const eventStream = { "content-type": "text/event-stream", "cache-control": "must-revalidate" }

/** The first (only) request MockCouch received. */
const sent = Effect.flatMap(
  MockCouch.requests,
  (requests) => requests[0] === undefined ? Effect.dieMessage("no request was sent") : Effect.succeed(requests[0])
)

/** `text` as UTF-8, cut at the given byte offsets. */
const cutAt = (text: string | Uint8Array, offsets: ReadonlyArray<number>): ReadonlyArray<Uint8Array> => {
  const bytes = typeof text === "string" ? encoder.encode(text) : text
  const out: Array<Uint8Array> = []
  let from = 0
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    if (offset <= from || offset >= bytes.length) continue
    out.push(bytes.slice(from, offset))
    from = offset
  }
  out.push(bytes.slice(from))
  return out
}

/** `text` as UTF-8, one byte per chunk. */
const perByte = (text: string): ReadonlyArray<Uint8Array> => Array.from(encoder.encode(text), (b) => Uint8Array.of(b))

/** Every offset that falls inside a multi-byte UTF-8 character (before each continuation byte). */
const insideCharacters = (text: string): ReadonlyArray<number> =>
  Array.from(encoder.encode(text)).flatMap((byte, i) => (byte & 0xc0) === 0x80 ? [i] : [])

/** The offsets right before and right after every backslash and double quote. */
const aroundEscapes = (text: string): ReadonlyArray<number> =>
  Array.from(encoder.encode(text)).flatMap((byte, i) => byte === 0x5c || byte === 0x22 ? [i, i + 1] : [])

/** Every way to cut `text` in two, as chunk lists. */
const everyTwoWayCut = (text: string): ReadonlyArray<ReadonlyArray<Uint8Array>> => {
  const length = encoder.encode(text).length
  return Array.from({ length: length - 1 }, (_, i) => cutAt(text, [i + 1]))
}

/** A CouchDB 3.x map view body: meta line, rows joined by `,\r\n`, `\r\n]}` and a last `\n`. */
const couchView = (rows: ReadonlyArray<unknown>, meta: string) =>
  `{${meta}"rows":[\r\n${rows.map((row) => JSON.stringify(row)).join(",\r\n")}\r\n]}\n`

/** A CouchDB 3.x normal `_changes` body. */
const couchChanges = (rows: ReadonlyArray<unknown>, lastSeq: string, pending: number) =>
  `{"results":[\n${rows.map((row) => JSON.stringify(row)).join(",\r\n")}\n],\n"last_seq":${
    JSON.stringify(lastSeq)
  },"pending":${pending}}\n`

/** A change row. */
const change = (seq: string | number | null, id: string, extra: Record<string, unknown> = {}) => ({
  seq,
  id,
  changes: [{ rev: `1-${id.length}` }],
  ...extra
})

/** A stream's elements, and the error it ended with, if any. */
const drain = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(Stream.either(stream)), (chunk) => {
    const all = Chunk.toReadonlyArray(chunk)
    return {
      values: all.flatMap((e) => Either.isRight(e) ? [e.right] : []),
      errors: all.flatMap((e) => Either.isLeft(e) ? [e.left] : [])
    }
  })

const rowsOf = <A, E, R>(stream: Stream.Stream<A, E, R>) => Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

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
          rowsOf(View.stream(View.allDocs(db))))
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
            const feed = yield* View.open(View.allDocs(db))
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
              const feed = yield* View.open(View.allDocs(db), { include_docs: true })
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
          rowsOf(View.stream(View.allDocs(db))))
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
      const feed = yield* View.open(View.allDocs(yield* database), { limit: 3 }, {
        key: Schema.String,
        value: Schema.Struct({ rev: Schema.String })
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
      const feed = yield* View.open(View.allDocs(yield* database), { update_seq: true })
      expect(yield* feed.meta).toEqual({ totalRows: Option.some(5), offset: Option.some(1), updateSeq: Option.none() })
      expect(yield* rowsOf(feed.rows)).toEqual([{ key: "a", id: "r1", value: 1 }, { key: "b", id: "r2", value: 1 }])
      expect(yield* feed.meta).toEqual({ totalRows: Option.some(5), offset: Option.some(1), updateSeq: Option.some(7) })
    }).pipe(Effect.provide(Couch(allDocs(MockCouch.chunked(200, [
      `{"offset":1,"total_rows":5,"rows":[{"key":"a","id":"r1","value":1},`,
      `{"key":"b","id":"r2","value":1}],"update_seq":7}\n`
    ]))))))

  it.scoped("CouchDB's update_seq in the meta line is known as soon as the view is open", () =>
    Effect.gen(function*() {
      const feed = yield* View.open(View.allDocs(yield* database), { update_seq: true })
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
      const feed = yield* View.open(View.allDocs(yield* database))
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
            const feed = yield* View.open(View.view(db, "app", "count"), { group: true }, {
              key: Schema.String,
              value: Schema.Number
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
              const feed = yield* View.open(View.allDocs(db))
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

describe("broken and invalid bodies", () => {
  const twoRows = `{"total_rows":3,"offset":0,"rows":[\r\n{"id":"a","key":"a","value":1},\r\n{"id":"b","ke`
  const fail = { failAfter: "ECONNRESET" }

  it.effect("a truncated view body: the rows read, then a DecodeError", () =>
    Effect.gen(function*() {
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
          (db) => drain(View.stream(View.allDocs(db)))
        )
        expect(values.map((row) => row.id)).toEqual(ids)
        expect(errors).toHaveLength(1)
        expect(errors[0]).toBeInstanceOf(CouchError.DecodeError)
        expect(errors[0]?.message).toContain("ended before the JSON was complete")
      }
    }))

  it.effect("a truncated _changes body, normal and continuous: the changes read, then a DecodeError", () =>
    Effect.gen(function*() {
      const normal = couchChanges([change("1-a", "a"), change("2-b", "b")], "2-b", 0)
      const cut = normal.indexOf("\"last_seq\"") + 4
      const normalRead = yield* withDb(
        [changes(MockCouch.chunked(200, [normal.slice(0, cut)]))],
        (db) => drain(Changes.stream(db))
      )
      expect(normalRead.values.map((c) => c.id)).toEqual(["a", "b"])
      expect(normalRead.errors.map((e) => e._tag)).toEqual(["DecodeError"])

      const continuous = `${JSON.stringify(change("1-a", "a"))}\n{"seq":"2-b","id":"b","chan`
      const continuousRead = yield* withDb(
        [changes(MockCouch.chunked(200, cutAt(continuous, [30, 60])))],
        (db) => drain(Changes.stream(db, { feed: "continuous" }))
      )
      expect(continuousRead.values.map((c) => c.id)).toEqual(["a"])
      expect(continuousRead.errors.map((e) => e._tag)).toEqual(["DecodeError"])

      // A body cut inside a multi-byte character is not silently shortened.
      const cutInCharacter = encoder.encode(`${JSON.stringify(change("1-a", "a"))}\n{"seq":"2-b","id":"é"}`).slice(
        0,
        -3
      )
      const characterRead = yield* withDb(
        [changes(MockCouch.chunked(200, [cutInCharacter]))],
        (db) => drain(Changes.stream(db, { feed: "continuous" }))
      )
      expect(characterRead.values.map((c) => c.id)).toEqual(["a"])
      expect(characterRead.errors.map((e) => e._tag)).toEqual(["DecodeError"])
    }))

  it.effect("a connection broken mid-body is a TransportError, in a view", () =>
    Effect.gen(function*() {
      const view = yield* withDb(
        [allDocs(MockCouch.chunked(200, cutAt(twoRows, [20, 50]), fail))],
        (db) => drain(View.stream(View.allDocs(db)))
      )
      expect(view.values.map((row) => row.id)).toEqual(["a"])
      expect(view.errors.map((e) => e._tag)).toEqual(["TransportError"])
      expect(view.errors[0]).toMatchObject({ kind: "Reset", method: "GET", url: `${base}/db/_all_docs` })

      const beforeRows = yield* withDb(
        [allDocs(MockCouch.chunked(200, [`{"total_rows":3,"off`], fail))],
        (db) => Effect.flip(Effect.scoped(View.open(View.allDocs(db))))
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
        (db) => drain(View.stream(View.allDocs(db)))
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
        (db) => Effect.flip(Effect.scoped(View.open(View.allDocs(db))))
      )
      expect(html._tag).toBe("DecodeError")

      const trailing = yield* withDb(
        [allDocs(MockCouch.chunked(200, [`{"rows":[{"key":1,"value":2}]}\n`, `{"rows":[]}`]))],
        (db) => drain(View.stream(View.allDocs(db)))
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
        (db) => drain(View.stream(View.allDocs(db), {}, { value: Schema.Number }))
      )
      expect(view.values).toEqual([{ id: "a", key: "a", value: 1 }])
      expect(view.errors.map((e) => e._tag)).toEqual(["DecodeError"])
      expect(view.errors[0]?.message).toContain("value")

      const Todo = Schema.Struct({ title: Schema.String })
      const feed = yield* withDb(
        [changes(MockCouch.chunked(200, [
          couchChanges(
            [
              change("1-a", "a", { doc: { title: "ok" } }),
              change("2-b", "b", { doc: { title: 2 } })
            ],
            "2-b",
            0
          )
        ]))],
        (db) => drain(Changes.stream(db, { include_docs: true }, Todo))
      )
      expect(feed.values.map((c) => c.doc)).toEqual([{ title: "ok" }])
      expect(feed.errors.map((e) => e._tag)).toEqual(["DecodeError"])
      expect(feed.errors[0]?.message).toContain("title")
    }))
})

describe("interruption and backpressure", () => {
  /** An endless view body, produced on demand; `produced` counts the chunks asked for. */
  const endlessView = () => {
    const counter = { produced: 0 }
    const reply = MockCouch.lazy(200, (n) => {
      counter.produced = n + 1
      return n === 0
        ? `{"total_rows":1000000000,"offset":0,"rows":[\r\n`
        : `${n > 1 ? ",\r\n" : ""}{"id":"r${n}","key":${n},"value":null}`
    })
    return { counter, reply }
  }

  /** An endless continuous feed, one change per chunk. */
  const endlessContinuous = () => {
    const counter = { produced: 0 }
    const reply = MockCouch.lazy(200, (n) => {
      counter.produced = n + 1
      return `${JSON.stringify(change(`${n + 1}-x`, `d${n}`))}\n`
    })
    return { counter, reply }
  }

  it.effect("take(n) on an endless view ends the stream and aborts the request", () => {
    const { counter, reply } = endlessView()
    return Effect.gen(function*() {
      const whileReading: Array<boolean> = []
      const rows = yield* View.stream(View.allDocs(yield* database)).pipe(
        Stream.tap(() => Effect.map(sent, (request) => whileReading.push(request.aborted()))),
        Stream.take(3),
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(rows).map((row) => row.id)).toEqual(["r1", "r2", "r3"])
      expect(whileReading).toEqual([false, false, false])
      expect((yield* sent).aborted()).toBe(true)
      // A slow consumer does not make the client read ahead: a few chunks for three rows.
      expect(counter.produced).toBeLessThan(10)
    }).pipe(Effect.provide(Couch(allDocs(reply))))
  })

  it.effect("take(n) on an endless continuous feed and on an endless eventsource feed aborts the request", () => {
    const continuous = endlessContinuous()
    const events = { produced: 0 }
    return Effect.gen(function*() {
      const db = yield* database
      const read = yield* Changes.stream(db, { feed: "continuous" }).pipe(Stream.take(4), Stream.runCollect)
      expect(Chunk.toReadonlyArray(read).map((c) => c.id)).toEqual(["d0", "d1", "d2", "d3"])
      expect(continuous.counter.produced).toBeLessThan(10)
      const readEvents = yield* Changes.stream(db, { feed: "eventsource" }).pipe(Stream.take(2), Stream.runCollect)
      expect(Chunk.toReadonlyArray(readEvents).map((c) => c.id)).toEqual(["e0", "e1"])
      expect(events.produced).toBeLessThan(10)
      const requests = yield* MockCouch.requests
      expect(requests.map((request) => request.aborted())).toEqual([true, true])
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/db/_changes", (request) =>
        request.query.get("feed") === "continuous"
          ? continuous.reply
          : MockCouch.lazy(200, (n) => {
            events.produced = n + 1
            return n % 2 === 0
              ? "event: heartbeat\ndata: \n\n"
              : `data: ${JSON.stringify(change(`${n}-x`, `e${(n - 1) / 2}`))}\nid: ${n}-x\n\n`
          }, eventStream))
    )))
  })

  it.effect("a slow consumer of a huge normal _changes body pulls only what it reads", () => {
    const counter = { produced: 0 }
    return Effect.gen(function*() {
      const feed = yield* Changes.open(yield* database)
      expect(counter.produced).toBe(1)
      const first = yield* feed.changes.pipe(Stream.take(5), Stream.runCollect)
      expect(Chunk.size(first)).toBe(5)
      expect(counter.produced).toBeLessThan(10)
      expect(yield* feed.lastSeq).toEqual(Option.some("5-x"))
    }).pipe(
      Effect.scoped,
      Effect.provide(Couch(changes(MockCouch.lazy(200, (n) => {
        counter.produced = n + 1
        return n === 0 ? `{"results":[\n` : `${n > 1 ? ",\r\n" : ""}${JSON.stringify(change(`${n}-x`, `d${n}`))}`
      }))))
    )
  })

  it.live("nothing is read in the background while the consumer is busy", () => {
    const { counter, reply } = endlessView()
    return Effect.gen(function*() {
      const feed = yield* View.open(View.allDocs(yield* database))
      const pull = yield* Stream.toPull(feed.rows)
      const first = yield* pull
      expect(Chunk.toReadonlyArray(first).map((row) => row.id)).toEqual(["r1"])
      const produced = counter.produced
      yield* Effect.sleep("50 millis")
      expect(counter.produced).toBe(produced)
      const second = yield* pull
      expect(Chunk.toReadonlyArray(second).map((row) => row.id)).toEqual(["r2"])
      expect(counter.produced).toBe(produced + 1)
    }).pipe(Effect.scoped, Effect.provide(Couch(allDocs(reply))))
  })

  it.effect("View.open reads the body only up to the rows", () => {
    const { counter, reply } = endlessView()
    return Effect.gen(function*() {
      const feed = yield* View.open(View.allDocs(yield* database))
      expect(Option.getOrNull((yield* feed.meta).totalRows)).toBe(1_000_000_000)
      expect(counter.produced).toBe(1)
      const [row] = yield* feed.rows.pipe(Stream.take(1), Stream.runCollect, Effect.map(Chunk.toReadonlyArray))
      expect(row?.id).toBe("r1")
      expect(counter.produced).toBeLessThanOrEqual(3)
    }).pipe(Effect.scoped, Effect.provide(Couch(allDocs(reply))))
  })

  it.live("interrupting a consumer blocked on a silent feed aborts the request", () =>
    Effect.gen(function*() {
      const db = yield* database
      const waitForRequest = (count: number) =>
        MockCouch.requests.pipe(
          Effect.delay("5 millis"),
          Effect.repeat({ until: (requests) => requests.length >= count })
        )
      const follower = yield* Effect.fork(Stream.runDrain(Changes.stream(db, { feed: "continuous", since: "now" })))
      const [request] = yield* waitForRequest(1)
      yield* Effect.sleep("30 millis")
      expect(request?.aborted()).toBe(false)
      yield* Fiber.interrupt(follower)
      expect(request?.aborted()).toBe(true)

      const opening = yield* Effect.fork(Effect.scoped(View.open(View.allDocs(db))))
      const requests = yield* waitForRequest(2)
      yield* Effect.sleep("30 millis")
      expect(requests[1]?.aborted()).toBe(false)
      yield* Fiber.interrupt(opening)
      expect(requests[1]?.aborted()).toBe(true)
    }).pipe(Effect.provide(Couch(
      changes(MockCouch.chunked(200, ["\n"], { delay: "1 second" })),
      allDocs(MockCouch.chunked(200, [`{"total_rows":0,"offset":0,"rows":[]}`], { delay: "1 second" }))
    ))))
})

describe("EventSource parsing (aiocouchdb §3.4 cases, through feed=eventsource)", () => {
  const a = JSON.stringify(change("1-a", "a"))
  const b = JSON.stringify(change("2-b", "b"))

  /** The changes read from an eventsource body made of `parts`, sent one byte per chunk too. */
  const read = (...parts: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const body = parts.join("")
      const results: Array<ReadonlyArray<unknown>> = []
      for (const chunks of [[body], perByte(body)]) {
        results.push(
          yield* withDb(
            [changes(MockCouch.chunked(200, chunks, { headers: eventStream }))],
            (db) => rowsOf(Changes.stream(db, { feed: "eventsource" }))
          )
        )
      }
      expect(results[1]).toEqual(results[0])
      return results[0] ?? []
    })

  it.effect("a heartbeat event (`event: heartbeat` with empty data) is not a change", () =>
    Effect.gen(function*() {
      expect(yield* read(`event: heartbeat\ndata: \n\n`)).toEqual([])
      expect(yield* read(`data: ${a}\n\n`, `event: heartbeat\ndata: \n\n`, `data: ${b}\n\n`)).toEqual([
        change("1-a", "a"),
        change("2-b", "b")
      ])
    }))

  it.effect("multi-line data is joined with newlines; one space after the colon is optional", () =>
    Effect.gen(function*() {
      expect(
        yield* read(`data: {"seq":"1-a",\ndata:"id":"a",\ndata:  "changes":[\ndata: {"rev":"1-1"}]}\nid: 1-a\n\n`)
      ).toEqual([change("1-a", "a")])
      // Joined with "\n", never glued: `1` and `2` on two lines are not the number 12.
      const glued = yield* withDb(
        [changes(MockCouch.chunked(200, [`data: {"seq":"1-a","id":"a","changes":[],"n":1\ndata: 2}\n\n`], {
          headers: eventStream
        }))],
        (db) => drain(Changes.stream(db, { feed: "eventsource" }))
      )
      expect(glued.values).toEqual([])
      expect(glued.errors.map((e) => e._tag)).toEqual(["DecodeError"])
    }))

  it.effect("`id` without a colon is a field with an empty value, not data", () =>
    Effect.gen(function*() {
      expect(yield* read(`id\n\n`)).toEqual([])
      expect(yield* read(`data: {"seq":"1-a",\nid\ndata: "id":"a","changes":[{"rev":"1-1"}]}\n\n`)).toEqual([
        change("1-a", "a")
      ])
      expect(yield* read(`data: ${a}\nid\n\n`, `id\n\n`, `data: ${b}\nid: 2-b\n\n`)).toEqual([
        change("1-a", "a"),
        change("2-b", "b")
      ])
    }))

  it.effect("comments (lines starting with `:`) are ignored, even between data lines", () =>
    Effect.gen(function*() {
      expect(yield* read(`:id\n\n`)).toEqual([])
      expect(
        yield* read(
          `: keep-alive\n\n`,
          `data: {"seq":"1-a",\n:data: "bogus"\ndata: "id":"a","changes":[{"rev":"1-1"}]}\n\n`
        )
      )
        .toEqual([change("1-a", "a")])
    }))

  it.effect("`retry` is not data, numeric or not", () =>
    Effect.gen(function*() {
      expect(yield* read(`retry: 10\n\n`)).toEqual([])
      expect(yield* read(`retry: soon\n\n`, `data: ${a}\nretry: 10\n\n`)).toEqual([change("1-a", "a")])
    }))

  it.effect("unknown fields are ignored", () =>
    Effect.gen(function*() {
      expect(yield* read(`data: ${a}\nfoo: bar\n\n`)).toEqual([change("1-a", "a")])
      expect(yield* read(`foo: bar\n\n`, `data: ${b}\nfoo\n\n`)).toEqual([change("2-b", "b")])
    }))

  it.effect("CRLF line endings, split between CR and LF", () =>
    Effect.gen(function*() {
      expect(yield* read(`data: ${a}\r\nid: 1-a\r\n\r\n`, `event: heartbeat\r\ndata: \r\n\r\n`, `data: ${b}\r\n\r\n`))
        .toEqual([change("1-a", "a"), change("2-b", "b")])
    }))
})

describe("view parameters on the wire", () => {
  const emptyView = MockCouch.route("*", /^\/db\//, MockCouch.json(200, { total_rows: 0, offset: 0, rows: [] }))

  it.effect("keys go in a POST body as {\"keys\":[...]}, the other parameters stay in the query", () =>
    Effect.gen(function*() {
      const keys = ["a", null, 1, ["x", {}], { k: true }]
      yield* Stream.runDrain(View.stream(View.view(yield* database, "_design/app", "by_type"), {
        keys,
        include_docs: true,
        limit: 2
      }))
      const request = yield* sent
      expect(request.method).toBe("POST")
      expect(request.path).toBe("/db/_design/app/_view/by_type")
      expect(request.body).toBe(`{"keys":["a",null,1,["x",{}],{"k":true}]}`)
      expect(request.headers["content-type"]).toBe("application/json")
      expect(Object.fromEntries(request.query)).toEqual({ include_docs: "true", limit: "2" })
    }).pipe(Effect.provide(Couch(emptyView))))

  it.effect("key, startkey and endkey are JSON; null is sent as null and undefined is left out", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [View.ViewParams & { readonly keys?: undefined }, Record<string, string>]> = [
        [{ key: "a" }, { key: "\"a\"" }],
        [{ key: 42 }, { key: "42" }],
        [{ key: true }, { key: "true" }],
        [{ key: null }, { key: "null" }],
        [{ key: undefined, startkey: null, endkey: undefined }, { startkey: "null" }],
        [{ startkey: ["odd", 5], endkey: ["odd", {}] }, { startkey: "[\"odd\",5]", endkey: "[\"odd\",{}]" }],
        [{ start_key: "é/&=?", end_key: "a\"b" }, { start_key: "\"é/&=?\"", end_key: "\"a\\\"b\"" }],
        [{ startkey: "a", startkey_docid: "doc 1", endkey_docid: "doc\"2" }, {
          startkey: "\"a\"",
          startkey_docid: "doc 1",
          endkey_docid: "doc\"2"
        }]
      ]
      for (const [params, query] of cases) {
        const requests = yield* withDb(
          [emptyView],
          (db) => Effect.zipRight(Stream.runDrain(View.stream(View.allDocs(db), params)), MockCouch.requests)
        )
        expect(requests[0]?.method).toBe("GET")
        expect(Object.fromEntries(requests[0]?.query ?? [])).toEqual(query)
      }
    }))

  it.effect("booleans are true/false, numbers and enums as they are; the query string is percent-encoded", () =>
    Effect.gen(function*() {
      yield* Stream.runDrain(View.stream(View.view(yield* database, "app", "count"), {
        descending: true,
        inclusive_end: false,
        reduce: false,
        group: true,
        group_level: 2,
        update: "lazy",
        stable: false,
        stale: "ok",
        limit: 10,
        skip: 0,
        update_seq: true,
        key: "a b&c"
      }))
      const request = yield* sent
      expect(Object.fromEntries(request.query)).toEqual({
        descending: "true",
        inclusive_end: "false",
        reduce: "false",
        group: "true",
        group_level: "2",
        update: "lazy",
        stable: "false",
        stale: "ok",
        limit: "10",
        skip: "0",
        update_seq: "true",
        key: "\"a b&c\""
      })
      expect(request.url.search).toContain("key=%22a%20b%26c%22")
    }).pipe(Effect.provide(Couch(emptyView))))
})

describe("_changes parameters on the wire", () => {
  const reply = changes((request) =>
    request.query.get("feed") === "continuous"
      ? MockCouch.chunked(200, [`{"last_seq":"0","pending":0}\n`])
      : MockCouch.json(200, { results: [], last_seq: "0", pending: 0 })
  )

  it.effect("doc_ids: a POST with {\"doc_ids\":[...]} and filter=_doc_ids", () =>
    Effect.gen(function*() {
      const db = yield* database
      yield* Stream.runDrain(Changes.stream(db, { doc_ids: ["a", "b/c"], filter: "app/ignored", include_docs: true }))
      const request = yield* sent
      expect(request.method).toBe("POST")
      expect(request.path).toBe("/db/_changes")
      expect(request.body).toBe(`{"doc_ids":["a","b/c"]}`)
      expect(Object.fromEntries(request.query)).toEqual({ filter: "_doc_ids", include_docs: "true" })
    }).pipe(Effect.provide(Couch(reply))))

  it.effect("selector: a POST with {\"selector\":{...}} and filter=_selector", () =>
    Effect.gen(function*() {
      yield* Stream.runDrain(Changes.stream(yield* database, { selector: { type: "todo", n: { $gt: 1 } } }))
      const request = yield* sent
      expect(request.method).toBe("POST")
      expect(request.body).toBe(`{"selector":{"type":"todo","n":{"$gt":1}}}`)
      expect(Object.fromEntries(request.query)).toEqual({ filter: "_selector" })
    }).pipe(Effect.provide(Couch(reply))))

  it.effect("view: a GET with filter=_view and the view name", () =>
    Effect.gen(function*() {
      yield* Stream.runDrain(Changes.stream(yield* database, { view: "app/by_type" }))
      const request = yield* sent
      expect(request.method).toBe("GET")
      expect(request.body).toBeUndefined()
      expect(Object.fromEntries(request.query)).toEqual({ filter: "_view", view: "app/by_type" })
    }).pipe(Effect.provide(Couch(reply))))

  it.effect("a filter function with its own parameters", () =>
    Effect.gen(function*() {
      yield* Stream.runDrain(Changes.stream(yield* database, {
        filter: "app/by_status",
        filterParams: { status: "open", level: 3, urgent: true }
      }))
      const request = yield* sent
      expect(request.method).toBe("GET")
      expect(Object.fromEntries(request.query)).toEqual({
        filter: "app/by_status",
        status: "open",
        level: "3",
        urgent: "true"
      })
    }).pipe(Effect.provide(Couch(reply))))

  it.effect("heartbeat numbers, true and false; since strings, now and numbers; the other options", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Changes.ChangesParams, Record<string, string>]> = [
        [{ feed: "continuous", heartbeat: 500 }, { feed: "continuous", heartbeat: "500" }],
        [{ feed: "continuous", heartbeat: true }, { feed: "continuous", heartbeat: "true" }],
        [{ feed: "continuous", heartbeat: false, timeout: 1000 }, { feed: "continuous", timeout: "1000" }],
        [{ since: "now" }, { since: "now" }],
        [{ since: "3-g1AAAACbeJzLYWBgYMpgTmEQ_1DTGMGmJZ" }, { since: "3-g1AAAACbeJzLYWBgYMpgTmEQ_1DTGMGmJZ" }],
        [{ since: 0 }, { since: "0" }],
        [{ since: 42, limit: 2, descending: false }, { since: "42", limit: "2", descending: "false" }],
        [{ feed: "longpoll", style: "all_docs", conflicts: true, seq_interval: 10 }, {
          feed: "longpoll",
          style: "all_docs",
          conflicts: "true",
          seq_interval: "10"
        }],
        [{}, {}]
      ]
      for (const [params, query] of cases) {
        const request = yield* withDb(
          [reply],
          (db) => Effect.zipRight(Stream.runDrain(Changes.stream(db, params)), sent)
        )
        expect(request.method).toBe("GET")
        expect(request.headers.accept).toBe("application/json")
        expect(request.headers["last-event-id"]).toBeUndefined()
        expect(Object.fromEntries(request.query)).toEqual(query)
      }
    }))

  it.effect("a since with reserved characters is percent-encoded and arrives unchanged", () =>
    Effect.gen(function*() {
      const since = "12-g1AAAA+/=&?#é"
      yield* Stream.runDrain(Changes.stream(yield* database, { since }))
      const request = yield* sent
      expect(request.query.get("since")).toBe(since)
      expect(request.url.search).toBe(`?since=${encodeURIComponent(since)}`)
    }).pipe(Effect.provide(Couch(reply))))
})

describe("seq_interval", () => {
  it.effect("rows with seq null decode, and lastSeq keeps the last real seq", () =>
    withDb([
      changes(MockCouch.chunked(200, [
        `${JSON.stringify(change("1-a", "d1"))}\n`,
        `${JSON.stringify(change(null, "d2"))}\n`,
        "{\"last_seq\":\"2-b\",\"pending\":0}\n"
      ]))
    ], (db) =>
      Effect.gen(function*() {
        const feed = yield* Changes.open(db, { feed: "continuous", seq_interval: 2 })
        const seen = yield* feed.changes.pipe(
          Stream.mapEffect((c) => Effect.map(feed.lastSeq, (lastSeq) => [c.seq, lastSeq] as const)),
          Stream.runCollect
        )
        expect(Chunk.toReadonlyArray(seen)).toEqual([["1-a", Option.some("1-a")], [null, Option.some("1-a")]])
        expect(yield* feed.lastSeq).toEqual(Option.some("2-b"))
      }).pipe(Effect.scoped)))
})

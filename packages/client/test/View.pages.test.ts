/**
 * `View.pages` against MockCouch, on CouchDB 3.5's bytes (viewRecordings.ts): the requests
 * each page sends (`limit = pageSize + 1`, the extra row as the next `startkey` and, for
 * views, `startkey_docid`), rows sharing a key, `descending`, laziness, and the options it
 * refuses. Each expected request must come, in order, and no other.
 */
import { CouchAuth, CouchClient, Database, Partition, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"
import { api, appView, collect, recorded, reply } from "./viewRecordings.js"

/** The client over MockCouch answering `expectations` in order; the test fails if one never comes. */
const Expecting = (...expectations: ReadonlyArray<MockCouch.Expectation>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layerExpectations(expectations))
  )

/** The decoded query of each request sent. */
const queries = Effect.map(
  MockCouch.requests,
  (requests) => requests.map((request) => Object.fromEntries(request.query))
)

/** A CouchDB 3.x map view body (the layout of 6.4): the meta line, rows joined by `,\r\n`, then `\r\n]}` and `\n`. */
const mapBody = (offset: number, rows: ReadonlyArray<string>) =>
  MockCouch.chunked(200, [`{"total_rows":5,"offset":${offset},"rows":[\r\n${rows.join(",\r\n")}\r\n]}`, `\n`])

/** The rows of view `v` (6.4), by document id. */
const v = {
  d1: `{"id":"d1","key":"apple","value":3}`,
  d2: `{"id":"d2","key":"banana","value":5}`,
  d3: `{"id":"d3","key":"carrot","value":2}`,
  d4: `{"id":"d4","key":"daikon","value":7}`,
  d5: `{"id":"d5","key":"elderberry","value":1}`
}

/** The rows of view `count` without reducing (its map emits `doc.type, null`): two keys, shared. */
const byType = {
  d1: `{"id":"d1","key":"fruit","value":null}`,
  d2: `{"id":"d2","key":"fruit","value":null}`,
  d5: `{"id":"d5","key":"fruit","value":null}`,
  d3: `{"id":"d3","key":"veg","value":null}`,
  d4: `{"id":"d4","key":"veg","value":null}`
}

/** A view whose documents emit key `k` twice each (values 1 and 2). */
const twice = {
  d1a: `{"id":"d1","key":"k","value":1}`,
  d1b: `{"id":"d1","key":"k","value":2}`,
  d2a: `{"id":"d2","key":"k","value":1}`,
  d2b: `{"id":"d2","key":"k","value":2}`
}

const viewPath = (name: string) => `/api/_design/app/_view/${name}`

/** View `twice` read a row per page: each page is the row and the next page's extra row. */
const twicePages = [
  MockCouch.expect("GET", viewPath("twice"), mapBody(0, [twice.d1a, twice.d1b])),
  MockCouch.expect("GET", viewPath("twice"), mapBody(1, [twice.d1b, twice.d2a])),
  MockCouch.expect("GET", viewPath("twice"), mapBody(2, [twice.d2a, twice.d2b])),
  MockCouch.expect("GET", viewPath("twice"), mapBody(3, [twice.d2b]))
]

describe("View.pages (CouchDB 3.5 recordings 3.47, 6.4, 6.13, 6.14, 8.12)", () => {
  it.effect("asks for pageSize + 1 rows; the extra row starts the next page with startkey and startkey_docid (6.4)", () =>
    Effect.gen(function*() {
      const rows = yield* collect(View.pages(yield* appView("v"), { pageSize: 2, valueSchema: Schema.Number }))
      expect(rows.map((row) => [row.id, row.key, row.value])).toEqual([
        ["d1", "apple", 3],
        ["d2", "banana", 5],
        ["d3", "carrot", 2],
        ["d4", "daikon", 7],
        ["d5", "elderberry", 1]
      ])
      expect(yield* queries).toEqual([
        { reduce: "false", limit: "3" },
        { reduce: "false", limit: "3", startkey: `"carrot"`, startkey_docid: "d3" },
        { reduce: "false", limit: "3", startkey: `"elderberry"`, startkey_docid: "d5" }
      ])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect("GET", viewPath("v"), mapBody(0, [v.d1, v.d2, v.d3])),
      MockCouch.expect("GET", viewPath("v"), mapBody(2, [v.d3, v.d4, v.d5]), { query: { startkey_docid: "d3" } }),
      MockCouch.expect("GET", viewPath("v"), mapBody(4, [v.d5]), { query: { startkey_docid: "d5" } })
    ))))

  it.effect("rows sharing a key are neither lost nor repeated: a page may start inside a key", () =>
    Effect.gen(function*() {
      const rows = yield* collect(View.pages(yield* appView("count"), { pageSize: 2, valueSchema: Schema.Null }))
      expect(rows.map((row) => [row.key, row.id])).toEqual([
        ["fruit", "d1"],
        ["fruit", "d2"],
        ["fruit", "d5"],
        ["veg", "d3"],
        ["veg", "d4"]
      ])
      expect(yield* queries).toEqual([
        { reduce: "false", limit: "3" },
        { reduce: "false", limit: "3", startkey: `"fruit"`, startkey_docid: "d5" },
        { reduce: "false", limit: "3", startkey: `"veg"`, startkey_docid: "d4" }
      ])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect("GET", viewPath("count"), mapBody(0, [byType.d1, byType.d2, byType.d5])),
      MockCouch.expect("GET", viewPath("count"), mapBody(2, [byType.d5, byType.d3, byType.d4])),
      MockCouch.expect("GET", viewPath("count"), mapBody(4, [byType.d4]))
    ))))

  it.effect("a document that emits a key more than once: skip passes the key's rows already read", () =>
    Effect.gen(function*() {
      const rows = yield* collect(View.pages(yield* appView("twice"), { pageSize: 1 }))
      expect(rows.map((row) => [row.id, row.value])).toEqual([["d1", 1], ["d1", 2], ["d2", 1], ["d2", 2]])
      expect(yield* queries).toEqual([
        { reduce: "false", limit: "2" },
        { reduce: "false", limit: "2", skip: "1", startkey: `"k"` },
        { reduce: "false", limit: "2", startkey: `"k"`, startkey_docid: "d2" },
        { reduce: "false", limit: "2", skip: "3", startkey: `"k"` }
      ])
    }).pipe(Effect.provide(Expecting(...twicePages))))

  it.effect("a server that ignores startkey_docid (pouchdb-server): the page is asked again, after the key's rows read", () =>
    Effect.gen(function*() {
      const rows = yield* collect(View.pages(yield* appView("count"), { pageSize: 2 }))
      expect(rows.map((row) => row.id)).toEqual(["d1", "d2", "d5", "d3", "d4"])
      expect(yield* queries).toEqual([
        { reduce: "false", limit: "3" },
        { reduce: "false", limit: "3", startkey: `"fruit"`, startkey_docid: "d5" },
        { reduce: "false", limit: "3", startkey: `"fruit"`, skip: "2" },
        { reduce: "false", limit: "3", startkey: `"veg"`, startkey_docid: "d4" },
        { reduce: "false", limit: "3", startkey: `"veg"`, skip: "1" }
      ])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect("GET", viewPath("count"), mapBody(0, [byType.d1, byType.d2, byType.d5])),
      // Each page starts at the first row of its key, whatever startkey_docid says.
      MockCouch.expect("GET", viewPath("count"), mapBody(0, [byType.d1, byType.d2, byType.d5])),
      MockCouch.expect("GET", viewPath("count"), mapBody(2, [byType.d5, byType.d3, byType.d4])),
      MockCouch.expect("GET", viewPath("count"), mapBody(3, [byType.d3, byType.d4])),
      MockCouch.expect("GET", viewPath("count"), mapBody(4, [byType.d4]))
    ))))

  it.effect("a repeated key and id after other documents' rows of that key: skip alone, read alike by every server", () =>
    Effect.gen(function*() {
      const rows = yield* collect(View.pages(yield* appView("twice"), { pageSize: 3 }))
      expect(rows.map((row) => [row.id, row.value])).toEqual([["d1", 1], ["d2", 1], ["d2", 2], ["d2", 3]])
      // `startkey_docid=d2&skip=2` would be read as the fourth row by CouchDB but as the third by a
      // server that ignores `startkey_docid`, with nothing in the answer to tell which.
      expect(yield* queries).toEqual([
        { reduce: "false", limit: "4" },
        { reduce: "false", limit: "4", skip: "3", startkey: `"k"` }
      ])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect(
        "GET",
        viewPath("twice"),
        mapBody(0, [twice.d1a, twice.d2a, twice.d2b, `{"id":"d2","key":"k","value":3}`])
      ),
      MockCouch.expect("GET", viewPath("twice"), mapBody(3, [`{"id":"d2","key":"k","value":3}`]))
    ))))

  it.effect("descending: the next page goes on down from the extra row; the caller's endkey stays (6.14)", () =>
    Effect.gen(function*() {
      const rows = yield* collect(View.pages(yield* appView("v"), { pageSize: 3, descending: true, endkey: "b" }))
      expect(rows.map((row) => row.id)).toEqual(["d5", "d4", "d3", "d2"])
      expect(yield* queries).toEqual([
        { descending: "true", reduce: "false", limit: "4", endkey: `"b"` },
        {
          descending: "true",
          reduce: "false",
          limit: "4",
          startkey: `"banana"`,
          startkey_docid: "d2",
          endkey: `"b"`
        }
      ])
    }).pipe(Effect.provide(Expecting(
      // 6.14's rows, down to the endkey.
      MockCouch.expect("GET", viewPath("v"), mapBody(0, [v.d5, v.d4, v.d3, v.d2])),
      MockCouch.expect("GET", viewPath("v"), mapBody(3, [v.d2]))
    ))))

  it.effect("_all_docs pages by id alone: no startkey_docid and no reduce (3.47)", () =>
    Effect.gen(function*() {
      const rows = yield* collect(
        View.pages(Database.allDocs(yield* api), { pageSize: 1, startkey: "b", endkey: "b\ufff0" })
      )
      expect(rows.map((row) => row.id)).toEqual(["b1", "b2"])
      expect(yield* queries).toEqual([
        { limit: "2", startkey: `"b"`, endkey: `"b\ufff0"` },
        { limit: "2", startkey: `"b2"`, endkey: `"b\ufff0"` }
      ])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect("GET", "/api/_all_docs", reply(recorded["3.47"])),
      MockCouch.expect(
        "GET",
        "/api/_all_docs",
        MockCouch.chunked(200, [
          `{"total_rows":29,"offset":9,"rows":[\r\n{"id":"b2","key":"b2","value":{"rev":"1-b8f97323e7f26909d5e0c8d2764a765f"}}\r\n]}`,
          `\n`
        ])
      )
    ))))

  it.scoped("the next page is fetched only when the stream is pulled past the current one", () =>
    Effect.gen(function*() {
      const pull = yield* Stream.toPull(View.pages(yield* appView("v"), { pageSize: 2 }))
      expect(yield* MockCouch.requests).toHaveLength(0)
      expect(Chunk.toReadonlyArray(yield* pull).map((row) => row.id)).toEqual(["d1", "d2"])
      expect(yield* MockCouch.requests).toHaveLength(1)
      expect(Chunk.toReadonlyArray(yield* pull).map((row) => row.id)).toEqual(["d3", "d4"])
      expect(yield* MockCouch.requests).toHaveLength(2)
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect("GET", viewPath("v"), mapBody(0, [v.d1, v.d2, v.d3])),
      MockCouch.expect("GET", viewPath("v"), mapBody(2, [v.d3, v.d4, v.d5]))
    ))))

  it.effect("take(n) within the first page sends one request", () =>
    Effect.gen(function*() {
      const rows = yield* collect(View.pages(yield* appView("v"), { pageSize: 2 }).pipe(Stream.take(2)))
      expect(rows.map((row) => row.id)).toEqual(["d1", "d2"])
    }).pipe(Effect.provide(Expecting(MockCouch.expect("GET", viewPath("v"), mapBody(0, [v.d1, v.d2, v.d3]))))))

  it.effect("keys, skip, grouping, reduce and a pageSize that is not a positive integer are an InvalidRequest; nothing is sent", () =>
    Effect.gen(function*() {
      const count = yield* appView("count")
      // `keys` is a type error; the others are valid view options that paging by key cannot honour.
      const withKeys = { pageSize: 2, keys: ["fruit"] } as unknown as { readonly pageSize: number }
      const refused: ReadonlyArray<View.QueryOptions & { readonly pageSize: number; readonly keys?: undefined }> = [
        withKeys,
        { pageSize: 2, skip: 1 },
        { pageSize: 2, group: true },
        { pageSize: 2, group_level: 1 },
        { pageSize: 2, reduce: true },
        { pageSize: 0 },
        { pageSize: 1.5 },
        { pageSize: Number.NaN }
      ]
      for (const options of refused) {
        const error = yield* Effect.flip(Stream.runDrain(View.pages(count, options)))
        expect(error._tag).toBe("InvalidRequest")
      }
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(Expecting())))

  it.effect("a caller's start_key and start_key_doc_id start the first page only", () =>
    Effect.gen(function*() {
      const rows = yield* collect(
        View.pages(yield* appView("v"), { pageSize: 2, start_key: "banana", start_key_doc_id: "d2" })
      )
      expect(rows.map((row) => row.id)).toEqual(["d2", "d3", "d4", "d5"])
      expect(yield* queries).toEqual([
        { reduce: "false", limit: "3", start_key: `"banana"`, start_key_doc_id: "d2" },
        { reduce: "false", limit: "3", startkey: `"daikon"`, startkey_docid: "d4" }
      ])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect("GET", viewPath("v"), mapBody(1, [v.d2, v.d3, v.d4])),
      MockCouch.expect("GET", viewPath("v"), mapBody(3, [v.d4, v.d5]))
    ))))

  it.effect("a caller's startkey_docid starts the first page only, also where later pages skip", () =>
    Effect.gen(function*() {
      const rows = yield* collect(
        View.pages(yield* appView("twice"), { pageSize: 1, startkey: "k", startkey_docid: "d1" })
      )
      expect(rows.map((row) => [row.id, row.value])).toEqual([["d1", 1], ["d1", 2], ["d2", 1], ["d2", 2]])
      expect(yield* queries).toEqual([
        { reduce: "false", limit: "2", startkey: `"k"`, startkey_docid: "d1" },
        { reduce: "false", limit: "2", skip: "1", startkey: `"k"` },
        { reduce: "false", limit: "2", startkey: `"k"`, startkey_docid: "d2" },
        { reduce: "false", limit: "2", skip: "3", startkey: `"k"` }
      ])
    }).pipe(Effect.provide(Expecting(...twicePages))))

  it.effect("key Schemas: the next startkey is the extra row's key written back as the caller's keys are", () =>
    Effect.gen(function*() {
      const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`)
      const rows = yield* collect(
        View.pages(yield* appView("by_date"), { pageSize: 1, startkey: day("2024-01-01"), keySchema: Schema.Date })
      )
      expect(rows.map((row) => row.key)).toEqual([day("2024-01-05"), day("2024-01-20")])
      expect(yield* queries).toEqual([
        { reduce: "false", limit: "2", startkey: `"2024-01-01T00:00:00.000Z"` },
        { reduce: "false", limit: "2", startkey: `"2024-01-20T00:00:00.000Z"`, startkey_docid: "d2" }
      ])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect(
        "GET",
        viewPath("by_date"),
        mapBody(0, [
          `{"id":"d1","key":"2024-01-05T00:00:00.000Z","value":3}`,
          `{"id":"d2","key":"2024-01-20T00:00:00.000Z","value":5}`
        ])
      ),
      MockCouch.expect(
        "GET",
        viewPath("by_date"),
        mapBody(1, [`{"id":"d2","key":"2024-01-20T00:00:00.000Z","value":5}`])
      )
    ))))

  it.effect("include_docs with a document Schema: every page's documents are stored documents (6.13)", () =>
    Effect.gen(function*() {
      const Fruit = Schema.Struct({ name: Schema.String, n: Schema.Number })
      const rows = yield* collect(
        View.pages(yield* appView("v"), { pageSize: 1, include_docs: true, schema: Fruit })
      )
      expect(rows.map((row) => row.doc)).toEqual([
        { _id: "d1", _rev: "1-402df42fe385525c2800502e5e3f02d2", name: "apple", n: 3 },
        { _id: "d2", _rev: "1-334ada071c81674beb0eca6a67ef010c", name: "banana", n: 5 }
      ])
      expect(yield* queries).toEqual([
        { include_docs: "true", reduce: "false", limit: "2" },
        { include_docs: "true", reduce: "false", limit: "2", startkey: `"banana"`, startkey_docid: "d2" }
      ])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect("GET", viewPath("v"), reply(recorded["6.13"])),
      MockCouch.expect(
        "GET",
        viewPath("v"),
        mapBody(1, [
          `{"id":"d2","key":"banana","value":5,"doc":{"_id":"d2","_rev":"1-334ada071c81674beb0eca6a67ef010c","type":"fruit","name":"banana","n":5,"date":[2024,1,20]}}`
        ])
      )
    ))))

  it.effect("a later page that fails ends the stream with its error, after the rows already read (6.22)", () =>
    Effect.gen(function*() {
      const all = yield* collect(Stream.either(View.pages(yield* appView("v"), { pageSize: 2 })))
      expect(all.map((e) => e._tag === "Right" ? e.right.id : e.left._tag)).toEqual(["d1", "d2", "NotFound"])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect("GET", viewPath("v"), mapBody(0, [v.d1, v.d2, v.d3])),
      MockCouch.expect("GET", viewPath("v"), reply(recorded["6.22"]))
    ))))

  it.effect("a partition's view pages within the partition (8.12)", () =>
    Effect.gen(function*() {
      const p1 = Database.partition((yield* CouchClient.CouchClient).database("api-part"), "p1")
      const rows = yield* collect(
        View.pages(Partition.view(p1, "pd", "by_n"), { pageSize: 1, keySchema: Schema.Number })
      )
      expect(rows.map((row) => [row.id, row.key])).toEqual([["p1:a", 1], ["p1:b", 2]])
      expect(yield* queries).toEqual([
        { reduce: "false", limit: "2" },
        { reduce: "false", limit: "2", startkey: "2", startkey_docid: "p1:b" }
      ])
    }).pipe(Effect.provide(Expecting(
      MockCouch.expect("GET", "/api-part/_partition/p1/_design/pd/_view/by_n", reply(recorded["8.12"])),
      MockCouch.expect(
        "GET",
        "/api-part/_partition/p1/_design/pd/_view/by_n",
        MockCouch.chunked(200, [`{"total_rows":2,"offset":1,"rows":[\r\n{"id":"p1:b","key":2,"value":"y"}\r\n]}`, `\n`])
      )
    ))))
})

/**
 * View queries against MockCouch, on the exact bytes of CouchDB 3.5's answers
 * (couchdb-3.5-api.md §3.44–3.46, §6.4–6.23, §8.9, §8.12–8.15; see viewRecordings.ts): the
 * request each query sends, key encoding with `keySchema`, rows typed with the row Schemas,
 * stored documents, multi-queries and partition views. Paging is in View.pages.test.ts.
 */
import { CouchAuth, CouchClient, Database, DesignDocument, Partition, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema, Stream } from "effect"
import { api, appView, bodyOf, collect, day, DayKey, Fruit, recorded, reply } from "./viewRecordings.js"

/** The client over MockCouch answering with `routes`, no auth. */
const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

/** Each request as the server saw it: method, path, decoded query and body. */
const sent = Effect.map(MockCouch.requests, (requests) =>
  requests.map((request) => ({
    method: request.method,
    path: request.path,
    query: Object.fromEntries(request.query),
    body: request.body
  })))

describe("View.stream and View.open (CouchDB 3.5 recordings 6.4–6.23)", () => {
  it.scoped("a map view: rows typed by the key and value Schemas, meta from open (6.4, 6.18)", () =>
    Effect.gen(function*() {
      const v = yield* appView("v")
      const feed = yield* View.open(v, { keySchema: Schema.String, valueSchema: Schema.Number })
      expect(yield* feed.meta).toEqual({ totalRows: Option.some(5), offset: Option.some(0), updateSeq: Option.none() })
      const rows = yield* collect(feed.rows)
      expect(rows.map((row) => [row.id, row.key, row.value])).toEqual([
        ["d1", "apple", 3],
        ["d2", "banana", 5],
        ["d3", "carrot", 2],
        ["d4", "daikon", 7],
        ["d5", "elderberry", 1]
      ])
      const withSeq = yield* View.open(v, { update_seq: true, limit: 1 })
      expect((yield* withSeq.meta).updateSeq).toEqual(
        Option.some("47-g1AAAABXeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVB4LkGRoAFL_gSArURyP2kSGpHqwIoksALiZGHM")
      )
      expect(yield* collect(withSeq.rows)).toEqual([{ id: "d1", key: "apple", value: 3 }])
      expect((yield* sent).map(({ path, query }) => [path, query])).toEqual([
        ["/api/_design/app/_view/v", {}],
        ["/api/_design/app/_view/v", { update_seq: "true", limit: "1" }]
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route(
        "GET",
        "/api/_design/app/_view/v",
        (request) => reply(request.query.has("update_seq") ? recorded["6.18"] : recorded["6.4"])
      )
    ))))

  it.effect("a string key is sent as JSON; keys go in a POST body, and a view has no rows for missing keys (6.5, 6.6)", () =>
    Effect.gen(function*() {
      const v = yield* appView("v")
      expect(yield* collect(View.stream(v, { key: "banana" }))).toEqual([{ id: "d2", key: "banana", value: 5 }])
      const rows = yield* collect(
        v.pipe(View.stream({ keys: ["banana", "nope", "apple"], valueSchema: Schema.Number }))
      )
      expect(rows).toEqual([{ id: "d2", key: "banana", value: 5 }, { id: "d1", key: "apple", value: 3 }])
      expect(yield* sent).toEqual([
        { method: "GET", path: "/api/_design/app/_view/v", query: { key: `"banana"` }, body: undefined },
        { method: "POST", path: "/api/_design/app/_view/v", query: {}, body: recorded["6.6"].request }
      ])
      expect((yield* MockCouch.requests)[0]?.url.search).toBe("?key=%22banana%22")
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/api/_design/app/_view/v", reply(recorded["6.5"])),
      MockCouch.route("POST", "/api/_design/app/_view/v", reply(recorded["6.6"]))
    ))))

  it.effect("range ends of raw JSON, like [2024, 12, {}], are sent as they are (6.7)", () =>
    Effect.gen(function*() {
      const rows = yield* collect(View.stream(yield* appView("sum"), {
        reduce: false,
        startkey: [2024, 1],
        endkey: [2024, 12, {}],
        keySchema: Schema.Tuple(Schema.Number, Schema.Number, Schema.Number),
        valueSchema: Schema.Number
      }))
      expect(rows.map((row) => [row.key, row.value])).toEqual([[[2024, 1, 5], 3], [[2024, 1, 20], 5], [
        [2024, 2, 1],
        2
      ]])
      const [request] = yield* MockCouch.requests
      // The recorded request line, byte for byte.
      expect(request?.url.search).toBe("?reduce=false&startkey=%5B2024%2C1%5D&endkey=%5B2024%2C12%2C%7B%7D%5D")
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", "/api/_design/app/_view/sum", reply(recorded["6.7"]))))))

  it.effect("keys are written the way the key Schema reads them: a Date as [y, m, d], in key, keys and ranges (6.7)", () =>
    Effect.gen(function*() {
      const sum = yield* appView("sum")
      const rows = yield* collect(View.stream(sum, {
        reduce: false,
        startkey: day("2024-01-01"),
        endkey: [2024, 12, {}],
        keySchema: DayKey,
        valueSchema: Schema.Number
      }))
      expect(rows.map((row) => row.key)).toEqual([day("2024-01-05"), day("2024-01-20"), day("2024-02-01")])
      yield* Stream.runDrain(View.stream(sum, { reduce: false, key: day("2024-01-20"), keySchema: DayKey }))
      yield* Stream.runDrain(
        View.stream(sum, { reduce: false, keys: [day("2024-01-05"), day("2025-03-09")], keySchema: DayKey })
      )
      expect((yield* sent).map(({ body, query }) => [query, body])).toEqual([
        [{ reduce: "false", startkey: "[2024,1,1]", endkey: "[2024,12,{}]" }, undefined],
        [{ reduce: "false", key: "[2024,1,20]" }, undefined],
        [{ reduce: "false" }, `{"keys":[[2024,1,5],[2025,3,9]]}`]
      ])
    }).pipe(Effect.provide(Couch(MockCouch.route("*", "/api/_design/app/_view/sum", reply(recorded["6.7"]))))))

  it.effect("Schema.Date keys: encoded to the ISO strings they decode from (6.4's layout, keys of our own)", () =>
    Effect.gen(function*() {
      const v = yield* appView("by_date")
      const rows = yield* collect(View.stream(v, {
        startkey: day("2024-01-01"),
        endkey: `2024-12-31\ufff0`,
        keySchema: Schema.Date
      }))
      expect(rows.map((row) => row.key)).toEqual([day("2024-01-05"), day("2024-01-20")])
      yield* Stream.runDrain(View.stream(v, { keys: [day("2024-01-20")], keySchema: Schema.Date }))
      expect((yield* sent).map(({ body, query }) => [query, body])).toEqual([
        [{ startkey: `"2024-01-01T00:00:00.000Z"`, endkey: `"2024-12-31\ufff0"` }, undefined],
        [{}, `{"keys":["2024-01-20T00:00:00.000Z"]}`]
      ])
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "*",
      "/api/_design/app/_view/by_date",
      MockCouch.chunked(200, [
        `{"total_rows":2,"offset":0,"rows":[\r\n{"id":"d1","key":"2024-01-05T00:00:00.000Z","value":3},\r\n{"id":"d2","key":"2024-01-20T00:00:00.000Z","value":5}\r\n]}`,
        `\n`
      ])
    )))))

  it.effect("a key the key Schema cannot encode is an InvalidRequest, and nothing is sent", () =>
    Effect.gen(function*() {
      const v = yield* appView("by_date")
      const error = yield* Effect.flip(
        Stream.runDrain(View.stream(v, { key: new Date(Number.NaN), keySchema: Schema.Date }))
      )
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("a view key cannot be encoded with the key Schema")
      const inKeys = yield* Effect.flip(
        Stream.runDrain(View.stream(v, { keys: [day("2024-01-01"), new Date(Number.NaN)], keySchema: Schema.Date }))
      )
      expect(inKeys._tag).toBe("InvalidRequest")
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(Couch())))

  it.effect("reduce and group queries typed with the value Schema (6.8, 6.9, 6.12)", () =>
    Effect.gen(function*() {
      const total = yield* collect(
        View.stream(yield* appView("sum"), { keySchema: Schema.Null, valueSchema: Schema.Number })
      )
      expect(total).toEqual([{ key: null, value: 18 }])
      const perYear = yield* collect(View.stream(yield* appView("sum"), {
        group_level: 1,
        keySchema: Schema.Tuple(Schema.Number),
        valueSchema: Schema.Number
      }))
      expect(perYear).toEqual([{ key: [2024], value: 10 }, { key: [2025], value: 8 }])
      const Stats = Schema.Struct({
        sum: Schema.Number,
        count: Schema.Number,
        min: Schema.Number,
        max: Schema.Number,
        sumsqr: Schema.Number
      })
      const stats = yield* collect(View.stream(yield* appView("stats"), { group: true, valueSchema: Stats }))
      expect(stats.map((row) => [row.key, row.value.count, row.value.max])).toEqual([["fruit", 3, 5], ["veg", 2, 7]])
      // A value that is not what the value Schema says fails the query.
      const wrong = yield* Effect.flip(
        Stream.runDrain(View.stream(yield* appView("stats"), { group: true, valueSchema: Schema.Number }))
      )
      expect(wrong._tag).toBe("DecodeError")
      expect((yield* sent).map(({ path, query }) => [path, query])).toEqual([
        ["/api/_design/app/_view/sum", {}],
        ["/api/_design/app/_view/sum", { group_level: "1" }],
        ["/api/_design/app/_view/stats", { group: "true" }],
        ["/api/_design/app/_view/stats", { group: "true" }]
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/api/_design/app/_view/sum", (request) =>
        reply(request.query.has("group_level") ? recorded["6.9"] : recorded["6.8"])),
      MockCouch.route("GET", "/api/_design/app/_view/stats", reply(recorded["6.12"]))
    ))))

  it.effect("documents decoded with `schema` come back as stored documents: _id and _rev added (6.13)", () =>
    Effect.gen(function*() {
      const rows = yield* collect(
        View.stream(yield* appView("v"), { include_docs: true, limit: 2, valueSchema: Schema.Number, schema: Fruit })
      )
      expect(rows.map((row) => row.doc)).toEqual([
        { _id: "d1", _rev: "1-402df42fe385525c2800502e5e3f02d2", type: "fruit", name: "apple", n: 3 },
        { _id: "d2", _rev: "1-334ada071c81674beb0eca6a67ef010c", type: "fruit", name: "banana", n: 5 }
      ])
      expect((yield* sent)[0]?.query).toEqual({ include_docs: "true", limit: "2" })
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", "/api/_design/app/_view/v", reply(recorded["6.13"]))))))

  it.effect("a document without _rev is a DecodeError naming it (6.13 with the _rev of d2 removed)", () =>
    Effect.gen(function*() {
      const { errors, values } = yield* drain(View.stream(yield* appView("v"), { include_docs: true, schema: Fruit }))
      expect(values.map((row) => row.id)).toEqual(["d1"])
      expect(errors).toMatchObject([{ _tag: "DecodeError", documentId: "d2", path: ["_rev"] }])
      expect(errors[0]?.message).toContain(`(document "d2")`)
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/api/_design/app/_view/v",
      MockCouch.raw(200, bodyOf(recorded["6.13"]).replace(`"_rev":"1-334ada071c81674beb0eca6a67ef010c",`, ""))
    )))))

  it.effect("_all_docs with keys: error rows for missing keys, a deleted document's doc is null (3.44, 3.45)", () =>
    Effect.gen(function*() {
      const db = yield* api
      const rows = yield* collect(View.stream(Database.allDocs(db), {
        keys: ["doc1", "nope", "gone"],
        keySchema: Schema.String,
        valueSchema: View.AllDocsValue
      }))
      expect(rows.map((row) => View.isErrorRow(row) ? [row.key, row.error] : [row.key, row.value.deleted])).toEqual([
        ["doc1", undefined],
        ["nope", "not_found"],
        ["gone", true]
      ])
      const withDocs = yield* collect(View.stream(Database.allDocs(db), {
        keys: ["b1", "gone"],
        include_docs: true,
        valueSchema: View.AllDocsValue,
        schema: Schema.Struct({ v: Schema.Number })
      }))
      expect(withDocs.map((row) => View.isErrorRow(row) ? row.error : row.doc)).toEqual([
        { _id: "b1", _rev: "1-7a7e4b29f3af401e69b6f86e4c26b727", v: 1 },
        null
      ])
      expect((yield* sent).map(({ body, method, path, query }) => [method, path, query, body])).toEqual([
        ["POST", "/api/_all_docs", {}, recorded["3.44"].request],
        ["POST", "/api/_all_docs", { include_docs: "true" }, recorded["3.45"].request]
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route(
        "POST",
        "/api/_all_docs",
        (request) => reply(request.query.has("include_docs") ? recorded["3.45"] : recorded["3.44"])
      )
    ))))

  it.effect("errors: grouping a map view, include_docs on a reduce view, a missing design doc or view (6.20–6.23)", () =>
    Effect.gen(function*() {
      const grouped = yield* Effect.flip(Stream.runDrain(View.stream(yield* appView("v"), { group: true })))
      expect(grouped).toMatchObject({
        _tag: "BadRequest",
        error: "query_parse_error",
        reason: "Invalid use of grouping on a map view."
      })
      const docs = yield* Effect.flip(Stream.runDrain(View.stream(yield* appView("sum"), { include_docs: true })))
      expect(docs).toMatchObject({ _tag: "BadRequest", reason: "`include_docs` is invalid for reduce" })
      const db = yield* api
      const noDdoc = yield* Effect.flip(
        Stream.runDrain(View.stream(DesignDocument.view(Database.designDocument(db, "nope"), "v")))
      )
      expect(noDdoc).toMatchObject({ _tag: "NotFound", reason: "missing" })
      const noView = yield* Effect.flip(Effect.scoped(View.open(yield* appView("nope"))))
      expect(noView).toMatchObject({ _tag: "NotFound", reason: "missing_named_view" })
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/api/_design/app/_view/v", reply(recorded["6.20"])),
      MockCouch.route("GET", "/api/_design/app/_view/sum", reply(recorded["6.21"])),
      MockCouch.route("GET", "/api/_design/nope/_view/v", reply(recorded["6.22"])),
      MockCouch.route("GET", "/api/_design/app/_view/nope", reply(recorded["6.23"]))
    ))))
})

/** A stream's elements, and the error it ended with, if any. */
const drain = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(collect(Stream.either(stream)), (all) => ({
    values: all.flatMap((e) => e._tag === "Right" ? [e.right] : []),
    errors: all.flatMap((e) => e._tag === "Left" ? [e.left] : [])
  }))

describe("View.queries (CouchDB 3.5 recordings 3.46, 6.19)", () => {
  it.effect("a view's multi-query: one POST listing the queries, each result decoded on its own (6.19)", () =>
    Effect.gen(function*() {
      const results = yield* View.queries(yield* appView("v"), [
        { keys: ["apple", "elderberry"] },
        { skip: 1, limit: 1 },
        { startkey: "c", endkey: "d\ufff0" }
      ], { keySchema: Schema.String, valueSchema: Schema.Number })
      expect(results.map((result) => result.rows.map((row) => View.isErrorRow(row) ? row.error : row.id))).toEqual([
        ["d1", "d5"],
        ["d2"],
        ["d3", "d4"]
      ])
      expect(results.map(({ offset, totalRows, updateSeq }) => [totalRows, offset, updateSeq])).toEqual([
        [Option.some(5), Option.some(2), Option.none()],
        [Option.some(5), Option.some(1), Option.none()],
        [Option.some(5), Option.some(2), Option.none()]
      ])
      const [request] = yield* sent
      expect([request?.method, request?.path, request?.query]).toEqual(["POST", "/api/_design/app/_view/v/queries", {}])
      expect(JSON.parse(request?.body ?? "")).toEqual(JSON.parse(recorded["6.19"].request))
    }).pipe(Effect.provide(Couch(
      MockCouch.route("POST", "/api/_design/app/_view/v/queries", reply(recorded["6.19"]))
    ))))

  it.effect("_all_docs' multi-query, piped: offset null is none, limit 0 is an empty result (3.46)", () =>
    Effect.gen(function*() {
      const results = yield* Database.allDocs(yield* api).pipe(View.queries([
        { keys: ["b1", "b2"] },
        { startkey: "d1", endkey: "d3", limit: 2 },
        { limit: 0 }
      ], { valueSchema: View.AllDocsValue }))
      expect(results.map((result) => [result.offset, result.rows.map((row) => row.key)])).toEqual([
        [Option.none(), ["b1", "b2"]],
        [Option.some(15), ["d1", "d2"]],
        [Option.some(0), []]
      ])
      const [first] = results[0]?.rows ?? []
      expect(first !== undefined && !View.isErrorRow(first) ? first.value.rev : undefined).toBe(
        "1-7a7e4b29f3af401e69b6f86e4c26b727"
      )
      const [request] = yield* sent
      expect(request?.path).toBe("/api/_all_docs/queries")
      expect(JSON.parse(request?.body ?? "")).toEqual(JSON.parse(recorded["3.46"].request))
    }).pipe(Effect.provide(Couch(MockCouch.route("POST", "/api/_all_docs/queries", reply(recorded["3.46"]))))))

  it.effect("each query's keys are encoded with the key Schema; raw range ends are sent as they are", () =>
    Effect.gen(function*() {
      const results = yield* View.queries(yield* appView("sum"), [
        { keys: [day("2024-01-05"), day("2025-03-09")] },
        { key: day("2024-01-20"), reduce: false },
        { startkey: day("2024-02-01"), endkey: [2025, {}], reduce: false, include_docs: true }
      ], { keySchema: DayKey, valueSchema: Schema.Number })
      expect(results.map((result) => result.rows.map((row) => row.key))).toEqual([
        [day("2024-01-05"), day("2025-03-09")],
        [day("2024-01-20")],
        [day("2024-02-01")]
      ])
      const [request] = yield* sent
      expect(JSON.parse(request?.body ?? "")).toEqual({
        queries: [
          { keys: [[2024, 1, 5], [2025, 3, 9]] },
          { key: [2024, 1, 20], reduce: false },
          { startkey: [2024, 2, 1], endkey: [2025, {}], reduce: false, include_docs: true }
        ]
      })
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "POST",
      "/api/_design/app/_view/sum/queries",
      // The layout of 6.19, with rows of view `sum` (6.7).
      MockCouch.chunked(200, [
        `{"results":[`,
        `\r\n{"total_rows":5,"offset":0,"rows":[\r\n{"id":"d1","key":[2024,1,5],"value":3},\r\n{"id":"d5","key":[2025,3,9],"value":1}\r\n]}`,
        `,\r\n{"total_rows":5,"offset":1,"rows":[\r\n{"id":"d2","key":[2024,1,20],"value":5}\r\n]}`,
        `,\r\n{"total_rows":5,"offset":2,"rows":[\r\n{"id":"d3","key":[2024,2,1],"value":2}\r\n]}`,
        `\r\n]}`,
        `\n`
      ])
    )))))

  it.effect("error rows of missing keys stay in their query's result (3.44's rows in 3.46's layout)", () =>
    Effect.gen(function*() {
      const results = yield* View.queries(Database.allDocs(yield* api), [{ keys: ["doc1", "nope", "gone"] }, {
        limit: 0
      }], { valueSchema: View.AllDocsValue })
      expect(results.map((result) => result.rows)).toEqual([
        [
          { id: "doc1", key: "doc1", value: { rev: "2-38f064b504692898a80b77edb1d030f1" } },
          { key: "nope", error: "not_found" },
          { id: "gone", key: "gone", value: { rev: "2-d0ae140c7f7cdb92dd85a3e31ae18f0c", deleted: true } }
        ],
        []
      ])
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "POST",
      "/api/_all_docs/queries",
      MockCouch.chunked(200, [
        `{"results":[`,
        `\r\n{"total_rows":29,"offset":null,"rows":[\r\n{"id":"doc1","key":"doc1","value":{"rev":"2-38f064b504692898a80b77edb1d030f1"}},\r\n{"key":"nope","error":"not_found"},\r\n{"id":"gone","key":"gone","value":{"rev":"2-d0ae140c7f7cdb92dd85a3e31ae18f0c","deleted":true}}\r\n]}`,
        `,\r\n{"total_rows":29,"offset":0,"rows":[\r\n\r\n]}`,
        `\r\n]}`,
        `\n`
      ])
    )))))

  it.effect("documents are stored documents; a key that cannot be encoded is an InvalidRequest before any I/O", () =>
    Effect.gen(function*() {
      const v = yield* appView("v")
      const refused = yield* Effect.flip(
        View.queries(v, [{ key: day("2024-01-05") }, { key: new Date(Number.NaN) }], { keySchema: Schema.Date })
      )
      expect(refused._tag).toBe("InvalidRequest")
      expect(yield* MockCouch.requests).toEqual([])
      const [result] = yield* View.queries(v, [{ include_docs: true, limit: 2 }], { schema: Fruit })
      expect(result?.rows.map((row) => View.isErrorRow(row) ? undefined : row.doc?._rev)).toEqual([
        "1-402df42fe385525c2800502e5e3f02d2",
        "1-334ada071c81674beb0eca6a67ef010c"
      ])
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "POST",
      "/api/_design/app/_view/v/queries",
      MockCouch.raw(200, `{"results":[${bodyOf(recorded["6.13"]).trimEnd()}]}\n`)
    )))))

  it.effect("a failing status fails the whole multi-query (6.23)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(View.queries(yield* appView("nope"), [{ limit: 1 }]))
      expect(error).toMatchObject({ _tag: "NotFound", reason: "missing_named_view" })
    }).pipe(Effect.provide(Couch(
      MockCouch.route("POST", "/api/_design/app/_view/nope/queries", reply(recorded["6.23"]))
    ))))
})

describe("partition views through View.stream (CouchDB 3.5 recordings 8.9, 8.12–8.15)", () => {
  const partitioned = Effect.map(CouchClient.CouchClient, (couch) => couch.database("api-part"))

  it.scoped("Partition.allDocs: the partition's rows, total_rows and offset as CouchDB counts them (8.9)", () =>
    Effect.gen(function*() {
      const p1 = Database.partition(yield* partitioned, "p1")
      const feed = yield* View.open(Partition.allDocs(p1), { startkey: "p1:", valueSchema: View.AllDocsValue })
      expect(yield* feed.meta).toMatchObject({ totalRows: Option.some(4), offset: Option.some(2) })
      expect((yield* collect(feed.rows)).map((row) => [row.id, row.value.rev])).toEqual([
        ["p1:a", "1-ddbddb483f4be61784a7393dc6d98914"],
        ["p1:b", "1-816eefe21eadf1b0557b044d1eb006b9"]
      ])
      expect((yield* sent).map(({ path, query }) => [path, query])).toEqual([
        ["/api-part/_partition/p1/_all_docs", { startkey: `"p1:"` }]
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/api-part/_partition/p1/_all_docs", reply(recorded["8.9"]))
    ))))

  it.effect("Partition.view typed rows (8.12); a global view queried globally (8.15); the wrong scope is a BadRequest (8.13, 8.14)", () =>
    Effect.gen(function*() {
      const db = yield* partitioned
      const p1 = Database.partition(db, "p1")
      const inPartition = yield* collect(View.stream(Partition.view(p1, "_design/pd", "by_n"), {
        startkey: 1,
        keySchema: Schema.Number,
        valueSchema: Schema.Literal("x", "y")
      }))
      expect(inPartition).toEqual([{ id: "p1:a", key: 1, value: "x" }, { id: "p1:b", key: 2, value: "y" }])
      const global = yield* collect(
        View.stream(DesignDocument.view(Database.designDocument(db, "global"), "by_n"), { valueSchema: Schema.Null })
      )
      expect(global.map((row) => row.id)).toEqual(["p1:a", "p1:b", "p2:c"])
      const pdGlobally = yield* Effect.flip(
        Stream.runDrain(View.stream(DesignDocument.view(Database.designDocument(db, "pd"), "by_n")))
      )
      expect(pdGlobally).toMatchObject({
        _tag: "BadRequest",
        reason: "`partition` parameter is mandatory for queries to this view."
      })
      const globalInPartition = yield* Effect.flip(
        Stream.runDrain(View.stream(p1.pipe(Partition.view("global", "by_n"))))
      )
      expect(globalInPartition).toMatchObject({
        _tag: "BadRequest",
        reason: "`partition` parameter is not supported in this design doc"
      })
      expect((yield* sent).map(({ path, query }) => [path, query])).toEqual([
        ["/api-part/_partition/p1/_design/pd/_view/by_n", { startkey: "1" }],
        ["/api-part/_design/global/_view/by_n", {}],
        ["/api-part/_design/pd/_view/by_n", {}],
        ["/api-part/_partition/p1/_design/global/_view/by_n", {}]
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/api-part/_partition/p1/_design/pd/_view/by_n", reply(recorded["8.12"])),
      MockCouch.route("GET", "/api-part/_design/global/_view/by_n", reply(recorded["8.15"])),
      MockCouch.route("GET", "/api-part/_design/pd/_view/by_n", reply(recorded["8.13"])),
      MockCouch.route("GET", "/api-part/_partition/p1/_design/global/_view/by_n", reply(recorded["8.14"]))
    ))))

  it.effect("a partition name and design document name are escaped as one segment each", () =>
    Effect.gen(function*() {
      const p = Database.partition(yield* partitioned, "a/b c")
      yield* Stream.runDrain(View.stream(Partition.view(p, "d/e", "by n"), { keys: [1] }))
      yield* Stream.runDrain(View.stream(Partition.allDocs(p), { keys: ["a/b c:x"] }))
      expect((yield* MockCouch.requests).map((request) => `${request.method} ${request.path}`)).toEqual([
        "POST /api-part/_partition/a%2Fb%20c/_design/d%2Fe/_view/by%20n",
        "POST /api-part/_partition/a%2Fb%20c/_all_docs"
      ])
    }).pipe(Effect.provide(Couch(MockCouch.route("POST", /^\/api-part\/_partition\//, reply(recorded["8.12"]))))))
})

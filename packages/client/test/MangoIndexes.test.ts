/**
 * Mango indexes (`_index` create, list, delete) and `_explain` against MockCouch, on the exact
 * bytes of CouchDB 3.5's answers (recordings 7.1–7.4 and 7.17–7.19 of couchdb-3.5-api.md).
 */
import { CouchAuth, CouchClient, Mango } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"

interface Recording {
  readonly request?: string
  readonly status: number
  readonly body: string
}

/** CouchDB 3.5.0's answers, as recorded. */
const recorded = {
  /** 7.1 create index: `POST /api/_index` */
  "7.1": {
    request: `{"index":{"fields":["type","n"]},"name":"type-n","ddoc":"mango-idx","type":"json"}`,
    status: 200,
    body: `{"result":"created","id":"_design/mango-idx","name":"type-n"}\n`
  },
  /** 7.2 create the same index again: `POST /api/_index` */
  "7.2": {
    request: `{"index":{"fields":["type","n"]},"name":"type-n","ddoc":"mango-idx","type":"json"}`,
    status: 200,
    body: `{"result":"exists","id":"_design/mango-idx","name":"type-n"}\n`
  },
  /** 7.3 create index with auto-generated ddoc and name: `POST /api/_index` */
  "7.3": {
    request: `{"index":{"fields":["name"]}}`,
    status: 200,
    body:
      `{"result":"created","id":"_design/eab5ed115652e6127f384f00d0bc4b9e0b7dbed9","name":"eab5ed115652e6127f384f00d0bc4b9e0b7dbed9"}\n`
  },
  /** 7.4 list indexes: `GET /api/_index` */
  "7.4": {
    status: 200,
    body:
      `{"total_rows":3,"indexes":[{"ddoc":null,"name":"_all_docs","type":"special","def":{"fields":[{"_id":"asc"}]}},{"ddoc":"_design/eab5ed115652e6127f384f00d0bc4b9e0b7dbed9","name":"eab5ed115652e6127f384f00d0bc4b9e0b7dbed9","type":"json","partitioned":false,"def":{"fields":[{"name":"asc"}]}},{"ddoc":"_design/mango-idx","name":"type-n","type":"json","partitioned":false,"def":{"fields":[{"type":"asc"},{"n":"asc"}]}}]}\n`
  },
  /** 7.17 explain: `POST /api/_explain` */
  "7.17": {
    request: `{"selector":{"type":"fruit","n":{"$gt":0}},"fields":["_id","name"],"limit":2}`,
    status: 200,
    body:
      `{"dbname":"api","index":{"ddoc":"_design/mango-idx","name":"type-n","type":"json","partitioned":false,"def":{"fields":[{"type":"asc"},{"n":"asc"}]}},"partitioned":false,"selector":{"$and":[{"type":{"$eq":"fruit"}},{"n":{"$gt":0}}]},"opts":{"use_index":[],"bookmark":"nil","limit":2,"skip":0,"sort":{},"fields":["_id","name"],"partition":"","r":1,"conflicts":false,"stale":false,"update":true,"stable":false,"execution_stats":false,"allow_fallback":true},"limit":2,"skip":0,"fields":["_id","name"],"index_candidates":[{"index":{"ddoc":"_design/eab5ed115652e6127f384f00d0bc4b9e0b7dbed9","name":"eab5ed115652e6127f384f00d0bc4b9e0b7dbed9","type":"json","partitioned":false,"def":{"fields":[{"name":"asc"}]}},"analysis":{"usable":false,"reasons":[{"name":"field_mismatch"}],"ranking":2,"covering":true}},{"index":{"ddoc":null,"name":"_all_docs","type":"special","def":{"fields":[{"_id":"asc"}]}},"analysis":{"usable":true,"reasons":[{"name":"unfavored_type"}],"ranking":1,"covering":null}}],"selector_hints":[{"type":"json","indexable_fields":["n","type"],"unindexable_fields":[]}],"mrargs":{"include_docs":true,"view_type":"map","reduce":false,"partition":null,"start_key":["fruit",0],"end_key":["fruit","<MAX>"],"direction":"fwd","stable":false,"update":true,"conflicts":"undefined"},"covering":false}\n`
  },
  /** 7.18 delete index: `DELETE /api/_index/_design/mango-idx/json/type-n` */
  "7.18": {
    status: 200,
    body: `{"ok":true}\n`
  },
  /** 7.19 delete the index again: `DELETE /api/_index/_design/mango-idx/json/type-n` */
  "7.19": {
    status: 404,
    body: `{"error":"not_found","reason":"missing"}\n`
  }
} satisfies Record<string, Recording>

/** The client over MockCouch answering with `routes`, no auth. */
const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const reply = (recording: Recording) =>
  MockCouch.raw(recording.status, recording.body, { "content-type": "application/json" })

const api = Effect.map(CouchClient.CouchClient, (couch) => couch.database("api"))

/** Method, path and query, and body of every request sent. */
const sent = Effect.map(
  MockCouch.requests,
  (requests) => requests.map((request) => [`${request.method} ${request.path}${request.url.search}`, request.body])
)

describe("Mango.createIndex", () => {
  it.effect("created, then exists; the recorded bodies are sent (recordings 7.1, 7.2)", () => {
    const answers = [reply(recorded["7.1"]), reply(recorded["7.2"])]
    return Effect.gen(function*() {
      const db = yield* api
      const index = { index: { fields: ["type", "n"] }, name: "type-n", ddoc: "mango-idx", type: "json" } as const
      expect(yield* Mango.createIndex(db, index)).toEqual({
        result: "created",
        id: "_design/mango-idx",
        name: "type-n"
      })
      expect(yield* db.pipe(Mango.createIndex(index))).toEqual({
        result: "exists",
        id: "_design/mango-idx",
        name: "type-n"
      })
      expect(yield* sent).toEqual([
        ["POST /api/_index", recorded["7.1"].request],
        ["POST /api/_index", recorded["7.2"].request]
      ])
    }).pipe(
      Effect.provide(Couch(MockCouch.route("POST", "/api/_index", () => answers.shift() ?? reply(recorded["7.19"]))))
    )
  })

  it.effect("without ddoc and name CouchDB makes up both (recording 7.3)", () =>
    Effect.gen(function*() {
      const created = yield* Mango.createIndex(yield* api, { index: { fields: ["name"] } })
      expect(created).toEqual({
        result: "created",
        id: "_design/eab5ed115652e6127f384f00d0bc4b9e0b7dbed9",
        name: "eab5ed115652e6127f384f00d0bc4b9e0b7dbed9"
      })
      expect(yield* sent).toEqual([["POST /api/_index", recorded["7.3"].request]])
    }).pipe(Effect.provide(Couch(MockCouch.route("POST", "/api/_index", reply(recorded["7.3"]))))))

  it.effect("directions, a partial filter and partitioned: false are sent as CouchDB names them", () =>
    Effect.gen(function*() {
      yield* Mango.createIndex(yield* api, {
        index: {
          fields: [{ type: "asc" }, { n: "desc" }],
          partial_filter_selector: { type: { $ne: "veg" }, "meta.hidden": { $exists: false } }
        },
        ddoc: "_design/by-type",
        partitioned: false
      })
      expect(yield* sent).toEqual([[
        "POST /api/_index",
        `{"index":{"fields":[{"type":"asc"},{"n":"desc"}],"partial_filter_selector":{"type":{"$ne":"veg"},` +
        `"meta.hidden":{"$exists":false}}},"ddoc":"_design/by-type","partitioned":false}`
      ]])
    }).pipe(Effect.provide(Couch(MockCouch.route("POST", "/api/_index", reply(recorded["7.3"]))))))
})

describe("Mango.indexes", () => {
  it.effect("lists the indexes, the special _all_docs one included (recording 7.4)", () =>
    Effect.gen(function*() {
      const db = yield* api
      const list = yield* Mango.indexes(db)
      expect(list).toEqual({
        total_rows: 3,
        indexes: [
          { ddoc: null, name: "_all_docs", type: "special", def: { fields: [{ _id: "asc" }] } },
          {
            ddoc: "_design/eab5ed115652e6127f384f00d0bc4b9e0b7dbed9",
            name: "eab5ed115652e6127f384f00d0bc4b9e0b7dbed9",
            type: "json",
            partitioned: false,
            def: { fields: [{ name: "asc" }] }
          },
          {
            ddoc: "_design/mango-idx",
            name: "type-n",
            type: "json",
            partitioned: false,
            def: { fields: [{ type: "asc" }, { n: "asc" }] }
          }
        ]
      })
      yield* db.pipe(Mango.indexes({ limit: 2, skip: 1 }))
      expect((yield* sent).map(([request]) => request)).toEqual(["GET /api/_index", "GET /api/_index?limit=2&skip=1"])
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", "/api/_index", reply(recorded["7.4"]))))))
})

describe("Mango.removeIndex", () => {
  it.effect("deletes by design document and name; a missing index is NotFound (recordings 7.18, 7.19)", () => {
    const answers = [reply(recorded["7.18"]), reply(recorded["7.19"])]
    return Effect.gen(function*() {
      const db = yield* api
      expect(yield* Mango.removeIndex(db, { ddoc: "mango-idx", name: "type-n" })).toEqual({ ok: true })
      const missing = yield* Effect.flip(Mango.removeIndex(db, { ddoc: "_design/mango-idx", name: "type-n" }))
      expect(missing).toMatchObject({ _tag: "NotFound", error: "not_found", reason: "missing" })
      expect((yield* sent).map(([request]) => request)).toEqual([
        "DELETE /api/_index/_design/mango-idx/json/type-n",
        "DELETE /api/_index/_design/mango-idx/json/type-n"
      ])
    }).pipe(
      Effect.provide(
        Couch(MockCouch.route("DELETE", /^\/api\/_index\//, () => answers.shift() ?? reply(recorded["7.19"])))
      )
    )
  })

  it.effect("names with reserved characters stay one segment each", () =>
    Effect.gen(function*() {
      yield* Mango.removeIndex(yield* api, { ddoc: "a/b", name: "c d?", type: "text" })
      expect((yield* sent).map(([request]) => request)).toEqual(["DELETE /api/_index/_design/a%2Fb/text/c%20d%3F"])
    }).pipe(Effect.provide(Couch(MockCouch.route("DELETE", /^\/api\/_index\//, reply(recorded["7.18"]))))))
})

describe("Mango.removeIndexes", () => {
  it.effect("deletes the indexes of many design documents; each succeeds or fails alone (the API reference)", () =>
    Effect.gen(function*() {
      const removed = yield* Mango.removeIndexes(yield* api, {
        ddocs: ["_design/example-ddoc", "foo-index", "nonexistent-index"],
        w: 3
      })
      expect(removed).toEqual({
        success: [{ id: "_design/example-ddoc", ok: true }, { id: "foo-index", ok: true }],
        fail: [{ id: "nonexistent-index", error: "not_found" }]
      })
      expect(yield* sent).toEqual([[
        "POST /api/_index/_bulk_delete",
        `{"docids":["_design/example-ddoc","foo-index","nonexistent-index"],"w":3}`
      ]])
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "POST",
      "/api/_index/_bulk_delete",
      MockCouch.raw(
        200,
        `{"success":[{"id":"_design/example-ddoc","ok":true},{"id":"foo-index","ok":true}],"fail":[{"id":"nonexistent-index","error":"not_found"}]}`,
        { "content-type": "application/json" }
      )
    )))))
})

describe("Mango.explain", () => {
  it.effect("decodes CouchDB 3's explanation; the recorded body is sent (recording 7.17)", () =>
    Effect.gen(function*() {
      const Fruit = Schema.Struct({ type: Schema.String, n: Schema.Number, name: Schema.String })
      const explained = yield* Mango.explain(yield* api, {
        schema: Fruit,
        selector: { type: "fruit", n: { $gt: 0 } },
        fields: ["_id", "name"],
        limit: 2
      })
      expect(explained).toMatchObject({
        dbname: "api",
        index: { ddoc: "_design/mango-idx", name: "type-n", type: "json", partitioned: false },
        partitioned: false,
        selector: { $and: [{ type: { $eq: "fruit" } }, { n: { $gt: 0 } }] },
        opts: { use_index: [], bookmark: "nil", limit: 2, r: 1, partition: "", allow_fallback: true },
        limit: 2,
        skip: 0,
        fields: ["_id", "name"],
        mrargs: { include_docs: true, start_key: ["fruit", 0], end_key: ["fruit", "<MAX>"], direction: "fwd" },
        covering: false,
        selector_hints: [{ type: "json", indexable_fields: ["n", "type"], unindexable_fields: [] }]
      })
      expect(explained.index_candidates?.map((c) => [c.index.name, c.analysis.usable, c.analysis.reasons])).toEqual([
        ["eab5ed115652e6127f384f00d0bc4b9e0b7dbed9", false, [{ name: "field_mismatch" }]],
        ["_all_docs", true, [{ name: "unfavored_type" }]]
      ])
      expect(yield* sent).toEqual([["POST /api/_explain", recorded["7.17"].request]])
    }).pipe(Effect.provide(Couch(MockCouch.route("POST", "/api/_explain", reply(recorded["7.17"]))))))

  it.effect("decodes pouchdb-server's smaller explanation", () =>
    Effect.gen(function*() {
      const explained = yield* Mango.explain(yield* api, { selector: { type: "a" } })
      expect(explained).toEqual({
        dbname: "api",
        index: { ddoc: null, name: "_all_docs", type: "special", def: { fields: [{ _id: "asc" }] } },
        selector: { type: { $eq: "a" } },
        opts: { use_index: [], bookmark: "nil", sort: {}, conflicts: false, r: [49] },
        skip: 0
      })
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "POST",
      "/api/_explain",
      MockCouch.json(200, {
        dbname: "api",
        index: { ddoc: null, name: "_all_docs", type: "special", def: { fields: [{ _id: "asc" }] } },
        selector: { type: { $eq: "a" } },
        range: { start_key: null },
        opts: { use_index: [], bookmark: "nil", sort: {}, conflicts: false, r: [49] },
        skip: 0
      })
    )))))
})

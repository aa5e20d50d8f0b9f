import { CouchAuth, CouchClient, Database, DesignDocument } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Option, Schema, Stream } from "effect"

const BASE = "http://127.0.0.1:5985"

const TestLive = (routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: BASE }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const app = Effect.map(CouchClient.CouchClient, (couch) => Database.designDocument(couch.database("api"), "app"))

const lastRequest = Effect.map(MockCouch.requests, (requests) => {
  const last = requests.at(-1)
  if (last === undefined) throw new Error("no request was sent")
  return last
})

// Bodies and headers below are the bytes CouchDB 3.5.0 sent (couchdb-3.5-api.md, section 6).
const json = (status: number, body: string, headers: Record<string, string> = {}) =>
  MockCouch.raw(status, body, { "content-type": "application/json", ...headers })

const definition: DesignDocument.Definition = {
  language: "javascript",
  views: {
    v: { map: "function(doc){ if (doc.type) { emit(doc.name, doc.n); } }" },
    sum: { map: "function(doc){ if (doc.type) { emit(doc.date, doc.n); } }", reduce: "_sum" }
  },
  validate_doc_update:
    "function(newDoc){ if (newDoc.bad === true) { throw({forbidden: 'bad docs are not allowed'}); } }",
  filters: { f: "function(doc, req){ return doc.type === 'fruit'; }" },
  shows: { s: "function(doc, req){ return 'x'; }" },
  rewrites: [{ from: "/byname", to: "_view/v" }]
}

describe("design documents (CouchDB 3.5 recordings 6.2, 6.3, 6.33, 6.39)", () => {
  it.effect("put sends the typed parts as JSON to /{db}/_design/{ddoc} (6.2)", () =>
    Effect.gen(function*() {
      const written = yield* DesignDocument.put(yield* app, definition)
      expect(written).toEqual({ ok: true, id: "_design/app", rev: "1-d287ebf350dbfab526dfcd38050f00bf" })
      const sent = yield* lastRequest
      expect(`${sent.method} ${sent.path}`).toBe("PUT /api/_design/app")
      expect(JSON.parse(sent.body ?? "")).toEqual(definition)
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "PUT",
        "/api/_design/app",
        json(201, "{\"ok\":true,\"id\":\"_design/app\",\"rev\":\"1-d287ebf350dbfab526dfcd38050f00bf\"}\n")
      )
    ]))))

  it.effect("get decodes the parts and keeps fields it does not know", () =>
    Effect.gen(function*() {
      const read = yield* DesignDocument.get(yield* app)
      expect(read._rev).toBe("1-d287ebf350dbfab526dfcd38050f00bf")
      expect(read.views?.["sum"]?.reduce).toBe("_sum")
      expect(read["x-tool"]).toEqual({ owner: "ops" })
      // Written back as read: the unknown field and the rev travel along.
      yield* DesignDocument.put(yield* app, read)
      const sent = JSON.parse((yield* lastRequest).body ?? "")
      expect(sent["x-tool"]).toEqual({ owner: "ops" })
      expect(sent._rev).toBe("1-d287ebf350dbfab526dfcd38050f00bf")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/api/_design/app",
        MockCouch.json(200, {
          _id: "_design/app",
          _rev: "1-d287ebf350dbfab526dfcd38050f00bf",
          ...definition,
          "x-tool": { owner: "ops" }
        })
      ),
      MockCouch.route("PUT", "/api/_design/app", MockCouch.json(201, { ok: true, id: "_design/app", rev: "2-a" }))
    ]))))

  it.effect("a map function with a syntax error is a BadRequest compilation_error (6.39)", () =>
    Effect.gen(function*() {
      const bad = Database.designDocument((yield* app).database, "bad")
      const error = yield* Effect.flip(
        DesignDocument.put(bad, { views: { x: { map: "function(doc){ emit(doc._id " } } })
      )
      expect(error).toMatchObject({ _tag: "BadRequest", error: "compilation_error" })
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "PUT",
        "/api/_design/bad",
        json(
          400,
          "{\"error\":\"compilation_error\",\"reason\":\"Compilation of the map function in the 'x' view failed: SyntaxError: expecting ',' (function(doc){ emit(doc._id )\"}\n"
        )
      )
    ]))))

  it.effect("info decodes _info (6.3) and compactViews posts JSON to /{db}/_compact/{ddoc} (6.33)", () =>
    Effect.gen(function*() {
      const info = yield* DesignDocument.info(yield* app)
      expect(info.name).toBe("app")
      expect(info.view_index.signature).toBe("3ef5fa24f97a2c681038fe636b9bff73")
      expect(info.view_index.updates_pending?.total).toBe(0)
      yield* DesignDocument.compactViews(yield* app)
      const sent = yield* lastRequest
      expect(`${sent.method} ${sent.path}`).toBe("POST /api/_compact/app")
      expect(sent.headers["content-type"]).toBe("application/json")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/api/_design/app/_info",
        json(
          200,
          "{\"name\":\"app\",\"view_index\":{\"updates_pending\":{\"minimum\":0,\"preferred\":0,\"total\":0},\"waiting_commit\":true,\"waiting_clients\":0,\"updater_running\":false,\"update_seq\":47,\"sizes\":{\"file\":993,\"external\":392,\"active\":891},\"signature\":\"3ef5fa24f97a2c681038fe636b9bff73\",\"purge_seq\":2,\"language\":\"javascript\",\"compact_running\":false,\"collator_versions\":[\"153.120\"]}}\n"
        )
      ),
      MockCouch.route("POST", "/api/_compact/app", json(202, "{\"ok\":true}\n"))
    ]))))

  it.effect("remove needs the revision", () =>
    Effect.gen(function*() {
      yield* DesignDocument.remove(yield* app, { rev: "1-d287" })
      expect((yield* lastRequest).url.search).toBe("?rev=1-d287")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("DELETE", "/api/_design/app", MockCouch.json(200, { ok: true, id: "_design/app", rev: "2-x" }))
    ]))))
})

describe("show, list, update and rewrite functions (CouchDB 3.5 recordings 6.25–6.32)", () => {
  it.effect("show on a document and without one; the answer is raw, with its content type (6.27, 6.28)", () =>
    Effect.gen(function*() {
      const onDoc = yield* DesignDocument.show(yield* app, "s", { docId: "d1", query: { x: 1 } })
      expect(onDoc.text).toBe("name=apple\n")
      expect(onDoc.contentType).toEqual(Option.some("text/plain"))
      const sent = yield* lastRequest
      expect(`${sent.path}${sent.url.search}`).toBe("/api/_design/app/_show/s/d1?x=1")
      const none = yield* DesignDocument.show(yield* app, "s")
      expect(none.text).toBe("name=none\n")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/api/_design/app/_show/s/d1",
        MockCouch.raw(200, "name=apple\n", { "content-type": "text/plain" })
      ),
      MockCouch.route(
        "GET",
        "/api/_design/app/_show/s",
        MockCouch.raw(200, "name=none\n", { "content-type": "text/plain" })
      )
    ]))))

  it.effect("a show function that provides JSON, decoded with a Schema; Accept picks the format (6.29, 6.30)", () =>
    Effect.gen(function*() {
      const result = yield* DesignDocument.show(yield* app, "p", {
        docId: "d1",
        headers: { accept: "application/json" }
      })
      expect((yield* lastRequest).headers["accept"]).toBe("application/json")
      const decoded = yield* DesignDocument.json(Schema.Struct({ id: Schema.NullOr(Schema.String) }))(result)
      expect(decoded).toEqual({ id: "d1" })
      const bad = yield* Effect.flip(DesignDocument.json(Schema.Struct({ id: Schema.Number }))(result))
      expect(bad._tag).toBe("DecodeError")
      expect(bad.url).toBe(`${BASE}/api/_design/app/_show/p/d1`)
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/api/_design/app/_show/p/d1",
        MockCouch.raw(200, "{\"id\":\"d1\"}", { "content-type": "application/json" })
      )
    ]))))

  it.effect("a show function that cannot provide what Accept asks for is NotAcceptable (12.4)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        DesignDocument.show(yield* app, "p", { docId: "d1", headers: { accept: "text/html" } })
      )
      expect(error._tag).toBe("NotAcceptable")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/api/_design/app/_show/p/d1",
        json(
          406,
          "{\"error\":\"not_acceptable\",\"reason\":\"Content-Type text/html not supported, try one of: application/json\"}\n"
        )
      )
    ]))))

  it.effect("show with a body POSTs it, for the function's req.body; list with keys POSTs them", () =>
    Effect.gen(function*() {
      const shown = yield* DesignDocument.show(yield* app, "s", { docId: "d1", json: { note: "é" } })
      expect(shown.text).toBe("posted\n")
      const posted = yield* lastRequest
      expect(`${posted.method} ${posted.path}`).toBe("POST /api/_design/app/_show/s/d1")
      expect(posted.headers["content-type"]).toBe("application/json")
      expect(JSON.parse(posted.body ?? "")).toEqual({ note: "é" })
      yield* DesignDocument.list(yield* app, "l", "v", { keys: ["apple", ["b", 1]], query: { limit: 1 } })
      const listed = yield* lastRequest
      expect(`${listed.method} ${listed.path}${listed.url.search}`).toBe("POST /api/_design/app/_list/l/v?limit=1")
      expect(JSON.parse(listed.body ?? "")).toEqual({ keys: ["apple", ["b", 1]] })
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "POST",
        "/api/_design/app/_show/s/d1",
        MockCouch.raw(200, "posted\n", { "content-type": "text/plain" })
      ),
      MockCouch.route(
        "POST",
        "/api/_design/app/_list/l/v",
        MockCouch.raw(200, "apple=3\n", { "content-type": "text/plain" })
      )
    ]))))

  it.effect("list over a view, with the view's query, and over another design document's view (6.31)", () =>
    Effect.gen(function*() {
      const result = yield* DesignDocument.list(yield* app, "l", "v", { query: { limit: 2, startkey: "\"b\"" } })
      expect(result.text).toBe("apple=3\nbanana=5\ncarrot=2\ndaikon=7\nelderberry=1\n")
      expect((yield* lastRequest).url.search).toBe("?limit=2&startkey=%22b%22")
      yield* DesignDocument.list(yield* app, "l", "v", { otherDesign: "_design/other" })
      expect((yield* lastRequest).path).toBe("/api/_design/app/_list/l/other/v")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/api/_design/app/_list/l/v",
        MockCouch.chunked(200, ["apple=3\n", "banana=5\n", "carrot=2\n", "daikon=7\n", "elderberry=1\n"], {
          headers: { "content-type": "text/plain" }
        })
      ),
      MockCouch.route(
        "GET",
        "/api/_design/app/_list/l/other/v",
        MockCouch.raw(200, "", { "content-type": "text/plain" })
      )
    ]))))

  it.effect("update: PUT on a document, POST without one; the new id and rev come from the headers (6.25, 6.26)", () =>
    Effect.gen(function*() {
      const touched = yield* DesignDocument.update(yield* app, "u", { docId: "d1", json: {} })
      expect(touched.text).toBe("touched 1\n")
      expect(touched.docId).toEqual(Option.some("d1"))
      expect(touched.newRev).toEqual(Option.some("2-84e598f2bd33aad49744b38eb31fefad"))
      expect((yield* lastRequest).method).toBe("PUT")
      const created = yield* DesignDocument.update(yield* app, "u", { json: {} })
      expect(created.docId).toEqual(Option.some("6f80c807ba6d15ab806ef5ab7101af39"))
      const sent = yield* lastRequest
      expect(`${sent.method} ${sent.path} ${sent.body}`).toBe("POST /api/_design/app/_update/u {}")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "PUT",
        "/api/_design/app/_update/u/d1",
        MockCouch.raw(201, "touched 1\n", {
          "content-type": "text/html; charset=utf-8",
          "x-couch-id": "d1",
          "x-couch-update-newrev": "2-84e598f2bd33aad49744b38eb31fefad"
        })
      ),
      MockCouch.route(
        "POST",
        "/api/_design/app/_update/u",
        MockCouch.raw(201, "created\n", {
          "content-type": "text/html; charset=utf-8",
          "x-couch-id": "6f80c807ba6d15ab806ef5ab7101af39",
          "x-couch-update-newrev": "1-1914e863514da38bd9863de2b36091da"
        })
      )
    ]))))

  it.effect("rewrite passes the path through the rules (6.32)", () =>
    Effect.gen(function*() {
      const result = yield* DesignDocument.rewrite(yield* app, "byname")
      expect(JSON.parse(result.text).total_rows).toBe(5)
      expect((yield* lastRequest).path).toBe("/api/_design/app/_rewrite/byname")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/api/_design/app/_rewrite/byname",
        json(200, "{\"total_rows\":5,\"offset\":0,\"rows\":[\r\n{\"id\":\"d1\",\"key\":\"apple\",\"value\":3}\r\n]}\n")
      )
    ]))))

  it.effect("an empty function name is refused before any I/O", () =>
    Effect.gen(function*() {
      expect((yield* Effect.flip(DesignDocument.show(yield* app, "")))._tag).toBe("InvalidRequest")
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(TestLive([]))))
})

// No recordings: the search and Nouveau services were not running. Shapes from CouchDB's API
// reference (api/ddoc/search.rst and api/ddoc/nouveau.rst).
describe("search and Nouveau (CouchDB's API reference: api/ddoc/search, api/ddoc/nouveau)", () => {
  const page = (rows: ReadonlyArray<string>, bookmark: string) => ({
    total_rows: 3,
    bookmark,
    rows: rows.map((id) => ({ id, order: [1, 0], fields: { name: id } }))
  })

  it.effect("search encodes every parameter as CouchDB reads it", () =>
    Effect.gen(function*() {
      const result = yield* DesignDocument.search(yield* app, "by_name", {
        query: "name:a*",
        counts: ["type"],
        drilldown: [["type", "fruit"]],
        sort: ["-n<number>", "name<string>"],
        include_docs: true,
        limit: 2,
        ranges: { n: { low: "[0 TO 5]" } }
      })
      expect(result.rows?.map((row) => row.id)).toEqual(["d1", "d2"])
      const query = (yield* lastRequest).query
      expect(query.get("query")).toBe("name:a*")
      expect(query.get("counts")).toBe("[\"type\"]")
      expect(query.get("drilldown")).toBe("[[\"type\",\"fruit\"]]")
      expect(query.get("sort")).toBe("[\"-n<number>\",\"name<string>\"]")
      expect(query.get("ranges")).toBe("{\"n\":{\"low\":\"[0 TO 5]\"}}")
      expect(query.get("include_docs")).toBe("true")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("GET", "/api/_design/app/_search/by_name", MockCouch.json(200, page(["d1", "d2"], "b1")))
    ]))))

  it.effect("searchPages follows the bookmark only as the stream is pulled, and stops at an empty page", () =>
    Effect.gen(function*() {
      const first = yield* Stream.runCollect(
        DesignDocument.searchPages(yield* app, "by_name", { query: "*:*" }).pipe(Stream.take(2))
      )
      expect(Chunk.toReadonlyArray(first).map((row) => row.id)).toEqual(["d1", "d2"])
      expect((yield* MockCouch.requests).length).toBe(1)
      const all = yield* Stream.runCollect(DesignDocument.searchPages(yield* app, "by_name", { query: "*:*" }))
      expect(Chunk.toReadonlyArray(all).map((row) => row.id)).toEqual(["d1", "d2", "d3"])
      const bookmarks = (yield* MockCouch.requests).slice(1).map((r) => r.query.get("bookmark"))
      expect(bookmarks).toEqual([null, "b1", "b2"])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("GET", "/api/_design/app/_search/by_name", (request) => {
        const bookmark = request.query.get("bookmark")
        return MockCouch.json(
          200,
          bookmark === null ? page(["d1", "d2"], "b1") : bookmark === "b1" ? page(["d3"], "b2") : page([], "b2")
        )
      })
    ]))))

  it.effect("searchPages stops when the server answers the bookmark it was given (it would loop forever)", () =>
    Effect.gen(function*() {
      const all = yield* Stream.runCollect(DesignDocument.searchPages(yield* app, "by_name", { query: "*:*" }))
      expect(Chunk.toReadonlyArray(all).map((row) => row.id)).toEqual(["d1", "d2", "d3"])
      expect((yield* MockCouch.requests).map((r) => r.query.get("bookmark"))).toEqual([null, "b1"])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/api/_design/app/_search/by_name",
        (request) =>
          MockCouch.json(200, request.query.get("bookmark") === null ? page(["d1", "d2"], "b1") : page(["d3"], "b1"))
      )
    ]))))

  it.effect("nouveau and its info", () =>
    Effect.gen(function*() {
      const result = yield* DesignDocument.nouveau(yield* app, "idx", { q: "name:apple", limit: 1, sort: "-n<double>" })
      expect(result.total_hits).toBe(1)
      expect(result.hits[0]?.id).toBe("d1")
      expect((yield* lastRequest).url.search).toBe("?q=name%3Aapple&limit=1&sort=%22-n%3Cdouble%3E%22")
      const info = yield* DesignDocument.nouveauInfo(yield* app, "idx")
      expect(info.search_index["num_docs"]).toBe(1000)
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/api/_design/app/_nouveau/idx",
        MockCouch.json(200, {
          total_hits_relation: "EQUAL_TO",
          total_hits: 1,
          bookmark: "g1",
          hits: [{ id: "d1", order: [{ "@type": "float", value: 1 }], fields: { n: 3 } }]
        })
      ),
      MockCouch.route(
        "GET",
        "/api/_design/app/_nouveau_info/idx",
        MockCouch.json(200, {
          name: "_design/app/idx",
          search_index: { num_docs: 1000, update_seq: 5000, disk_size: 1048576 }
        })
      )
    ]))))
})

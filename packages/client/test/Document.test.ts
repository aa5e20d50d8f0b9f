import { CouchAuth, CouchClient, Database, Document } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option, Schema } from "effect"

/** A reply with CouchDB 3.5's JSON headers plus `headers` (recorded bytes of the body). */
const couch = (status: number, body: string, headers: Readonly<Record<string, string>> = {}) =>
  MockCouch.raw(status, body, {
    "cache-control": "must-revalidate",
    "content-type": "application/json",
    server: "CouchDB/3.5.0 (Erlang OTP/25)",
    ...headers
  })

const mock = (routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://127.0.0.1:5985" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

/** The handle of document `id` of database `api`, as in the recordings. */
const apiDoc = (id: string) => Effect.map(CouchClient.CouchClient, (c) => Database.document(c.database("api"), id))

/** The raw query string of the only request sent. */
const onlyRequest = Effect.map(MockCouch.requests, (requests) => {
  expect(requests).toHaveLength(1)
  const [request] = requests
  if (request === undefined) throw new Error("no request")
  return request
})

const doc1 = "{\"_id\":\"doc1\",\"_rev\":\"2-38f064b504692898a80b77edb1d030f1\",\"name\":\"alpha\",\"n\":2"

describe("Document.get: each read option reaches the server (CouchDB 3.5 recordings 4.3–4.7, 4.18, 4.20, 4.21, 4.33)", () => {
  const cases: ReadonlyArray<
    readonly [string, Document.ReadOptions, string, string, (doc: Document.Stored<unknown>) => void]
  > = [
    [
      "4.3",
      { revs: true },
      "revs=true",
      `${doc1},"_revisions":{"start":2,"ids":["38f064b504692898a80b77edb1d030f1","3a7088c7ae00bcaecfe683af287586ca"]}}\n`,
      (doc) =>
        expect(doc._revisions).toEqual({
          start: 2,
          ids: ["38f064b504692898a80b77edb1d030f1", "3a7088c7ae00bcaecfe683af287586ca"]
        })
    ],
    [
      "4.4",
      { revs_info: true },
      "revs_info=true",
      `${doc1},"_revs_info":[{"rev":"2-38f064b504692898a80b77edb1d030f1","status":"available"},{"rev":"1-3a7088c7ae00bcaecfe683af287586ca","status":"available"}]}\n`,
      (doc) => expect(doc._revs_info?.map((info) => info.status)).toEqual(["available", "available"])
    ],
    [
      "4.5",
      { rev: "1-3a7088c7ae00bcaecfe683af287586ca", latest: true },
      "rev=1-3a7088c7ae00bcaecfe683af287586ca&latest=true",
      `${doc1}}\n`,
      (doc) => expect(doc._rev).toBe("2-38f064b504692898a80b77edb1d030f1")
    ],
    [
      "4.6",
      { rev: "1-3a7088c7ae00bcaecfe683af287586ca" },
      "rev=1-3a7088c7ae00bcaecfe683af287586ca",
      "{\"_id\":\"doc1\",\"_rev\":\"1-3a7088c7ae00bcaecfe683af287586ca\",\"name\":\"alpha\",\"n\":1}\n",
      (doc) => expect(doc._rev).toBe("1-3a7088c7ae00bcaecfe683af287586ca")
    ],
    [
      "4.7",
      { local_seq: true },
      "local_seq=true",
      `${doc1},"_local_seq":10}\n`,
      (doc) => expect(doc._local_seq).toBe(10)
    ],
    [
      "4.18",
      { conflicts: true },
      "conflicts=true",
      "{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\",\"_conflicts\":[\"1-cccccccccccccccccccccccccccccccc\",\"1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"]}\n",
      (doc) =>
        expect(doc._conflicts).toEqual(["1-cccccccccccccccccccccccccccccccc", "1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"])
    ],
    [
      "4.20",
      { deleted_conflicts: true },
      "deleted_conflicts=true",
      "{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\",\"_deleted_conflicts\":[\"2-d57ce398f63417fd01c5c372e5e048e6\"]}\n",
      (doc) => expect(doc._deleted_conflicts).toEqual(["2-d57ce398f63417fd01c5c372e5e048e6"])
    ],
    [
      "4.21",
      { meta: true },
      "meta=true",
      "{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\",\"_revs_info\":[{\"rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"status\":\"available\"}],\"_conflicts\":[\"1-cccccccccccccccccccccccccccccccc\"],\"_deleted_conflicts\":[\"2-d57ce398f63417fd01c5c372e5e048e6\"]}\n",
      (doc) => {
        expect(doc._conflicts).toEqual(["1-cccccccccccccccccccccccccccccccc"])
        expect(doc._deleted_conflicts).toEqual(["2-d57ce398f63417fd01c5c372e5e048e6"])
        expect(doc._revs_info).toHaveLength(1)
      }
    ],
    [
      "4.33",
      { att_encoding_info: true },
      "att_encoding_info=true",
      "{\"_id\":\"attdoc\",\"_rev\":\"2-7a9aaa9e9b4a007aa2a7ce2a70a79c4c\",\"title\":\"with attachment\",\"_attachments\":{\"a.txt\":{\"content_type\":\"text/plain\",\"revpos\":1,\"digest\":\"md5-KMymw51HMa9xVSVW0qZhyQ==\",\"length\":19,\"stub\":true,\"encoding\":\"gzip\",\"encoded_length\":39},\"b.bin\":{\"content_type\":\"application/octet-stream\",\"revpos\":2,\"digest\":\"md5-OOx4u8Gk1j7aJfR0uZpU7w==\",\"length\":5,\"stub\":true}}}\n",
      (doc) => expect(doc._attachments?.["a.txt"]).toMatchObject({ encoding: "gzip", encoded_length: 39, length: 19 })
    ]
  ]
  for (const [record, options, query, body, check] of cases) {
    it.effect(`${query} (recording ${record})`, () =>
      Effect.gen(function*() {
        const doc = yield* apiDoc("doc1")
        check(yield* Document.get(doc, options))
        const request = yield* onlyRequest
        expect(request.method).toBe("GET")
        expect(request.path).toBe("/api/doc1")
        expect(request.url.search).toBe(`?${query}`)
      }).pipe(Effect.provide(mock([MockCouch.route("GET", "/api/doc1", couch(200, body))]))))
  }

  it.effect("attachments=true with atts_since, as JSON: inline base64 data only for changed ones (recording 4.34)", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("attdoc")
      const read = yield* Document.get(doc, { attachments: true, atts_since: ["1-fb508acdf141741ca4ffadadf080e972"] })
      expect(read._attachments?.["b.bin"]?.data).toBe("AAEC//4=")
      expect(read._attachments?.["a.txt"]?.stub).toBe(true)
      const request = yield* onlyRequest
      expect(request.url.search).toBe(
        "?attachments=true&atts_since=%5B%221-fb508acdf141741ca4ffadadf080e972%22%5D"
      )
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "GET",
        "/api/attdoc",
        couch(
          200,
          "{\"_id\":\"attdoc\",\"_rev\":\"2-7a9aaa9e9b4a007aa2a7ce2a70a79c4c\",\"title\":\"with attachment\",\"_attachments\":{\"a.txt\":{\"content_type\":\"text/plain\",\"revpos\":1,\"digest\":\"md5-KMymw51HMa9xVSVW0qZhyQ==\",\"length\":19,\"stub\":true},\"b.bin\":{\"content_type\":\"application/octet-stream\",\"revpos\":2,\"digest\":\"md5-OOx4u8Gk1j7aJfR0uZpU7w==\",\"data\":\"AAEC//4=\"}}}\n"
        )
      )
    ]))))

  it.effect("a deleted document is NotFound; its tombstone is readable by rev (recordings 4.42, 4.43)", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("deldoc")
      const error = yield* Effect.flip(Document.get(doc))
      expect(error).toMatchObject({ _tag: "NotFound", reason: "deleted" })
      const tombstone = yield* Document.get(doc, { rev: "2-d0ae140c7f7cdb92dd85a3e31ae18f0c" })
      expect(tombstone).toEqual({ _id: "deldoc", _rev: "2-d0ae140c7f7cdb92dd85a3e31ae18f0c", _deleted: true })
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "GET",
        "/api/deldoc",
        (request) =>
          request.query.get("rev") === "2-d0ae140c7f7cdb92dd85a3e31ae18f0c"
            ? couch(200, "{\"_id\":\"deldoc\",\"_rev\":\"2-d0ae140c7f7cdb92dd85a3e31ae18f0c\",\"_deleted\":true}\n")
            : couch(404, "{\"error\":\"not_found\",\"reason\":\"deleted\"}\n")
      )
    ]))))

  it.effect("ids are one escaped segment: \"a/b c+d\" is /api/a%2Fb%20c%2Bd (recording 4.60)", () =>
    Effect.gen(function*() {
      const read = yield* Document.get(yield* apiDoc("a/b c+d"))
      expect(read._id).toBe("a/b c+d")
      expect((yield* onlyRequest).path).toBe("/api/a%2Fb%20c%2Bd")
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "GET",
        "/api/a%2Fb%20c%2Bd",
        couch(200, "{\"_id\":\"a/b c+d\",\"_rev\":\"1-e86ad683e4da89126a4d3ccb1c9cc35b\",\"tricky\":true}\n")
      )
    ]))))
})

describe("revision, exists and getIfChanged (CouchDB 3.5 recordings 4.8, 4.9, 4.45, 4.54)", () => {
  const head = MockCouch.route("HEAD", "/api/doc1", couch(200, "", { etag: "\"2-38f064b504692898a80b77edb1d030f1\"" }))

  it.effect("HEAD gives the revision from the ETag; no body is read (4.8)", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("doc1")
      expect(yield* Document.revision(doc)).toEqual(Option.some("2-38f064b504692898a80b77edb1d030f1"))
      expect(yield* Document.exists(doc)).toBe(true)
      const methods = (yield* MockCouch.requests).map((request) => request.method)
      expect(methods).toEqual(["HEAD", "HEAD"])
    }).pipe(Effect.provide(mock([head]))))

  it.effect("a deleted document: HEAD 404 without body → none / false (4.45)", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("deldoc")
      expect(yield* Document.revision(doc)).toEqual(Option.none())
      expect(yield* Document.exists(doc)).toBe(false)
    }).pipe(Effect.provide(mock([MockCouch.route("HEAD", "/api/deldoc", couch(404, ""))]))))

  it.effect("a _local document's ETag is not a rev: the revision is read from the body (4.54)", () =>
    Effect.gen(function*() {
      const db = (yield* CouchClient.CouchClient).database("api")
      expect(yield* Document.revision(Database.localDocument(db, "l1"))).toEqual(Option.some("0-1"))
      const requests = yield* MockCouch.requests
      expect(requests.map((request) => `${request.method} ${request.path}`)).toEqual([
        "HEAD /api/_local/l1",
        "GET /api/_local/l1"
      ])
    }).pipe(Effect.provide(mock([
      MockCouch.route("HEAD", "/api/_local/l1", couch(200, "", { etag: "\"LQM0SQJB80QZ989772BYK4FS\"" })),
      MockCouch.route(
        "GET",
        "/api/_local/l1",
        couch(200, "{\"_id\":\"_local/l1\",\"_rev\":\"0-1\",\"checkpoint\":2}\n", {
          etag: "\"LQM0SQJB80QZ989772BYK4FS\""
        })
      )
    ]))))

  it.effect("If-None-Match with the known rev: 304 is Option.none, a change is the document (4.9)", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("doc1")
      expect(yield* Document.getIfChanged(doc, "2-38f064b504692898a80b77edb1d030f1")).toEqual(Option.none())
      const changed = yield* Document.getIfChanged(doc, "1-3a7088c7ae00bcaecfe683af287586ca", { revs: true })
      expect(Option.map(changed, (d) => d.n)).toEqual(Option.some(2))
      const [first, second] = yield* MockCouch.requests
      expect(first?.headers["if-none-match"]).toBe("\"2-38f064b504692898a80b77edb1d030f1\"")
      expect(second?.url.search).toBe("?revs=true")
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "GET",
        "/api/doc1",
        (request) =>
          request.headers["if-none-match"] === "\"2-38f064b504692898a80b77edb1d030f1\""
            ? MockCouch.raw(304, "", { etag: "\"2-38f064b504692898a80b77edb1d030f1\"", "content-length": "0" })
            : couch(200, `${doc1}}\n`, { etag: "\"2-38f064b504692898a80b77edb1d030f1\"" })
      )
    ]))))
})

const created = (id: string, rev: string, status = 201) =>
  couch(status, `{"ok":true,"id":"${id}","rev":"${rev}"}\n`, { etag: `"${rev}"` })
const conflict = couch(409, "{\"error\":\"conflict\",\"reason\":\"Document update conflict.\"}\n")

describe("Document.put, putBatched, remove (CouchDB 3.5 recordings 4.1, 4.2, 4.10–4.14, 4.16, 4.19, 4.38–4.41)", () => {
  const Named = Schema.Struct({ name: Schema.String, n: Schema.Number })

  it.effect("create sends the encoded body; update carries _rev in the body (4.1, 4.2)", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("doc1")
      const first = yield* Document.put(doc, { name: "alpha", n: 1 }, { schema: Named })
      expect(first).toEqual({ ok: true, id: "doc1", rev: "1-3a7088c7ae00bcaecfe683af287586ca" })
      const second = yield* Document.put(doc, { _rev: first.rev, name: "alpha", n: 2 }, { schema: Named })
      expect(second.rev).toBe("2-38f064b504692898a80b77edb1d030f1")
      const [one, two] = yield* MockCouch.requests
      expect(one?.body).toBe("{\"name\":\"alpha\",\"n\":1}")
      expect(one?.headers["content-type"]).toBe("application/json")
      expect(two?.body).toBe("{\"_rev\":\"1-3a7088c7ae00bcaecfe683af287586ca\",\"name\":\"alpha\",\"n\":2}")
    }).pipe(Effect.provide(mock([
      MockCouch.route("PUT", "/api/doc1", (request) =>
        request.body?.includes("_rev") === true
          ? created("doc1", "2-38f064b504692898a80b77edb1d030f1")
          : created("doc1", "1-3a7088c7ae00bcaecfe683af287586ca"))
    ]))))

  it.effect("rev as a query option; a stale or missing rev is Conflict; a differing one BadRequest (4.10–4.12)", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("doc1")
      const differing = yield* Effect.flip(
        Document.put(doc, { _rev: "1-3a7088c7ae00bcaecfe683af287586ca", name: "alpha", n: 3 }, {
          rev: "2-38f064b504692898a80b77edb1d030f1"
        })
      )
      expect(differing).toMatchObject({
        _tag: "BadRequest",
        reason: "Document rev from request body and query string have different values"
      })
      expect((yield* Effect.flip(Document.put(doc, { name: "alpha", n: 3 })))._tag).toBe("Conflict")
      const [request] = yield* MockCouch.requests
      expect(request?.url.search).toBe("?rev=2-38f064b504692898a80b77edb1d030f1")
    }).pipe(Effect.provide(mock([
      MockCouch.route("PUT", "/api/doc1", (request) =>
        request.query.has("rev")
          ? couch(
            400,
            "{\"error\":\"bad_request\",\"reason\":\"Document rev from request body and query string have different values\"}\n"
          )
          : conflict)
    ]))))

  it.effect("an id starting with _ is BadRequest illegal_docid (4.13)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Document.put(yield* apiDoc("_badid"), { x: 1 }))
      expect(error).toMatchObject({ _tag: "BadRequest", error: "illegal_docid" })
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "PUT",
        "/api/_badid",
        couch(
          400,
          "{\"error\":\"illegal_docid\",\"reason\":\"Only reserved document ids may start with underscore.\"}\n"
        )
      )
    ]))))

  it.effect("putBatched sends batch=ok and answers 202 without a rev (4.14)", () =>
    Effect.gen(function*() {
      const accepted = yield* Document.putBatched(yield* apiDoc("batchdoc"), { x: 1 })
      expect(accepted).toEqual({ ok: true, id: "batchdoc" })
      expect((yield* onlyRequest).url.search).toBe("?batch=ok")
    }).pipe(Effect.provide(mock([
      MockCouch.route("PUT", "/api/batchdoc", couch(202, "{\"ok\":true,\"id\":\"batchdoc\"}\n"))
    ]))))

  it.effect("new_edits=false stores the given rev as a conflicting leaf (4.16)", () =>
    Effect.gen(function*() {
      const result = yield* Document.put(
        yield* apiDoc("cdoc"),
        { _rev: "1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", v: "b" },
        {
          new_edits: false
        }
      )
      expect(result.rev).toBe("1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
      const request = yield* onlyRequest
      expect(request.url.search).toBe("?new_edits=false")
      expect(request.body).toBe("{\"_rev\":\"1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\",\"v\":\"b\"}")
    }).pipe(Effect.provide(mock([
      MockCouch.route("PUT", "/api/cdoc", created("cdoc", "1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"))
    ]))))

  it.effect("new_edits=false answered with [] (PouchDB): the written revision is the one sent", () =>
    Effect.gen(function*() {
      const cdoc = yield* apiDoc("cdoc")
      const result = yield* Document.put(cdoc, { _rev: "1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", v: "b" }, {
        new_edits: false
      })
      expect(result).toEqual({ ok: true, id: "cdoc", rev: "1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" })
      // Without new_edits=false, [] is not a write result.
      expect((yield* Effect.flip(Document.put(cdoc, { v: "b" })))._tag).toBe("DecodeError")
    }).pipe(Effect.provide(mock([MockCouch.route("PUT", "/api/cdoc", couch(201, "[]\n"))]))))

  it.effect("remove sends the rev it is given: a losing leaf, a wrong one, a malformed one (4.19, 4.39–4.41)", () =>
    Effect.gen(function*() {
      const cdoc = yield* apiDoc("cdoc")
      const leaf = yield* Document.remove(cdoc, { rev: "1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" })
      expect(leaf.rev).toBe("2-d57ce398f63417fd01c5c372e5e048e6")
      const deldoc = yield* apiDoc("deldoc")
      expect(yield* Effect.flip(Document.remove(deldoc, { rev: "abc" }))).toMatchObject({
        _tag: "BadRequest",
        reason: "Invalid rev format"
      })
      expect((yield* Effect.flip(deldoc.pipe(Document.remove({ rev: "1-00000000000000000000000000000000" }))))._tag)
        .toBe("Conflict")
      const removed = yield* Document.remove(deldoc, { rev: "1-0785e9eb543380151003dc452c3a001a" })
      expect(removed).toEqual({ ok: true, id: "deldoc", rev: "2-d0ae140c7f7cdb92dd85a3e31ae18f0c" })
      const requests = yield* MockCouch.requests
      expect(requests.map((request) => `${request.method} ${request.path}${request.url.search}`)).toEqual([
        "DELETE /api/cdoc?rev=1-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "DELETE /api/deldoc?rev=abc",
        "DELETE /api/deldoc?rev=1-00000000000000000000000000000000",
        "DELETE /api/deldoc?rev=1-0785e9eb543380151003dc452c3a001a"
      ])
    }).pipe(Effect.provide(mock([
      MockCouch.route("DELETE", "/api/cdoc", created("cdoc", "2-d57ce398f63417fd01c5c372e5e048e6", 200)),
      MockCouch.route("DELETE", "/api/deldoc", (request) => {
        const rev = request.query.get("rev")
        return rev === "abc"
          ? couch(400, "{\"error\":\"bad_request\",\"reason\":\"Invalid rev format\"}\n")
          : rev === "1-0785e9eb543380151003dc452c3a001a"
          ? created("deldoc", "2-d0ae140c7f7cdb92dd85a3e31ae18f0c", 200)
          : conflict
      })
    ]))))

  it.effect("remove refuses an empty rev before any I/O: the winner is never deleted by accident (4.38)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Document.remove(yield* apiDoc("deldoc"), { rev: "" }))
      expect(error._tag).toBe("InvalidRequest")
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(mock([MockCouch.route("DELETE", "/api/deldoc", conflict)]))))
})

describe("copy and _local documents (CouchDB 3.5 recordings 4.48–4.58)", () => {
  it.effect("COPY to a new id, onto an existing one without and with its rev (4.48, 4.50, 4.51)", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("doc1")
      expect(yield* Document.copy(doc, { destination: "doc1copy" })).toEqual({
        ok: true,
        id: "doc1copy",
        rev: "1-790201a662535cb2d213b77a35a433c2"
      })
      expect((yield* Effect.flip(Document.copy(doc, { destination: "target" })))._tag).toBe("Conflict")
      const over = yield* Document.copy(doc, {
        destination: "target",
        destinationRev: "1-d87568ea90f41c9cd6e6a79eb13926c0"
      })
      expect(over.rev).toBe("2-18302d6cab0b3e7aa6173f677924a43d")
      const destinations = (yield* MockCouch.requests).map((request) => request.headers["destination"])
      expect(destinations).toEqual(["doc1copy", "target", "target?rev=1-d87568ea90f41c9cd6e6a79eb13926c0"])
    }).pipe(Effect.provide(mock([
      MockCouch.route("COPY", "/api/doc1", (request) => {
        const destination = request.headers["destination"]
        return destination === "doc1copy"
          ? created("doc1copy", "1-790201a662535cb2d213b77a35a433c2")
          : destination === "target"
          ? conflict
          : created("target", "2-18302d6cab0b3e7aa6173f677924a43d")
      })
    ]))))

  it.effect("_local: routed under /_local/, rev 0-1 on write, 0-0 on delete, then NotFound (4.52, 4.57, 4.58)", () =>
    Effect.gen(function*() {
      const local = Database.localDocument((yield* CouchClient.CouchClient).database("api"), "l1")
      expect(yield* Document.put(local, { checkpoint: 1 })).toEqual({ ok: true, id: "_local/l1", rev: "0-1" })
      expect((yield* Document.remove(local, { rev: "0-1" })).rev).toBe("0-0")
      expect(yield* Effect.flip(Document.get(local))).toMatchObject({ _tag: "NotFound", reason: "missing" })
      const paths = (yield* MockCouch.requests).map((request) => `${request.method} ${request.path}`)
      expect(paths).toEqual(["PUT /api/_local/l1", "DELETE /api/_local/l1", "GET /api/_local/l1"])
    }).pipe(Effect.provide(mock([
      MockCouch.route("PUT", "/api/_local/l1", couch(201, "{\"ok\":true,\"id\":\"_local/l1\",\"rev\":\"0-1\"}\n")),
      MockCouch.route("DELETE", "/api/_local/l1", couch(200, "{\"ok\":true,\"id\":\"_local/l1\",\"rev\":\"0-0\"}\n")),
      MockCouch.route("GET", "/api/_local/l1", couch(404, "{\"error\":\"not_found\",\"reason\":\"missing\"}\n"))
    ]))))
})

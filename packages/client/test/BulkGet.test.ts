/**
 * `Bulk.get`, `Bulk.getStream` and `Bulk.getMultipart` against MockCouch, answering with the
 * bytes CouchDB 3.5 sent in /work/shared/reference/couchdb-3.5-api.md (and pouchdb-server's
 * shapes quoted in test-server.md), and asserting the request that reached it.
 */
import { Bulk, CouchAuth, CouchClient, Database } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"
import { gunzipSync } from "node:zlib"

const layer = (routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const database = Effect.map(CouchClient.CouchClient, (couch) => Database.make(couch, "api"))

const json = { "content-type": "application/json" }

const rev1 = "1-7a7e4b29f3af401e69b6f86e4c26b727"
const rev2 = "1-b8f97323e7f26909d5e0c8d2764a765f"

/** Recording 3.18: existing, missing, specific rev, unknown rev. */
const mixed = {
  request:
    `{"docs":[{"id":"b1"},{"id":"nope"},{"id":"b2","rev":"1-b8f97323e7f26909d5e0c8d2764a765f"},{"id":"b2","rev":"9-99999999999999999999999999999999"}]}`,
  response:
    `{"results":[{"id":"b1","docs":[{"ok":{"_id":"b1","_rev":"1-7a7e4b29f3af401e69b6f86e4c26b727","v":1}}]},{"id":"nope","docs":[{"error":{"rev":"undefined","reason":"missing","id":"nope","error":"not_found"}}]},{"id":"b2","docs":[{"ok":{"_id":"b2","_rev":"1-b8f97323e7f26909d5e0c8d2764a765f","v":2}}]},{"id":"b2","docs":[{"error":{"rev":"9-99999999999999999999999999999999","reason":"missing","id":"b2","error":"not_found"}}]}]}\n`
}

const mixedRequests: ReadonlyArray<Bulk.GetRequest> = [
  { id: "b1" },
  { id: "nope" },
  { id: "b2", rev: rev2 },
  { id: "b2", rev: "9-99999999999999999999999999999999" }
]

const mixedResults = [
  { id: "b1", docs: [{ ok: { _id: "b1", _rev: rev1, v: 1 } }] },
  { id: "nope", docs: [{ error: { id: "nope", error: "not_found", reason: "missing" } }] },
  { id: "b2", docs: [{ ok: { _id: "b2", _rev: rev2, v: 2 } }] },
  {
    id: "b2",
    docs: [{ error: { id: "b2", rev: "9-99999999999999999999999999999999", error: "not_found", reason: "missing" } }]
  }
]

/** Recording 3.19: `revs=true`. */
const withRevs =
  `{"results":[{"id":"b5","docs":[{"ok":{"_id":"b5","_rev":"3-0123456789abcdef0123456789abcdef","v":5,"_revisions":{"start":3,"ids":["0123456789abcdef0123456789abcdef","1111111111111111111111111111111a","2222222222222222222222222222222b"]}}}]}]}\n`

/** Recording 3.20: `multipart/mixed`. */
const multipart = {
  request: `{"docs":[{"id":"b1"},{"id":"nope"},{"id":"b2","rev":"1-b8f97323e7f26909d5e0c8d2764a765f"}]}`,
  contentType: `multipart/mixed; boundary="--7228ba66f19932825738a744e4092cab"`,
  response:
    `\r\n----7228ba66f19932825738a744e4092cab\r\nContent-Type: application/json\r\n\r\n{"_id":"b1","_rev":"1-7a7e4b29f3af401e69b6f86e4c26b727","v":1}\r\n----7228ba66f19932825738a744e4092cab\r\nContent-Type: application/json; error="true"\r\n\r\n{"rev":"undefined","reason":"missing","id":"nope","error":"not_found"}\r\n----7228ba66f19932825738a744e4092cab\r\nContent-Type: application/json\r\n\r\n{"_id":"b2","_rev":"1-b8f97323e7f26909d5e0c8d2764a765f","v":2}\r\n----7228ba66f19932825738a744e4092cab--\r\n`,
  /** The recorded HTTP chunks, de-framed. */
  chunks: [
    `\r\n----7228ba66f19932825738a744e4092cab`,
    `\r\nContent-Type: application/json\r\n\r\n`,
    `{"_id":"b1","_rev":"1-7a7e4b29f3af401e69b6f86e4c26b727","v":1}`,
    `\r\n----7228ba66f19932825738a744e4092cab\r\nContent-Type: application/json; error="true"\r\n\r\n{"rev":"undefined","reason":"missing","id":"nope","error":"not_found"}`,
    `\r\n----7228ba66f19932825738a744e4092cab`,
    `\r\nContent-Type: application/json\r\n\r\n`,
    `{"_id":"b2","_rev":"1-b8f97323e7f26909d5e0c8d2764a765f","v":2}`,
    `\r\n----7228ba66f19932825738a744e4092cab--\r\n`
  ]
}

const bulkGet = (reply: MockCouch.Reply) => MockCouch.route("POST", "/api/_bulk_get", reply)

const sent = Effect.map(MockCouch.requests, (requests) => {
  expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/_bulk_get"])
  const request = requests[0]
  if (request === undefined) throw new Error("no request")
  return request
})

describe("Bulk.get (CouchDB 3.5 recordings 3.18, 3.19)", () => {
  it.effect("existing, missing, a specific rev and an unknown rev: one typed result per request (3.18)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* Bulk.get(db, mixedRequests)
      // `"rev":"undefined"` (no revision was asked for) is left out.
      expect(results).toEqual(mixedResults)
      const request = yield* sent
      expect(request.body).toBe(mixed.request)
      expect(request.headers["content-type"]).toBe("application/json")
      expect(request.query.toString()).toBe("")
    }).pipe(Effect.provide(layer([bulkGet(MockCouch.raw(200, mixed.response, json))]))))

  it.effect("revs=true is a query parameter, and _revisions is decoded (3.19)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const [result] = yield* db.pipe(Bulk.get([{ id: "b5" }], { revs: true }))
      expect(result?.docs[0]).toEqual({
        ok: {
          _id: "b5",
          _rev: "3-0123456789abcdef0123456789abcdef",
          v: 5,
          _revisions: {
            start: 3,
            ids: [
              "0123456789abcdef0123456789abcdef",
              "1111111111111111111111111111111a",
              "2222222222222222222222222222222b"
            ]
          }
        }
      })
      const request = yield* sent
      expect(request.query.get("revs")).toBe("true")
      expect(request.body).toBe(`{"docs":[{"id":"b5"}]}`)
    }).pipe(Effect.provide(layer([bulkGet(MockCouch.raw(200, withRevs, json))]))))

  it.effect("latest and attachments are query parameters; rev and atts_since go in the body", () =>
    Effect.gen(function*() {
      const db = yield* database
      yield* Bulk.get(db, [{ id: "a", rev: "2-x", atts_since: ["1-y"] }], { latest: true, attachments: false })
      const request = yield* sent
      expect(Object.fromEntries(request.query)).toEqual({ latest: "true", attachments: "false" })
      expect(request.body).toBe(`{"docs":[{"id":"a","rev":"2-x","atts_since":["1-y"]}]}`)
    }).pipe(Effect.provide(layer([bulkGet(MockCouch.raw(200, `{"results":[]}\n`, json))]))))

  it.effect("no request, no I/O", () =>
    Effect.gen(function*() {
      const db = yield* database
      expect(yield* Bulk.get(db, [])).toEqual([])
      expect(yield* Bulk.getMultipart(db, [])).toEqual([])
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(layer([]))))
})

const Doc = Schema.Struct({ v: Schema.NumberFromString })

/** Leaves of a conflicted, partly deleted document, as `open_revs=all` sends them (recording 4.22). */
const leaves =
  `{"results":[{"id":"cdoc","docs":[{"ok":{"_id":"cdoc","_rev":"1-cccccccccccccccccccccccccccccccc","v":"3"}},{"ok":{"_id":"cdoc","_rev":"2-d57ce398f63417fd01c5c372e5e048e6","_deleted":true}}]}]}\n`

describe("Bulk.get with a document Schema", () => {
  it.effect("live revisions are decoded; a deleted one is `deleted`, never decoded (recording 4.22's leaves)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const [result] = yield* Bulk.get(db, [{ id: "cdoc" }], { schema: Doc })
      expect(result?.docs).toEqual([
        { ok: { _id: "cdoc", _rev: "1-cccccccccccccccccccccccccccccccc", v: 3 } },
        { deleted: { _id: "cdoc", _rev: "2-d57ce398f63417fd01c5c372e5e048e6", _deleted: true } }
      ])
      const first = result?.docs[0]
      // Typed: `ok` carries the Schema's type (a number) plus the metadata.
      const v: number | undefined = first !== undefined && "ok" in first ? first.ok.v : undefined
      expect(v).toBe(3)
    }).pipe(Effect.provide(layer([bulkGet(MockCouch.raw(200, leaves, json))]))))

  it.effect("a revision that does not match the Schema fails the call with a DecodeError naming it", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(Bulk.get(db, mixedRequests, { schema: Doc }))
      expect(error._tag).toBe("DecodeError")
      expect(error).toMatchObject({ documentId: "b1", path: ["v"] })
    }).pipe(Effect.provide(layer([bulkGet(MockCouch.raw(200, mixed.response, json))]))))

  it.effect("an answer that is not a _bulk_get answer is a DecodeError", () =>
    Effect.gen(function*() {
      for (const body of [`{"results":[{"id":"a"}]}`, `{"results":[{"id":"a","docs":[{"what":1}]}]}`, `[1]`]) {
        const error = yield* Effect.flip(Effect.flatMap(database, (db) => Bulk.get(db, [{ id: "a" }]))).pipe(
          Effect.provide(layer([bulkGet(MockCouch.raw(200, body, json))]))
        )
        expect({ body, tag: error._tag }).toEqual({ body, tag: "DecodeError" })
      }
    }))
})

describe("Bulk.get on pouchdb-server's shapes (test-server.md, Bulk)", () => {
  it.effect("a missing document ({}) and a missing revision ({missing}) are CouchDB's not_found errors", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* Bulk.get(db, [{ id: "bk1" }, { id: "nope" }, { id: "bk2", rev: "9-x" }])
      expect(results).toEqual([
        { id: "bk1", docs: [{ ok: { _id: "bk1", _rev: "1-a", v: 1 } }] },
        { id: "nope", docs: [{ error: { id: "nope", error: "not_found", reason: "missing" } }] },
        { id: "bk2", docs: [{ error: { id: "bk2", rev: "9-x", error: "not_found", reason: "missing" } }] }
      ])
    }).pipe(Effect.provide(layer([
      bulkGet(MockCouch.raw(
        200,
        `{"results":[{"id":"bk1","docs":[{"ok":{"v":1,"_id":"bk1","_rev":"1-a"}}]},{"id":"nope","docs":[{}]},{"id":"bk2","docs":[{"missing":"9-x"}]}]}\n`,
        { "content-type": "text/plain; charset=utf-8" }
      ))
    ]))))
})

describe("Bulk.getStream", () => {
  it.effect("the same results, read as the recorded answer arrives one byte at a time (3.18)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* Stream.runCollect(Bulk.getStream(db, mixedRequests))
      expect(Chunk.toReadonlyArray(results)).toEqual(mixedResults)
    }).pipe(Effect.provide(layer([bulkGet(MockCouch.chunked(200, Array.from(mixed.response)))]))))
})

describe("Bulk.getMultipart (CouchDB 3.5 recording 3.20)", () => {
  it.effect("asks for multipart/mixed and reads each part: documents and the error part", () =>
    Effect.gen(function*() {
      const db = yield* database
      const revisions = yield* Bulk.getMultipart(db, [{ id: "b1" }, { id: "nope" }, { id: "b2", rev: rev2 }])
      expect(revisions).toEqual([
        { ok: { _id: "b1", _rev: rev1, v: 1 }, attachments: new Map() },
        { error: { id: "nope", error: "not_found", reason: "missing" } },
        { ok: { _id: "b2", _rev: rev2, v: 2 }, attachments: new Map() }
      ])
      const request = yield* sent
      expect(request.headers["accept"]).toBe("multipart/mixed")
      expect(request.body).toBe(multipart.request)
    }).pipe(Effect.provide(layer([
      bulkGet(MockCouch.chunked(200, multipart.chunks, { headers: { "content-type": multipart.contentType } }))
    ]))))

  it.effect("the same parts from the body in one-byte chunks, decoded with a Schema", () =>
    Effect.gen(function*() {
      const db = yield* database
      const revisions = yield* Bulk.getMultipart(db, [{ id: "b1" }], {
        schema: Schema.Struct({ v: Schema.Number })
      })
      expect(revisions.map((revision) => ("ok" in revision ? revision.ok.v : undefined))).toEqual([1, undefined, 2])
    }).pipe(Effect.provide(layer([
      bulkGet(MockCouch.chunked(200, Array.from(multipart.response), {
        headers: { "content-type": multipart.contentType }
      }))
    ]))))

  it.effect("a body cut before its closing delimiter is a DecodeError", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(Bulk.getMultipart(db, [{ id: "b1" }]))
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toContain("closing boundary")
    }).pipe(Effect.provide(layer([
      bulkGet(MockCouch.raw(200, multipart.response.slice(0, -10), { "content-type": multipart.contentType }))
    ]))))

  it.effect("a server that answers JSON instead (pouchdb-server) is read the same way", () =>
    Effect.gen(function*() {
      const db = yield* database
      const revisions = yield* Bulk.getMultipart(db, mixedRequests)
      expect(revisions).toEqual(
        mixedResults.flatMap((result) =>
          result.docs.map((doc) => ("ok" in doc ? { ok: doc.ok, attachments: new Map() } : doc))
        )
      )
    }).pipe(Effect.provide(layer([
      bulkGet(MockCouch.raw(200, mixed.response, { "content-type": "text/plain; charset=utf-8" }))
    ]))))
})

/**
 * A document with two attachments inside a `_bulk_get` answer: the inner `multipart/related`
 * body is recording 4.30's, framed as chttpd_db's `send_docs_multipart_bulk_get` frames it
 * (`X-Doc-Id`, `X-Rev-Id`, an inner boundary starting with `--`), followed by a missing
 * revision of an existing document, which CouchDB sends without an `id`.
 */
const withAttachments = (() => {
  const encoder = new TextEncoder()
  const outer = "--0a1b2c"
  const inner = "--9f8e7d"
  const doc =
    `{"_id":"attdoc","_rev":"2-7a9aaa9e9b4a007aa2a7ce2a70a79c4c","title":"with attachment","_attachments":{"a.txt":{"content_type":"text/plain","revpos":1,"digest":"md5-KMymw51HMa9xVSVW0qZhyQ==","length":19,"follows":true,"encoding":"gzip","encoded_length":39},"b.bin":{"content_type":"application/octet-stream","revpos":2,"digest":"md5-OOx4u8Gk1j7aJfR0uZpU7w==","length":5,"follows":true}}}`
  const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0))
  const parts: ReadonlyArray<Uint8Array> = [
    encoder.encode(
      `\r\n--${outer}\r\nX-Doc-Id: attdoc\r\nX-Rev-Id: 2-7a9aaa9e9b4a007aa2a7ce2a70a79c4c\r\nContent-Type: multipart/related; boundary=${inner}\r\n\r\n`
    ),
    encoder.encode(`--${inner}\r\nContent-Type: application/json\r\n\r\n${doc}\r\n--${inner}\r\n`),
    encoder.encode(
      `Content-Disposition: attachment; filename="a.txt"\r\nContent-Type: text/plain\r\nContent-Length: 39\r\nContent-Encoding: gzip\r\n\r\n`
    ),
    latin1(
      "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcbH\xcd\xc9\xc9WH,)IL\xce\xc8M\xcd+QH\xe4\x02\x00\xe416.\x13\x00\x00\x00"
    ),
    encoder.encode(
      `\r\n--${inner}\r\nContent-Disposition: attachment; filename="b.bin"\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n`
    ),
    Uint8Array.of(0x00, 0x01, 0x02, 0xff, 0xfe),
    encoder.encode(`\r\n--${inner}--`),
    encoder.encode(
      `\r\n--${outer}\r\nContent-Type: application/json; error="true"\r\n\r\n{"rev":"5-55555555555555555555555555555555","error":"not_found","reason":"missing"}`
    ),
    encoder.encode(`\r\n--${outer}--\r\n`)
  ]
  return { parts, contentType: `multipart/mixed; boundary="${outer}"`, gzip: parts[3] }
})()

describe("Bulk.getMultipart with attachments (recording 4.30 framed as chttpd_db frames _bulk_get)", () => {
  it.effect("a multipart/related part is the document and its attachments as the bytes sent", () =>
    Effect.gen(function*() {
      const db = yield* database
      const [document, missing] = yield* Bulk.getMultipart(db, [{ id: "attdoc" }, { id: "attdoc", rev: "5-5" }], {
        attachments: true
      })
      expect((yield* sent).query.get("attachments")).toBe("true")
      if (document === undefined || !("ok" in document)) throw new Error("expected a document")
      expect(document.ok.title).toBe("with attachment")
      expect(document.ok._attachments?.["a.txt"]).toMatchObject({ follows: true, encoding: "gzip", length: 19 })
      expect([...document.attachments.keys()]).toEqual(["a.txt", "b.bin"])
      expect(document.attachments.get("a.txt")).toEqual(withAttachments.gzip)
      expect(document.attachments.get("b.bin")).toEqual(Uint8Array.of(0x00, 0x01, 0x02, 0xff, 0xfe))
      // The gzip bytes are the recorded ones: they decompress to the attachment's 19 bytes.
      expect(gunzipSync(document.attachments.get("a.txt") ?? new Uint8Array()).toString()).toBe("hello attachment a\n")
      expect(missing).toEqual({
        error: { rev: "5-55555555555555555555555555555555", error: "not_found", reason: "missing" }
      })
    }).pipe(Effect.provide(layer([
      bulkGet(
        MockCouch.chunked(200, withAttachments.parts, { headers: { "content-type": withAttachments.contentType } })
      )
    ]))))
})

describe("Bulk.getMultipart: attachment names (RFC 6266, where the recordings are silent)", () => {
  // The answer above with b.bin named bé.bin: in the stub's key, and in the part's Content-Disposition
  // as `filename*` after an ASCII fallback `filename`.
  const renamed = withAttachments.parts.map((part, i) =>
    i === 1 || i === 4
      ? new TextEncoder().encode(
        new TextDecoder().decode(part)
          .replace(`"b.bin":`, `"bé.bin":`)
          .replace(`filename="b.bin"`, `filename="b_.bin"; filename*=UTF-8''b%C3%A9.bin`)
      )
      : part
  )

  it.effect("a non-ASCII name comes from filename*, not from its ASCII fallback in filename", () =>
    Effect.gen(function*() {
      const [document] = yield* Bulk.getMultipart(yield* database, [{ id: "attdoc" }], { attachments: true })
      if (document === undefined || !("ok" in document)) throw new Error("expected a document")
      expect([...document.attachments.keys()]).toEqual(["a.txt", "bé.bin"])
      expect(document.attachments.get("bé.bin")).toEqual(Uint8Array.of(0x00, 0x01, 0x02, 0xff, 0xfe))
    }).pipe(Effect.provide(layer([
      bulkGet(MockCouch.chunked(200, renamed, { headers: { "content-type": withAttachments.contentType } }))
    ]))))
})

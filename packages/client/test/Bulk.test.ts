/**
 * `Bulk.save` and `Bulk.saveStream` against MockCouch, answering with the bytes CouchDB 3.5
 * sent in /work/shared/reference/couchdb-3.5-api.md, and asserting the body that reached it.
 */
import { Bulk, CouchAuth, CouchClient, CouchError, Database } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Context, Data, Effect, Exit, Layer, Schema, Stream } from "effect"
import { recordingSpans } from "./tracing.js"

const url = "http://couch.test:5984"

const layer = (routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const database = Effect.map(CouchClient.CouchClient, (couch) => Database.make(couch, "api"))

const json = { "content-type": "application/json" }

/** Recording 3.15: three new documents. */
const created = {
  request: `{"docs":[{"_id":"b1","v":1},{"_id":"b2","v":2},{"_id":"b3","v":3}]}`,
  response:
    `[{"ok":true,"id":"b1","rev":"1-7a7e4b29f3af401e69b6f86e4c26b727"},{"ok":true,"id":"b2","rev":"1-b8f97323e7f26909d5e0c8d2764a765f"},{"ok":true,"id":"b3","rev":"1-c7a7a74ea67a7e7b62067bb33379fc2b"}]\n`
}

/** Recording 3.16: a conflict and a new document. */
const conflict = {
  request: `{"docs":[{"_id":"b1","v":10},{"_id":"b4","v":4}]}`,
  response:
    `[{"id":"b1","error":"conflict","reason":"Document update conflict."},{"ok":true,"id":"b4","rev":"1-b0f2140feaaeb57b7b7f48784847e852"}]\n`
}

/** Recording 3.17: `new_edits: false`. */
const replicated = {
  request:
    `{"docs":[{"_id":"b5","_rev":"3-0123456789abcdef0123456789abcdef","_revisions":{"start":3,"ids":["0123456789abcdef0123456789abcdef","1111111111111111111111111111111a","2222222222222222222222222222222b"]},"v":5}],"new_edits":false}`,
  response: "[]\n"
}

const bulkDocs = (status: number, body: string | ReadonlyArray<string>) =>
  MockCouch.route(
    "POST",
    "/api/_bulk_docs",
    typeof body === "string" ? MockCouch.raw(status, body, json) : MockCouch.chunked(status, body)
  )

/** The one request the test sent, with its body parsed. */
const sent = Effect.map(MockCouch.requests, (requests) => {
  expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /api/_bulk_docs"])
  const request = requests[0]
  if (request === undefined) throw new Error("no request")
  return { request, body: JSON.parse(request.body ?? "null") as unknown }
})

describe("Bulk.save (CouchDB 3.5 recording 3.15)", () => {
  it.effect("writes three documents in one request and answers one result each, in order", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* Bulk.save(db, [{ _id: "b1", v: 1 }, { _id: "b2", v: 2 }, { _id: "b3", v: 3 }])
      expect(results).toEqual([
        { ok: true, id: "b1", rev: "1-7a7e4b29f3af401e69b6f86e4c26b727" },
        { ok: true, id: "b2", rev: "1-b8f97323e7f26909d5e0c8d2764a765f" },
        { ok: true, id: "b3", rev: "1-c7a7a74ea67a7e7b62067bb33379fc2b" }
      ])
      const { request } = yield* sent
      // An array is sent whole, as CouchDB was sent it in the recording.
      expect(request.body).toBe(created.request)
      expect(request.headers["content-type"]).toBe("application/json")
      expect(request.headers["accept"]).toBe("application/json")
    }).pipe(Effect.provide(layer([bulkDocs(201, created.response)]))))

  it.effect("piped, with the same body", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* db.pipe(Bulk.save([{ _id: "b1", v: 1 }, { _id: "b2", v: 2 }, { _id: "b3", v: 3 }]))
      expect(results).toHaveLength(3)
      expect((yield* sent).request.body).toBe(created.request)
    }).pipe(Effect.provide(layer([bulkDocs(201, created.response)]))))

  it.effect("the span carries db.operation.batch.size, as OpenTelemetry's database conventions name it", () =>
    Effect.gen(function*() {
      const db = yield* database
      const { result, spans } = yield* recordingSpans(
        Bulk.save(db, new Set([{ _id: "b1", v: 1 }, { _id: "b2", v: 2 }, { _id: "b3", v: 3 }]))
      )
      expect(Exit.isSuccess(result)).toBe(true)
      const span = spans.find((s) => s.name === "POST /{db}/_bulk_docs api")
      expect(span?.attributes.get("db.operation.batch.size")).toBe(3)
      expect((yield* sent).request.body).toBe(created.request)
    }).pipe(Effect.provide(layer([bulkDocs(201, created.response)]))))
})

describe("Bulk.save per-document failures (CouchDB 3.5 recordings 3.16, 3.17, 12.6)", () => {
  it.effect("a 201 with a conflict: the failure is a result, typed apart from the success (3.16)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* Bulk.save(db, [{ _id: "b1", v: 10 }, { _id: "b4", v: 4 }])
      expect(results).toEqual([
        { id: "b1", error: "conflict", reason: "Document update conflict." },
        { ok: true, id: "b4", rev: "1-b0f2140feaaeb57b7b7f48784847e852" }
      ])
      const [first, second] = results
      expect(first !== undefined && "error" in first && first.reason).toBe("Document update conflict.")
      expect(second !== undefined && "ok" in second && second.rev).toBe("1-b0f2140feaaeb57b7b7f48784847e852")
      expect((yield* sent).request.body).toBe(conflict.request)
    }).pipe(Effect.provide(layer([bulkDocs(201, conflict.response)]))))

  it.effect("new_edits: false goes in the body, before the documents, and [] is no result (3.17)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const doc = JSON.parse(replicated.request).docs[0]
      const results = yield* Bulk.save(db, [doc], { new_edits: false })
      expect(results).toEqual([])
      const { body, request } = yield* sent
      expect(body).toEqual(JSON.parse(replicated.request))
      expect(request.body).toMatch(/^\{"new_edits":false,"docs":\[/)
    }).pipe(Effect.provide(layer([bulkDocs(201, replicated.response)]))))

  it.effect("a document over max_document_size fails the whole request with 413 (12.6)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(Bulk.save(db, [{ _id: "small", v: 1 }, { _id: "big", text: "x".repeat(300) }]))
      expect(error).toBeInstanceOf(CouchError.RequestEntityTooLarge)
      expect(error).toMatchObject({ error: "document_too_large", reason: "big" })
    }).pipe(Effect.provide(layer([bulkDocs(413, `{"error":"document_too_large","reason":"big"}\n`)]))))

  it.effect("all_or_nothing goes in the body; its 417 is ExpectationFailed (CouchDB API reference)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(Bulk.save(db, [{ _id: "a" }], { all_or_nothing: true, new_edits: true }))
      expect(error._tag).toBe("ExpectationFailed")
      expect((yield* sent).request.body).toBe(`{"new_edits":true,"all_or_nothing":true,"docs":[{"_id":"a"}]}`)
    }).pipe(Effect.provide(layer([
      bulkDocs(417, `[{"id":"a","rev":"1-x","error":"forbidden","reason":"no"}]\n`)
    ]))))

  it.effect("an error result with a rev, and the accepted flag of a 202, decode as SaveResult does", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* Bulk.save(db, [{ _id: "a" }, { _id: "b" }])
      expect(results).toEqual([
        { id: "a", rev: "2-x", error: "forbidden", reason: "no" },
        { ok: true, id: "b", rev: "1-y" }
      ])
    }).pipe(Effect.provide(layer([
      bulkDocs(
        202,
        `[{"id":"a","rev":"2-x","error":"forbidden","reason":"no"},{"ok":true,"id":"b","rev":"1-y","accepted":true}]\n`
      )
    ]))))
})

const Order = Schema.Struct({ customer: Schema.String, placed: Schema.Date })

describe("Bulk.save with a document Schema", () => {
  it.effect("encodes each document and keeps its write metadata (_id, _rev, _deleted)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const placed = new Date("2026-11-30T12:00:00.000Z")
      yield* Bulk.save(db, [
        { _id: "o1", customer: "ada", placed },
        { _id: "o2", _rev: "1-abc", _deleted: true, customer: "bob", placed }
      ], { schema: Order })
      expect((yield* sent).body).toEqual({
        docs: [
          { _id: "o1", customer: "ada", placed: "2026-11-30T12:00:00.000Z" },
          { _id: "o2", _rev: "1-abc", _deleted: true, customer: "bob", placed: "2026-11-30T12:00:00.000Z" }
        ]
      })
    }).pipe(Effect.provide(layer([bulkDocs(201, "[]\n")]))))

  it.effect("a document the Schema cannot encode is an InvalidRequest naming it, and nothing is sent", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(Bulk.save(db, [
        { _id: "o1", customer: "ada", placed: new Date(0) },
        { _id: "o2", customer: "bob", placed: new Date(Number.NaN) }
      ], { schema: Order }))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("document \"o2\"")
      expect(error.message).toContain("index 1")
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(layer([bulkDocs(201, "[]\n")]))))

  it.effect("a value JSON cannot carry, or a non-object, is an InvalidRequest before any I/O", () =>
    Effect.gen(function*() {
      const db = yield* database
      const cyclic: Record<string, unknown> = { _id: "c" }
      cyclic.self = cyclic
      const refused = (docs: ReadonlyArray<unknown>) =>
        // The casts let values the types forbid reach the run-time checks.
        Effect.flip(Bulk.save(db, docs as ReadonlyArray<{ readonly _id: string }>))
      expect((yield* refused([{ _id: "a" }, { _id: "n", n: 10n }])).message).toContain("a BigInt at n")
      expect((yield* refused([cyclic])).message).toContain("a circular reference at self")
      expect((yield* refused([{ _id: "f", f: () => 1 }])).message).toContain("a function at f")
      expect((yield* refused([{ _id: "x", a: [Number.NaN] }])).message).toContain("the number NaN at a.0")
      expect((yield* refused([{ _id: "ok" }, "text"])).message).toContain("index 1")
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(layer([bulkDocs(201, "[]\n")]))))

  it.effect("toJSON, undefined members and holes are written as JSON.stringify writes them", () =>
    Effect.gen(function*() {
      const db = yield* database
      const doc = { _id: "t", at: new Date(0), gone: undefined, list: [1, undefined, 3] }
      // A Date and an `undefined` member: what a schemaless caller may well pass.
      yield* Bulk.save(db, [doc as unknown as { readonly _id: string }])
      expect((yield* sent).request.body).toBe(
        `{"docs":[{"_id":"t","at":"1970-01-01T00:00:00.000Z","list":[1,null,3]}]}`
      )
    }).pipe(Effect.provide(layer([bulkDocs(201, "[]\n")]))))
})

class Exhausted extends Data.TaggedError("Exhausted")<{ readonly at: number }> {}

class Prefix extends Context.Tag("test/Prefix")<Prefix, string>() {}

describe("Bulk.save from a Stream (body written as it is pulled)", () => {
  it.effect("the streamed body is the same JSON as the array's, options first", () =>
    Effect.gen(function*() {
      const db = yield* database
      const docs = Stream.fromIterable([{ _id: "b1", v: 1 }, { _id: "b2", v: 2 }, { _id: "b3", v: 3 }]).pipe(
        Stream.rechunk(2)
      )
      const results = yield* Bulk.save(db, docs, { new_edits: true })
      expect(results.map((r) => r.id)).toEqual(["b1", "b2", "b3"])
      const { request } = yield* sent
      expect(request.body).toBe(`{"new_edits":true,"docs":[{"_id":"b1","v":1},{"_id":"b2","v":2},{"_id":"b3","v":3}]}`)
      expect(request.headers["content-type"]).toBe("application/json")
    }).pipe(Effect.provide(layer([bulkDocs(201, created.response)]))))

  it.effect("an empty stream sends an empty list", () =>
    Effect.gen(function*() {
      const db = yield* database
      expect(yield* Bulk.save(db, Stream.empty)).toEqual([])
      expect((yield* sent).request.body).toBe(`{"docs":[]}`)
    }).pipe(Effect.provide(layer([bulkDocs(201, "[]\n")]))))

  it.effect("a document that fails to encode mid-stream fails the call and the body never completes", () =>
    Effect.gen(function*() {
      const db = yield* database
      const docs = Stream.range(1, 10).pipe(
        Stream.map((i) => ({ _id: `o${i}`, customer: "ada", placed: new Date(i === 7 ? Number.NaN : i) }))
      )
      const error = yield* Effect.flip(Bulk.save(db, docs, { schema: Order }))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("document \"o7\"")
      expect(error.message).toContain("index 6")
      // MockCouch records a request once its body is complete: it never was.
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(layer([bulkDocs(201, "[]\n")]))))

  it.effect("the stream's own failure is the call's failure, typed", () =>
    Effect.gen(function*() {
      const db = yield* database
      const docs = Stream.concat(Stream.make({ _id: "a" }), Stream.fail(new Exhausted({ at: 1 })))
      const error = yield* Effect.flip(Bulk.save(db, docs))
      expect(error).toEqual(new Exhausted({ at: 1 }))
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(layer([bulkDocs(201, "[]\n")]))))

  it.effect("the stream's requirements are the call's, provided by the caller", () =>
    Effect.gen(function*() {
      const db = yield* database
      const docs = Stream.fromEffect(Effect.map(Prefix, (prefix) => ({ _id: `${prefix}-1` })))
      yield* Bulk.save(db, docs).pipe(Effect.provideService(Prefix, "p"))
      expect((yield* sent).request.body).toBe(`{"docs":[{"_id":"p-1"}]}`)
    }).pipe(Effect.provide(layer([bulkDocs(201, "[]\n")]))))
})

/** The body cut in two at every byte, then one byte per chunk. */
const splits = (text: string): ReadonlyArray<ReadonlyArray<Uint8Array>> => {
  const bytes = new TextEncoder().encode(text)
  const out: Array<ReadonlyArray<Uint8Array>> = []
  for (let at = 1; at < bytes.length; at++) out.push([bytes.slice(0, at), bytes.slice(at)])
  out.push(Array.from(bytes, (byte) => Uint8Array.of(byte)))
  return out
}

/** A `_bulk_docs` route answering each request with the next framing of `splits(body)`. */
const everySplit = (body: string) => {
  const framings = splits(body)
  let next = 0
  return {
    count: framings.length,
    route: MockCouch.route("POST", "/api/_bulk_docs", () => MockCouch.chunked(201, framings[next++] ?? []))
  }
}

const conflictSplits = everySplit(conflict.response)
const emptySplits = everySplit(" [ \r\n ]\n")
/** Strings holding the framer's structural bytes, an escaped quote and backslash, and UTF-8. */
const trickySplits = everySplit(
  `[{"id":"a,]}[{","error":"forbidden","reason":"no \\"é\\" \\\\"},\r\n{"ok":true,"id":"日本","rev":"1-x"}]\n`
)

describe("Bulk.saveStream (results read as they arrive)", () => {
  it.effect("the recorded answer split at every byte gives the same results (CouchDB 3.5 recording 3.16)", () =>
    Effect.gen(function*() {
      const db = yield* database
      for (let i = 0; i < conflictSplits.count; i++) {
        const results = yield* Stream.runCollect(Bulk.saveStream(db, [{ _id: "b1", v: 10 }, { _id: "b4", v: 4 }]))
        expect(Chunk.toReadonlyArray(results)).toEqual([
          { id: "b1", error: "conflict", reason: "Document update conflict." },
          { ok: true, id: "b4", rev: "1-b0f2140feaaeb57b7b7f48784847e852" }
        ])
      }
      expect(yield* MockCouch.requests).toHaveLength(conflictSplits.count)
    }).pipe(Effect.provide(layer([conflictSplits.route]))))

  it.effect("[] with whitespace around, split anywhere (3.17)", () =>
    Effect.gen(function*() {
      const db = yield* database
      for (let i = 0; i < emptySplits.count; i++) {
        const results = yield* Stream.runCollect(
          db.pipe(Bulk.saveStream([{ _id: "b5", _rev: "1-a" }], { new_edits: false }))
        )
        expect(Chunk.size(results)).toBe(0)
      }
    }).pipe(Effect.provide(layer([emptySplits.route]))))

  it.effect("strings holding , ] } [ { and escapes, and multi-byte characters, split at every byte", () =>
    Effect.gen(function*() {
      const db = yield* database
      for (let i = 0; i < trickySplits.count; i++) {
        const results = yield* Stream.runCollect(Bulk.saveStream(db, [{ _id: "a,]}[{" }, { _id: "日本" }]))
        expect(Chunk.toReadonlyArray(results)).toEqual([
          { id: "a,]}[{", error: "forbidden", reason: "no \"é\" \\" },
          { ok: true, id: "日本", rev: "1-x" }
        ])
      }
    }).pipe(Effect.provide(layer([trickySplits.route]))))

  it.effect("an answer that is not an array of results is a DecodeError, after the results before it", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, number, string]> = [
        [`{"ok":true}\n`, 0, "not a JSON array"],
        [`[{"ok":true,"id":"a","rev":"1-a"},{"id":"b"}]`, 1, "is missing"],
        [`[{"ok":true,"id":"a","rev":"1-a"},`, 1, "ended before"],
        [`[{"ok":true,"id":"a","rev":"1-a"},]`, 1, "invalid JSON"],
        [`[{"ok":true,"id":"a","rev":"1-a"}}`, 0, "not a JSON array"],
        [`[{"ok":true,"id":"a","rev":"1-a"}] x`, 1, "unexpected data"]
      ]
      for (const [body, before, message] of cases) {
        const seen: Array<Bulk.SaveResult> = []
        const error = yield* Effect.gen(function*() {
          const db = yield* database
          return yield* Effect.flip(Stream.runForEach(
            Bulk.saveStream(db, [{ _id: "a" }, { _id: "b" }]),
            (result) => Effect.sync(() => seen.push(result))
          ))
        }).pipe(Effect.provide(layer([bulkDocs(201, [body])])))
        expect({ body, tag: error._tag }).toEqual({ body, tag: "DecodeError" })
        expect(error.message).toContain(message)
        expect(seen).toHaveLength(before)
      }
    }))
})

/**
 * The feeds' fast paths against what they stand for. The hand-written row decoders (used
 * when a row has the shape CouchDB sends) against their Schemas: whenever they decode a row,
 * the result is the Schema's, key order included; when they decline, the Schema decides, so
 * errors are the Schema's. Checked directly on many shapes and random rows, then through the
 * feeds. And the chunk-wise UTF-8 decoder of the line-based feeds against `TextDecoder`'s
 * streaming mode.
 */
import { Changes, CouchError, Database, DbUpdates, Document, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, FastCheck, ParseResult, Schema, Stream } from "effect"
import * as Feed from "../src/internal/feed.js"
import * as RowShape from "../src/internal/rowShape.js"
import { withDb } from "./feeds/kit.js"

// The Schemas the feeds decode with.
const viewRowSchema = RowShape.ViewRow
const errorRowSchema = RowShape.ErrorRow

/** The value and every nested object's keys in order, so that key order is compared too. */
const withKeyOrder = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(withKeyOrder)
    : typeof value === "object" && value !== null
    ? Object.entries(value).map(([k, v]) => [k, withKeyOrder(v)])
    : value

/**
 * Checks that `fast` agrees with `schema` on `input`; returns whether `fast` decoded it
 * (rather than declining).
 */
const agrees = <A, I>(
  fast: (input: unknown) => unknown,
  schema: Schema.Schema<A, I>,
  input: unknown
): boolean => {
  const decoded = fast(input)
  if (decoded === RowShape.mismatch) return false
  const expected = Schema.decodeUnknownEither(schema)(input)
  if (Either.isLeft(expected)) {
    throw new Error(`the fast path decoded what the Schema rejects: ${JSON.stringify(input)}`)
  }
  expect(decoded).toStrictEqual(expected.right)
  expect(withKeyOrder(decoded)).toEqual(withKeyOrder(expected.right))
  return true
}

const identity = RowShape.part(Schema.Unknown)
const present = RowShape.part(RowShape.Present)
// A view row under the default Schemas, as View decodes it.
const anyRow = RowShape.viewRow(present, present, RowShape.orNullPart(Schema.Unknown))
const unknownRow = viewRowSchema(RowShape.Present, RowShape.Present, Schema.Unknown)
const anyChange = RowShape.change(RowShape.orNullPart(Schema.Unknown))

describe("row decoders against their Schemas", () => {
  const rev = "1-967a00dff5e02add41819138abb3284d"

  it("view rows: every shape CouchDB sends is decoded, as the Schema would", () => {
    const rows = [
      { id: "a", key: "a", value: { rev } },
      { id: "a", key: "a", value: { rev }, doc: { _id: "a", _rev: rev, n: 1 } },
      { id: "a", key: "a", value: { rev, deleted: true }, doc: null },
      { id: "a", key: ["x", 1, null], value: null },
      { key: ["x", 1], value: 42 },
      { key: null, value: { sum: 3, count: 2 } }
    ]
    for (const row of rows) expect(agrees(anyRow, unknownRow, row)).toBe(true)
  })

  it("view rows: extra keys are dropped and the keys come in the Schema's order", () => {
    const row = { doc: { _id: "a" }, extra: true, value: 1, key: "a", id: "a" }
    expect(agrees(anyRow, unknownRow, row)).toBe(true)
    expect(Object.keys(anyRow(row))).toEqual(["id", "key", "value", "doc"])
  })

  it("view rows: a missing key or value is declined under the defaults, which the Schema rejects", () => {
    for (const input of [{ key: "a" }, { id: "a", value: 1 }, { id: "a" }, {}]) {
      expect(agrees(anyRow, unknownRow, input)).toBe(false)
      expect(Either.isLeft(Schema.decodeUnknownEither(unknownRow)(input))).toBe(true)
    }
    expect(agrees(anyRow, unknownRow, { key: null, value: null })).toBe(true)
  })

  it("view rows with Schema.Unknown parts: a missing key or value is undefined, as in the Schema", () => {
    const fast = RowShape.viewRow(identity, identity, RowShape.orNullPart(Schema.Unknown))
    const schema = viewRowSchema(Schema.Unknown, Schema.Unknown, Schema.Unknown)
    expect(agrees(fast, schema, { key: "a" })).toBe(true)
    expect(agrees(fast, schema, { id: "a" })).toBe(true)
    expect(fast({ id: "a" })).toStrictEqual({ id: "a", key: undefined, value: undefined })
  })

  it("view rows: unusual shapes are left to the Schema, which decodes or rejects them", () => {
    const inputs: ReadonlyArray<unknown> = [
      { id: 5, key: "a", value: 1 },
      { id: null, key: "a", value: 1 },
      [],
      ["a", 1],
      null,
      "row",
      42
    ]
    for (const input of inputs) expect(agrees(anyRow, unknownRow, input)).toBe(false)
  })

  it("view rows with Schemas for the parts: decoded by those Schemas, or left to the row Schema", () => {
    const Doc = Schema.Struct({ _id: Schema.String, n: Schema.NumberFromString })
    const schema = viewRowSchema(Schema.String, Schema.Number, Doc)
    const fast = RowShape.viewRow(
      RowShape.part(Schema.String),
      RowShape.part(Schema.Number),
      RowShape.orNullPart(Doc)
    )
    expect(agrees(fast, schema, { id: "a", key: "a", value: 1, doc: { _id: "a", n: "7", extra: 1 } })).toBe(true)
    expect(agrees(fast, schema, { id: "a", key: "a", value: 1, doc: null })).toBe(true)
    expect(agrees(fast, schema, { id: "a", key: "a", value: 1 })).toBe(true)
    expect(agrees(fast, schema, { id: "a", key: 1, value: 1 })).toBe(false)
    expect(agrees(fast, schema, { id: "a", key: "a", value: "1" })).toBe(false)
    expect(agrees(fast, schema, { id: "a", key: "a", value: 1, doc: { _id: "a", n: 7 } })).toBe(false)
  })

  it("a null document stays null, whatever the document Schema would make of null", () => {
    const Doc = Schema.transform(Schema.Unknown, Schema.String, { decode: String, encode: (s) => s })
    const fast = RowShape.viewRow(identity, identity, RowShape.orNullPart(Doc))
    const schema = viewRowSchema(Schema.Unknown, Schema.Unknown, Doc)
    expect(agrees(fast, schema, { key: "a", value: 1, doc: null })).toBe(true)
    expect(fast({ key: "a", value: 1, doc: null })).toStrictEqual({ key: "a", value: 1, doc: null })
    expect(agrees(fast, schema, { key: "a", value: 1, doc: 7 })).toBe(true)
    const change = RowShape.change(RowShape.orNullPart(Doc))
    const input = { seq: "1", id: "a", changes: [], doc: null }
    expect(agrees(change, Changes.Change(Doc), input)).toBe(true)
    expect(change(input)).toStrictEqual(input)
  })

  it("error rows: declines exactly when the Schema fails", () => {
    const inputs: ReadonlyArray<unknown> = [
      { key: "a", error: "not_found" },
      { key: "a", error: "not_found", reason: "missing" },
      { error: "not_found" },
      { key: "a", error: "not_found", reason: 1 },
      { key: "a", error: 1 },
      { key: "a", value: 1 },
      [],
      null
    ]
    const check = <K, KI>(key: Schema.Schema<K, KI>) => {
      const fast = RowShape.errorRow(RowShape.part(key))
      const schema = errorRowSchema(key)
      for (const input of inputs) {
        const declined = !agrees(fast, schema, input)
        expect(declined).toBe(Either.isLeft(Schema.decodeUnknownEither(schema)(input)))
      }
    }
    check(Schema.Unknown)
    check(Schema.String)
  })

  it("changes: every shape CouchDB sends is decoded, as the Schema would", () => {
    const schema = Changes.Change(Schema.Unknown)
    const rows = [
      { seq: "1-g1AA", id: "a", changes: [{ rev }] },
      { seq: 1, id: "a", changes: [{ rev }] },
      { seq: null, id: "a", changes: [{ rev }] },
      { seq: "2-g1AA", id: "a", changes: [{ rev }], deleted: true },
      { seq: "2-g1AA", id: "a", changes: [{ rev }, { rev: "2-b" }], deleted: false, doc: { _id: "a" } },
      { seq: "2-g1AA", id: "a", changes: [{ rev }], deleted: true, doc: null },
      { seq: "2-g1AA", id: "a", changes: [] }
    ]
    for (const row of rows) expect(agrees(anyChange, schema, row)).toBe(true)
    const extra = { doc: {}, extra: 1, changes: [{ rev, extra: 2 }], id: "a", seq: "1" }
    expect(agrees(anyChange, schema, extra)).toBe(true)
    expect(anyChange(extra)).toStrictEqual({ id: "a", seq: "1", changes: [{ rev }], doc: {} })
  })

  it("changes: a deletion carries its tombstone, decoded as the Schema would, whatever the document Schema", () => {
    const Todo = Schema.Struct({ title: Schema.String })
    const typed = RowShape.change(RowShape.orNullPart(Todo))
    const tombstone = { _id: "a", _rev: rev, _deleted: true }
    const rows = [
      { seq: "2-g1AA", id: "a", changes: [{ rev }], deleted: true, doc: tombstone },
      { seq: "2-g1AA", id: "a", changes: [{ rev }], deleted: true, doc: { ...tombstone, title: "kept", n: [1] } },
      // Other fields before and between the three: the three come first, then the others in their order.
      {
        seq: 2,
        id: "a",
        changes: [],
        deleted: true,
        doc: { z: 1, _deleted: true, "7": "x", _rev: rev, a: null, _id: "a" }
      },
      { seq: null, id: "a", changes: [{ rev }], deleted: true }
    ]
    for (const row of rows) {
      expect(agrees(anyChange, Changes.Change(Schema.Unknown), row)).toBe(true)
      expect(agrees(typed, Changes.Change(Todo), row)).toBe(true)
    }
    const reordered = typed(rows[2])
    expect(reordered !== RowShape.mismatch && reordered.deleted ? Object.keys(reordered.doc ?? {}) : []).toEqual([
      "7",
      "_id",
      "_rev",
      "_deleted",
      "z",
      "a"
    ])
    const declined: ReadonlyArray<unknown> = [
      // Not a tombstone: the document of a deletion is never given to the document Schema.
      { seq: "2", id: "a", changes: [{ rev }], deleted: true, doc: { title: "x" } },
      { seq: "2", id: "a", changes: [{ rev }], deleted: true, doc: { _id: "a", _rev: rev, _deleted: false } },
      { seq: "2", id: "a", changes: [{ rev }], deleted: true, doc: { _id: "a", _rev: 2, _deleted: true } },
      { seq: "2", id: "a", changes: [{ rev }], deleted: true, doc: [] },
      // A live change is decoded with the document Schema, even with a tombstone for a document.
      { seq: "2", id: "a", changes: [{ rev }], deleted: false, doc: tombstone },
      { seq: "2", id: "a", changes: [{ rev }], doc: tombstone },
      // `__proto__` as a field name is left to the Schema.
      {
        seq: "2",
        id: "a",
        changes: [{ rev }],
        deleted: true,
        doc: JSON.parse(`{"_id":"a","_rev":"1","_deleted":true,"__proto__":{}}`)
      }
    ]
    for (const input of declined) expect(agrees(typed, Changes.Change(Todo), input)).toBe(false)
  })

  it("changes: unusual shapes are left to the Schema", () => {
    const schema = Changes.Change(Schema.Unknown)
    const inputs: ReadonlyArray<unknown> = [
      { seq: "1", id: 1, changes: [{ rev }] },
      { seq: true, id: "a", changes: [{ rev }] },
      { id: "a", changes: [{ rev }] },
      { seq: "1", id: "a" },
      { seq: "1", id: "a", changes: {} },
      { seq: "1", id: "a", changes: [{ rev: 1 }] },
      { seq: "1", id: "a", changes: [[]] },
      { seq: "1", id: "a", changes: [{ rev }], deleted: "yes" },
      { last_seq: "1" },
      null
    ]
    for (const input of inputs) expect(agrees(anyChange, schema, input)).toBe(false)
  })

  it("db updates", () => {
    const rows = [
      { db_name: "a", type: "created", seq: "1-g1AA" },
      { db_name: "a", type: "deleted", seq: null, extra: 1 },
      { seq: 3, type: "updated", db_name: "b" }
    ]
    for (const row of rows) expect(agrees(RowShape.dbUpdate, DbUpdates.DbUpdate, row)).toBe(true)
    for (const input of [{ db_name: "a", type: "created" }, { db_name: 1, type: "x", seq: "1" }, null]) {
      expect(agrees(RowShape.dbUpdate, DbUpdates.DbUpdate, input)).toBe(false)
    }
  })

  it("random rows: whatever the fast path decodes, the Schema decodes the same", () => {
    // Rows built from the fields the Schemas know, each one absent, well typed or any JSON value.
    const field = (typed: FastCheck.Arbitrary<unknown>) =>
      FastCheck.option(FastCheck.oneof(typed, FastCheck.jsonValue()), { nil: undefined })
    const record = (fields: Record<string, FastCheck.Arbitrary<unknown>>) =>
      FastCheck.record(fields).map((row): unknown =>
        // JSON.parse never gives `undefined`: an absent field is a missing key.
        JSON.parse(JSON.stringify({ ...row, extra: 1 }))
      )
    const seq = FastCheck.oneof(FastCheck.string(), FastCheck.integer(), FastCheck.constant(null))
    const revs = FastCheck.array(
      FastCheck.oneof(FastCheck.record({ rev: FastCheck.string() }), FastCheck.jsonValue()),
      { maxLength: 3 }
    )
    const viewRows = record({
      id: field(FastCheck.string()),
      key: field(FastCheck.jsonValue()),
      value: field(FastCheck.jsonValue()),
      doc: field(FastCheck.constant(null)),
      error: field(FastCheck.string()),
      reason: field(FastCheck.string())
    })
    // Tombstones and documents: the three tombstone fields each absent, right or any JSON value, among others.
    const docs = FastCheck.tuple(
      FastCheck.record({
        _id: field(FastCheck.string()),
        _rev: field(FastCheck.string()),
        _deleted: field(FastCheck.constant(true)),
        title: field(FastCheck.string())
      }),
      FastCheck.dictionary(FastCheck.string(), FastCheck.jsonValue(), { maxKeys: 3 })
    ).map(([fields, others]): unknown => JSON.parse(JSON.stringify({ ...others, ...fields })))
    const changeRows = record({
      seq: field(seq),
      id: field(FastCheck.string()),
      changes: field(revs),
      deleted: field(FastCheck.boolean()),
      doc: field(FastCheck.oneof(docs, FastCheck.constant(null)))
    })
    const Todo = Schema.Struct({ title: Schema.String })
    const todoChange = RowShape.change(RowShape.orNullPart(Todo))
    const updateRows = record({ db_name: field(FastCheck.string()), type: field(FastCheck.string()), seq: field(seq) })
    const union = Schema.Union(errorRowSchema(Schema.Unknown), unknownRow)
    const anyErrorRow = RowShape.errorRow(identity)
    const keysRow = (input: unknown) => {
      const decoded = anyErrorRow(input)
      return decoded === RowShape.mismatch ? anyRow(input) : decoded
    }
    FastCheck.assert(FastCheck.property(viewRows, (row) => {
      agrees(anyRow, unknownRow, row)
      agrees(keysRow, union, row)
    }))
    FastCheck.assert(
      FastCheck.property(changeRows, (row) => {
        agrees(anyChange, Changes.Change(Schema.Unknown), row)
        agrees(todoChange, Changes.Change(Todo), row)
      })
    )
    FastCheck.assert(FastCheck.property(updateRows, (row) => void agrees(RowShape.dbUpdate, DbUpdates.DbUpdate, row)))

    // Deletions of the right shape, so that random tombstones reach the fast path often.
    const deletions = FastCheck.record({
      seq,
      id: FastCheck.string(),
      changes: FastCheck.array(FastCheck.record({ rev: FastCheck.string() }), { maxLength: 2 }),
      deleted: FastCheck.constant(true),
      doc: FastCheck.oneof(docs, FastCheck.constant(null))
    }).map((row): unknown => JSON.parse(JSON.stringify(row)))
    let tombstones = 0
    FastCheck.assert(
      FastCheck.property(deletions, (row) => {
        agrees(todoChange, Changes.Change(Todo), row)
        const decoded = todoChange(row)
        if (
          decoded !== RowShape.mismatch && decoded.deleted && typeof decoded.doc === "object" && decoded.doc !== null
        ) tombstones++
      }),
      { numRuns: 500 }
    )
    expect(tombstones).toBeGreaterThan(0)
  })
})

/** A CouchDB 3.x view body with these rows. */
const viewBody = (rows: ReadonlyArray<unknown>) =>
  `{"total_rows":${rows.length},"offset":0,"rows":[\r\n${rows.map((r) => JSON.stringify(r)).join(",\r\n")}\r\n]}\n`

const drain = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(Stream.either(stream)), (chunk) => {
    const all = Chunk.toReadonlyArray(chunk)
    return {
      values: all.flatMap((e) => Either.isRight(e) ? [e.right] : []),
      errors: all.flatMap((e) => Either.isLeft(e) ? [e.left] : [])
    }
  })

/** What the Schema says about `input`, as DecodeError descriptions are written. */
const schemaError = <A, I>(schema: Schema.Schema<A, I>, input: unknown) =>
  Either.match(Schema.decodeUnknownEither(schema)(input), {
    onLeft: ParseResult.TreeFormatter.formatErrorSync,
    onRight: () => "decoded"
  })

describe("the fast path through the feeds", () => {
  const rev = "1-967a00dff5e02add41819138abb3284d"

  it.effect("_all_docs with keys: rows, error rows and deleted documents, extra keys dropped", () =>
    Effect.gen(function*() {
      const rows = [
        { id: "a", key: "a", value: { rev }, doc: { _id: "a", _rev: rev, n: 1 }, extra: "dropped" },
        { key: "missing", error: "not_found" },
        { key: "gone", error: "not_found", reason: "deleted" },
        { id: "d", key: "d", value: { rev, deleted: true }, doc: null }
      ]
      const { errors, values } = yield* withDb(
        [MockCouch.route("POST", "/db/_all_docs", MockCouch.chunked(200, [viewBody(rows)]))],
        (db) => drain(View.stream(Database.allDocs(db), { keys: ["a", "missing", "gone", "d"], include_docs: true }))
      )
      expect(errors).toEqual([])
      const union = Schema.Union(errorRowSchema(Schema.Unknown), unknownRow)
      expect(withKeyOrder(values)).toEqual(withKeyOrder(rows.map((row) => Schema.decodeUnknownSync(union)(row))))
      expect(values[0]).toStrictEqual({ id: "a", key: "a", value: { rev }, doc: { _id: "a", _rev: rev, n: 1 } })
      expect(values.filter(View.isErrorRow)).toHaveLength(2)
    }))

  it.effect("a view row of the wrong shape fails with the Schema's DecodeError, after the rows before it", () =>
    Effect.gen(function*() {
      const bad = { id: 7, key: "b", value: 1 }
      const { errors, values } = yield* withDb(
        [MockCouch.route(
          "GET",
          "/db/_all_docs",
          MockCouch.chunked(200, [viewBody([{ id: "a", key: "a", value: 1 }, bad])])
        )],
        (db) => drain(View.stream(Database.allDocs(db)))
      )
      expect(values).toEqual([{ id: "a", key: "a", value: 1 }])
      expect(errors).toHaveLength(1)
      const error = errors[0]
      expect(error).toBeInstanceOf(CouchError.DecodeError)
      expect(error?._tag === "DecodeError" ? error.description : "").toBe(schemaError(unknownRow, bad))
    }))

  it.effect("changes: deleted, with a tombstone, without doc or null, seq null; a bad row is the Schema's DecodeError", () =>
    Effect.gen(function*() {
      const rows = [
        { seq: "1-g1AA", id: "a", changes: [{ rev }] },
        { seq: null, id: "b", changes: [{ rev }], deleted: true, doc: null },
        { seq: "3-g1AA", id: "c", changes: [{ rev, extra: 1 }], doc: { _id: "c", _rev: rev, title: "x" }, extra: 2 },
        {
          seq: "4-g1AA",
          id: "e",
          changes: [{ rev }],
          deleted: true,
          doc: { n: 1, _id: "e", _rev: rev, _deleted: true }
        }
      ]
      const bad = { seq: "4-g1AA", id: "d", changes: [{ rev: 4 }] }
      const body = [...rows, bad].map((row) => JSON.stringify(row) + "\n").join("")
      // With a document Schema, documents are stored documents: their metadata decoded too.
      const check = <A, I, C, CI>(doc: Schema.Schema<A, I> | undefined, schema: Schema.Schema<C, CI>) =>
        Effect.gen(function*() {
          const { errors, values } = yield* withDb(
            [MockCouch.route("GET", "/db/_changes", MockCouch.chunked(200, [body]))],
            (db) => drain(Changes.stream(db, { feed: "continuous", include_docs: true, heartbeat: false, schema: doc }))
          )
          expect(withKeyOrder(values)).toEqual(withKeyOrder(rows.map((row) => Schema.decodeUnknownSync(schema)(row))))
          expect(values[2]?.changes).toStrictEqual([{ rev }])
          expect(errors).toHaveLength(1)
          const error = errors[0]
          expect(error?._tag === "DecodeError" ? error.description : "").toBe(schemaError(schema, bad))
        })
      const Title = Schema.Struct({ title: Schema.String })
      yield* check(undefined, Changes.Change(Schema.Unknown))
      yield* check(Title, Changes.Change(Document.stored(Title)))
    }))

  it.effect("changes with a document Schema: a document that does not match is the Schema's DecodeError", () =>
    Effect.gen(function*() {
      const Todo = Schema.Struct({ title: Schema.String })
      const bad = { seq: "1-g1AA", id: "a", changes: [{ rev }], doc: { _id: "a", _rev: rev, title: 1 } }
      const { errors, values } = yield* withDb(
        [MockCouch.route("GET", "/db/_changes", MockCouch.chunked(200, [JSON.stringify(bad) + "\n"]))],
        (db) => drain(Changes.stream(db, { feed: "continuous", include_docs: true, heartbeat: false, schema: Todo }))
      )
      expect(values).toEqual([])
      const error = errors[0]
      expect(error?._tag === "DecodeError" ? error.description : "").toBe(
        schemaError(Changes.Change(Document.stored(Todo)), bad)
      )
    }))
})

describe("the UTF-8 decoder of line-based feeds", () => {
  /** `bytes` decoded in pieces cut at `cuts`, by `Feed.utf8Decoder` and by a streaming TextDecoder. */
  const both = (bytes: Uint8Array, cuts: ReadonlyArray<number>) => {
    const ours = Feed.utf8Decoder()
    const reference = new TextDecoder("utf-8")
    let actual = ""
    let expected = ""
    let from = 0
    for (const cut of [...cuts, bytes.length].sort((a, b) => a - b)) {
      const piece = bytes.subarray(from, Math.max(from, cut))
      actual += ours.decode(piece)
      expected += reference.decode(piece, { stream: true })
      from = Math.max(from, cut)
    }
    return { actual: actual + ours.end(), expected: expected + reference.decode() }
  }

  it("matches TextDecoder's streaming mode on valid text cut anywhere, BOM included", () => {
    const text = "\uFEFFa é ☃ 😀 👍🏽 日本語\n\uFEFF"
    const bytes = new TextEncoder().encode(text)
    for (let i = 0; i <= bytes.length; i++) {
      for (let j = i; j <= bytes.length; j++) {
        const { actual, expected } = both(bytes, [i, j])
        expect(actual).toBe(expected)
      }
    }
    expect(both(bytes, []).actual).toBe(text.slice(1))
  })

  it("matches it on random bytes, invalid sequences and cut characters included, cut at random", () => {
    // Bytes around the UTF-8 ranges' edges, so that invalid and truncated sequences are common.
    const byte = FastCheck.oneof(
      FastCheck.integer({ min: 0, max: 0x7f }),
      FastCheck.integer({ min: 0x80, max: 0xbf }),
      FastCheck.integer({ min: 0xc0, max: 0xff }),
      FastCheck.constantFrom(0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xbb, 0xbf, 0x9f, 0xa0)
    )
    FastCheck.assert(
      FastCheck.property(
        FastCheck.array(byte, { maxLength: 24 }),
        FastCheck.array(FastCheck.nat(24), { maxLength: 6 }),
        (bytes, cuts) => {
          const { actual, expected } = both(Uint8Array.from(bytes), cuts)
          expect(actual).toBe(expected)
        }
      ),
      { numRuns: 2000 }
    )
  })
})

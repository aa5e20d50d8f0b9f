/**
 * Mango `_find` against MockCouch: the exact bytes of CouchDB 3.5's answers (recordings 7.5–7.16
 * of couchdb-3.5-api.md), re-chunked at every place; the bodies sent for each option; Schema
 * decoding; bookmark pages; backpressure.
 */
import { CouchAuth, CouchClient, Mango } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Layer, Option, Schema, Stream } from "effect"

interface Recording {
  readonly request?: string
  readonly status: number
  readonly chunks?: ReadonlyArray<string>
  readonly body?: string
}

/** CouchDB 3.5.0's answers, as recorded (chunks as framed on the wire). */
const recorded = {
  /** 7.5 find using the index (fields, sort, limit): `POST /api/_find` */
  "7.5": {
    request:
      `{"selector":{"type":"fruit","n":{"$gt":0}},"fields":["_id","name","n"],"sort":[{"type":"asc"},{"n":"asc"}],"limit":2}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n{"_id":"d5","name":"elderberry","n":1},\r\n{"_id":"d1","name":"apple","n":3}\r\n]`,
      `,\r\n"bookmark": "g1AAAAA_eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnGIJkOGAyOSAxkARrWlFpZkkic1YWAAzcELc"}\r\n`,
      `\n`
    ]
  },
  /** 7.6 find using the index with execution_stats: `POST /api/_find` */
  "7.6": {
    request: `{"selector":{"type":"veg","n":{"$gt":0}},"fields":["_id","n"],"execution_stats":true}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n{"_id":"d3","n":2},\r\n{"_id":"d4","n":7}\r\n]`,
      `,\r\n"bookmark": "g1AAAAA9eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyOSAxkARzWWp6IntWFgDrBA_U",\r\n"execution_stats": {"total_keys_examined":2,"total_docs_examined":0,"total_quorum_docs_examined":0,"results_returned":2,"execution_time_ms":0.67}}\r\n`,
      `\n`
    ]
  },
  /** 7.7 find with execution_stats, no usable index: `POST /api/_find` */
  "7.7": {
    request: `{"selector":{"type":"veg"},"fields":["_id","n"],"execution_stats":true}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n{"_id":"d3","n":2},\r\n{"_id":"d4","n":7}\r\n]`,
      `,\r\n"bookmark": "g1AAAAA0eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyULEsAGlODek",\r\n"execution_stats": {"total_keys_examined":28,"total_docs_examined":28,"total_quorum_docs_examined":0,"results_returned":2,"execution_time_ms":1.64},\r\n"warning": "No matching index found, create an index to optimize query time.\\nThe number of documents examined is high in proportion to the number of results returned. Consider adding a more specific index to improve this."}\r\n`,
      `\n`
    ]
  },
  /** 7.8 find without a usable index: `POST /api/_find` */
  "7.8": {
    request: `{"selector":{"n":{"$gt":4}},"fields":["_id","n"]}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n{"_id":"d2","n":5},\r\n{"_id":"d4","n":7}\r\n]`,
      `,\r\n"bookmark": "g1AAAAA0eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyULEsAGlODek",\r\n"warning": "No matching index found, create an index to optimize query time.\\nThe number of documents examined is high in proportion to the number of results returned. Consider adding a more specific index to improve this."}\r\n`,
      `\n`
    ]
  },
  /** 7.9 find page 1 (limit 2): `POST /api/_find` */
  "7.9": {
    request: `{"selector":{"type":{"$gt":null},"n":{"$gt":0}},"fields":["_id","n"],"limit":2}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n{"_id":"d5","n":1},\r\n{"_id":"d1","n":3}\r\n]`,
      `,\r\n"bookmark": "g1AAAAA_eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnGIJkOGAyOSAxkARrWlFpZkkic1YWAAzcELc"}\r\n`,
      `\n`
    ]
  },
  /** 7.10 find page 2 with bookmark: `POST /api/_find` */
  "7.10": {
    request:
      `{"selector":{"type":{"$gt":null},"n":{"$gt":0}},"fields":["_id","n"],"limit":2,"bookmark":"g1AAAAA_eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnGIJkOGAyOSAxkARrWlFpZkkic1YWAAzcELc"}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n{"_id":"d2","n":5},\r\n{"_id":"d3","n":2}\r\n]`,
      `,\r\n"bookmark": "g1AAAAA9eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnGINkOGAyOSAxkARzWWp6IlNWFgDq1g_O"}\r\n`,
      `\n`
    ]
  },
  /** 7.11 find page 3 with bookmark: `POST /api/_find` */
  "7.11": {
    request:
      `{"selector":{"type":{"$gt":null},"n":{"$gt":0}},"fields":["_id","n"],"limit":2,"bookmark":"g1AAAAA9eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnGINkOGAyOSAxkARzWWp6IlNWFgDq1g_O"}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n{"_id":"d4","n":7}\r\n]`,
      `,\r\n"bookmark": "g1AAAAA9eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyOSAxkARzWWp6IntWFgDrBA_U"}\r\n`,
      `\n`
    ]
  },
  /** 7.12 find page 4 with bookmark (past the end): `POST /api/_find` */
  "7.12": {
    request:
      `{"selector":{"type":{"$gt":null},"n":{"$gt":0}},"fields":["_id","n"],"limit":2,"bookmark":"g1AAAAA9eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyOSAxkARzWWp6IntWFgDrBA_U"}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n]`,
      `,\r\n"bookmark": "g1AAAAA9eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyOSAxkARzWWp6IntWFgDrBA_U"}\r\n`,
      `\n`
    ]
  },
  /** 7.13 find with an invalid operator: `POST /api/_find` */
  "7.13": {
    request: `{"selector":{"n":{"$bogus":1}}}`,
    status: 400,
    body: `{"error":"invalid_operator","reason":"Invalid operator: $bogus"}\n`
  },
  /** 7.14 find with sort on an unindexed field: `POST /api/_find` */
  "7.14": {
    request: `{"selector":{"n":{"$gt":0}},"sort":["n"]}`,
    status: 400,
    body: `{"error":"no_usable_index","reason":"No index exists for this sort, try indexing by the sort fields."}\n`
  },
  /** 7.16 find with use_index naming a missing index: `POST /api/_find` */
  "7.16": {
    request: `{"selector":{"type":"veg"},"fields":["_id"],"use_index":"nope"}`,
    status: 200,
    chunks: [
      `{"docs":[`,
      `\r\n{"_id":"d3"},\r\n{"_id":"d4"}\r\n]`,
      `,\r\n"bookmark": "g1AAAAA0eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyULEsAGlODek",\r\n"warning": "_design/nope was not used because it does not contain a valid index for this query.\\nNo matching index found, create an index to optimize query time.\\nThe number of documents examined is high in proportion to the number of results returned. Consider adding a more specific index to improve this."}\r\n`,
      `\n`
    ]
  }
} satisfies Record<string, Recording>

const base = "http://couch.test:5984"

/** The client over MockCouch answering with `routes`, no auth. */
const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: base }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

/** A recording as a MockCouch reply, in its own chunks unless others are given. */
const reply = (recording: Recording, chunks = recording.chunks): MockCouch.Reply =>
  chunks !== undefined
    ? MockCouch.chunked(recording.status, chunks)
    : MockCouch.raw(recording.status, recording.body ?? "", { "content-type": "application/json" })

const find = (answer: MockCouch.Reply | ((request: MockCouch.RecordedRequest) => MockCouch.Reply)) =>
  MockCouch.route("POST", "/api/_find", answer)

const api = Effect.map(CouchClient.CouchClient, (couch) => couch.database("api"))

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** The documents of a stream, and the error it ended with, if any. */
const drain = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(Stream.either(stream)), (chunk) => {
    const all = Chunk.toReadonlyArray(chunk)
    return {
      docs: all.flatMap((e) => Either.isRight(e) ? [e.right] : []),
      errors: all.flatMap((e) => Either.isLeft(e) ? [e.left] : [])
    }
  })

/** The bodies of the requests sent so far. */
const bodies = Effect.map(MockCouch.requests, (requests) => requests.map((request) => request.body))

const whole = (recording: Recording) => (recording.chunks ?? []).join("")

/** A `_find` body in CouchDB 3's layout, with `trailer` (e.g. `"bookmark": "x"`) after the documents. */
const couchFind = (docs: ReadonlyArray<unknown>, trailer = `"bookmark": "nil"`) =>
  `{"docs":[\r\n${docs.map((doc) => JSON.stringify(doc)).join(",\r\n")}\r\n],\r\n${trailer}}\r\n\n`

const bookmark7 = "g1AAAAA0eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyULEsAGlODek"
const noIndex = "No matching index found, create an index to optimize query time.\n" +
  "The number of documents examined is high in proportion to the number of results returned. " +
  "Consider adding a more specific index to improve this."

describe("Mango.find and Mango.open on CouchDB 3.5's answers", () => {
  it.scoped("fields, sort and limit: the recorded body is sent, the documents stream, the bookmark follows them (recording 7.5)", () =>
    Effect.gen(function*() {
      const feed = yield* Mango.open(yield* api, {
        selector: { type: "fruit", n: { $gt: 0 } },
        fields: ["_id", "name", "n"],
        sort: [{ type: "asc" }, { n: "asc" }],
        limit: 2
      })
      // CouchDB sends the bookmark after the documents.
      expect((yield* feed.meta).bookmark).toEqual(Option.none())
      expect(yield* collect(feed.docs)).toEqual([
        { _id: "d5", name: "elderberry", n: 1 },
        { _id: "d1", name: "apple", n: 3 }
      ])
      expect(yield* feed.meta).toEqual({
        bookmark: Option.some("g1AAAAA_eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnGIJkOGAyOSAxkARrWlFpZkkic1YWAAzcELc"),
        warning: Option.none(),
        executionStats: Option.none()
      })
      const [request] = yield* MockCouch.requests
      expect(request).toMatchObject({ method: "POST", path: "/api/_find", body: recorded["7.5"].request })
      expect(request?.headers["content-type"]).toBe("application/json")
    }).pipe(Effect.provide(Couch(find(reply(recorded["7.5"]))))))

  it.effect("execution statistics and warnings after the documents (recordings 7.6, 7.7, 7.8, 7.16)", () =>
    Effect.gen(function*() {
      const cases = [
        {
          recording: recorded["7.6"],
          bookmark: "g1AAAAA9eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyOSAxkARzWWp6IntWFgDrBA_U",
          query: { selector: { type: "veg", n: { $gt: 0 } }, fields: ["_id", "n"], execution_stats: true },
          docs: [{ _id: "d3", n: 2 }, { _id: "d4", n: 7 }],
          warning: Option.none(),
          executionStats: Option.some({
            total_keys_examined: 2,
            total_docs_examined: 0,
            total_quorum_docs_examined: 0,
            results_returned: 2,
            execution_time_ms: 0.67
          })
        },
        {
          recording: recorded["7.7"],
          bookmark: bookmark7,
          query: { selector: { type: "veg" }, fields: ["_id", "n"], execution_stats: true },
          docs: [{ _id: "d3", n: 2 }, { _id: "d4", n: 7 }],
          warning: Option.some(noIndex),
          executionStats: Option.some({
            total_keys_examined: 28,
            total_docs_examined: 28,
            total_quorum_docs_examined: 0,
            results_returned: 2,
            execution_time_ms: 1.64
          })
        },
        {
          recording: recorded["7.8"],
          bookmark: bookmark7,
          query: { selector: { n: { $gt: 4 } }, fields: ["_id", "n"] },
          docs: [{ _id: "d2", n: 5 }, { _id: "d4", n: 7 }],
          warning: Option.some(noIndex),
          executionStats: Option.none()
        },
        {
          recording: recorded["7.16"],
          bookmark: bookmark7,
          query: { selector: { type: "veg" }, fields: ["_id"], use_index: "nope" },
          docs: [{ _id: "d3" }, { _id: "d4" }],
          warning: Option.some(
            `_design/nope was not used because it does not contain a valid index for this query.\n${noIndex}`
          ),
          executionStats: Option.none()
        }
      ]
      for (const c of cases) {
        const result = yield* Effect.scoped(Effect.gen(function*() {
          const feed = yield* Mango.open(yield* api, c.query)
          const docs = yield* collect(feed.docs)
          return { docs, meta: yield* feed.meta, body: (yield* bodies).at(-1) }
        })).pipe(Effect.provide(Couch(find(reply(c.recording)))))
        expect(result).toEqual({
          docs: c.docs,
          meta: { bookmark: Option.some(c.bookmark), warning: c.warning, executionStats: c.executionStats },
          body: c.recording.request
        })
      }
    }))
})

describe("errors", () => {
  it.effect("an error status is its tagged error with CouchDB's error and reason (recordings 7.13, 7.14)", () =>
    Effect.gen(function*() {
      const db = yield* api
      const bogus = yield* Effect.flip(Stream.runDrain(Mango.find(db, { selector: { n: { $bogus: 1 } } })))
      expect(bogus).toMatchObject({ _tag: "BadRequest", status: 400, error: "invalid_operator" })
      const sort = yield* Effect.flip(Stream.runDrain(Mango.find(db, { selector: { n: { $gt: 0 } }, sort: ["n"] })))
      expect(sort).toMatchObject({ _tag: "BadRequest", error: "no_usable_index" })
      expect(yield* bodies).toEqual([recorded["7.13"].request, recorded["7.14"].request])
    }).pipe(
      Effect.provide(
        Couch(find((request) => reply(request.body === recorded["7.13"].request ? recorded["7.13"] : recorded["7.14"])))
      )
    ))

  it.effect("a query CouchDB would refuse is an InvalidRequest, and nothing is sent (cf. recording 7.15)", () =>
    Effect.gen(function*() {
      const db = yield* api
      // Untyped callers can pass anything: the casts stand for them.
      const queries = [
        [{ fields: ["_id"] } as unknown as Mango.Query, "the selector must be a JSON object"],
        [{ selector: ["a"] } as unknown as Mango.Query, "the selector must be a JSON object"],
        [{ selector: {}, limit: -1 }, "limit must be a non-negative integer"],
        [{ selector: {}, skip: 1.5 }, "skip must be a non-negative integer"],
        [{ selector: {}, r: 0 }, "r must be a positive integer"],
        [{ selector: {}, fields: [1] } as unknown as Mango.Query, "fields must be field names"],
        [{ selector: {}, use_index: ["a", "b", "c"] } as unknown as Mango.Query, "use_index must be"]
      ] as const
      for (const [query, description] of queries) {
        for (const effect of [Stream.runDrain(Mango.find(db, query)), Mango.explain(db, query)]) {
          const error = yield* Effect.flip(effect)
          expect(error).toMatchObject({ _tag: "InvalidRequest", description: expect.stringContaining(description) })
        }
      }
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(Couch())))
})

describe("chunk boundaries and layouts", () => {
  const expected6 = {
    docs: [{ _id: "d3", n: 2 }, { _id: "d4", n: 7 }],
    meta: {
      bookmark: Option.some("g1AAAAA9eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnmIBkOGAyOSAxkARzWWp6IntWFgDrBA_U"),
      warning: Option.none(),
      executionStats: Option.some({
        total_keys_examined: 2,
        total_docs_examined: 0,
        total_quorum_docs_examined: 0,
        results_returned: 2,
        execution_time_ms: 0.67
      })
    }
  }
  const expected7 = {
    docs: [{ _id: "d3", n: 2 }, { _id: "d4", n: 7 }],
    meta: {
      bookmark: Option.some(bookmark7),
      warning: Option.some(noIndex),
      executionStats: Option.some({
        total_keys_examined: 28,
        total_docs_examined: 28,
        total_quorum_docs_examined: 0,
        results_returned: 2,
        execution_time_ms: 1.64
      })
    }
  }

  const read = (answer: MockCouch.Reply) =>
    Effect.scoped(Effect.gen(function*() {
      const feed = yield* Mango.open(yield* api, { selector: {}, fields: ["_id", "n"] })
      const docs = yield* collect(feed.docs)
      return { docs, meta: yield* feed.meta }
    })).pipe(Effect.provide(Couch(find(answer))))

  it.effect("a boundary anywhere in the body of recording 7.6 (every two-way cut)", () => {
    const body = new TextEncoder().encode(whole(recorded["7.6"]))
    let cut = 0
    // The n-th request gets the body cut after its n-th byte.
    const answer = find(() => {
      cut++
      return MockCouch.chunked(200, [body.slice(0, cut), body.slice(cut)])
    })
    return Effect.gen(function*() {
      const db = yield* api
      while (cut < body.length - 1) {
        const result = yield* Effect.scoped(Effect.gen(function*() {
          const feed = yield* Mango.open(db, { selector: {}, fields: ["_id", "n"] })
          const docs = yield* collect(feed.docs)
          return { docs, meta: yield* feed.meta }
        }))
        expect({ cut, ...result }).toEqual({ cut, ...expected6 })
      }
    }).pipe(Effect.provide(Couch(answer)))
  })

  it.effect("recording 7.7 one byte per chunk, and as one chunk", () =>
    Effect.gen(function*() {
      const body = new TextEncoder().encode(whole(recorded["7.7"]))
      expect(yield* read(MockCouch.chunked(200, Array.from(body, (byte) => Uint8Array.of(byte))))).toEqual(expected7)
      expect(yield* read(MockCouch.chunked(200, [body]))).toEqual(expected7)
    }))

  it.effect("pouchdb-server's single-line body: documents and a warning, no bookmark", () =>
    Effect.gen(function*() {
      const result = yield* read(MockCouch.raw(
        200,
        `{"docs":[{"_id":"d3","n":2},{"_id":"d4","n":7}],"warning":"No matching index found, create an index to optimize query time."}\n`,
        { "content-type": "application/json" }
      ))
      expect(result).toEqual({
        docs: expected7.docs,
        meta: {
          bookmark: Option.none(),
          warning: Option.some("No matching index found, create an index to optimize query time."),
          executionStats: Option.none()
        }
      })
    }))

  it.effect("a body cut short is a TransportError (Reset) after the documents read; an invalid document a DecodeError", () =>
    Effect.gen(function*() {
      const drainWith = (body: string) =>
        Effect.flatMap(api, (db) => drain(Mango.find(db, { selector: {}, fields: ["_id", "n"] }))).pipe(
          Effect.provide(Couch(find(MockCouch.chunked(200, [body]))))
        )
      const cut = yield* drainWith(whole(recorded["7.7"]).slice(0, 40))
      expect(cut.docs).toEqual([{ _id: "d3", n: 2 }])
      expect(cut.errors.map((error) => error._tag === "TransportError" && error.kind)).toEqual(["Reset"])
      const invalid = yield* drainWith(`{"docs":[\r\n{"_id":"d3","n":2},\r\n{"_id":"d4",n:7}\r\n]}`)
      expect(invalid.docs).toEqual([{ _id: "d3", n: 2 }])
      expect(invalid.errors.map((error) => error._tag)).toEqual(["DecodeError"])
    }))
})

describe("documents decoded with a Schema", () => {
  const Fruit = Schema.Struct({ name: Schema.String, n: Schema.Number, picked: Schema.Date })
  const apple = { _id: "d1", _rev: "1-a", name: "apple", n: 3, picked: "2026-11-30T00:00:00.000Z" }
  const pear = { _id: "d2", _rev: "1-b", name: "pear", n: "three", picked: "2026-11-30T00:00:00.000Z" }

  it.effect("without fields: your type plus _id and _rev; a document that does not match fails naming it", () =>
    Effect.gen(function*() {
      const { docs, errors } = yield* drain(Mango.find(yield* api, { schema: Fruit, selector: { n: { $gt: 0 } } }))
      expect(docs).toEqual([{ _id: "d1", _rev: "1-a", name: "apple", n: 3, picked: new Date("2026-11-30") }])
      expect(docs[0]?.picked).toBeInstanceOf(Date)
      expect(errors).toHaveLength(1)
      expect(errors[0]).toMatchObject({ _tag: "DecodeError", documentId: "d2", path: ["n"] })
    }).pipe(Effect.provide(Couch(find(MockCouch.chunked(200, [couchFind([apple, pear])]))))))

  it.effect("with fields: what the projection kept, _id included only when asked for", () =>
    Effect.gen(function*() {
      const db = yield* api
      const Name = Schema.Struct({ name: Schema.String })
      const withId = yield* collect(Mango.find(db, { schema: Name, selector: {}, fields: ["_id", "name"] }))
      expect(withId).toEqual([{ _id: "d1", name: "apple" }, { name: "pear" }])
      const untyped = yield* collect(Mango.find(db, { selector: {}, fields: ["_id", "name"] }))
      expect(untyped).toEqual([{ _id: "d1", name: "apple" }, { name: "pear" }])
    }).pipe(
      Effect.provide(Couch(find(MockCouch.chunked(200, [couchFind([{ _id: "d1", name: "apple" }, { name: "pear" }])]))))
    ))

  it.effect("without a Schema or fields: the JSON document, its metadata checked", () => {
    const conflicted = { _id: "d1", _rev: "2-a", _conflicts: ["2-b"], n: 1 }
    // No _rev without fields, or metadata of the wrong type: not what CouchDB sends.
    const invalid = [{ _id: "d2", n: 1 }, { _id: "d3", _rev: "1-a", _conflicts: "2-b" }]
    const answers = [conflicted, ...invalid].map((doc) => MockCouch.chunked(200, [couchFind([doc])]))
    return Effect.gen(function*() {
      const db = yield* api
      expect(yield* collect(Mango.find(db, { selector: {}, conflicts: true }))).toEqual([conflicted])
      for (const doc of invalid) {
        const { docs, errors } = yield* drain(Mango.find(db, { selector: {} }))
        expect({ docs, errors }).toMatchObject({ docs: [], errors: [{ _tag: "DecodeError", documentId: doc._id }] })
      }
    }).pipe(Effect.provide(Couch(find(() => answers.shift() ?? MockCouch.json(500, { error: "unexpected" })))))
  })
})

describe("backpressure", () => {
  it.effect("take(n) on an endless result ends the stream, aborts the request, and reads little", () => {
    const counter = { produced: 0 }
    const endless = MockCouch.lazy(200, (n) => {
      counter.produced = n + 1
      return n === 0 ? `{"docs":[` : `${n > 1 ? "," : ""}\r\n{"_id":"d${n}","_rev":"1-x","n":${n}}`
    })
    return Effect.gen(function*() {
      const docs = yield* collect(Mango.find(yield* api, { selector: {} }).pipe(Stream.take(3)))
      expect(docs.map((doc) => doc.n)).toEqual([1, 2, 3])
      const [request] = yield* MockCouch.requests
      expect(request?.aborted()).toBe(true)
      expect(counter.produced).toBeLessThan(10)
    }).pipe(Effect.provide(Couch(find(endless))))
  })
})

describe("Mango.pages", () => {
  const query = { selector: { type: { $gt: null }, n: { $gt: 0 } }, fields: ["_id", "n"], limit: 2 }
  const pages = [recorded["7.9"], recorded["7.10"], recorded["7.11"], recorded["7.12"]]
  // Each page is answered only to the exact body CouchDB got for it.
  const byBody = find((request) =>
    reply(
      pages.find((page) => page.request === request.body) ??
        { status: 400, body: JSON.stringify({ error: "unexpected", reason: request.body ?? "" }) }
    )
  )

  it.effect("follows the bookmarks page by page and stops at the empty page (recordings 7.9–7.12)", () =>
    Effect.gen(function*() {
      const docs = yield* collect(Mango.pages(yield* api, query))
      expect(docs).toEqual([{ _id: "d5", n: 1 }, { _id: "d1", n: 3 }, { _id: "d2", n: 5 }, { _id: "d3", n: 2 }, {
        _id: "d4",
        n: 7
      }])
      expect(yield* bodies).toEqual(pages.map((page) => page.request))
    }).pipe(Effect.provide(Couch(byBody))))

  it.effect("asks for a page only when the consumer needs it", () =>
    Effect.gen(function*() {
      const db = yield* api
      expect(yield* collect(Mango.pages(db, query).pipe(Stream.take(2)))).toHaveLength(2)
      expect(yield* bodies).toEqual([recorded["7.9"].request])
      expect(yield* collect(Mango.pages(db, query).pipe(Stream.take(3)))).toHaveLength(3)
      expect(yield* bodies).toEqual([recorded["7.9"].request, recorded["7.9"].request, recorded["7.10"].request])
    }).pipe(Effect.provide(Couch(byBody))))

  it.effect("one page when the server sends no bookmark (PouchDB) or the same one again", () =>
    Effect.gen(function*() {
      const db = yield* api
      const pouch = yield* collect(Mango.pages(db, { selector: { pouch: true } }))
      expect(pouch).toEqual([{ _id: "a", _rev: "1-a" }])
      // A page that returns the bookmark it was asked with would otherwise be asked for forever.
      const stuck = yield* collect(Mango.pages(db, { selector: {}, bookmark: "same" }))
      expect(stuck).toEqual([{ _id: "a", _rev: "1-a" }])
      expect(yield* bodies).toEqual([`{"selector":{"pouch":true}}`, `{"selector":{},"bookmark":"same"}`])
    }).pipe(Effect.provide(Couch(find((request) =>
      MockCouch.chunked(200, [
        request.body?.includes("pouch") === true
          ? `{"docs":[{"_id":"a","_rev":"1-a"}]}\n`
          : couchFind([{ _id: "a", _rev: "1-a" }], `"bookmark": "same"`)
      ])
    )))))

  it.effect("skip applies to the first page only; a starting bookmark is sent with it", () =>
    Effect.gen(function*() {
      const docs = yield* collect(Mango.pages(yield* api, { selector: {}, skip: 1, limit: 1, bookmark: "b0" }))
      expect(docs.map((doc) => doc._id)).toEqual(["b0", "b1"])
      expect(yield* bodies).toEqual([
        `{"selector":{},"limit":1,"skip":1,"bookmark":"b0"}`,
        `{"selector":{},"limit":1,"bookmark":"b1"}`,
        `{"selector":{},"limit":1,"bookmark":"b2"}`
      ])
    }).pipe(Effect.provide(Couch(find((request) => {
      const page = /"bookmark":"b(\d)"/.exec(request.body ?? "")?.[1] ?? "9"
      const docs = page === "2" ? [] : [{ _id: `b${page}`, _rev: "1-a" }]
      return MockCouch.chunked(200, [couchFind(docs, `"bookmark": "b${Number(page) + 1}"`)])
    })))))
})

describe("the body sent for each option (CouchDB's _find parameters)", () => {
  const empty = find(MockCouch.chunked(200, [couchFind([])]))

  it.effect("each option alone, after the selector, as JSON", () =>
    Effect.gen(function*() {
      const db = yield* api
      const options: ReadonlyArray<readonly [Partial<Mango.Query>, string]> = [
        [{}, ``],
        [{ fields: ["_id", "a.b"] }, `,"fields":["_id","a.b"]`],
        [{ sort: ["a", { b: "desc" }, { c: "asc" }] }, `,"sort":["a",{"b":"desc"},{"c":"asc"}]`],
        [{ limit: 0 }, `,"limit":0`],
        [{ skip: 25 }, `,"skip":25`],
        [{ bookmark: "g1AA/+=" }, `,"bookmark":"g1AA/+="`],
        [{ use_index: "_design/idx" }, `,"use_index":"_design/idx"`],
        [{ use_index: ["idx", "by-name"] }, `,"use_index":["idx","by-name"]`],
        [{ r: 2 }, `,"r":2`],
        [{ conflicts: true }, `,"conflicts":true`],
        [{ update: false }, `,"update":false`],
        [{ stable: true }, `,"stable":true`],
        [{ execution_stats: true }, `,"execution_stats":true`],
        [{ allow_fallback: false }, `,"allow_fallback":false`],
        [{ limit: undefined, fields: undefined }, ``]
      ]
      for (const [option, json] of options) {
        yield* Stream.runDrain(Mango.find(db, { selector: { a: { $exists: true } }, ...option }))
        expect((yield* bodies).at(-1)).toBe(`{"selector":{"a":{"$exists":true}}${json}}`)
      }
      const requests = yield* MockCouch.requests
      expect(new Set(requests.map((request) => `${request.method} ${request.path}${request.url.search}`))).toEqual(
        new Set(["POST /api/_find"])
      )
    }).pipe(Effect.provide(Couch(empty))))

  it.effect("every option together, in the order of CouchDB's documentation; the same body for _explain", () =>
    Effect.gen(function*() {
      const db = yield* api
      const query: Mango.Query = {
        allow_fallback: false,
        execution_stats: true,
        stable: true,
        update: false,
        conflicts: true,
        r: 1,
        use_index: ["idx", "by-name"],
        bookmark: "bm",
        skip: 1,
        limit: 10,
        sort: [{ name: "desc" }],
        fields: ["_id", "name"],
        selector: { $or: [{ name: { $regex: "^a" } }, { "tags.0": "x" }], n: { $in: [1, 2, null] } }
      }
      yield* Stream.runDrain(Mango.find(db, query))
      yield* Effect.ignore(Mango.explain(db, query))
      const expected = `{"selector":{"$or":[{"name":{"$regex":"^a"}},{"tags.0":"x"}],"n":{"$in":[1,2,null]}},` +
        `"fields":["_id","name"],"sort":[{"name":"desc"}],"limit":10,"skip":1,"bookmark":"bm",` +
        `"use_index":["idx","by-name"],"r":1,"conflicts":true,"update":false,"stable":true,"execution_stats":true,` +
        `"allow_fallback":false}`
      const requests = yield* MockCouch.requests
      expect(requests.map((request) => [request.method, request.path, request.body])).toEqual([
        ["POST", "/api/_find", expected],
        ["POST", "/api/_explain", expected]
      ])
    }).pipe(Effect.provide(Couch(empty, MockCouch.route("POST", "/api/_explain", MockCouch.json(500, {}))))))
})

describe("typed selectors", () => {
  const Order = Schema.Struct({
    customer: Schema.String,
    total: Schema.Number,
    placed: Schema.Date,
    tags: Schema.Array(Schema.String),
    address: Schema.Struct({ city: Schema.String, zip: Schema.optional(Schema.String) }),
    note: Schema.optional(Schema.NullOr(Schema.String))
  })

  it.effect("are checked against the Schema's encoded type and sent as written", () =>
    Effect.gen(function*() {
      const db = yield* api
      const selector: Mango.Selector<typeof Order.Encoded> = {
        customer: "ada",
        total: { $gte: 100, $mod: [10, 0] },
        placed: { $gt: "2026-01-01" },
        tags: { $elemMatch: { $regex: "^a" }, $size: 2 },
        address: { city: { $in: ["London", "Paris"] } },
        note: null,
        "address.zip": { $exists: false },
        _id: { $beginsWith: "o:" },
        $or: [{ customer: "bob" }, { $not: { total: { $lt: 0 } } }]
      }
      const orders = yield* collect(Mango.find(db, { schema: Order, selector, sort: [{ total: "desc" }, "customer"] }))
      expect(orders).toEqual([])
      // With fields the Schema describes the projection; the selector and sort name any field.
      const names = yield* collect(Mango.find(db, {
        schema: Schema.Struct({ customer: Schema.String }),
        selector: { total: { $gt: 100 } },
        sort: ["total"],
        fields: ["_id", "customer"]
      }))
      expect(names).toEqual([])
      const [typed, projected] = yield* bodies
      expect(JSON.parse(typed ?? "")).toEqual({
        selector: JSON.parse(JSON.stringify(selector)),
        sort: [{ total: "desc" }, "customer"]
      })
      expect(projected).toBe(`{"selector":{"total":{"$gt":100}},"fields":["_id","customer"],"sort":["total"]}`)
      // What the compiler refuses:
      const invalid: ReadonlyArray<Mango.Selector<typeof Order.Encoded>> = [
        // @ts-expect-error: no such field
        { custommer: "ada" },
        // @ts-expect-error: a number field compared with a string
        { total: "100" },
        // @ts-expect-error: $regex on a number
        { total: { $regex: "1" } },
        // @ts-expect-error: $size on a string
        { customer: { $size: 1 } },
        // @ts-expect-error: the stored JSON has a string, not a Date
        { placed: { $gt: new Date() } },
        // @ts-expect-error: no such operator
        { total: { $gtt: 1 } },
        // @ts-expect-error: no such nested field
        { address: { town: "London" } }
      ]
      expect(invalid).toHaveLength(7)
      // @ts-expect-error: sort names fields of the document
      yield* Stream.runDrain(Mango.find(db, { schema: Order, selector: {}, sort: [{ nope: "asc" }] }))
      // @ts-expect-error: fields name fields of the projection
      yield* Stream.runDrain(Mango.find(db, { schema: Order, selector: {}, fields: ["nope"] }))
    }).pipe(Effect.provide(Couch(find(MockCouch.chunked(200, [couchFind([])]))))))
})

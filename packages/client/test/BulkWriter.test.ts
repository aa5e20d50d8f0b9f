/**
 * `Bulk.writer` against MockCouch: a `_bulk_docs` route that answers each batch with one
 * result per document, shaped as CouchDB 3.5 sent them in recording 3.16 (`{"ok":true,…}`
 * and `{"id":…,"error":"conflict","reason":"Document update conflict."}`), and asserting the
 * batches that reached it.
 */
import { Bulk, CouchAuth, CouchClient, Database } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import {
  Chunk,
  Deferred,
  Effect,
  Either,
  FastCheck as fc,
  Fiber,
  Layer,
  Schedule,
  Schema,
  Stream,
  TestClock
} from "effect"

const url = "http://couch.test:5984"

const layer = (routes: ReadonlyArray<MockCouch.Route>, options: Partial<CouchClient.Options> = {}) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url, ...options }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const database = Effect.map(CouchClient.CouchClient, (couch) => Database.make(couch, "api"))

type Doc = { readonly _id?: string; readonly [key: string]: unknown }

const bodyDocs = (request: MockCouch.RecordedRequest): ReadonlyArray<Doc> =>
  (JSON.parse(request.body ?? "null") as { docs: ReadonlyArray<Doc> }).docs

/** CouchDB's answer to a batch: `conflict` for the ids in `conflicts`, written otherwise. */
const answer = (docs: ReadonlyArray<Doc>, conflicts: ReadonlySet<string> = new Set()): MockCouch.Reply =>
  MockCouch.raw(
    201,
    `[${
      docs.map((doc, i) => {
        const id = doc._id ?? `generated-${i}`
        return conflicts.has(id)
          ? JSON.stringify({ id, error: "conflict", reason: "Document update conflict." })
          : JSON.stringify({ ok: true, id, rev: `1-${id}` })
      }).join(",")
    }]\n`,
    { "content-type": "application/json" }
  )

const bulkDocs = (
  handle: (request: MockCouch.RecordedRequest, n: number) => MockCouch.Reply | Effect.Effect<MockCouch.Reply>
) => {
  let n = 0
  return MockCouch.route("POST", "/api/_bulk_docs", (request) => handle(request, n++))
}

const docs = (count: number) =>
  Stream.range(0, count - 1).pipe(Stream.map((i): { _id: string; n: number } => ({ _id: `d${i}`, n: i })))

/** The ids of each batch that reached the server, in the order they arrived. */
const batches = Effect.map(MockCouch.requests, (requests) => requests.map((r) => bodyDocs(r).map((doc) => doc._id)))

describe("Bulk.writer: results in input order (CouchDB 3.5 recording 3.16 shapes)", () => {
  it.effect("for generated sizes, batch sizes, concurrency, conflicts and answer orders: every document once, in order", () =>
    Effect.promise(() =>
      fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 40 }),
          fc.integer({ min: 1, max: 7 }),
          fc.integer({ min: 1, max: 4 }),
          fc.uniqueArray(fc.integer({ min: 0, max: 39 }), { maxLength: 10 }),
          fc.array(fc.integer({ min: 0, max: 20 }), { minLength: 1, maxLength: 8 }),
          (count, batchSize, concurrency, conflicting, delays) => {
            const conflicts = new Set(conflicting.map((i) => `d${i}`))
            // Each batch is answered after a generated number of yields, so batches finish in any order.
            const route = bulkDocs((request, n) =>
              Effect.as(
                Effect.repeatN(Effect.yieldNow(), delays[n % delays.length] ?? 0),
                answer(bodyDocs(request), conflicts)
              )
            )
            return Effect.gen(function*() {
              const db = yield* database
              const written = Chunk.toReadonlyArray(
                yield* docs(count).pipe(Bulk.writer(db, { batchSize, concurrency }), Stream.runCollect)
              )
              expect(written.map((w) => [w.index, w.document._id, w.result.id])).toEqual(
                Array.from({ length: count }, (_, i) => [i, `d${i}`, `d${i}`])
              )
              expect(written.filter((w) => "error" in w.result).map((w) => w.document._id)).toEqual(
                written.map((w) => w.document._id).filter((id) => conflicts.has(id))
              )
              const sent = (yield* batches).flat()
              expect([...sent].sort()).toEqual(written.map((w) => w.document._id).sort())
              expect((yield* batches).length).toBe(Math.ceil(count / batchSize))
            }).pipe(Effect.provide(layer([route])), Effect.runPromise)
          }
        ),
        { numRuns: 60, seed: 20261201 }
      )
    ))

  it.effect("with concurrency 3, batches answered last-first still come out in input order", () =>
    Effect.gen(function*() {
      // Batch k answers only once batch k + 1 has: the server answers 2, 1, 0. With less
      // than three requests in flight this would never finish.
      const answered = yield* Effect.all(Array.from({ length: 3 }, () => Deferred.make<boolean>()))
      const order: Array<number> = []
      const route = MockCouch.route("POST", "/api/_bulk_docs", (request) => {
        const docs = bodyDocs(request)
        const batch = Number(docs[0]?._id?.slice(1)) / 2
        const next = answered[batch + 1]
        return Effect.gen(function*() {
          if (next !== undefined) yield* Deferred.await(next)
          order.push(batch)
          const done = answered[batch]
          if (done !== undefined) yield* Deferred.succeed(done, true)
          return answer(docs)
        })
      })
      const results = yield* Effect.gen(function*() {
        const db = yield* database
        return yield* docs(6).pipe(Bulk.writer(db, { batchSize: 2, concurrency: 3 }), Stream.runCollect)
      }).pipe(Effect.provide(layer([route])))
      expect(order).toEqual([2, 1, 0])
      expect(Chunk.toReadonlyArray(results)).toEqual(
        Array.from({ length: 6 }, (_, i) => ({
          index: i,
          document: { _id: `d${i}`, n: i },
          result: { ok: true, id: `d${i}`, rev: `1-d${i}` }
        }))
      )
    }))

  it.effect("sends batches of batchSize (the last one shorter), each body as Bulk.save sends it", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* docs(7).pipe(Bulk.writer(db, { batchSize: 3, concurrency: 1 }), Stream.runCollect)
      expect(Chunk.size(results)).toBe(7)
      expect(yield* batches).toEqual([["d0", "d1", "d2"], ["d3", "d4", "d5"], ["d6"]])
      const [first] = yield* MockCouch.requests
      expect(first?.body).toBe(`{"docs":[{"_id":"d0","n":0},{"_id":"d1","n":1},{"_id":"d2","n":2}]}`)
      expect(first?.headers["content-type"]).toBe("application/json")
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request)))]))))

  it.effect("the defaults: batches of 500", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* docs(1_001).pipe(Bulk.writer(db), Stream.runCollect)
      expect(Chunk.size(results)).toBe(1_001)
      expect((yield* batches).map((batch) => batch.length)).toEqual([500, 500, 1])
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request)))]))))

  it.effect("with maxWait, a batch that does not fill is sent once the wait is over, and no empty batch after", () =>
    Effect.gen(function*() {
      const db = yield* database
      const ids: Array<string> = []
      // Three documents, then a source that never ends: without maxWait they would never be sent.
      const fiber = yield* Stream.concat(docs(3), Stream.never).pipe(
        Bulk.writer(db, { batchSize: 10, maxWait: "1 second" }),
        Stream.runForEach((written) => Effect.sync(() => ids.push(written.result.id))),
        Effect.fork
      )
      yield* TestClock.adjust("999 millis")
      expect(yield* MockCouch.requests).toEqual([])
      yield* TestClock.adjust("1 millis")
      // The results arrive over the mock's own fibers: wait for them, not for the clock.
      yield* Effect.yieldNow().pipe(Effect.repeat({ until: () => ids.length === 3 }))
      expect(ids).toEqual(["d0", "d1", "d2"])
      yield* TestClock.adjust("10 seconds")
      expect(yield* batches).toEqual([["d0", "d1", "d2"]])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request)))]))))

  it.effect("an empty stream sends nothing and emits nothing", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* Stream.empty.pipe(Bulk.writer(db), Stream.runCollect)
      expect(Chunk.size(results)).toBe(0)
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request)))]))))
})

describe("Bulk.writer: per-document failures are results (CouchDB 3.5 recording 3.16, API reference)", () => {
  it.effect("injected conflicts come back paired with their document and index; the rest is written", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* docs(10).pipe(Bulk.writer(db, { batchSize: 4, concurrency: 2 }), Stream.runCollect)
      expect(Chunk.size(results)).toBe(10)
      const failed = Chunk.toReadonlyArray(Chunk.filter(results, (written) => "error" in written.result))
      expect(failed).toEqual([3, 7, 8].map((i) => ({
        index: i,
        document: { _id: `d${i}`, n: i },
        result: { id: `d${i}`, error: "conflict", reason: "Document update conflict." }
      })))
      expect(Chunk.toReadonlyArray(Chunk.map(results, (written) => written.index))).toEqual(
        Array.from({ length: 10 }, (_, i) => i)
      )
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request), new Set(["d3", "d7", "d8"])))]))))

  it.effect("a forbidden document (validate_doc_update) keeps its reason; documents without _id are paired by position", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* Stream.make({ v: 1 }, { v: 2, bad: true }, { v: 3 }).pipe(
        Bulk.writer(db),
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(results)).toEqual([
        { index: 0, document: { v: 1 }, result: { ok: true, id: "g0", rev: "1-g0" } },
        {
          index: 1,
          document: { v: 2, bad: true },
          result: { id: "g1", error: "forbidden", reason: "bad docs are not allowed" }
        },
        { index: 2, document: { v: 3 }, result: { ok: true, id: "g2", rev: "1-g2" } }
      ])
    }).pipe(Effect.provide(layer([
      bulkDocs(() =>
        MockCouch.raw(
          201,
          `[{"ok":true,"id":"g0","rev":"1-g0"},{"id":"g1","error":"forbidden","reason":"bad docs are not allowed"},{"ok":true,"id":"g2","rev":"1-g2"}]\n`,
          { "content-type": "application/json" }
        )
      )
    ]))))
})

/** Runs the writer, keeping what it emitted before it failed. */
const emitted = <D, E, R>(stream: Stream.Stream<Bulk.Written<D>, E, R>) =>
  Effect.map(Stream.runCollect(Stream.either(stream)), Chunk.toReadonlyArray)

const unavailable = MockCouch.json(503, { error: "service_unavailable", reason: "busy" })

describe("Bulk.writer: a failed batch fails the stream, typed, at its place", () => {
  it.effect("a 503 on the second batch: the first batch's results, then ServiceUnavailable; nothing after it", () =>
    Effect.gen(function*() {
      const db = yield* database
      const out = yield* emitted(docs(6).pipe(Bulk.writer(db, { batchSize: 2, concurrency: 1 })))
      expect(out.slice(0, 2).map((e) => Either.isRight(e) && e.right.index)).toEqual([0, 1])
      expect(out).toHaveLength(3)
      const last = out[2]
      expect(last !== undefined && Either.isLeft(last) && last.left._tag).toBe("ServiceUnavailable")
      expect(yield* batches).toEqual([["d0", "d1"], ["d2", "d3"]])
    }).pipe(Effect.provide(layer([bulkDocs((request, n) => n === 1 ? unavailable : answer(bodyDocs(request)))]))))

  it.effect("a later batch that fails first does not lose the results of the batches before it", () =>
    Effect.gen(function*() {
      const failed = yield* Deferred.make<boolean>()
      const route = bulkDocs((request) => {
        const docs = bodyDocs(request)
        // The first batch answers only after the second has failed.
        if (docs[0]?._id === "d0") return Effect.as(Deferred.await(failed), answer(docs))
        if (docs[0]?._id === "d2") return Effect.as(Deferred.succeed(failed, true), unavailable)
        return answer(docs)
      })
      const out = yield* Effect.gen(function*() {
        const db = yield* database
        return yield* emitted(docs(6).pipe(Bulk.writer(db, { batchSize: 2, concurrency: 3 })))
      }).pipe(Effect.provide(layer([route])))
      expect(out.map((e) => Either.isRight(e) ? e.right.index : e.left._tag)).toEqual([0, 1, "ServiceUnavailable"])
    }))

  it.effect("a broken connection is a TransportError", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(docs(3).pipe(Bulk.writer(db), Stream.runDrain))
      expect(error._tag).toBe("TransportError")
    }).pipe(Effect.provide(layer([bulkDocs(() => MockCouch.transportFailure("ECONNRESET"))]))))

  it.effect("an answer with fewer results than documents is a DecodeError, not a silent loss", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(docs(3).pipe(Bulk.writer(db), Stream.runDrain))
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toContain("3 documents sent, 2 results received")
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request).slice(0, 2)))]))))

  it.effect("a result for another id than the document sent is a DecodeError", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(docs(2).pipe(Bulk.writer(db), Stream.runDrain))
      expect(error._tag).toBe("DecodeError")
      expect(error.message).toContain(`index 0 is for "d1"`)
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer([...bodyDocs(request)].reverse()))]))))
})

describe("Bulk.writer and the retry policy", () => {
  const recurs = Schedule.recurs(1)

  it.effect("with writes: true, a batch whose documents all have an _id is resent after a 503", () =>
    Effect.gen(function*() {
      const db = yield* database
      const results = yield* docs(2).pipe(Bulk.writer(db), Stream.runCollect)
      expect(Chunk.size(results)).toBe(2)
      expect(yield* batches).toEqual([["d0", "d1"], ["d0", "d1"]])
    }).pipe(Effect.provide(layer(
      [bulkDocs((request, n) => n === 0 ? unavailable : answer(bodyDocs(request)))],
      { retry: { writes: true, schedule: recurs } }
    ))))

  it.effect("with writes: true, a batch with a document without _id is not resent (it could be created twice)", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(Stream.make({ _id: "a" }, { v: 1 }).pipe(Bulk.writer(db), Stream.runDrain))
      expect(error._tag).toBe("ServiceUnavailable")
      expect(yield* MockCouch.requests).toHaveLength(1)
    }).pipe(Effect.provide(layer(
      [bulkDocs((request, n) => n === 0 ? unavailable : answer(bodyDocs(request)))],
      { retry: { writes: true, schedule: recurs } }
    ))))

  it.effect("by default (retry without writes) a batch is not resent", () =>
    Effect.gen(function*() {
      const db = yield* database
      const error = yield* Effect.flip(docs(2).pipe(Bulk.writer(db), Stream.runDrain))
      expect(error._tag).toBe("ServiceUnavailable")
      expect(yield* MockCouch.requests).toHaveLength(1)
    }).pipe(Effect.provide(layer(
      [bulkDocs((request, n) => n === 0 ? unavailable : answer(bodyDocs(request)))],
      { retry: { schedule: recurs } }
    ))))
})

const Order = Schema.Struct({ customer: Schema.String, placed: Schema.Date })

describe("Bulk.writer: typed documents and bad input", () => {
  it.effect("encodes each document with the Schema, keeps its metadata, and pairs the typed document", () =>
    Effect.gen(function*() {
      const db = yield* database
      const placed = new Date("2026-11-30T12:00:00.000Z")
      const order = { _id: "o1", _rev: "1-a", customer: "ada", placed }
      const [written] = yield* Stream.make(order).pipe(
        Bulk.writer(db, { schema: Order }),
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      expect(written?.document).toBe(order)
      expect(written?.document.placed).toBeInstanceOf(Date)
      const [request] = yield* MockCouch.requests
      expect(request?.body).toBe(
        `{"docs":[{"_id":"o1","_rev":"1-a","customer":"ada","placed":"2026-11-30T12:00:00.000Z"}]}`
      )
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request)))]))))

  it.effect("a document that cannot be encoded fails with InvalidRequest naming its index; its batch is not sent", () =>
    Effect.gen(function*() {
      const db = yield* database
      const orders = Stream.range(0, 5).pipe(
        Stream.map((i) => ({ _id: `o${i}`, customer: "ada", placed: new Date(i === 3 ? Number.NaN : i) }))
      )
      const out = yield* emitted(orders.pipe(Bulk.writer(db, { schema: Order, batchSize: 2, concurrency: 1 })))
      expect(out.map((e) => Either.isRight(e) ? e.right.index : e.left._tag)).toEqual([0, 1, "InvalidRequest"])
      const last = out[2]
      expect(last !== undefined && Either.isLeft(last) && last.left.message).toContain("Bulk.writer")
      expect(last !== undefined && Either.isLeft(last) && last.left.message).toContain("index 3")
      expect(yield* batches).toEqual([["o0", "o1"]])
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request)))]))))

  it.effect("batchSize and concurrency must be positive integers: InvalidRequest before any request", () =>
    Effect.gen(function*() {
      const db = yield* database
      for (const options of [{ batchSize: 0 }, { concurrency: 1.5 }, { batchSize: Number.NaN }]) {
        const error = yield* Effect.flip(docs(1).pipe(Bulk.writer(db, options), Stream.runDrain))
        expect(error._tag).toBe("InvalidRequest")
      }
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request)))]))))

  it.effect("the input stream's own error fails the writer after the results of the documents before it", () =>
    Effect.gen(function*() {
      const db = yield* database
      const input = Stream.concat(docs(2), Stream.fail("source broke" as const))
      const out = yield* emitted(input.pipe(Bulk.writer(db, { batchSize: 2 })))
      expect(out.map((e) => Either.isRight(e) ? e.right.index : e.left)).toEqual([0, 1, "source broke"])
    }).pipe(Effect.provide(layer([bulkDocs((request) => answer(bodyDocs(request)))]))))
})

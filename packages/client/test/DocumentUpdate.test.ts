import { CouchClient, Database, Document } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Schema } from "effect"

const Counter = Schema.Struct({ n: Schema.Number })

const TestLive = (expectations: ReadonlyArray<MockCouch.Expectation>) =>
  CouchClient.layer({ url: "http://couch.test" }).pipe(Layer.provideMerge(MockCouch.layerExpectations(expectations)))

const counter = Effect.map(CouchClient.CouchClient, (couch) => Database.document(couch.database("stats"), "visits"))
const conflict = MockCouch.json(409, { error: "conflict", reason: "Document update conflict." })

describe("Document.update: read, apply, write; read again on Conflict", () => {
  it.effect("writes f(current) over the revision it read", () =>
    Effect.gen(function*() {
      const written = yield* Document.update(yield* counter, (c) => ({ ...c, n: c.n + 1 }), { schema: Counter })
      expect(written.rev).toBe("2-b")
      yield* MockCouch.verify
    }).pipe(Effect.provide(TestLive([
      MockCouch.expect("GET", "/stats/visits", MockCouch.json(200, { _id: "visits", _rev: "1-a", n: 41 })),
      MockCouch.expect("PUT", "/stats/visits", MockCouch.json(201, { ok: true, id: "visits", rev: "2-b" }), {
        json: { _id: "visits", _rev: "1-a", n: 42 }
      })
    ]))))

  it.effect("after a Conflict it reads the document again and applies f to the new one", () =>
    Effect.gen(function*() {
      const seen: Array<number> = []
      yield* Document.update(yield* counter, (c) => {
        seen.push(c.n)
        return { ...c, n: c.n + 1 }
      }, { schema: Counter })
      expect(seen).toEqual([41, 50])
      yield* MockCouch.verify
    }).pipe(Effect.provide(TestLive([
      MockCouch.expect("GET", "/stats/visits", MockCouch.json(200, { _id: "visits", _rev: "1-a", n: 41 })),
      MockCouch.expect("PUT", "/stats/visits", conflict, { json: { _id: "visits", _rev: "1-a", n: 42 } }),
      MockCouch.expect("GET", "/stats/visits", MockCouch.json(200, { _id: "visits", _rev: "2-x", n: 50 })),
      MockCouch.expect("PUT", "/stats/visits", MockCouch.json(201, { ok: true, id: "visits", rev: "3-y" }), {
        json: { _id: "visits", _rev: "2-x", n: 51 }
      })
    ]))))

  it.effect("gives up with the Conflict after `attempts` writes", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Document.update(yield* counter, (c) => ({ ...c, n: c.n + 1 }), { schema: Counter, attempts: 2 })
      )
      expect(error._tag).toBe("Conflict")
      yield* MockCouch.verify
    }).pipe(Effect.provide(TestLive([
      MockCouch.expect("GET", "/stats/visits", MockCouch.json(200, { _id: "visits", _rev: "1-a", n: 1 })),
      MockCouch.expect("PUT", "/stats/visits", conflict),
      MockCouch.expect("GET", "/stats/visits", MockCouch.json(200, { _id: "visits", _rev: "1-b", n: 2 })),
      MockCouch.expect("PUT", "/stats/visits", conflict)
    ]))))

  it.effect("a missing document is NotFound, and nothing is written", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Document.update(yield* counter, (c) => c))
      expect(error._tag).toBe("NotFound")
      yield* MockCouch.verify
    }).pipe(Effect.provide(TestLive([
      MockCouch.expect("GET", "/stats/visits", MockCouch.json(404, { error: "not_found", reason: "missing" }))
    ]))))

  it.effect("attempts must be a positive integer: an InvalidRequest before any I/O", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Document.update(yield* counter, (c) => c, { attempts: 0 }))
      expect(error._tag).toBe("InvalidRequest")
      yield* MockCouch.verify
    }).pipe(Effect.provide(TestLive([]))))
})

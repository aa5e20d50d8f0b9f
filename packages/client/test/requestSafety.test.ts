import { CouchAuth, CouchClient, Database, DesignDocument, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"

const ok = MockCouch.json(200, { ok: true })
const everything = [MockCouch.route("*", /.*/, ok)]

const TestLive = Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone)
  .pipe(Layer.provideMerge(MockCouch.layer(everything)))

const couch = CouchClient.CouchClient

/** Runs `effect`, expects an `InvalidRequest` whose description contains `text`, and no request sent. */
const refused = <A, E extends { readonly _tag: string }, R>(effect: Effect.Effect<A, E, R>, text: string) =>
  Effect.gen(function*() {
    const error = yield* Effect.flip(effect)
    expect(error._tag).toBe("InvalidRequest")
    expect(error).toMatchObject({ description: expect.stringContaining(text) })
    expect(yield* MockCouch.requests).toEqual([])
  })

describe("dot segments never reach the transport", () => {
  it.effect("a document id of '.', '..' or '' is refused before any I/O, naming the segment", () =>
    Effect.gen(function*() {
      const db = (yield* couch).resource("mydb")
      yield* refused(db.document(".").delete({ query: { rev: "1-a" } }), "path segment 2 of /\"mydb\"/\".\"")
      yield* refused(db.document("..").get(), "\"..\"")
      yield* refused(db.document("").get(), "is empty")
    }).pipe(Effect.provide(TestLive)))

  it.effect("a database name of '.', '..' or '' is refused", () =>
    Effect.gen(function*() {
      const client = yield* couch
      yield* refused(client.resource(".").delete(), "path segment 1")
      yield* refused(client.resource("..", "_all_docs").get(), "path segment 1")
      yield* refused(client.resource("").put(), "is empty")
    }).pipe(Effect.provide(TestLive)))

  it.effect("design and local document names, and attachment names, are checked the same way", () =>
    Effect.gen(function*() {
      const db = (yield* couch).resource("mydb")
      yield* refused(db.document("_design/..").get(), "path segment 3")
      yield* refused(db.document("_local/.").put({ json: {} }), "path segment 3")
      yield* refused(db.document("doc").attachment("..").put({ body: "x" }), "path segment 3")
      yield* refused(db.document("doc").attachment("").get(), "is empty")
      yield* refused(db.document("_design/").get(), "is empty")
      yield* refused(db.document("_local/").get(), "is empty")
      const shop = (yield* couch).database("mydb")
      yield* refused(DesignDocument.get(Database.designDocument(shop, "")), "is empty")
      yield* refused(DesignDocument.get(Database.designDocument(shop, "_design/")), "is empty")
    }).pipe(Effect.provide(TestLive)))

  it.effect("attachment names keep their slashes inside one escaped segment", () =>
    Effect.gen(function*() {
      const doc = (yield* couch).resource("db").document("doc")
      for (const name of ["a//b", "./x", "q/", "/", "a/../b", "%2e%2E"]) yield* doc.attachment(name).get()
      const paths = (yield* MockCouch.requests).map((request) => request.path)
      expect(paths).toEqual([
        "/db/doc/a%2F%2Fb",
        "/db/doc/.%2Fx",
        "/db/doc/q%2F",
        "/db/doc/%2F",
        "/db/doc/a%2F..%2Fb",
        "/db/doc/%252e%252E"
      ])
    }).pipe(Effect.provide(TestLive)))
})

describe("bad input is a typed error, never a defect", () => {
  it.effect("an unpaired surrogate in a database name, an id or a query value", () =>
    Effect.gen(function*() {
      const client = yield* couch
      yield* refused(client.resource("db\uD800").get(), "unpaired surrogate")
      yield* refused(client.resource("db").document("a\uDC00b").get(), "unpaired surrogate")
      yield* refused(client.resource("db").get({ query: { since: "x\uD83D" } }), "query parameter since")
      yield* refused(client.resource("db").get({ query: { ["k\uDFFF"]: "v" } }), "unpaired surrogate")
    }).pipe(Effect.provide(TestLive)))

  it.effect("a BigInt, a cycle, a function or NaN in a JSON body or a JSON query value", () =>
    Effect.gen(function*() {
      const db = (yield* couch).resource("db")
      const cyclic: { self?: unknown } = {}
      cyclic.self = cyclic
      yield* refused(db.document("d").put({ json: { n: 10n } }), "a BigInt at n")
      yield* refused(db.document("d").put({ json: cyclic }), "a circular reference at self")
      yield* refused(db.document("d").put({ json: { f: () => 1 } }), "a function at f")
      yield* refused(db.document("d").put({ json: { a: [1, Number.NaN] } }), "the number NaN at a.1")
      yield* refused(db.get({ query: { keys: [1n] } }), "query parameter keys")
      yield* refused(db.get({ query: { selector: cyclic } }), "circular")
    }).pipe(Effect.provide(TestLive)))

  it.effect("view keys that JSON cannot carry (a type error too, but plain JavaScript callers exist)", () =>
    Effect.gen(function*() {
      const allDocs = Database.allDocs((yield* couch).database("db"))
      // Deliberately ill-typed: the key types refuse these, and the run-time check must as well.
      const untyped = (options: object) => options as View.QueryOptions & { readonly keys?: undefined }
      yield* refused(Effect.scoped(View.open(allDocs, untyped({ startkey: ["a", Symbol("x")] }))), "a symbol at 1")
      yield* refused(Effect.scoped(View.open(allDocs, untyped({ key: 2n ** 70n }))), "a BigInt")
      yield* refused(
        Effect.scoped(View.open(allDocs, { keys: [{ at: Number.POSITIVE_INFINITY }] })),
        "Infinity"
      )
    }).pipe(Effect.provide(TestLive)))

  it.effect("a header name or value the transports would reject", () =>
    Effect.gen(function*() {
      const db = (yield* couch).resource("db")
      yield* refused(db.get({ headers: { "bad header": "v" } }), "not a valid HTTP token")
      yield* refused(db.get({ headers: { "x-a": "line\r\nInjected: 1" } }), "line break")
      yield* refused(db.get({ headers: { "x-a": "snow ☃" } }), "above U+00FF")
    }).pipe(Effect.provide(TestLive)))

  it.effect("header values are never repeated in the error", () =>
    Effect.gen(function*() {
      const db = (yield* couch).resource("db")
      const error = yield* Effect.flip(db.get({ headers: { "x-secret": "s3cret\n" } }))
      expect(JSON.stringify(error)).not.toContain("s3cret")
      expect(String(error)).not.toContain("s3cret")
    }).pipe(Effect.provide(TestLive)))

  it.effect("a proxy user name or role with an unpaired surrogate", () =>
    Effect.gen(function*() {
      const db = (yield* couch).resource("db")
      const provider = CouchAuth.proxy({ username: "x\uD800", secret: Redacted.make("s") })
      yield* refused(db.get().pipe(CouchAuth.withProvider(provider)), "not valid text")
    }).pipe(Effect.provide(TestLive)))
})

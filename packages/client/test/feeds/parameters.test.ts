/**
 * How view and `_changes` parameters are sent: query string, JSON values, POST bodies.
 */
import { Changes, Database, DesignDocument, View } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Stream } from "effect"
import { changes, Couch, database, sent, withDb } from "./kit.js"

describe("view parameters on the wire", () => {
  const emptyView = MockCouch.route("*", /^\/db\//, MockCouch.json(200, { total_rows: 0, offset: 0, rows: [] }))

  it.effect("keys go in a POST body as {\"keys\":[...]}, the other parameters stay in the query", () =>
    Effect.gen(function*() {
      const keys = ["a", null, 1, ["x", {}], { k: true }]
      yield* Stream.runDrain(
        View.stream(DesignDocument.view(Database.designDocument(yield* database, "_design/app"), "by_type"), {
          keys,
          include_docs: true,
          limit: 2
        })
      )
      const request = yield* sent
      expect(request.method).toBe("POST")
      expect(request.path).toBe("/db/_design/app/_view/by_type")
      expect(request.body).toBe(`{"keys":["a",null,1,["x",{}],{"k":true}]}`)
      expect(request.headers["content-type"]).toBe("application/json")
      expect(Object.fromEntries(request.query)).toEqual({ include_docs: "true", limit: "2" })
    }).pipe(Effect.provide(Couch(emptyView))))

  it.effect("key, startkey and endkey are JSON; null is sent as null and undefined is left out", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [View.QueryOptions & { readonly keys?: undefined }, Record<string, string>]> =
        [
          [{ key: "a" }, { key: "\"a\"" }],
          [{ key: 42 }, { key: "42" }],
          [{ key: true }, { key: "true" }],
          [{ key: null }, { key: "null" }],
          [{ key: undefined, startkey: null, endkey: undefined }, { startkey: "null" }],
          [{ startkey: ["odd", 5], endkey: ["odd", {}] }, { startkey: "[\"odd\",5]", endkey: "[\"odd\",{}]" }],
          [{ start_key: "é/&=?", end_key: "a\"b" }, { start_key: "\"é/&=?\"", end_key: "\"a\\\"b\"" }],
          [{ startkey: "a", startkey_docid: "doc 1", endkey_docid: "doc\"2" }, {
            startkey: "\"a\"",
            startkey_docid: "doc 1",
            endkey_docid: "doc\"2"
          }]
        ]
      for (const [params, query] of cases) {
        const requests = yield* withDb(
          [emptyView],
          (db) => Effect.zipRight(Stream.runDrain(View.stream(Database.allDocs(db), params)), MockCouch.requests)
        )
        expect(requests[0]?.method).toBe("GET")
        expect(Object.fromEntries(requests[0]?.query ?? [])).toEqual(query)
      }
    }))

  it.effect("booleans are true/false, numbers and enums as they are; the query string is percent-encoded", () =>
    Effect.gen(function*() {
      yield* Stream.runDrain(
        View.stream(DesignDocument.view(Database.designDocument(yield* database, "app"), "count"), {
          descending: true,
          inclusive_end: false,
          reduce: false,
          group: true,
          group_level: 2,
          update: "lazy",
          stable: false,
          stale: "ok",
          limit: 10,
          skip: 0,
          update_seq: true,
          key: "a b&c"
        })
      )
      const request = yield* sent
      expect(Object.fromEntries(request.query)).toEqual({
        descending: "true",
        inclusive_end: "false",
        reduce: "false",
        group: "true",
        group_level: "2",
        update: "lazy",
        stable: "false",
        stale: "ok",
        limit: "10",
        skip: "0",
        update_seq: "true",
        key: "\"a b&c\""
      })
      expect(request.url.search).toContain("key=%22a%20b%26c%22")
    }).pipe(Effect.provide(Couch(emptyView))))
})

describe("_changes parameters on the wire", () => {
  const reply = changes((request) =>
    request.query.get("feed") === "continuous"
      ? MockCouch.chunked(200, [`{"last_seq":"0","pending":0}\n`])
      : MockCouch.json(200, { results: [], last_seq: "0", pending: 0 })
  )

  it.effect("doc_ids: a POST with {\"doc_ids\":[...]} and filter=_doc_ids", () =>
    Effect.gen(function*() {
      const db = yield* database
      yield* Stream.runDrain(Changes.stream(db, { doc_ids: ["a", "b/c"], filter: "app/ignored", include_docs: true }))
      const request = yield* sent
      expect(request.method).toBe("POST")
      expect(request.path).toBe("/db/_changes")
      expect(request.body).toBe(`{"doc_ids":["a","b/c"]}`)
      expect(Object.fromEntries(request.query)).toEqual({ filter: "_doc_ids", include_docs: "true" })
    }).pipe(Effect.provide(Couch(reply))))

  it.effect("selector: a POST with {\"selector\":{...}} and filter=_selector", () =>
    Effect.gen(function*() {
      yield* Stream.runDrain(Changes.stream(yield* database, { selector: { type: "todo", n: { $gt: 1 } } }))
      const request = yield* sent
      expect(request.method).toBe("POST")
      expect(request.body).toBe(`{"selector":{"type":"todo","n":{"$gt":1}}}`)
      expect(Object.fromEntries(request.query)).toEqual({ filter: "_selector" })
    }).pipe(Effect.provide(Couch(reply))))

  it.effect("view: a GET with filter=_view and the view name", () =>
    Effect.gen(function*() {
      yield* Stream.runDrain(Changes.stream(yield* database, { view: "app/by_type" }))
      const request = yield* sent
      expect(request.method).toBe("GET")
      expect(request.body).toBeUndefined()
      expect(Object.fromEntries(request.query)).toEqual({ filter: "_view", view: "app/by_type" })
    }).pipe(Effect.provide(Couch(reply))))

  it.effect("a filter function with its own parameters", () =>
    Effect.gen(function*() {
      yield* Stream.runDrain(Changes.stream(yield* database, {
        filter: "app/by_status",
        filterParams: { status: "open", level: 3, urgent: true }
      }))
      const request = yield* sent
      expect(request.method).toBe("GET")
      expect(Object.fromEntries(request.query)).toEqual({
        filter: "app/by_status",
        status: "open",
        level: "3",
        urgent: "true"
      })
    }).pipe(Effect.provide(Couch(reply))))

  it.effect("heartbeat numbers, true and false; since strings, now and numbers; the other options", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [Changes.ChangesParams, Record<string, string>]> = [
        [{ feed: "continuous", heartbeat: 500 }, { feed: "continuous", heartbeat: "500" }],
        [{ feed: "continuous", heartbeat: true }, { feed: "continuous", heartbeat: "true" }],
        [{ feed: "continuous", heartbeat: false, timeout: 1000 }, { feed: "continuous", timeout: "1000" }],
        [{ since: "now" }, { since: "now" }],
        [{ since: "3-g1AAAACbeJzLYWBgYMpgTmEQ_1DTGMGmJZ" }, { since: "3-g1AAAACbeJzLYWBgYMpgTmEQ_1DTGMGmJZ" }],
        [{ since: 0 }, { since: "0" }],
        [{ since: 42, limit: 2, descending: false }, { since: "42", limit: "2", descending: "false" }],
        [{ feed: "longpoll", style: "all_docs", conflicts: true, seq_interval: 10 }, {
          feed: "longpoll",
          style: "all_docs",
          conflicts: "true",
          seq_interval: "10"
        }],
        [{}, {}]
      ]
      for (const [params, query] of cases) {
        const request = yield* withDb(
          [reply],
          (db) => Effect.zipRight(Stream.runDrain(Changes.stream(db, params)), sent)
        )
        expect(request.method).toBe("GET")
        expect(request.headers.accept).toBe("application/json")
        expect(request.headers["last-event-id"]).toBeUndefined()
        expect(Object.fromEntries(request.query)).toEqual(query)
      }
    }))

  it.effect("a since with reserved characters is percent-encoded and arrives unchanged", () =>
    Effect.gen(function*() {
      const since = "12-g1AAAA+/=&?#é"
      yield* Stream.runDrain(Changes.stream(yield* database, { since }))
      const request = yield* sent
      expect(request.query.get("since")).toBe(since)
      expect(request.url.search).toBe(`?since=${encodeURIComponent(since)}`)
    }).pipe(Effect.provide(Couch(reply))))
})

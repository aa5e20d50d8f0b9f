import { CouchAuth, CouchClient, DbUpdates } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Option, Stream } from "effect"

const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layer({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const update = (db: string, type: string, seq: string) => JSON.stringify({ db_name: db, type, seq })

const run = (params: DbUpdates.DbUpdatesParams) =>
  Effect.gen(function*() {
    const couch = yield* CouchClient.CouchClient
    const feed = yield* DbUpdates.open(couch, params)
    const updates = Chunk.toReadonlyArray(yield* Stream.runCollect(feed.updates))
    return { updates, lastSeq: yield* feed.lastSeq, request: (yield* MockCouch.requests)[0] }
  }).pipe(Effect.scoped)

describe("_db_updates", () => {
  it.effect("normal feed in CouchDB 3.x layout, split inside a row", () =>
    Effect.gen(function*() {
      const { lastSeq, request, updates } = yield* run({ since: "now", timeout: 1000 })
      expect(updates).toEqual([
        { db_name: "a", type: "created", seq: "1-g1AA" },
        { db_name: "b", type: "deleted", seq: "2-g1AA" }
      ])
      expect(lastSeq).toEqual(Option.some("2-g1AA"))
      expect(request?.url.search).toBe("?since=now&timeout=1000")
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_db_updates",
      MockCouch.chunked(200, [
        `{"results":[\n${update("a", "created", "1-g1AA")},\r\n{"db_na`,
        `me":"b","type":"deleted","seq":"2-g1AA"}\n],\n"last_seq":"2-g1AA"}\n`
      ])
    )))))

  it.effect("continuous feed with heartbeats and a final last_seq line", () =>
    Effect.gen(function*() {
      const { lastSeq, request, updates } = yield* run({ feed: "continuous", heartbeat: 500 })
      expect(updates.map((u) => u.db_name)).toEqual(["a", "b"])
      expect(lastSeq).toEqual(Option.some("9-end"))
      expect(request?.query.get("heartbeat")).toBe("500")
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_db_updates",
      MockCouch.chunked(200, [
        `${update("a", "updated", "1-x")}\n`,
        "\n",
        `${update("b", "updated", "2-x")}\n`,
        "\n{\"last_seq\":\"9-end\"}\n"
      ])
    )))))

  it.effect("eventsource feed skips heartbeat events", () =>
    Effect.gen(function*() {
      const { lastSeq, request, updates } = yield* run({ feed: "eventsource" })
      expect(updates.map((u) => [u.db_name, u.type])).toEqual([["a", "created"], ["b", "updated"]])
      expect(lastSeq).toEqual(Option.some("2-x"))
      expect(request?.headers.accept).toBe("text/event-stream")
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_db_updates",
      MockCouch.chunked(200, [
        `data: ${update("a", "created", "1-x")}\nid: 1-x\n\n`,
        "event: heartbeat\ndata: \n\n",
        `data: ${update("b", "updated", "2-x")}\nid: 2-x\n\n`
      ], { headers: { "content-type": "text/event-stream" } })
    )))))

  it.effect("a non-admin gets Unauthorized", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(run({}))
      expect(error._tag).toBe("Unauthorized")
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_db_updates",
      MockCouch.json(401, { error: "unauthorized", reason: "You are not a server admin." })
    )))))
})

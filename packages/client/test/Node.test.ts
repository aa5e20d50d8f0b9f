import { CouchAuth, CouchClient, Node } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { recordings, reply, requestBody } from "./recordings.js"

const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const couch = CouchClient.CouchClient
const greeting = "/_node/_local/_config/api_test/greeting"
const maxSize = "/_node/_local/_config/couchdb/max_document_size"

/** A route answering `replies` in turn (the last one repeats). */
const inTurn = (method: string, path: string, ...replies: ReadonlyArray<MockCouch.Reply>) => {
  let n = 0
  return MockCouch.route(method, path, () => replies[Math.min(n++, replies.length - 1)] ?? reply("1.21"))
}

describe("Node configuration (CouchDB 3.5 recordings 1.14–1.24)", () => {
  it.effect("a section (1.14); a key that is set (1.16), one that is not: none (1.15)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      expect(yield* Node.configSection(client, { section: "couchdb" })).toEqual({
        database_dir: "./data",
        js_engine: "quickjs",
        single_node: "true",
        uuid: "70e7b61aabb505fb1ba6dbe45b22b7ab",
        view_index_dir: "./data"
      })
      expect(yield* Node.getConfig(client, { section: "couchdb", key: "single_node" })).toEqual(Option.some("true"))
      expect(yield* Node.getConfig(client, { section: "couchdb", key: "max_document_size" })).toEqual(Option.none())
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/_node/_local/_config/couchdb", reply("1.14")),
      MockCouch.route("GET", "/_node/_local/_config/couchdb/single_node", reply("1.16")),
      MockCouch.route("GET", maxSize, reply("1.15"))
    ))))

  it.effect("putConfig sends the value as a JSON string, answers the old one: none when unset (1.17, 1.18)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const first = yield* Node.putConfig(client, { section: "api_test", key: "greeting", value: "hello" })
      expect(first).toEqual(Option.none())
      const second = yield* client.pipe(Node.putConfig({ section: "api_test", key: "greeting", value: "world" }))
      expect(second).toEqual(Option.some("hello"))
      const [a, b] = yield* MockCouch.requests
      expect(a?.body).toBe(recordings["1.17"].request)
      expect(b?.body).toBe(recordings["1.18"].request)
      expect(a?.headers["content-type"]).toMatch(/^application\/json/)
      expect(a?.headers["x-couch-persist"]).toBeUndefined()
    }).pipe(Effect.provide(Couch(inTurn("PUT", greeting, reply("1.17"), reply("1.18"))))))

  it.effect("values are always sent as JSON strings; CouchDB's BadRequest keeps its reason (the answer of 1.19)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Node.putConfig(yield* couch, { section: "api_test", key: "greeting", value: "" })
      )
      expect(error).toMatchObject({ _tag: "BadRequest", reason: "invalid UTF-8 JSON" })
      expect((yield* MockCouch.requests)[0]?.body).toBe(`""`)
    }).pipe(Effect.provide(Couch(MockCouch.route("PUT", greeting, reply("1.19"))))))

  it.effect("removeConfig answers the value removed (1.20), none for a key that is not set (1.21)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      expect(yield* Node.removeConfig(client, { section: "api_test", key: "greeting" })).toEqual(Option.some("world"))
      expect(yield* Node.removeConfig(client, { section: "api_test", key: "greeting" })).toEqual(Option.none())
    }).pipe(Effect.provide(Couch(inTurn("DELETE", greeting, reply("1.20"), reply("1.21"))))))

  it.effect("a real key: set, removed to its default, then unset again (1.22, 1.23, 1.24)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const key = { section: "couchdb", key: "max_document_size" }
      expect(yield* Node.putConfig(client, { ...key, value: "200" })).toEqual(Option.none())
      expect(yield* Node.removeConfig(client, key)).toEqual(Option.some("200"))
      expect(yield* Node.getConfig(client, key)).toEqual(Option.none())
      expect(JSON.parse((yield* MockCouch.requests)[0]?.body ?? "")).toEqual(requestBody("1.22"))
    }).pipe(Effect.provide(Couch(
      MockCouch.route("PUT", maxSize, reply("1.22")),
      MockCouch.route("DELETE", maxSize, reply("1.23")),
      MockCouch.route("GET", maxSize, reply("1.24"))
    ))))

  it.effect("persist: false is X-Couch-Persist: false; another node by name; the whole config; reload", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const node = "couchdb@127.0.0.1"
      yield* Node.putConfig(client, { node, section: "log", key: "level", value: "debug", persist: false })
      yield* Node.removeConfig(client, { node, section: "log", key: "level", persist: false })
      expect(yield* Node.config(client, { node })).toEqual({ log: { level: "info" } })
      yield* Node.reloadConfig(client)
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.path} ${r.headers["x-couch-persist"] ?? "-"}`)).toEqual([
        "PUT /_node/couchdb%40127.0.0.1/_config/log/level false",
        "DELETE /_node/couchdb%40127.0.0.1/_config/log/level false",
        "GET /_node/couchdb%40127.0.0.1/_config -",
        "POST /_node/_local/_config/_reload -"
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route("PUT", /\/_config\/log\/level$/, MockCouch.json(200, "info")),
      MockCouch.route("DELETE", /\/_config\/log\/level$/, MockCouch.json(200, "debug")),
      MockCouch.route("GET", "/_node/couchdb%40127.0.0.1/_config", MockCouch.json(200, { log: { level: "info" } })),
      MockCouch.route("POST", "/_node/_local/_config/_reload", MockCouch.json(200, { ok: true }))
    ))))

  it.effect("a 404 that is not an unset key stays NotFound (pouchdb-server has no /_node)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Node.getConfig(yield* couch, { section: "couchdb", key: "uuid" }))
      expect(error).toMatchObject({ _tag: "NotFound", reason: "no_db_file" })
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", /^\/_node\//, MockCouch.json(404, { error: "not_found", reason: "no_db_file" }))
    ))))
})

describe("Node statistics and information (CouchDB 3.5 recordings 1.11–1.13; API reference)", () => {
  it.effect("one metric by path is a histogram metric (1.12)", () =>
    Effect.gen(function*() {
      const stats = yield* Node.stats(yield* couch, { path: ["couchdb", "request_time"] })
      expect(Node.isMetric(stats)).toBe(true)
      if (!Node.isMetric(stats)) return
      expect(stats.type).toBe("histogram")
      expect(stats.desc).toBe("length of a request inside CouchDB without MochiWeb")
      expect(stats.value).toMatchObject({
        n: 6,
        median: 1.375,
        percentile: [[50, 1.375], [75, 1.6875], [90, 2.35], [95, 2.4249999999999994], [99, 2.4849999999999994], [
          999,
          2.4984999999999995
        ]]
      })
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", "/_node/_local/_stats/couchdb/request_time", reply("1.12"))))))

  it.effect("all stats: nested groups of counters, gauges and histograms", () =>
    Effect.gen(function*() {
      const stats = yield* Node.stats(yield* couch)
      expect(Node.isMetric(stats)).toBe(false)
      if (Node.isMetric(stats)) return
      const couchdb = stats.couchdb
      expect(couchdb !== undefined && !Node.isMetric(couchdb)).toBe(true)
      if (couchdb === undefined || Node.isMetric(couchdb)) return
      expect(couchdb.open_databases).toEqual({ value: 3, type: "counter", desc: "number of open databases" })
      const methods = couchdb.httpd_request_methods
      expect(methods !== undefined && !Node.isMetric(methods) && methods.GET).toEqual({
        value: 42,
        type: "counter",
        desc: "number of HTTP GET requests"
      })
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_node/_local/_stats",
      MockCouch.json(200, {
        couchdb: {
          open_databases: { value: 3, type: "counter", desc: "number of open databases" },
          httpd_request_methods: { GET: { value: 42, type: "counter", desc: "number of HTTP GET requests" } },
          request_time: JSON.parse(recordings["1.12"].body)
        },
        mem3: { shard_cache: { eviction: { value: 0, type: "counter", desc: "number of shard cache evictions" } } }
      })
    )))))

  it.effect("_system (the first fields of 1.13, whose recorded body is cut)", () =>
    Effect.gen(function*() {
      const system = yield* Node.system(yield* couch)
      expect(system.uptime).toBe(1336)
      expect(system.memory.processes).toBe(19205728)
      expect(system.process_limit).toBe(262144)
      expect(system.message_queues?.couch_server).toBe(0)
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_node/_local/_system",
      MockCouch.raw(
        200,
        `{"uptime":1336,"memory":{"other":11257089,"atom":680161,"atom_used":658347,"processes":19205728,"processes_used":19203672,"binary":591384,"code":15451350,"ets":1555840},"run_queue":0,"run_queue_dirty_cpu":0,"ets_table_count":130,"context_switches":740252,"reductions":244556005,"garbage_collection_count":307327,"words_reclaimed":348168491,"io_input":3136140,"io_output":6142352,"os_proc_count":11,"stale_proc_count":0,"process_count":392,"process_limit":262144,"message_queues":{"couch_file":{},"couch_db_updater":{},"couch_server":0,"index_server":0}}\n`,
        { "content-type": "application/json" }
      )
    )))))

  it.effect("_versions (1.11) and the node's name (API reference)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const versions = yield* Node.versions(client)
      expect(versions.javascript_engine).toEqual({ name: "quickjs" })
      expect(versions.erlang.version).toBe("25.2.3")
      expect(versions.collation_driver?.library_version).toBe("72.1")
      expect(yield* Node.info(client)).toEqual({ name: "couchdb@127.0.0.1" })
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/_node/_local/_versions", reply("1.11")),
      MockCouch.route("GET", "/_node/_local", MockCouch.json(200, { name: "couchdb@127.0.0.1" }))
    ))))

  it.effect("_prometheus as text, _smoosh/status, _restart (API reference)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const text = yield* Node.prometheus(client)
      expect(text).toContain("couchdb_uptime_seconds 1336")
      const smoosh = yield* Node.smooshStatus(client, { node: "couchdb@127.0.0.1" })
      expect(smoosh.channels.ratio_dbs?.waiting).toEqual({ size: 56, min: 1.125, max: 11.0625 })
      yield* Node.restart(client)
      const requests = yield* MockCouch.requests
      expect(requests[0]?.headers.accept).toBe("text/plain")
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "GET /_node/_local/_prometheus",
        "GET /_node/couchdb%40127.0.0.1/_smoosh/status",
        "POST /_node/_local/_restart"
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route(
        "GET",
        "/_node/_local/_prometheus",
        MockCouch.raw(200, "# TYPE couchdb_uptime_seconds counter\ncouchdb_uptime_seconds 1336\n", {
          "content-type": "text/plain; version=2.0"
        })
      ),
      MockCouch.route(
        "GET",
        "/_node/couchdb%40127.0.0.1/_smoosh/status",
        MockCouch.json(200, {
          channels: {
            ratio_dbs: { starting: 0, waiting: { size: 56, min: 1.125, max: 11.0625 }, active: 0 },
            slack_views: { starting: 0, waiting: { size: 0, min: 0, max: 0 }, active: 0 }
          }
        })
      ),
      MockCouch.route("POST", "/_node/_local/_restart", MockCouch.json(200, { ok: true }))
    ))))
})

/**
 * Server endpoints on the exact bytes of CouchDB 3.5.0 (couchdb-3.5-api.md §1), served by
 * MockCouch; each test names its recording and checks what reached the server.
 */
import { CouchAuth, CouchClient, Server } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Stream } from "effect"

const recorded = {
  /** 1.1 server info: `GET /` */
  info: MockCouch.raw(
    200,
    `{"couchdb":"Welcome","version":"3.5.0","git_sha":"11f0d36","uuid":"70e7b61aabb505fb1ba6dbe45b22b7ab","features":["quickjs","access-ready","partitioned","pluggable-storage-engines","reshard","scheduler"],"vendor":{"name":"The Apache Software Foundation"}}\n`,
    {
      "cache-control": "must-revalidate",
      "content-type": "application/json",
      "server": "CouchDB/3.5.0 (Erlang OTP/25)",
      "x-couch-request-id": "5b7d54f4b4",
      "x-couchdb-body-time": "0"
    }
  ),
  /** 1.2 health check: `GET /_up` */
  up: MockCouch.raw(200, `{"status":"ok","seeds":{}}\n`, {
    "cache-control": "must-revalidate",
    "content-type": "application/json",
    "server": "CouchDB/3.5.0 (Erlang OTP/25)",
    "x-couch-request-id": "5a4819863d",
    "x-couchdb-body-time": "0"
  }),
  /** 1.3 all dbs with limit and skip: `GET /_all_dbs?limit=2&skip=1` */
  allDbsLimitSkip: MockCouch.chunked(200, [`[`, `"_users"`, `,"demo"`, `]`, `\n`], {
    headers: {
      "cache-control": "must-revalidate",
      "content-type": "application/json",
      "etag": "\"8ZH62W72Z89FJQ8MX5LHN1S41\"",
      "server": "CouchDB/3.5.0 (Erlang OTP/25)",
      "x-couch-request-id": "b5604352d6",
      "x-couchdb-body-time": "0"
    }
  }),
  /** 1.4 dbs info for a key range: `GET /_dbs_info?start_key=%22api%22&end_key=%22api-part%22` */
  dbsInfoRange: MockCouch.chunked(200, [
    `[`,
    `{"key":"api","info":{"instance_start_time":"1796081691","db_name":"api","purge_seq":"0-g1AAAABXeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVB4LkGRoAFL_gSArkQGP2kSGpHqIoiwAtOgYRA","update_seq":"0-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVB4LkGRoAFL_gSArgzmRIRcowJ5saJKSaGSBTR8e0xIZkupRjUlOTjEzMsamIQsA9UwopQ","sizes":{"file":16700,"external":0,"active":0},"props":{},"doc_del_count":0,"doc_count":0,"disk_format_version":8,"compact_running":false,"cluster":{"q":2,"n":1,"w":1,"r":1}}}`,
    `,{"key":"api-part","info":{"instance_start_time":"1796081691","db_name":"api-part","purge_seq":"0-g1AAAABXeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVB4LkGRoAFL_gSArkQGP2kSGpHqIoiwAtOgYRA","update_seq":"0-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVB4LkGRoAFL_gSArgzmRIRcowG6emGyZlGiETR8e0xIZkupRjElJSUw1MDLEpiELAAc5KNA","sizes":{"file":16700,"external":0,"active":0},"props":{"partitioned":true},"doc_del_count":0,"doc_count":0,"disk_format_version":8,"compact_running":false,"cluster":{"q":2,"n":1,"w":1,"r":1}}}`,
    `]`,
    `\n`
  ], {
    headers: {
      "cache-control": "must-revalidate",
      "content-type": "application/json",
      "etag": "\"4HEKM3UMO68A7DPFVRI1THG4C\"",
      "server": "CouchDB/3.5.0 (Erlang OTP/25)",
      "x-couch-request-id": "35c254d004",
      "x-couchdb-body-time": "0"
    }
  }),
  /** 1.5 dbs info for a list of keys, one missing: `POST /_dbs_info` */
  dbsInfoKeys: MockCouch.chunked(200, [
    `[`,
    `{"key":"api","info":{"instance_start_time":"1796081691","db_name":"api","purge_seq":"0-g1AAAABXeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVB4LkGRoAFL_gSArkQGP2kSGpHqIoiwAtOgYRA","update_seq":"0-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVB4LkGRoAFL_gSArgzmRIRcowJ5saJKSaGSBTR8e0xIZkupRjUlOTjEzMsamIQsA9UwopQ","sizes":{"file":16700,"external":0,"active":0},"props":{},"doc_del_count":0,"doc_count":0,"disk_format_version":8,"compact_running":false,"cluster":{"q":2,"n":1,"w":1,"r":1}}}`,
    `,{"key":"nope","error":"not_found"}`,
    `]`,
    `\n`
  ], {
    headers: {
      "cache-control": "must-revalidate",
      "content-type": "application/json",
      "server": "CouchDB/3.5.0 (Erlang OTP/25)",
      "x-couch-request-id": "624ba4113c",
      "x-couchdb-body-time": "0"
    }
  }),
  /** 1.6 uuids: `GET /_uuids?count=3` */
  uuids: MockCouch.raw(
    200,
    `{"uuids":["6f80c807ba6d15ab806ef5ab71017d9e","6f80c807ba6d15ab806ef5ab7101865c","6f80c807ba6d15ab806ef5ab710191be"]}\n`,
    {
      "cache-control": "no-cache",
      "content-type": "application/json",
      "etag": "\"66OCVJPH0J9GHPZG6YOROY4H7\"",
      "expires": "Mon, 01 Jan 1990 00:00:00 GMT",
      "pragma": "no-cache",
      "server": "CouchDB/3.5.0 (Erlang OTP/25)"
    }
  ),
  /** 1.7 active tasks (idle): `GET /_active_tasks` */
  tasksIdle: MockCouch.raw(200, `[]\n`, {
    "cache-control": "must-revalidate",
    "content-type": "application/json",
    "server": "CouchDB/3.5.0 (Erlang OTP/25)",
    "x-couch-request-id": "b4ad9a1633",
    "x-couchdb-body-time": "0"
  }),
  /** 1.8 active tasks while a continuous replication runs: `GET /_active_tasks` */
  tasksReplication: MockCouch.raw(
    200,
    `[{"node":"couchdb@127.0.0.1","pid":"<0.10328.1>","process_status":"waiting","bulk_get_attempts":26,"bulk_get_docs":23,"changes_pending":null,"checkpoint_interval":30000,"checkpointed_source_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","continuous":true,"database":null,"doc_id":null,"doc_write_failures":0,"docs_read":30,"docs_written":30,"missing_revisions_found":30,"replication_id":"3ba6424330c6adfb159715b201b102a6+continuous","revisions_checked":30,"source":"http://127.0.0.1:5985/api/","source_seq":"0","started_on":1796081715,"target":"http://127.0.0.1:5985/api-rep/","type":"replication","updated_on":1796081715,"user":"admin"}]\n`,
    {
      "cache-control": "must-revalidate",
      "content-type": "application/json",
      "server": "CouchDB/3.5.0 (Erlang OTP/25)",
      "x-couch-request-id": "b1134ccffa",
      "x-couchdb-body-time": "0"
    }
  ),
  /** 1.9 active tasks during view indexing of 20000 docs: `GET /_active_tasks` */
  tasksIndexer: MockCouch.raw(
    200,
    `[{"node":"couchdb@127.0.0.1","pid":"<0.16832.1>","process_status":"running","changes_done":1616,"database":"shards/80000000-ffffffff/api-big.1796081726","design_document":"_design/slow","indexer_pid":"<0.16817.1>","progress":16,"started_on":1796081728,"total_changes":10001,"type":"indexer","updated_on":1796081728},{"node":"couchdb@127.0.0.1","pid":"<0.16868.1>","process_status":"running","changes_done":1616,"database":"shards/00000000-7fffffff/api-big.1796081726","design_document":"_design/slow","indexer_pid":"<0.16840.1>","progress":16,"started_on":1796081728,"total_changes":10000,"type":"indexer","updated_on":1796081728}]\n`,
    {
      "cache-control": "must-revalidate",
      "content-type": "application/json",
      "server": "CouchDB/3.5.0 (Erlang OTP/25)",
      "x-couch-request-id": "77538d5590",
      "x-couchdb-body-time": "0"
    }
  ),
  /** 1.10 membership: `GET /_membership` */
  membership: MockCouch.raw(200, `{"all_nodes":["couchdb@127.0.0.1"],"cluster_nodes":["couchdb@127.0.0.1"]}\n`, {
    "cache-control": "must-revalidate",
    "content-type": "application/json",
    "server": "CouchDB/3.5.0 (Erlang OTP/25)"
  })
}

const TestLive = (routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const couch = CouchClient.CouchClient

/** The one request sent: method, raw path and decoded query. */
const sent = Effect.map(
  MockCouch.requests,
  (requests) =>
    requests.map((r) => ({ method: r.method, path: r.path, query: Object.fromEntries(r.query), body: r.body }))
)

describe("Server.info and Server.up", () => {
  it.effect("info decodes CouchDB's welcome (CouchDB 3.5 recording 1.1)", () =>
    Effect.gen(function*() {
      const info = yield* Server.info(yield* couch)
      expect(info).toEqual({
        couchdb: "Welcome",
        version: "3.5.0",
        git_sha: "11f0d36",
        uuid: "70e7b61aabb505fb1ba6dbe45b22b7ab",
        features: ["quickjs", "access-ready", "partitioned", "pluggable-storage-engines", "reshard", "scheduler"],
        vendor: { name: "The Apache Software Foundation" }
      })
      expect(yield* sent).toEqual([{ method: "GET", path: "/", query: {}, body: undefined }])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/", recorded.info)]))))

  it.effect("info decodes pouchdb-server's welcome, which has no couchdb key (test-server.md §2.3)", () =>
    Effect.gen(function*() {
      const info = yield* (yield* couch).pipe(Server.info)
      expect(info.couchdb).toBeUndefined()
      expect(info.version).toBe("4.2.0")
      expect(info.vendor).toEqual({ name: "PouchDB authors", version: "4.2.0" })
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/",
        MockCouch.json(200, {
          "express-pouchdb": "Welcome!",
          version: "4.2.0",
          "pouchdb-adapters": ["memory"],
          vendor: { name: "PouchDB authors", version: "4.2.0" },
          uuid: "0baaf695-5d1c-4d4e-9c6c-0d6e8c1e2f3a"
        })
      )
    ]))))

  it.effect("up: status and seeds (CouchDB 3.5 recording 1.2)", () =>
    Effect.gen(function*() {
      expect(yield* Server.up(yield* couch)).toEqual({ status: "ok", seeds: {} })
      expect((yield* sent).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /_up"])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_up", recorded.up)]))))

  it.effect("up: a node in maintenance mode answers 404, a NotFound (CouchDB API reference, /_up)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Server.up(yield* couch))
      expect(error._tag).toBe("NotFound")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("GET", "/_up", MockCouch.json(404, { status: "maintenance_mode" }))
    ]))))
})

describe("Server.allDbs", () => {
  it.effect("limit and skip reach the server; the chunked answer decodes (CouchDB 3.5 recording 1.3)", () =>
    Effect.gen(function*() {
      const names = yield* (yield* couch).pipe(Server.allDbs({ limit: 2, skip: 1 }))
      expect(names).toEqual(["_users", "demo"])
      expect(yield* sent).toEqual([
        { method: "GET", path: "/_all_dbs", query: { limit: "2", skip: "1" }, body: undefined }
      ])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_all_dbs", recorded.allDbsLimitSkip)]))))

  it.effect("startkey and endkey are sent as JSON strings, descending and inclusive_end as text (recording 1.3)", () =>
    Effect.gen(function*() {
      yield* Server.allDbs(yield* couch, { startkey: "demo", endkey: "_users", descending: true, inclusive_end: false })
      const [request] = yield* sent
      expect(request?.query).toEqual({
        startkey: "\"demo\"",
        endkey: "\"_users\"",
        descending: "true",
        inclusive_end: "false"
      })
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_all_dbs", recorded.allDbsLimitSkip)]))))
})

/** A server that pages `_all_dbs` as CouchDB does (raw order, startkey inclusive, then skip and limit). */
const pagingServer = (names: ReadonlyArray<string>) =>
  MockCouch.route("GET", "/_all_dbs", (request) => {
    const descending = request.query.get("descending") === "true"
    const start = request.query.get("startkey")
    const key = start === null ? undefined : JSON.parse(start)
    const ordered = descending ? [...names].sort().reverse() : [...names].sort()
    const from = ordered.filter((name) => key === undefined || (descending ? name <= key : name >= key))
    const skip = Number(request.query.get("skip") ?? 0)
    const limit = Number(request.query.get("limit") ?? Infinity)
    return MockCouch.json(200, from.slice(skip, skip + limit))
  })

const fiveDbs = ["c", "_users", "a", "b", "_replicator"]

describe("Server.streamAllDbs", () => {
  it.effect("pages with startkey = the last name and skip=1 until a short page (CouchDB API reference, _all_dbs)", () =>
    Effect.gen(function*() {
      const names = yield* (yield* couch).pipe(Server.streamAllDbs({ pageSize: 2 }), Stream.runCollect)
      expect(Chunk.toReadonlyArray(names)).toEqual(["_replicator", "_users", "a", "b", "c"])
      expect((yield* sent).map((r) => r.query)).toEqual([
        { limit: "2" },
        { limit: "2", skip: "1", startkey: "\"_users\"" },
        { limit: "2", skip: "1", startkey: "\"b\"" }
      ])
    }).pipe(Effect.provide(TestLive([pagingServer(fiveDbs)]))))

  it.effect("fetches the next page only when it is pulled", () =>
    Effect.gen(function*() {
      const stream = Server.streamAllDbs(yield* couch, { pageSize: 2 })
      expect(Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.take(stream, 2)))).toEqual(["_replicator", "_users"])
      expect(yield* sent).toHaveLength(1)
      expect(Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.take(stream, 3)))).toEqual([
        "_replicator",
        "_users",
        "a"
      ])
      expect(yield* sent).toHaveLength(3)
    }).pipe(Effect.provide(TestLive([pagingServer(fiveDbs)]))))

  it.effect("keeps the range and the direction on every page", () =>
    Effect.gen(function*() {
      const names = yield* (yield* couch).pipe(
        Server.streamAllDbs({ pageSize: 2, descending: true, startkey: "b", endkey: "_users" }),
        Stream.runCollect
      )
      // The mock ignores endkey: what matters here is that each request carries it.
      expect(Chunk.toReadonlyArray(names)).toEqual(["b", "a", "_users", "_replicator"])
      expect((yield* sent).map((r) => r.query)).toEqual([
        { limit: "2", descending: "true", startkey: "\"b\"", endkey: "\"_users\"" },
        { limit: "2", descending: "true", skip: "1", startkey: "\"a\"", endkey: "\"_users\"" },
        { limit: "2", descending: "true", skip: "1", startkey: "\"_replicator\"", endkey: "\"_users\"" }
      ])
    }).pipe(Effect.provide(TestLive([pagingServer(fiveDbs)]))))

  it.effect("a server that ignores the paging options (pouchdb-server) still yields each name once", () =>
    Effect.gen(function*() {
      const client = yield* couch
      // More names than asked for: the whole list came at once.
      const small = yield* Stream.runCollect(Server.streamAllDbs(client, { pageSize: 2 }))
      expect(Chunk.toReadonlyArray(small)).toEqual(["_replicator", "_users", "a"])
      expect(yield* sent).toHaveLength(1)
      // Exactly a page: the next request repeats it, and nothing new ends the stream.
      const exact = yield* Stream.runCollect(Server.streamAllDbs(client, { pageSize: 3 }))
      expect(Chunk.toReadonlyArray(exact)).toEqual(["_replicator", "_users", "a"])
      expect(yield* sent).toHaveLength(3)
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("GET", "/_all_dbs", MockCouch.json(200, ["_replicator", "_users", "a"]))
    ]))))

  it.effect("a pageSize that is not a positive integer is an InvalidRequest, and nothing is sent", () =>
    Effect.gen(function*() {
      for (const pageSize of [0, -1, 1.5, Number.NaN]) {
        const error = yield* Effect.flip(Stream.runDrain(Server.streamAllDbs(yield* couch, { pageSize })))
        expect(error._tag).toBe("InvalidRequest")
      }
      expect(yield* sent).toEqual([])
    }).pipe(Effect.provide(TestLive([pagingServer(fiveDbs)]))))
})

describe("Server.dbsInfo", () => {
  it.effect("over a range: startkey/endkey as JSON, every row found (CouchDB 3.5 recording 1.4)", () =>
    Effect.gen(function*() {
      const rows = yield* Server.dbsInfo(yield* couch, { startkey: "api", endkey: "api-part", limit: 10 })
      expect(rows.map((row) => row.key)).toEqual(["api", "api-part"])
      const [first, second] = rows
      expect(first !== undefined && !Server.isDbsInfoMissing(first) && first.info.cluster).toEqual({
        q: 2,
        n: 1,
        w: 1,
        r: 1
      })
      expect(second !== undefined && !Server.isDbsInfoMissing(second) && second.info.props).toEqual({
        partitioned: true
      })
      expect(yield* sent).toEqual([{
        method: "GET",
        path: "/_dbs_info",
        query: { startkey: "\"api\"", endkey: "\"api-part\"", limit: "10" },
        body: undefined
      }])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_dbs_info", recorded.dbsInfoRange)]))))

  it.effect("with keys: a POST, and a missing database is a typed row (CouchDB 3.5 recording 1.5)", () =>
    Effect.gen(function*() {
      const rows = yield* (yield* couch).pipe(Server.dbsInfo({ keys: ["api", "nope"] }))
      expect(rows.map((row) => Server.isDbsInfoMissing(row) ? `${row.key}: ${row.error}` : row.info.db_name))
        .toEqual(["api", "nope: not_found"])
      expect(yield* sent).toEqual([
        { method: "POST", path: "/_dbs_info", query: {}, body: `{"keys":["api","nope"]}` }
      ])
    }).pipe(Effect.provide(TestLive([MockCouch.route("POST", "/_dbs_info", recorded.dbsInfoKeys)]))))
})

describe("Server.searchAnalyze and Server.nouveauAnalyze", () => {
  it.effect("send the analyzer and the text, and return the tokens (the API reference; no 3.5 recording)", () =>
    Effect.gen(function*() {
      expect(yield* Server.searchAnalyze(yield* couch, { analyzer: "english", text: "running" })).toEqual(["run"])
      expect(yield* Server.nouveauAnalyze(yield* couch, { analyzer: "english", text: "running" })).toEqual(["run"])
      expect((yield* sent).map((r) => `${r.method} ${r.path} ${r.body}`)).toEqual([
        `POST /_search_analyze {"analyzer":"english","text":"running"}`,
        `POST /_nouveau_analyze {"analyzer":"english","text":"running"}`
      ])
    }).pipe(Effect.provide(TestLive([
      MockCouch.route("POST", "/_search_analyze", MockCouch.json(200, { tokens: ["run"] })),
      MockCouch.route("POST", "/_nouveau_analyze", MockCouch.json(200, { tokens: ["run"] }))
    ]))))
})

describe("Server.uuids and Server.membership", () => {
  it.effect("uuids: count reaches the server, the uuids come back (CouchDB 3.5 recording 1.6)", () =>
    Effect.gen(function*() {
      const uuids = yield* Server.uuids(yield* couch, { count: 3 })
      expect(uuids).toEqual([
        "6f80c807ba6d15ab806ef5ab71017d9e",
        "6f80c807ba6d15ab806ef5ab7101865c",
        "6f80c807ba6d15ab806ef5ab710191be"
      ])
      expect((yield* sent).map((r) => r.query)).toEqual([{ count: "3" }])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_uuids", recorded.uuids)]))))

  it.effect("uuids: a count that is not a non-negative integer is an InvalidRequest, and nothing is sent", () =>
    Effect.gen(function*() {
      for (const count of [-1, 2.5, Number.POSITIVE_INFINITY]) {
        expect((yield* Effect.flip(Server.uuids(yield* couch, { count })))._tag).toBe("InvalidRequest")
      }
      expect(yield* sent).toEqual([])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_uuids", recorded.uuids)]))))

  it.effect("membership (CouchDB 3.5 recording 1.10)", () =>
    Effect.gen(function*() {
      expect(yield* Server.membership(yield* couch)).toEqual({
        all_nodes: ["couchdb@127.0.0.1"],
        cluster_nodes: ["couchdb@127.0.0.1"]
      })
      expect((yield* sent).map((r) => `${r.method} ${r.path}`)).toEqual(["GET /_membership"])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_membership", recorded.membership)]))))
})

/** The fields every task has. */
const common = { node: "couchdb@127.0.0.1", pid: "<0.1.0>", started_on: 1796081728, updated_on: 1796081729 }

describe("Server.activeTasks", () => {
  it.effect("idle: a bare empty array (CouchDB 3.5 recording 1.7)", () =>
    Effect.gen(function*() {
      expect(yield* Server.activeTasks(yield* couch)).toEqual([])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_active_tasks", recorded.tasksIdle)]))))

  it.effect("a continuous replication (CouchDB 3.5 recording 1.8)", () =>
    Effect.gen(function*() {
      const [task, ...rest] = yield* Server.activeTasks(yield* couch)
      expect(rest).toEqual([])
      if (task === undefined || !Server.isKnownTask(task) || task.type !== "replication") {
        return expect.unreachable(`not a replication task: ${JSON.stringify(task)}`)
      }
      expect(task).toMatchObject({
        source: "http://127.0.0.1:5985/api/",
        target: "http://127.0.0.1:5985/api-rep/",
        continuous: true,
        database: null,
        doc_id: null,
        changes_pending: null,
        source_seq: "0",
        docs_written: 30,
        process_status: "waiting",
        user: "admin"
      })
      expect(task.checkpointed_source_seq).toMatch(/^53-/)
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_active_tasks", recorded.tasksReplication)]))))

  it.effect("view indexing, one task per shard (CouchDB 3.5 recording 1.9)", () =>
    Effect.gen(function*() {
      const tasks = yield* Server.activeTasks(yield* couch)
      const indexing = tasks.filter(Server.isKnownTask).flatMap((task) =>
        task.type === "indexer" ? [`${task.database} ${task.design_document} ${task.progress}%`] : []
      )
      expect(indexing).toEqual([
        "shards/80000000-ffffffff/api-big.1796081726 _design/slow 16%",
        "shards/00000000-7fffffff/api-big.1796081726 _design/slow 16%"
      ])
    }).pipe(Effect.provide(TestLive([MockCouch.route("GET", "/_active_tasks", recorded.tasksIndexer)]))))

  it.effect("compactions and search indexing are typed (CouchDB API reference, /_active_tasks)", () =>
    Effect.gen(function*() {
      const tasks = yield* Server.activeTasks(yield* couch)
      expect(tasks.map((task) => Server.isKnownTask(task) ? task.type : `other ${task.type}`)).toEqual([
        "database_compaction",
        "view_compaction",
        "search_indexer"
      ])
      expect(tasks[0]).toMatchObject({ database: "shards/00000000-7fffffff/api.1796081691", phase: "document_copy" })
      expect(tasks[2]).toMatchObject({ index: "by_name", total_changes: 10 })
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/_active_tasks",
        MockCouch.json(200, [
          {
            ...common,
            type: "database_compaction",
            database: "shards/00000000-7fffffff/api.1796081691",
            phase: "document_copy",
            changes_done: 5,
            total_changes: 10,
            progress: 50
          },
          { ...common, type: "view_compaction", database: "api", design_document: "_design/app", progress: 0 },
          {
            ...common,
            type: "search_indexer",
            database: "api",
            design_document: "_design/search",
            index: "by_name",
            changes_done: 0,
            total_changes: 10,
            progress: 0
          }
        ])
      )
    ]))))

  it.effect("a kind of task not modelled is kept whole; a malformed known kind is a DecodeError", () =>
    Effect.gen(function*() {
      const [other] = yield* Server.activeTasks(yield* couch)
      expect(other).toEqual({ ...common, type: "shard_split", job: { id: "001-abc", state: "running" } })
      expect(other !== undefined && Server.isKnownTask(other)).toBe(false)
      const error = yield* Effect.flip(Server.activeTasks(yield* couch))
      expect(error._tag).toBe("DecodeError")
    }).pipe(Effect.provide(TestLive([
      MockCouch.route(
        "GET",
        "/_active_tasks",
        (() => {
          let calls = 0
          return () =>
            ++calls === 1
              ? MockCouch.json(200, [{ ...common, type: "shard_split", job: { id: "001-abc", state: "running" } }])
              : MockCouch.json(200, [{ ...common, type: "indexer", database: "api" }])
        })()
      )
    ]))))
})

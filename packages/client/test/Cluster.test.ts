import { Cluster, CouchAuth, CouchClient, Database } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Layer, Redacted } from "effect"
import { inspect } from "node:util"
import { reply } from "./recordings.js"
import { recordingSpans } from "./tracing.js"

const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const couch = CouchClient.CouchClient
const bodyOf = (request: MockCouch.RecordedRequest | undefined): unknown => JSON.parse(request?.body ?? "null")
const ok = MockCouch.json(200, { ok: true })

describe("_cluster_setup (CouchDB 3.5 recording 1.25; the actions from CouchDB's API reference)", () => {
  it.effect("the state (1.25), with ensure_dbs_exist as a JSON array", () =>
    Effect.gen(function*() {
      const client = yield* couch
      expect(yield* Cluster.setupState(client)).toEqual({ state: "single_node_enabled" })
      yield* client.pipe(Cluster.setupState({ ensure_dbs_exist: ["_users", "_replicator", "_global_changes"] }))
      const [plain, ensure] = yield* MockCouch.requests
      expect(plain?.url.search).toBe("")
      expect(ensure?.query.get("ensure_dbs_exist")).toBe(`["_users","_replicator","_global_changes"]`)
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", "/_cluster_setup", reply("1.25"))))))

  it.effect("each action's body, passwords revealed only there", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const actions: ReadonlyArray<Cluster.SetupAction> = [
        {
          action: "enable_single_node",
          username: "admin",
          password: Redacted.make("pw-1"),
          bind_address: "0.0.0.0",
          port: 5984,
          ensure_dbs_exist: ["_users"]
        },
        {
          action: "enable_cluster",
          username: "admin",
          password: Redacted.make("pw-2"),
          bind_address: "0.0.0.0",
          node_count: 3,
          remote_node: "10.0.0.2",
          remote_current_user: "root",
          remote_current_password: Redacted.make("pw-3")
        },
        {
          action: "add_node",
          host: "10.0.0.2",
          port: 5984,
          name: "couchdb",
          username: "admin",
          password: Redacted.make("pw-4")
        },
        { action: "finish_cluster", ensure_dbs_exist: ["_users", "_replicator"] }
      ]
      for (const action of actions) yield* Cluster.setup(client, action)
      const bodies = (yield* MockCouch.requests).map(bodyOf)
      expect(bodies).toEqual([
        {
          action: "enable_single_node",
          username: "admin",
          password: "pw-1",
          bind_address: "0.0.0.0",
          port: 5984,
          ensure_dbs_exist: ["_users"]
        },
        {
          action: "enable_cluster",
          username: "admin",
          password: "pw-2",
          bind_address: "0.0.0.0",
          node_count: 3,
          remote_node: "10.0.0.2",
          remote_current_user: "root",
          remote_current_password: "pw-3"
        },
        { action: "add_node", host: "10.0.0.2", port: 5984, name: "couchdb", username: "admin", password: "pw-4" },
        { action: "finish_cluster", ensure_dbs_exist: ["_users", "_replicator"] }
      ])
    }).pipe(Effect.provide(Couch(MockCouch.route("POST", "/_cluster_setup", MockCouch.json(201, { ok: true }))))))

  it.effect("a step that does not apply is BadRequest; the password is in no error or span", () =>
    Effect.gen(function*() {
      const action: Cluster.SetupAction = {
        action: "add_node",
        host: "h",
        username: "admin",
        password: Redacted.make("pw-add-node")
      }
      const { result, spans } = yield* recordingSpans(Effect.flip(Cluster.setup(yield* couch, action)))
      if (result._tag !== "Success") return expect.unreachable("the failure was collected")
      expect(result.value).toMatchObject({ _tag: "BadRequest", reason: "Add node failed. Invalid Host and/or Port." })
      const renderings = [
        JSON.stringify(result.value),
        inspect(result.value, { depth: 10 }),
        Cause.pretty(Cause.fail(result.value)),
        ...spans.map((s) => JSON.stringify([s.name, ...s.attributes])),
        inspect(action)
      ]
      for (const rendering of renderings) expect(rendering).not.toContain("pw-add-node")
      expect((yield* MockCouch.requests)[0]?.body).toContain("pw-add-node")
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "POST",
      "/_cluster_setup",
      MockCouch.json(400, { error: "bad_request", reason: "Add node failed. Invalid Host and/or Port." })
    )))))
})

describe("_reshard (CouchDB 3.5 recording 1.26; the rest from CouchDB's API reference)", () => {
  const job = {
    id: "001-171d1211418996ff47bd610b1d1257fc4ca2628868def4a05e63e8f8fe50694a",
    job_state: "completed",
    node: "node1@127.0.0.1",
    source: "shards/00000000-1fffffff/d1.1553786862",
    split_state: "completed",
    start_time: "2019-03-28T15:28:02Z",
    state_info: {},
    target: ["shards/00000000-0fffffff/d1.1553786862", "shards/10000000-1fffffff/d1.1553786862"],
    type: "split",
    update_time: "2019-03-28T15:28:08Z",
    history: [
      { detail: null, timestamp: "2019-03-28T15:28:02Z", type: "new" },
      { detail: "initial_copy", timestamp: "2019-03-28T15:28:02Z", type: "running" }
    ]
  }
  const jobPath = `/_reshard/jobs/${job.id}`

  it.effect("the summary (1.26) and the global state, read and set", () =>
    Effect.gen(function*() {
      const client = yield* couch
      expect(yield* Cluster.reshard(client)).toEqual({
        state: "running",
        state_reason: null,
        completed: 0,
        failed: 0,
        running: 0,
        stopped: 0,
        total: 0
      })
      expect(yield* Cluster.reshardState(client)).toEqual({ state: "running", reason: null })
      yield* Cluster.setReshardState(client, { state: "stopped", reason: "Rebalancing in progress" })
      yield* client.pipe(Cluster.setReshardState({ state: "running" }))
      const puts = (yield* MockCouch.requests).filter((r) => r.method === "PUT")
      expect(puts.map(bodyOf)).toEqual([{ state: "stopped", reason: "Rebalancing in progress" }, { state: "running" }])
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/_reshard", reply("1.26")),
      MockCouch.route("GET", "/_reshard/state", MockCouch.json(200, { reason: null, state: "running" })),
      MockCouch.route("PUT", "/_reshard/state", ok)
    ))))

  it.effect("jobs: list, create (201, and 202 with a failed one), read, state, stop, remove", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const list = yield* Cluster.reshardJobs(client)
      expect(list.jobs[0]?.target).toHaveLength(2)
      const created = yield* Cluster.createReshardJobs(client, { type: "split", db: "db3", range: "80000000-ffffffff" })
      expect(created.map((c) => c.ok)).toEqual([true, undefined])
      expect(created[1]?.error).toBe("not_found")
      expect(yield* Cluster.reshardJob(client, job.id)).toEqual(job)
      expect(yield* Cluster.reshardJobState(client, job.id)).toEqual({ state: "running", reason: null })
      yield* Cluster.setReshardJobState(client, job.id, { state: "stopped" })
      yield* client.pipe(Cluster.removeReshardJob(job.id))
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "GET /_reshard/jobs",
        "POST /_reshard/jobs",
        `GET ${jobPath}`,
        `GET ${jobPath}/state`,
        `PUT ${jobPath}/state`,
        `DELETE ${jobPath}`
      ])
      expect(bodyOf(requests[1])).toEqual({ type: "split", db: "db3", range: "80000000-ffffffff" })
      expect(bodyOf(requests[4])).toEqual({ state: "stopped" })
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/_reshard/jobs", MockCouch.json(200, { jobs: [job], offset: 0, total_rows: 1 })),
      MockCouch.route(
        "POST",
        "/_reshard/jobs",
        MockCouch.json(202, [
          { id: "001-30d7", node: "node1@127.0.0.1", ok: true, shard: "shards/80000000-ffffffff/db3.1554148353" },
          { error: "not_found", node: "node2@127.0.0.1", shard: "shards/80000000-ffffffff/db3.1554148353" }
        ])
      ),
      MockCouch.route("GET", jobPath, MockCouch.json(200, job)),
      MockCouch.route("GET", `${jobPath}/state`, MockCouch.json(200, { reason: null, state: "running" })),
      MockCouch.route("PUT", `${jobPath}/state`, ok),
      MockCouch.route("DELETE", jobPath, ok)
    ))))

  it.effect("shard excludes db and range: InvalidRequest, nothing sent; an unknown job is NotFound", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const error = yield* Effect.flip(
        Cluster.createReshardJobs(client, { type: "split", db: "db3", shard: "shards/00000000-7fffffff/db3.1" })
      )
      expect(error).toMatchObject({ _tag: "InvalidRequest" })
      expect(yield* MockCouch.requests).toEqual([])
      expect((yield* Effect.flip(Cluster.reshardJob(client, "nope")))._tag).toBe("NotFound")
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", "/_reshard/jobs/nope", MockCouch.json(404, { error: "not_found", reason: "missing" }))
    ))))
})

describe("shard maps (CouchDB's API reference)", () => {
  it.effect("a database's shards, a document's shard, and a shard sync", () =>
    Effect.gen(function*() {
      const db = (yield* couch).database("orders/2026")
      const map = yield* Cluster.shards(db)
      expect(map.shards["00000000-7fffffff"]).toEqual(["couchdb@node1.example.com", "couchdb@node2.example.com"])
      const shard = yield* Cluster.documentShard(db.pipe(Database.document("_design/app")))
      expect(shard).toEqual({ range: "e0000000-ffffffff", nodes: ["node1@127.0.0.1"] })
      yield* Cluster.syncShards(db)
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "GET /orders%2F2026/_shards",
        "GET /orders%2F2026/_shards/_design%2Fapp",
        "POST /orders%2F2026/_sync_shards"
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route(
        "GET",
        "/orders%2F2026/_shards",
        MockCouch.json(200, {
          shards: {
            "00000000-7fffffff": ["couchdb@node1.example.com", "couchdb@node2.example.com"],
            "80000000-ffffffff": ["couchdb@node1.example.com", "couchdb@node2.example.com"]
          }
        })
      ),
      MockCouch.route(
        "GET",
        "/orders%2F2026/_shards/_design%2Fapp",
        MockCouch.json(200, { range: "e0000000-ffffffff", nodes: ["node1@127.0.0.1"] })
      ),
      MockCouch.route("POST", "/orders%2F2026/_sync_shards", MockCouch.json(202, { ok: true }))
    ))))
})

import { CouchAuth, CouchClient, Replication } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Layer, Redacted, Schedule, Stream, TestClock } from "effect"
import { inspect } from "node:util"
import { recordings, reply, requestBody } from "./recordings.js"

const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const couch = CouchClient.CouchClient
const bodyOf = (request: MockCouch.RecordedRequest | undefined): unknown => JSON.parse(request?.body ?? "null")
const statusPath = "/_scheduler/docs/_replicator/api-rep-doc"

/** A route answering `replies` in turn (the last one repeats). */
const inTurn = (method: string, path: string, ...replies: ReadonlyArray<MockCouch.Reply>) => {
  let n = 0
  return MockCouch.route(method, path, () => replies[Math.min(n++, replies.length - 1)] ?? reply("10.14"))
}

describe("the scheduler (CouchDB 3.5 recordings 1.27–1.29, 10.7, 10.11–10.14)", () => {
  it.effect("jobs: idle (1.27) and with a continuous replication (10.7), paged", () =>
    Effect.gen(function*() {
      const client = yield* couch
      expect(yield* Replication.jobs(client)).toEqual({ total_rows: 0, offset: 0, jobs: [] })
      const running = yield* client.pipe(Replication.jobs({ limit: 10, skip: 0 }))
      expect(running.jobs[0]).toMatchObject({
        id: "3ba6424330c6adfb159715b201b102a6+continuous",
        database: null,
        doc_id: null,
        user: "admin",
        source: "http://127.0.0.1:5985/api/",
        history: [{ type: "started" }, { type: "added" }]
      })
      const [, second] = yield* MockCouch.requests
      expect(second?.url.search).toBe("?limit=10&skip=0")
    }).pipe(Effect.provide(Couch(inTurn("GET", "/_scheduler/jobs", reply("1.27"), reply("10.7"))))))

  it.effect("one job by id (shape of 10.7; the endpoint from CouchDB's source, not in its API reference)", () =>
    Effect.gen(function*() {
      const [recorded] = (JSON.parse(recordings["10.7"].body) as { jobs: ReadonlyArray<unknown> }).jobs
      const job = yield* Replication.job(yield* couch, "3ba6424330c6adfb159715b201b102a6+continuous")
      expect(job).toEqual(recorded)
      expect((yield* MockCouch.requests)[0]?.path).toBe(
        "/_scheduler/jobs/3ba6424330c6adfb159715b201b102a6%2Bcontinuous"
      )
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_scheduler/jobs/3ba6424330c6adfb159715b201b102a6%2Bcontinuous",
      MockCouch.json(200, (JSON.parse(recordings["10.7"].body) as { jobs: ReadonlyArray<unknown> }).jobs[0])
    )))))

  it.effect("statuses: idle and with one completed document, in the chunked \\r\\n layout (1.28, 1.29)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      expect(yield* Replication.statuses(client)).toEqual({ total_rows: 0, offset: 0, docs: [] })
      const one = yield* Replication.statuses(client)
      expect(one.docs[0]).toMatchObject({ doc_id: "api-rep-doc", state: "completed", id: null, error_count: 0 })
      expect(one.docs[0]?.info?.docs_written).toBe(30)
    }).pipe(Effect.provide(Couch(inTurn(
      "GET",
      "/_scheduler/docs",
      MockCouch.chunked(200, [recordings["1.28"].body.slice(0, 36), recordings["1.28"].body.slice(36)]),
      MockCouch.chunked(200, [recordings["1.29"].body.slice(0, 41), recordings["1.29"].body.slice(41)])
    )))))

  it.effect("statuses of another replicator database, filtered by state (states as a comma list)", () =>
    Effect.gen(function*() {
      yield* Replication.statuses(yield* couch, {
        database: "other/_replicator",
        states: ["running", "crashing"],
        limit: 5
      })
      const [request] = yield* MockCouch.requests
      expect(request?.path).toBe("/_scheduler/docs/other%2F_replicator")
      expect(request?.url.search).toBe("?limit=5&states=running%2Ccrashing")
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", /^\/_scheduler\/docs\//, reply("1.28"))))))

  it.effect("status of one document: running (10.11), completed (10.12), unknown NotFound (10.14)", () =>
    Effect.gen(function*() {
      const doc = Replication.document(yield* couch, "api-rep-doc")
      expect(yield* Replication.status(doc)).toMatchObject({
        state: "running",
        id: "eca155397b3c3081d6cc29670343586c+create_target",
        info: null,
        node: "couchdb@127.0.0.1",
        source_proxy: null
      })
      const completed = yield* Replication.status(doc)
      expect(completed).toMatchObject({ state: "completed", id: null })
      expect(completed.info?.checkpointed_source_seq).toMatch(/^53-/)
      expect((yield* Effect.flip(Replication.status(doc)))._tag).toBe("NotFound")
    }).pipe(Effect.provide(Couch(inTurn("GET", statusPath, reply("10.11"), reply("10.12"), reply("10.14"))))))
})

describe("_replicator documents (CouchDB 3.5 recordings 10.10, 10.13, 10.15)", () => {
  const docPath = "/_replicator/api-rep-doc"

  it.effect("put writes the replication as its body (10.10), in _replicator or another replicator database", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const spec = {
        source: Redacted.make("http://admin:secret@127.0.0.1:5985/api"),
        target: Redacted.make("http://admin:secret@127.0.0.1:5985/api-rep2"),
        create_target: true
      }
      const written = yield* Replication.put(Replication.document(client, "api-rep-doc"), spec)
      expect(written).toEqual({ ok: true, id: "api-rep-doc", rev: "4-97a394e216ccf443ae7a76856f81f2bb" })
      const other = client.database("other/_replicator").pipe(Replication.document("nightly"))
      yield* other.pipe(Replication.put({ ...spec, continuous: true }, { rev: "1-a" }))
      const [first, second] = yield* MockCouch.requests
      expect(first?.path).toBe(docPath)
      expect(bodyOf(first)).toEqual(requestBody("10.10"))
      expect(second?.path).toBe("/other%2F_replicator/nightly")
      expect(second?.url.search).toBe("?rev=1-a")
      expect(bodyOf(second)).toMatchObject({ continuous: true })
    }).pipe(Effect.provide(Couch(MockCouch.route("PUT", /^\/(_replicator|other%2F_replicator)\//, reply("10.10"))))))

  it.effect("post writes it with a server-assigned id", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const written = yield* Replication.post(client, { source: "http://h/a", target: "http://h/b", continuous: true })
      yield* client.database("other/_replicator").pipe(Replication.post({ source: "http://h/a", target: "http://h/c" }))
      const [first, second] = yield* MockCouch.requests
      expect(written.id).toBe("api-rep-doc")
      expect([first?.method, first?.path, second?.path]).toEqual(["POST", "/_replicator", "/other%2F_replicator"])
      expect(bodyOf(first)).toEqual({ source: "http://h/a", target: "http://h/b", continuous: true })
    }).pipe(Effect.provide(Couch(MockCouch.route("POST", /^\/(_replicator|other%2F_replicator)$/, reply("10.10"))))))

  it.effect("get decodes the state fields; the stored credentials come back Redacted (10.13)", () =>
    Effect.gen(function*() {
      const doc = yield* Replication.get(Replication.document(yield* couch, "api-rep-doc"))
      expect(doc).toMatchObject({
        _id: "api-rep-doc",
        _rev: "5-9f74956520c6a4b290a2f6a5ec9aeed8",
        create_target: true,
        owner: "admin",
        _replication_state: "completed",
        _replication_state_time: "2026-11-30T23:35:20Z",
        _replication_stats: { docs_written: 30, changes_pending: null }
      })
      expect(doc.source.url).toBe("http://127.0.0.1:5985/api")
      expect(doc.target.url).toBe("http://127.0.0.1:5985/api-rep2")
      expect(doc.source.auth?.basic.username).toBe("admin")
      const password = doc.source.auth?.basic.password
      expect(password && Redacted.value(password)).toBe("secret")
      expect(JSON.stringify(doc) + inspect(doc, { depth: 10 })).not.toContain("secret")
    }).pipe(Effect.provide(Couch(MockCouch.route("GET", docPath, reply("10.13"))))))

  it.effect("object endpoints are read with their headers and auth Redacted", () =>
    Effect.gen(function*() {
      const doc = yield* Replication.get(Replication.document(yield* couch, "r"))
      expect(doc.source).toMatchObject({ url: "https://a.example.com/db" })
      expect(doc.source.headers?.Authorization && Redacted.value(doc.source.headers.Authorization)).toBe("Basic dTpw")
      expect(doc.target.auth?.basic.username).toBe("adm")
      expect(doc.target.auth && Redacted.value(doc.target.auth.basic.password)).toBe("s3cr3t-pw")
      expect(JSON.stringify(doc)).not.toMatch(/dTpw|s3cr3t/)
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_replicator/r",
      MockCouch.json(200, {
        _id: "r",
        _rev: "1-a",
        source: { url: "https://a.example.com/db", headers: { Authorization: "Basic dTpw" } },
        target: { url: "http://localhost:5984/bar", auth: { basic: { username: "adm", password: "s3cr3t-pw" } } }
      })
    )))))

  it.effect("a malformed stored endpoint is a DecodeError that does not repeat it", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Replication.get(Replication.document(yield* couch, "r")))
      expect(error._tag).toBe("DecodeError")
      expect(JSON.stringify(error) + String(error)).not.toContain("hunter2")
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_replicator/r",
      MockCouch.json(200, { _id: "r", _rev: "1-a", source: { uri: "http://u:hunter2@h/db" }, target: "http://h/b" })
    )))))

  it.effect("a stored URL that does not parse loses whatever looks like credentials", () =>
    Effect.gen(function*() {
      const doc = yield* Replication.get(Replication.document(yield* couch, "r"))
      expect(doc.source).toEqual({ url: "http://bad host/db" })
      expect(doc.target).toEqual({ url: "local-db" })
    }).pipe(Effect.provide(Couch(MockCouch.route(
      "GET",
      "/_replicator/r",
      MockCouch.json(200, { _id: "r", _rev: "1-a", source: "http://u:hunter2@bad host/db", target: "local-db" })
    )))))

  it.effect("remove deletes the current revision, read first (10.13 then 10.15), or the one given", () =>
    Effect.gen(function*() {
      const doc = Replication.document(yield* couch, "api-rep-doc")
      const removed = yield* Replication.remove(doc)
      expect(removed.rev).toBe("6-3a0b27dce923bc06824fbaca7299ea43")
      yield* doc.pipe(Replication.remove({ rev: "7-x" }))
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.url.search}`)).toEqual([
        "GET ",
        "DELETE ?rev=5-9f74956520c6a4b290a2f6a5ec9aeed8",
        "DELETE ?rev=7-x"
      ])
    }).pipe(Effect.provide(Couch(
      MockCouch.route("GET", docPath, reply("10.13")),
      MockCouch.route("DELETE", docPath, reply("10.15"))
    ))))
})

describe("waiting for a state, polling _scheduler/docs/{db}/{docid} (recordings 10.11, 10.12, 10.14)", () => {
  const noDelay = { schedule: Schedule.recurs(10) }

  it.effect("states: unknown polls skipped, each state once, ends at a terminal state", () =>
    Effect.gen(function*() {
      const doc = Replication.document(yield* couch, "api-rep-doc")
      const seen = Chunk.toReadonlyArray(yield* Stream.runCollect(Replication.states(doc, noDelay)))
      expect(seen.map((s) => s.state)).toEqual(["running", "completed"])
      expect(yield* MockCouch.requests).toHaveLength(5)
    }).pipe(Effect.provide(Couch(inTurn(
      "GET",
      statusPath,
      reply("10.14"),
      reply("10.11"),
      reply("10.11"),
      reply("10.11"),
      reply("10.12")
    )))))

  it.effect("awaitState answers the status once the state is reached", () =>
    Effect.gen(function*() {
      const doc = Replication.document(yield* couch, "api-rep-doc")
      const done = yield* doc.pipe(Replication.awaitState(["completed"], noDelay))
      expect(done.info?.docs_written).toBe(30)
      const running = yield* Replication.awaitState(doc, ["running", "completed"], noDelay)
      expect(running.state).toBe("completed")
    }).pipe(Effect.provide(Couch(inTurn("GET", statusPath, reply("10.14"), reply("10.11"), reply("10.12"))))))

  it.effect("polls on the schedule: one second apart by default", () =>
    Effect.gen(function*() {
      const doc = Replication.document(yield* couch, "api-rep-doc")
      const fiber = yield* Effect.fork(Replication.awaitState(doc, ["completed"]))
      yield* TestClock.adjust("1 second")
      expect(fiber.unsafePoll()).toBeNull()
      expect(yield* MockCouch.requests).toHaveLength(2)
      yield* TestClock.adjust("1 second")
      expect((yield* Fiber.join(fiber)).state).toBe("completed")
      expect(yield* MockCouch.requests).toHaveLength(3)
    }).pipe(Effect.provide(Couch(inTurn("GET", statusPath, reply("10.14"), reply("10.11"), reply("10.12"))))))

  const crashing = MockCouch.json(200, {
    ...JSON.parse(recordings["10.11"].body),
    state: "crashing",
    error_count: 2,
    info: { error: "db_not_found: could not open http://127.0.0.1:5985/api-missing/" }
  })

  it.effect("a crashing replication fails with its reason, unless crashing is expected (API reference shape)", () =>
    Effect.gen(function*() {
      const doc = Replication.document(yield* couch, "api-rep-doc")
      const error = yield* Effect.flip(Replication.awaitState(doc, ["completed"], noDelay))
      expect(error).toMatchObject({
        _tag: "ReplicationStateError",
        database: "_replicator",
        docId: "api-rep-doc",
        state: "crashing",
        reason: "db_not_found: could not open http://127.0.0.1:5985/api-missing/"
      })
      expect(error.message).toBe(
        "replication document \"api-rep-doc\" in _replicator is crashing (db_not_found: could not open http://127.0.0.1:5985/api-missing/), not completed"
      )
      const expected = yield* Replication.awaitState(doc, ["crashing"], noDelay)
      expect(expected.error_count).toBe(2)
    }).pipe(Effect.provide(Couch(inTurn("GET", statusPath, reply("10.11"), crashing)))))

  it.effect("a completed replication is not the running one waited for; a missing one times out", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const completed = yield* Effect.flip(
        Replication.awaitState(Replication.document(client, "api-rep-doc"), ["running"], noDelay)
      )
      expect(completed).toMatchObject({ _tag: "ReplicationStateError", state: "completed", expected: ["running"] })
      const missing = yield* Effect.flip(
        Replication.awaitState(Replication.document(client, "nope"), ["completed"], { schedule: Schedule.recurs(2) })
      )
      expect(missing.message).toBe(
        "replication document \"nope\" in _replicator never appeared in the scheduler while waiting for completed"
      )
      expect((yield* MockCouch.requests).filter((r) => r.path.endsWith("/nope"))).toHaveLength(3)
    }).pipe(Effect.provide(Couch(
      inTurn("GET", statusPath, reply("10.12")),
      MockCouch.route("GET", "/_scheduler/docs/_replicator/nope", reply("10.14"))
    ))))

  it.effect("other failures end the wait at once", () =>
    Effect.gen(function*() {
      const doc = Replication.document(yield* couch, "api-rep-doc")
      const error = yield* Effect.flip(Replication.awaitState(doc, ["completed"], noDelay))
      expect(error._tag).toBe("Unauthorized")
      expect(yield* MockCouch.requests).toHaveLength(1)
    }).pipe(Effect.provide(Couch(
      MockCouch.route(
        "GET",
        statusPath,
        MockCouch.json(401, { error: "unauthorized", reason: "You are not a server admin." })
      )
    ))))
})

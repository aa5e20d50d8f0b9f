import { CouchAuth, CouchClient, type CouchUrl, Replication } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Fiber, Layer, Logger, LogLevel, Redacted, TestClock } from "effect"
import { inspect } from "node:util"
import { reply, requestBody } from "./recordings.js"
import { recordingSpans } from "./tracing.js"

const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://couch.test:5984" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const couch = CouchClient.CouchClient
const bodyOf = (request: MockCouch.RecordedRequest | undefined): unknown => JSON.parse(request?.body ?? "null")

/** The endpoints of the recordings: URLs with admin:secret in them, kept `Redacted`. */
const api = Redacted.make("http://admin:secret@127.0.0.1:5985/api")
const apiRep = Redacted.make("http://admin:secret@127.0.0.1:5985/api-rep")

/** `POST /_replicate` answering `replies` in turn (the last one repeats). */
const replicateRoute = (...replies: ReadonlyArray<MockCouch.Reply>) => {
  let n = 0
  return MockCouch.route("POST", "/_replicate", () => replies[Math.min(n++, replies.length - 1)] ?? reply("10.9"))
}

describe("Replication.replicate: one-shot (CouchDB 3.5 recordings 10.1–10.3, 10.5)", () => {
  it.effect("sends the endpoints and create_target, answers the session and its history (10.1)", () =>
    Effect.gen(function*() {
      const result = yield* Replication.replicate(yield* couch, { source: api, target: apiRep, create_target: true })
      expect(result).toMatchObject({
        ok: true,
        session_id: "b6beb62544447d36ef70c85733dabb4d",
        replication_id_version: 4
      })
      expect(result.source_last_seq).toMatch(/^53-g1AAAA/)
      expect(result.history?.[0]).toMatchObject({
        start_last_seq: 0,
        docs_read: 30,
        docs_written: 30,
        bulk_get_docs: 23
      })
      const [request] = yield* MockCouch.requests
      expect(request?.path).toBe("/_replicate")
      expect(request?.headers["content-type"]).toMatch(/^application\/json/)
      expect(bodyOf(request)).toEqual(requestBody("10.1"))
    }).pipe(Effect.provide(Couch(replicateRoute(reply("10.1"))))))

  it.effect("nothing to do: no_changes (10.2); local database names are sent as they are (10.5)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const again = yield* client.pipe(Replication.replicate({ source: api, target: apiRep }))
      expect(again.no_changes).toBe(true)
      const local = yield* Replication.replicate(client, { source: "api", target: "api-rep" })
      expect(local.history?.[0]?.docs_written).toBe(0)
      const [first, second] = yield* MockCouch.requests
      expect(bodyOf(first)).toEqual(requestBody("10.2"))
      expect(bodyOf(second)).toEqual(requestBody("10.5"))
    }).pipe(Effect.provide(Couch(replicateRoute(reply("10.2"), reply("10.5"))))))

  it.effect("a missing target is CouchDB's 500 db_not_found, its URL without credentials (10.3)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Replication.replicate(yield* couch, {
          source: api,
          target: Redacted.make("http://admin:secret@127.0.0.1:5985/api-missing")
        })
      )
      expect(error).toMatchObject({
        _tag: "InternalServerError",
        error: "db_not_found",
        reason: "could not open http://127.0.0.1:5985/api-missing/"
      })
      expect(bodyOf((yield* MockCouch.requests)[0])).toEqual(requestBody("10.3"))
    }).pipe(Effect.provide(Couch(replicateRoute(reply("10.3"))))))

  it.effect("pouchdb-server's summary decodes too (test-server.md)", () =>
    Effect.gen(function*() {
      const result = yield* Replication.replicate(yield* couch, { source: "db", target: "target" })
      expect(result).toMatchObject({ ok: true, status: "complete", docs_written: 20, last_seq: 29 })
      expect(result.session_id).toBeUndefined()
    }).pipe(Effect.provide(Couch(replicateRoute(MockCouch.json(200, {
      ok: true,
      start_time: "2026-11-26T10:00:00.000Z",
      docs_read: 20,
      docs_written: 20,
      doc_write_failures: 0,
      errors: [],
      last_seq: 29,
      status: "complete",
      end_time: "2026-11-26T10:00:01.000Z",
      history: [{
        start_time: "2026-11-26T10:00:00.000Z",
        end_time: "2026-11-26T10:00:01.000Z",
        ok: true,
        docs_read: 20,
        docs_written: 20,
        doc_write_failures: 0,
        errors: [],
        last_seq: 29,
        status: "complete"
      }]
    }))))))
})

describe("a one-shot replication answers when it is done: its own timeout", () => {
  // The server answers after 5 seconds; the client gives up after 1 unless told otherwise.
  const slow = Layer.mergeAll(
    CouchClient.layerWithoutAuth({ url: "http://couch.test:5984", timeout: "1 second" }),
    CouchAuth.layerNone
  ).pipe(Layer.provideMerge(MockCouch.layer([
    MockCouch.route("POST", "/_replicate", () => Effect.as(Effect.sleep("5 seconds"), reply("10.1")))
  ])))

  it.effect("the client's timeout by default, timeout: \"none\" to wait as long as it takes", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const bounded = yield* Effect.fork(Effect.flip(Replication.replicate(client, { source: "a", target: "b" })))
      const unbounded = yield* Effect.fork(Replication.replicate(client, { source: "a", target: "b", timeout: "none" }))
      yield* TestClock.adjust("5 seconds")
      expect(yield* Fiber.join(bounded)).toMatchObject({ _tag: "TransportError", kind: "Timeout" })
      expect((yield* Fiber.join(unbounded)).ok).toBe(true)
    }).pipe(Effect.provide(slow)))
})

describe("Replication.replicateContinuous and cancel (CouchDB 3.5 recordings 10.6, 10.8, 10.9)", () => {
  it.effect("starts with continuous: true and answers the replication id (10.6)", () =>
    Effect.gen(function*() {
      const started = yield* Replication.replicateContinuous(yield* couch, { source: api, target: apiRep })
      expect(started).toEqual({ ok: true, _local_id: "3ba6424330c6adfb159715b201b102a6+continuous" })
      expect(bodyOf((yield* MockCouch.requests)[0])).toEqual(requestBody("10.6"))
    }).pipe(Effect.provide(Couch(replicateRoute(reply("10.6"))))))

  it.effect("cancels with the same options (10.8); a second cancel is NotFound (10.9)", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const cancelled = yield* Replication.cancel(client, { source: api, target: apiRep })
      expect(cancelled._local_id).toBe("3ba6424330c6adfb159715b201b102a6+continuous")
      const again = yield* Effect.flip(Replication.cancel(client, { source: api, target: apiRep }))
      expect(again).toMatchObject({ _tag: "NotFound", reason: "missing" })
      const [first, second] = yield* MockCouch.requests
      expect(bodyOf(first)).toEqual(requestBody("10.8"))
      expect(bodyOf(second)).toEqual(requestBody("10.9"))
    }).pipe(Effect.provide(Couch(replicateRoute(reply("10.8"), reply("10.9"))))))

  it.effect("cancels by replication id (CouchDB's API reference)", () =>
    Effect.gen(function*() {
      yield* (yield* couch).pipe(
        Replication.cancel({ replication_id: "3ba6424330c6adfb159715b201b102a6+continuous" })
      )
      expect(bodyOf((yield* MockCouch.requests)[0])).toEqual({
        replication_id: "3ba6424330c6adfb159715b201b102a6+continuous",
        cancel: true
      })
    }).pipe(Effect.provide(Couch(replicateRoute(reply("10.8"))))))
})

describe("every replication option reaches the body with CouchDB's name (CouchDB's API reference)", () => {
  const sent = (options: Replication.OneShotOptions) =>
    Effect.gen(function*() {
      yield* Replication.replicate(yield* couch, options)
      const requests = yield* MockCouch.requests
      return bodyOf(requests[requests.length - 1])
    })

  it.effect("filters, sequences, target parameters and tuning", () =>
    Effect.gen(function*() {
      const base = { source: "a", target: "b" }
      expect(yield* sent({ ...base, doc_ids: ["x", "y/z"] })).toEqual({ ...base, doc_ids: ["x", "y/z"] })
      expect(yield* sent({ ...base, filter: "app/by_type", query_params: { type: "order" } })).toEqual({
        ...base,
        filter: "app/by_type",
        query_params: { type: "order" }
      })
      expect(yield* sent({ ...base, selector: { type: { $eq: "order" } } })).toEqual({
        ...base,
        selector: { type: { $eq: "order" } }
      })
      expect(yield* sent({ ...base, since_seq: "53-g1AAAA", winning_revs_only: true })).toEqual({
        ...base,
        since_seq: "53-g1AAAA",
        winning_revs_only: true
      })
      const tuning = {
        create_target: true,
        create_target_params: { q: 1, n: 1, partitioned: true },
        use_checkpoints: false,
        checkpoint_interval: 5000,
        use_bulk_get: false,
        worker_processes: 2,
        worker_batch_size: 100,
        http_connections: 4,
        connection_timeout: 10000,
        retries_per_request: 3,
        socket_options: "[{keepalive, true}]",
        user_ctx: { name: "joe", roles: ["erlanger"] }
      }
      expect(yield* sent({ ...base, ...tuning })).toEqual({ ...base, ...tuning })
    }).pipe(Effect.provide(Couch(replicateRoute(reply("10.1"))))))

  it.effect("Remote endpoints: url, Redacted headers and basic auth; Redacted proxies", () =>
    Effect.gen(function*() {
      const body = yield* sent({
        source: {
          url: "https://source.example.com/db",
          headers: { Authorization: Redacted.make("Bearer t0ken") }
        },
        target: {
          url: Redacted.make("https://target.example.com/db"),
          auth: { basic: { username: "adm", password: Redacted.make("p@ss:word") } }
        },
        source_proxy: Redacted.make("http://u:pw@proxy.example.com:3128"),
        target_proxy: "socks5://proxy.example.com:1080",
        timeout: "none"
      })
      expect(body).toEqual({
        source: { url: "https://source.example.com/db", headers: { Authorization: "Bearer t0ken" } },
        target: {
          url: "https://target.example.com/db",
          auth: { basic: { username: "adm", password: "p@ss:word" } }
        },
        source_proxy: "http://u:pw@proxy.example.com:3128",
        target_proxy: "socks5://proxy.example.com:1080"
      })
    }).pipe(Effect.provide(Couch(replicateRoute(reply("10.1"))))))

  it.effect("databaseUrl puts credentials in the userinfo, percent-encoded, and stays Redacted", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const credentials: CouchUrl.Credentials = {
        username: Redacted.make("ad@min"),
        password: Redacted.make("p:w/d%")
      }
      const url = Replication.databaseUrl(client.database("orders/2026"), credentials)
      expect(Redacted.value(url)).toBe("http://ad%40min:p%3Aw%2Fd%25@couch.test:5984/orders%2F2026")
      expect(String(url)).not.toContain("p:w")
      expect(Redacted.value(Replication.databaseUrl(client.database("a")))).toBe("http://couch.test:5984/a")
    }).pipe(Effect.provide(Couch())))

  it.effect("doc_ids, filter and selector exclude each other; an empty endpoint: InvalidRequest, nothing sent", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const both = yield* Effect.flip(
        Replication.replicate(client, { source: "a", target: "b", doc_ids: ["x"], selector: {} })
      )
      expect(both).toMatchObject({
        _tag: "InvalidRequest",
        description: "Replication: doc_ids, filter and selector are mutually exclusive"
      })
      const empty = yield* Effect.flip(Replication.replicateContinuous(client, { source: "", target: "b" }))
      expect(empty).toMatchObject({ _tag: "InvalidRequest", description: "Replication: the source is empty" })
      const emptyUrl = yield* Effect.flip(Replication.cancel(client, { source: "a", target: { url: "" } }))
      expect(emptyUrl).toMatchObject({ description: "Replication: the target URL is empty" })
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(Couch())))
})

describe("a replication's credentials never leave its request body", () => {
  const secrets = ["s3cret-url-pw", "Bearer s3cret-t0ken", "s3cret-basic-pw", "s3cret-proxy-pw"]
  const options: Replication.OneShotOptions = {
    source: Redacted.make("http://admin:s3cret-url-pw@127.0.0.1:5985/api"),
    target: {
      url: "http://127.0.0.1:5985/api-missing",
      headers: { Authorization: Redacted.make("Bearer s3cret-t0ken") },
      auth: { basic: { username: "adm", password: Redacted.make("s3cret-basic-pw") } }
    },
    source_proxy: Redacted.make("http://u:s3cret-proxy-pw@proxy:3128")
  }

  it.effect("not in errors, spans, logs or toString, through a 500, a 404 and a broken connection", () =>
    Effect.gen(function*() {
      const client = yield* couch
      const lines: Array<string> = []
      const logger = Logger.make((log) => lines.push(Logger.logfmtLogger.log(log)))
      const attempts = Effect.gen(function*() {
        yield* Effect.logInfo("replicating", options)
        return [
          yield* Effect.flip(Replication.replicate(client, options)),
          yield* Effect.flip(Replication.cancel(client, options)),
          yield* Effect.flip(Replication.replicateContinuous(client, options))
        ]
      }).pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)), Logger.withMinimumLogLevel(LogLevel.All))
      const { result, spans } = yield* recordingSpans(attempts)
      if (result._tag !== "Success") return expect.unreachable("the failures were collected")
      expect(result.value.map((e) => e._tag)).toEqual(["InternalServerError", "NotFound", "TransportError"])
      const renderings = [
        ...result.value.flatMap((
          e
        ) => [JSON.stringify(e), String(e), inspect(e, { depth: 10 }), Cause.pretty(Cause.fail(e))]),
        ...spans.map((s) => JSON.stringify({ name: s.name, attributes: [...s.attributes], events: s.recordedEvents })),
        ...lines,
        JSON.stringify(options),
        inspect(options, { depth: 10 }),
        String(options.source)
      ]
      expect(spans).toHaveLength(3)
      expect(lines).toHaveLength(1)
      for (const rendering of renderings) {
        for (const secret of secrets) expect(rendering).not.toContain(secret)
      }
      // They were sent, in the body only.
      for (const request of yield* MockCouch.requests) {
        for (const secret of secrets) {
          expect(request.body).toContain(secret)
          expect(JSON.stringify(request.headers) + request.url.href).not.toContain(secret)
        }
      }
    }).pipe(Effect.provide(Couch(
      replicateRoute(reply("10.3"), reply("10.9"), MockCouch.transportFailure("ECONNRESET"))
    ))))
})

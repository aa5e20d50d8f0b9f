/**
 * Checkpoint over MockCouch: loading and saving the sequence in a `_local` document
 * (CouchDB 3.5 recordings 4.52–4.58: `_local` writes answer `{"ok":true,"id","rev":"0-1"}`,
 * need no revision, and a missing one is 404 `missing`; a conflict on a stale revision is how
 * PouchDB and CouchDB 1.x answer, which the recordings do not cover), saving every N changes
 * or T seconds of a stream, and following from the saved sequence.
 */
import { Checkpoint, CouchClient, Database } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Fiber, Layer, Logger, LogLevel, Option, Stream, TestClock } from "effect"
import { change, changes, Couch, couchChanges, rowsOf } from "./feeds/kit.js"

const checkpoint = Effect.map(
  CouchClient.CouchClient,
  (couch) => Database.localDocument(couch.database("db"), "mailer")
)

const saved = (seq: string | number, rev = "0-1") => MockCouch.json(200, { _id: "_local/mailer", _rev: rev, seq })
const written = (rev = "0-1") => MockCouch.json(201, { ok: true, id: "_local/mailer", rev })
const missing = MockCouch.json(404, { error: "not_found", reason: "missing" })

/** The checkpoint document's store: GET answers the last PUT; PUTs are kept. */
const store = () => {
  const puts: Array<unknown> = []
  const failures: Array<MockCouch.Reply> = []
  const route = MockCouch.route("*", "/db/_local/mailer", (request) => {
    if (request.method === "GET") {
      const last = puts.at(-1)
      return last === undefined ? missing : MockCouch.json(200, { _id: "_local/mailer", _rev: "0-1", ...Object(last) })
    }
    const failure = failures.shift()
    if (failure !== undefined) return failure
    puts.push(JSON.parse(request.body ?? "null"))
    return written(`0-${puts.length}`)
  })
  return { puts, failures, route }
}

const seqs = (puts: ReadonlyArray<unknown>) => puts.map((put) => Reflect.get(Object(put), "seq"))

/** Changes `d1 … dN` (seq `"i-g1"`), one per chunk. */
const processed = (count: number, seq = (i: number): string | null => `${i}-g1`) =>
  Stream.range(1, count).pipe(Stream.map((i) => change(seq(i), `d${i}`)), Stream.rechunk(1))

describe("Checkpoint.load and save (CouchDB 3.5 recordings 4.52–4.58)", () => {
  it.effect("load reads the saved seq; a missing checkpoint is none", () =>
    Effect.gen(function*() {
      const doc = yield* checkpoint
      expect(yield* Checkpoint.load(doc)).toEqual(Option.some("12-g1AA"))
      expect(yield* Checkpoint.load(doc)).toEqual(Option.none())
    }).pipe(Effect.provide(
      CouchClient.layer({ url: "http://couch.test:5984" }).pipe(
        Layer.provideMerge(MockCouch.layerExpectations([
          MockCouch.expect("GET", "/db/_local/mailer", saved("12-g1AA")),
          MockCouch.expect("GET", "/db/_local/mailer", missing)
        ]))
      )
    )))

  it.effect("save writes { seq } without a revision (CouchDB 2+ needs none for _local documents)", () =>
    Effect.gen(function*() {
      const result = yield* Checkpoint.save(yield* checkpoint, "12-g1AA")
      expect(result).toEqual({ ok: true, id: "_local/mailer", rev: "0-1" })
    }).pipe(Effect.provide(
      CouchClient.layer({ url: "http://couch.test:5984" }).pipe(
        Layer.provideMerge(MockCouch.layerExpectations([
          MockCouch.expect("PUT", "/db/_local/mailer", written(), { json: { seq: "12-g1AA" } })
        ]))
      )
    )))

  it.effect("a conflict (PouchDB checks _local revisions) is resolved by reading the revision once", () =>
    Effect.gen(function*() {
      expect((yield* (yield* checkpoint).pipe(Checkpoint.save(7))).rev).toBe("0-4")
    }).pipe(Effect.provide(
      CouchClient.layer({ url: "http://couch.test:5984" }).pipe(
        Layer.provideMerge(MockCouch.layerExpectations([
          MockCouch.expect("PUT", "/db/_local/mailer", MockCouch.json(409, { error: "conflict" }), {
            json: { seq: 7 }
          }),
          MockCouch.expect("GET", "/db/_local/mailer", saved(6, "0-3")),
          MockCouch.expect("PUT", "/db/_local/mailer", written("0-4"), { json: { seq: 7, _rev: "0-3" } })
        ]))
      )
    )))

  it.effect("a document that is not _local is refused before any request", () =>
    Effect.gen(function*() {
      const doc = Database.document((yield* CouchClient.CouchClient).database("db"), "mailer")
      const errors = [
        yield* Effect.flip(Checkpoint.load(doc)),
        yield* Effect.flip(Checkpoint.save(doc, 1)),
        yield* Effect.flip(Stream.runDrain(processed(1).pipe(Checkpoint.saveEvery(doc))))
      ]
      expect(errors.map((e) => e._tag)).toEqual(["InvalidRequest", "InvalidRequest", "InvalidRequest"])
      expect(errors[0]?.message).toContain("_local")
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(Couch())))
})

describe("Checkpoint.saveEvery", () => {
  it.effect("saves every N changes, and the last seq when the stream completes", () => {
    const { puts, route } = store()
    return Effect.gen(function*() {
      const out = yield* rowsOf(processed(7).pipe(Checkpoint.saveEvery(yield* checkpoint, { changes: 3 })))
      expect(out).toHaveLength(7)
      expect(seqs(puts)).toEqual(["3-g1", "6-g1", "7-g1"])
    }).pipe(Effect.provide(Couch(route)))
  })

  it.effect("data-first, with the changes counted a chunk at a time", () => {
    const { puts, route } = store()
    return Effect.gen(function*() {
      const chunked = processed(10).pipe(Stream.rechunk(4))
      yield* Stream.runDrain(Checkpoint.saveEvery(chunked, yield* checkpoint, { changes: 3 }))
      expect(seqs(puts)).toEqual(["4-g1", "8-g1", "10-g1"])
    }).pipe(Effect.provide(Couch(route)))
  })

  it.effect("saves every interval while changes went by unsaved, and not when none did", () => {
    const { puts, route } = store()
    return Effect.gen(function*() {
      const doc = yield* checkpoint
      const fiber = yield* Effect.fork(Stream.runDrain(
        Stream.concat(processed(2), Stream.never).pipe(
          Checkpoint.saveEvery(doc, { changes: 100, interval: "5 seconds" })
        )
      ))
      yield* TestClock.adjust("4999 millis")
      expect(puts).toEqual([])
      yield* TestClock.adjust("1 millis")
      yield* Effect.repeat(Effect.sync(() => puts.length), { until: (n) => n > 0 })
      expect(seqs(puts)).toEqual(["2-g1"])
      yield* TestClock.adjust("1 minute")
      expect(seqs(puts)).toEqual(["2-g1"])
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provide(Couch(route)))
  })

  it.effect("rows without a seq (seq_interval) are covered by the last seq before them", () => {
    const { puts, route } = store()
    return Effect.gen(function*() {
      yield* Stream.runDrain(
        processed(5, (i) => i === 2 ? `${i}-g1` : null).pipe(Checkpoint.saveEvery(yield* checkpoint, { changes: 4 }))
      )
      expect(seqs(puts)).toEqual(["2-g1", "2-g1"])
    }).pipe(Effect.provide(Couch(route)))
  })

  it.effect("a save that fails transiently is logged and tried again with the next one", () => {
    const { failures, puts, route } = store()
    failures.push(MockCouch.json(503, { error: "service_unavailable", reason: "busy" }))
    const logs: Array<string> = []
    return Effect.gen(function*() {
      yield* Stream.runDrain(processed(6).pipe(Checkpoint.saveEvery(yield* checkpoint, { changes: 3 })))
      // The save at d3 failed; d4 finds changes unsaved and saves again.
      expect(seqs(puts)).toEqual(["4-g1", "6-g1"])
      expect(logs).toEqual([expect.stringContaining("checkpoint not saved (will try again): ServiceUnavailable")])
    }).pipe(
      Effect.provide(Couch(route)),
      Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => logs.push(String(message))))),
      Logger.withMinimumLogLevel(LogLevel.Warning)
    )
  })

  it.effect("a terminal failure (401) ends the stream with it", () => {
    const { failures, route } = store()
    failures.push(MockCouch.json(401, { error: "unauthorized", reason: "Name or password is incorrect." }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(
        Stream.runDrain(processed(6).pipe(Checkpoint.saveEvery(yield* checkpoint, { changes: 3 })))
      )
      expect(error._tag).toBe("Unauthorized")
    }).pipe(Effect.provide(Couch(route)))
  })

  it.effect("bad options are an InvalidRequest", () =>
    Effect.gen(function*() {
      const doc = yield* checkpoint
      // "later" is not a duration: the cast lets the test pass what an untyped caller could.
      const later = { interval: "later" } as unknown as Checkpoint.SaveOptions
      for (const options of [{ changes: 0 }, { changes: 2.5 }, { interval: 0 }, later]) {
        const error = yield* Effect.flip(Stream.runDrain(processed(1).pipe(Checkpoint.saveEvery(doc, options))))
        expect(error._tag).toBe("InvalidRequest")
      }
    }).pipe(Effect.provide(Couch())))
})

describe("Checkpoint.follow", () => {
  const feed = changes((request) =>
    MockCouch.chunked(200, [
      couchChanges(
        request.query.get("since") === "4-g1" ? [change("5-g1", "d5")] : [change("1-g1", "d1")],
        "5-g1",
        0
      )
    ])
  )

  it.effect("starts from the saved seq", () => {
    const { puts, route } = store()
    puts.push({ seq: "4-g1" })
    return Effect.gen(function*() {
      const rows = yield* rowsOf(Checkpoint.follow(yield* checkpoint, { mode: "oneOff", since: 0 }))
      expect(rows.map((r) => r.id)).toEqual(["d5"])
      const requests = yield* MockCouch.requests
      expect(requests.map((r) => `${r.method} ${r.path} ${r.query.get("since") ?? ""}`)).toEqual([
        "GET /db/_local/mailer ",
        "GET /db/_changes 4-g1"
      ])
    }).pipe(Effect.provide(Couch(route, feed)))
  })

  it.effect("without a checkpoint, from the options' since; piped, and saving as it goes", () => {
    const { puts, route } = store()
    return Effect.gen(function*() {
      const doc = yield* checkpoint
      const rows = yield* rowsOf(
        doc.pipe(Checkpoint.follow({ mode: "oneOff", since: 0 }), Checkpoint.saveEvery(doc, { changes: 1 }))
      )
      expect(rows.map((r) => r.id)).toEqual(["d1"])
      expect(seqs(puts)).toEqual(["1-g1"])
      expect(yield* Checkpoint.load(doc)).toEqual(Option.some("1-g1"))
    }).pipe(Effect.provide(Couch(route, feed)))
  })
})

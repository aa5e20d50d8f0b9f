/**
 * effect-couchdb, through its public API only, over `@effect-couchdb/undici`'s
 * `UndiciHttpClient.layer`, `NodeHttpClient.layerUndici` or node:http with a keep-alive
 * agent. The layers are built before the measured work.
 */
import { Bulk, Changes, CouchAuth, CouchClient, Database, Follow, Mango, View } from "@effect-couchdb/client"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import {
  attachmentBlock,
  attachmentPieces,
  bulkDocument,
  changeSeqN,
  docN,
  docNumber,
  findQuery,
  numberField
} from "../bodies.js"
import type { Outcome } from "../jobs.js"
import { bulkResultOk, fail, type Prepare } from "./common.js"

export const prepare: Prepare = async ({ client, server, work }) => {
  // node:http with a keep-alive agent, as the README recommends (the default agent opens a
  // connection per request).
  const http = client === "effect-node"
    ? NodeHttpClient.layerWithoutAgent.pipe(Layer.provide(NodeHttpClient.makeAgentLayer({ keepAlive: true })))
    : client === "effect-lean"
    ? UndiciHttpClient.layer
    : NodeHttpClient.layerUndici
  const layer = Layer.mergeAll(
    CouchClient.layer({ url: server.url }),
    CouchAuth.layerBasic({ username: server.username, password: Redacted.make(server.password) })
  ).pipe(Layer.provide(http))
  const runtime = ManagedRuntime.make(layer)
  await runtime.runtime()
  const db = Effect.map(CouchClient.CouchClient, (couch) => couch.resource(work.db))
  const database = Effect.map(CouchClient.CouchClient, (couch) => couch.database(work.db))

  switch (work.kind) {
    case "request":
      return {
        run: () =>
          runtime.runPromise(Effect.gen(function*() {
            const doc = (yield* db).document(work.docId)
            const latencies = new Float64Array(work.requests)
            let check = 0
            const one = (index: number) =>
              Effect.suspend(() => {
                const t0 = performance.now()
                return Effect.map(Effect.flatMap(doc.get(), (response) => response.json), (json) => {
                  check += numberField(json, "n")
                  latencies[index] = performance.now() - t0
                })
              })
            const indices = Array.from({ length: work.requests }, (_, i) => i)
            yield* work.concurrency > 1
              ? Effect.forEach(indices, one, { concurrency: work.concurrency, discard: true })
              : Effect.forEach(indices, one, { discard: true })
            return { count: work.requests, check, latencies } satisfies Outcome
          }))
      }
    case "view":
      return {
        run: () =>
          runtime.runPromise(Effect.gen(function*() {
            const rows = View.stream(Database.allDocs(yield* database), { include_docs: true })
            return yield* Stream.runFold(rows, { count: 0, check: 0 }, (acc, row) => {
              acc.count++
              acc.check += docN(row)
              return acc
            })
          }))
      }
    case "changes":
      return {
        run: () =>
          runtime.runPromise(Effect.gen(function*() {
            const changes = work.follow === true
              ? Follow.changes(yield* database, { mode: "oneOff", since: 0 })
              : Changes.stream(yield* database, { feed: "continuous", since: 0, heartbeat: 10_000 })
            return yield* Stream.runFold(changes, { count: 0, check: 0 }, (acc, change) => {
              acc.count++
              acc.check += changeSeqN(change)
              return acc
            })
          }))
      }
    case "find":
      return {
        run: () =>
          runtime.runPromise(Effect.gen(function*() {
            const docs = Mango.find((yield* CouchClient.CouchClient).database(work.db), findQuery(work.docs))
            return yield* Stream.runFold(docs, { count: 0, check: 0 }, (acc, doc) => {
              acc.count++
              acc.check += numberField(doc, "n")
              return acc
            })
          }))
      }
    case "bulk":
      await runtime.runPromise(Effect.flatMap(db, (resource) => resource.put()))
      return {
        run: () =>
          runtime.runPromise(Effect.gen(function*() {
            const database = (yield* CouchClient.CouchClient).database(work.db)
            let check = 0
            for (let start = 1; start <= work.docs; start += work.batch) {
              const docs = []
              for (let i = start; i < start + work.batch && i <= work.docs; i++) docs.push(bulkDocument(i))
              const results = yield* Bulk.save(database, docs)
              if (!bulkResultOk(results, docs.length)) fail("a _bulk_docs write failed")
              check += docs.length
            }
            return { count: check, check } satisfies Outcome
          })),
        cleanup: async () => {
          await runtime.runPromise(Effect.flatMap(db, (resource) => resource.delete()))
          await runtime.dispose()
        }
      }
    case "bulk-stream":
      return {
        run: () =>
          runtime.runPromise(Effect.gen(function*() {
            // Documents generated as the request body is written, results read as they arrive.
            const database = (yield* CouchClient.CouchClient).database(work.db)
            const docs = Stream.range(1, work.docs).pipe(Stream.map(bulkDocument))
            return yield* Stream.runFold(Bulk.saveStream(database, docs), { count: 0, check: 0 }, (acc, result) => {
              if ("ok" in result) {
                acc.count++
                acc.check += docNumber(result.id)
              }
              return acc
            })
          }))
      }
    case "att-down":
      return {
        run: () =>
          runtime.runPromise(Effect.gen(function*() {
            const response = yield* (yield* db).document(work.docId).attachment(work.attName).get()
            const bytes = yield* Stream.runFold(response.stream, 0, (n, chunk) => n + chunk.length)
            return { count: bytes, check: bytes, bytes } satisfies Outcome
          }))
      }
    case "att-up": {
      const block = attachmentBlock()
      return {
        run: () =>
          runtime.runPromise(Effect.gen(function*() {
            const attachment = (yield* db).document(work.docId).attachment(work.attName)
            const response = yield* attachment.put({
              body: Stream.fromIteratorSucceed(attachmentPieces(block, work.bytes), 1),
              contentType: "application/octet-stream",
              contentLength: work.bytes,
              query: { rev: work.rev }
            })
            yield* response.json
            return { count: work.bytes, check: work.bytes, bytes: work.bytes } satisfies Outcome
          }))
      }
    }
  }
}

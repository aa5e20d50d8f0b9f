// Run by scripts/pack-check.ts with plain `node` in a scratch npm project that installed the packed tarballs:
// the client with basic auth over MockCouch, then over UndiciHttpClient against a local server.
import { CouchAuth, CouchClient } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { UndiciHttpClient } from "@effect-couchdb/undici"
import { Effect, Layer, Redacted } from "effect"
import * as assert from "node:assert/strict"
import * as http from "node:http"

const Auth = CouchAuth.layerBasic({ username: "ada", password: Redacted.make("s3cret") })
const Mocked = Layer.mergeAll(CouchClient.layer({ url: "http://couch.test" }), Auth).pipe(
  Layer.provideMerge(MockCouch.layer([MockCouch.route("PUT", "/db/doc", MockCouch.json(409, { error: "conflict" }))]))
)
const conflict = await Effect.gen(function*() {
  const couch = yield* CouchClient.CouchClient
  const error = yield* couch.resource("db", "doc").put({ json: { a: 1 } }).pipe(Effect.flip)
  const [request] = yield* MockCouch.requests
  return { tag: error._tag, authorization: request?.headers.authorization }
}).pipe(Effect.provide(Mocked), Effect.runPromise)
assert.deepEqual(conflict, { tag: "Conflict", authorization: `Basic ${Buffer.from("ada:s3cret").toString("base64")}` })

const server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end("{\"couchdb\":\"Welcome\"}"))
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
const Live = Layer.mergeAll(CouchClient.layer({ url: `http://127.0.0.1:${server.address().port}` }), Auth).pipe(
  Layer.provide(UndiciHttpClient.layer)
)
const welcome = await Effect.gen(function*() {
  const couch = yield* CouchClient.CouchClient
  return yield* (yield* couch.root.get()).json
}).pipe(Effect.provide(Live), Effect.runPromise)
server.close()
assert.deepEqual(welcome, { couchdb: "Welcome" })
console.log("esm smoke: ok")

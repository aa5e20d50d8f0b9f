import { CouchAuth, CouchClient } from "@effect-couchdb/client"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Redacted, Schema } from "effect"
import { createHmac } from "node:crypto"
import * as http from "node:http"
import type { AddressInfo } from "node:net"

/**
 * A server that authenticates proxy requests the way CouchDB's `proxy_authentication_handler`
 * does: mochiweb hands it the header values as raw bytes, the user name is those bytes (read
 * as UTF-8), and the expected token is the HMAC of those bytes. Node's parser gives header
 * values as Latin-1 strings, so `Buffer.from(value, "latin1")` recovers the raw bytes.
 */
const proxyAuthServer = (secret: string) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly server: http.Server }>((resume) => {
      const server = http.createServer((req, res) => {
        const raw = (name: string) => {
          const value = req.headers[name]
          return typeof value === "string" ? Buffer.from(value, "latin1") : undefined
        }
        const name = raw("x-auth-couchdb-username")
        const token = raw("x-auth-couchdb-token")?.toString("latin1")
        const roles = raw("x-auth-couchdb-roles")?.toString("utf8").split(",") ?? []
        const expected = name === undefined ? undefined : createHmac("sha1", secret).update(name).digest("hex")
        const user = name !== undefined && token === expected ? name.toString("utf8") : null
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ ok: true, userCtx: { name: user, roles: user === null ? [] : roles } }))
      })
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as AddressInfo // listening on TCP: address() is an AddressInfo
        resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, server }))
      })
    }),
    ({ server }) =>
      Effect.async<undefined>((resume) => {
        server.closeAllConnections()
        server.close(() => resume(Effect.succeed(undefined)))
      })
  )

const Session = Schema.Struct({
  userCtx: Schema.Struct({ name: Schema.NullOr(Schema.String), roles: Schema.Array(Schema.String) })
})

const transports: ReadonlyArray<readonly [string, Layer.Layer<HttpClient.HttpClient>]> = [
  ["node:http", NodeHttpClient.layer],
  ["undici", NodeHttpClient.layerUndici],
  ["fetch", FetchHttpClient.layer]
]

describe("proxy auth with names outside ASCII, as CouchDB reads them", () => {
  for (const [transport, layer] of transports) {
    it.scoped(`over ${transport}: the user name and roles arrive as UTF-8 and the token matches`, () =>
      Effect.gen(function*() {
        const server = yield* proxyAuthServer("s3cr1t")
        const session = yield* Effect.flatMap(
          CouchClient.CouchClient,
          (couch) => couch.resource("_session").getJson(Session)
        ).pipe(
          CouchAuth.withProvider(
            CouchAuth.proxy({ username: "jöhn✓", roles: ["rédacteur", "読者"], secret: Redacted.make("s3cr1t") })
          ),
          Effect.provide(CouchClient.layerWithoutAuth({ url: server.url }).pipe(Layer.provide(layer)))
        )
        expect(session.userCtx).toEqual({ name: "jöhn✓", roles: ["rédacteur", "読者"] })
      }))
  }
})

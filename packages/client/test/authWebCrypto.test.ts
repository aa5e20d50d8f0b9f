import { CouchAuth, CouchClient } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it, vi } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { createHmac } from "node:crypto"

// Proxy tokens and OAuth signatures are WebCrypto HMACs (`crypto.subtle`); node:crypto checks them.

const mockLayer = CouchClient.layer({ url: "http://couch.test:5984" }).pipe(
  Layer.provideMerge(MockCouch.layer([MockCouch.route("GET", "/db", MockCouch.json(200, { ok: true }))]))
)

/** GET /db as `provider`; the headers that reached the server, or the error. */
const getDb = (provider: CouchAuth.Provider) =>
  Effect.gen(function*() {
    const couch = yield* CouchClient.CouchClient
    yield* couch.resource("db").get().pipe(CouchAuth.withProvider(provider))
    const [request] = yield* MockCouch.requests
    return request?.headers ?? {}
  })

/** Runs `effect` on a platform without WebCrypto. */
const withoutWebCrypto = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.acquireUseRelease(
    Effect.sync(() => vi.stubGlobal("crypto", undefined)),
    () => effect,
    () => Effect.sync(() => vi.unstubAllGlobals())
  )

describe("proxy auth tokens (WebCrypto HMAC)", () => {
  it.effect("HMAC-SHA512 with a key longer than the hash's block matches node:crypto", () =>
    Effect.gen(function*() {
      const secret = "k".repeat(200)
      const headers = yield* getDb(
        CouchAuth.proxy({ username: "zoë", secret: Redacted.make(secret), algorithm: "sha512" })
      )
      const expected = createHmac("sha512", secret).update("zoë", "utf8").digest("hex")
      expect(expected).toHaveLength(128)
      expect(headers["x-auth-couchdb-token"]).toBe(expected)
    }).pipe(Effect.provide(mockLayer)))

  it.effect("an empty secret gives HMAC's token for an empty key (WebCrypto refuses empty keys)", () =>
    Effect.gen(function*() {
      const headers = yield* getDb(CouchAuth.proxy({ username: "bob", secret: Redacted.make("") }))
      expect(headers["x-auth-couchdb-token"]).toBe(createHmac("sha1", "").update("bob").digest("hex"))
    }).pipe(Effect.provide(mockLayer)))

  it.effect("the token is the same on every request of one provider", () =>
    Effect.gen(function*() {
      const provider = CouchAuth.proxy({ username: "carol", secret: Redacted.make("s3cret"), algorithm: "sha256" })
      const couch = yield* CouchClient.CouchClient
      yield* couch.resource("db").get().pipe(CouchAuth.withProvider(provider), Effect.repeatN(2))
      const tokens = (yield* MockCouch.requests).map((r) => r.headers["x-auth-couchdb-token"])
      expect(tokens).toEqual(Array(3).fill(createHmac("sha256", "s3cret").update("carol").digest("hex")))
    }).pipe(Effect.provide(mockLayer)))
})

describe("without WebCrypto", () => {
  it.effect("proxy auth with a secret fails with InvalidRequest and sends nothing; without a secret it works", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        withoutWebCrypto(getDb(CouchAuth.proxy({ username: "dan", secret: Redacted.make("no-crypto-secret") })))
      )
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("WebCrypto")
      expect(error.message).not.toContain("no-crypto-secret")
      expect(yield* MockCouch.requests).toHaveLength(0)
      const headers = yield* withoutWebCrypto(getDb(CouchAuth.proxy({ username: "dan" })))
      expect(headers["x-auth-couchdb-username"]).toBe("dan")
    }).pipe(Effect.provide(mockLayer)))

  it.effect("OAuth fails with InvalidRequest and sends nothing", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(withoutWebCrypto(getDb(CouchAuth.oauth({
        consumerKey: "ck",
        consumerSecret: Redacted.make("no-crypto-consumer"),
        token: "tk",
        tokenSecret: Redacted.make("no-crypto-token")
      }))))
      expect(error._tag).toBe("InvalidRequest")
      expect(error.message).toContain("WebCrypto")
      expect(yield* MockCouch.requests).toHaveLength(0)
    }).pipe(Effect.provide(mockLayer)))
})

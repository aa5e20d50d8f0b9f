/**
 * The transport reads two private things that no type checks: the platform's `withScope`
 * registry (a `globalValue` key) and Node's `Readable#_readableState.ended`. Without them it
 * still works, quietly worse (closing a `withScope` scope stops aborting the request; bodies
 * are read through events). These tests fail on the platform or Node version that changes them.
 */
import { HttpClient, HttpClientResponse } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { Readable } from "node:stream"
import { request } from "undici"
import { scopedRequests } from "../src/internal/client.js"
import { hasEnded } from "../src/internal/response.js"
import * as TestServer from "./server.js"

describe("private dependencies", () => {
  it.scoped("@effect/platform's HttpClient.withScope registers its AbortController under the key we read", () =>
    Effect.gen(function*() {
      let seen: AbortController | undefined
      // Built as UndiciHttpClient.make builds its client: makeWith sees the request withScope registered.
      const probe = HttpClient.makeWith<never, never, never, never>(
        (effect) =>
          Effect.map(effect, (request) => {
            seen = scopedRequests.get(request)
            return HttpClientResponse.fromWeb(request, new Response("ok"))
          }),
        Effect.succeed
      )
      const scope = yield* Scope.make()
      yield* HttpClient.withScope(probe).get("http://couch.test/").pipe(Scope.extend(scope))
      expect(seen).toBeInstanceOf(AbortController)
      expect(seen?.signal.aborted).toBe(false)
      yield* Scope.close(scope, Exit.void)
      expect(seen?.signal.aborted).toBe(true)
    }))

  it("Node's Readable keeps `_readableState.ended`, set once the end is pushed and before 'end' is emitted", () => {
    const readable = new Readable({ read() {} })
    readable.push(Buffer.from("x"))
    expect(hasEnded(readable)).toBe(false)
    readable.push(null)
    expect(readable.readableEnded).toBe(false)
    expect(hasEnded(readable)).toBe(true)
  })

  it.scopedLive("an undici body received whole is seen as ended before it is read", () =>
    Effect.gen(function*() {
      const server = yield* TestServer.make
      const { body } = yield* Effect.promise(() => request(`${server.url}/json`))
      // undici parses the whole small response before the body is handed over.
      yield* Effect.promise(() => new Promise((resolve) => setImmediate(resolve)))
      expect(hasEnded(body)).toBe(true)
      expect(JSON.parse(yield* Effect.promise(() => body.text()))).toEqual(TestServer.doc)
    }))
})

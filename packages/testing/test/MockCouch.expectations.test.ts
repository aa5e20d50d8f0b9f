import { MockCouch } from "@effect-couchdb/testing"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Option } from "effect"

const defectOf = <A, E>(exit: Exit.Exit<A, E>): unknown =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.dieOption(exit.cause)) : undefined

const send = (method: "GET" | "PUT" | "POST", path: string, json?: unknown) =>
  Effect.flatMap(HttpClient.HttpClient, (client) => {
    const request = HttpClientRequest.make(method)(`http://couch.test${path}`)
    return client.execute(json === undefined ? request : HttpClientRequest.bodyUnsafeJson(request, json))
  })

/**
 * Provides an expectation mock without the layer's closing check, for the tests that
 * provoke unexpected requests and check `verify` themselves.
 */
const withMock =
  (expectations: ReadonlyArray<MockCouch.Expectation>, options?: MockCouch.ExpectationsOptions) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.flatMap(MockCouch.makeExpectations(expectations, options), ({ client, service }) =>
      effect.pipe(
        Effect.provideService(HttpClient.HttpClient, client),
        Effect.provideService(MockCouch.MockCouch, service)
      ))

const status = (method: "GET" | "PUT" | "POST", path: string, json?: unknown) =>
  Effect.map(send(method, path, json), (response) => response.status)

describe("MockCouch expectations", () => {
  it.effect("answers expected requests in order, each once; verify passes when all came", () =>
    Effect.gen(function*() {
      expect(yield* status("PUT", "/db")).toBe(201)
      expect(yield* status("PUT", "/db/a")).toBe(201)
      const response = yield* send("GET", "/db/a")
      expect(yield* response.json).toEqual({ _id: "a" })
      yield* MockCouch.verify
    }).pipe(Effect.provide(MockCouch.layerExpectations([
      MockCouch.expect("PUT", "/db", MockCouch.json(201, { ok: true })),
      MockCouch.expect("PUT", "/db/a", MockCouch.json(201, { ok: true, id: "a", rev: "1-x" })),
      MockCouch.expect("GET", "/db/a", MockCouch.json(200, { _id: "a" }))
    ]))))

  it.effect("ordered (the default): a request that is not the next expectation dies, naming the next one", () =>
    Effect.gen(function*() {
      const defect = defectOf(yield* Effect.exit(send("PUT", "/db/a")))
      expect(defect).toBeInstanceOf(MockCouch.UnexpectedRequest)
      expect(String(defect)).toContain("MockCouch: unexpected request PUT /db/a")
      expect(String(defect)).toContain("the next expectation is PUT /db")
      expect(yield* status("PUT", "/db")).toBe(201)
      expect(yield* status("PUT", "/db/a")).toBe(201)
      const error = yield* Effect.flip(MockCouch.verify)
      expect(error.unmet).toEqual([])
      expect(error.unexpected).toEqual(["PUT /db/a"])
    }).pipe(withMock([
      MockCouch.expect("PUT", "/db", MockCouch.json(201, { ok: true })),
      MockCouch.expect("PUT", "/db/a", MockCouch.json(201, { ok: true }))
    ])))

  it.effect("unordered: requests may come in any order, each expectation still used once", () =>
    Effect.gen(function*() {
      expect(yield* status("GET", "/db/b")).toBe(404)
      expect(yield* status("GET", "/db/a")).toBe(200)
      const defect = defectOf(yield* Effect.exit(send("GET", "/db/a")))
      expect(String(defect)).toContain("every expectation was already met")
      expect((yield* Effect.flip(MockCouch.verify)).unexpected).toEqual(["GET /db/a"])
    }).pipe(withMock([
      MockCouch.expect("GET", "/db/a", MockCouch.json(200, {})),
      MockCouch.expect("GET", "/db/b", MockCouch.json(404, { error: "not_found", reason: "missing" }))
    ], { ordered: false })))

  it.effect("an unordered miss lists every expectation left", () =>
    Effect.gen(function*() {
      const defect = defectOf(yield* Effect.exit(send("GET", "/db/c")))
      expect(String(defect)).toContain("the expectations left are:\n    - GET /db/a\n    - GET /db/b (2 of 2 to come)")
    }).pipe(withMock([
      MockCouch.expect("GET", "/db/a", MockCouch.json(200, {})),
      MockCouch.expect("GET", "/db/b", MockCouch.json(200, {}), { times: 2 })
    ], { ordered: false })))

  it.effect("times: an expectation answers that many requests, then is used up", () =>
    Effect.gen(function*() {
      expect(yield* status("POST", "/db/_bulk_docs")).toBe(201)
      expect(yield* status("POST", "/db/_bulk_docs")).toBe(201)
      const error = yield* Effect.flip(MockCouch.verify)
      expect(error.unmet).toEqual(["POST /db/_bulk_docs (1 of 3 to come)"])
      expect(error.message).toContain("expected requests that never came:\n  - POST /db/_bulk_docs (1 of 3 to come)")
      expect(yield* status("POST", "/db/_bulk_docs")).toBe(201)
      yield* MockCouch.verify
      const extra = defectOf(yield* Effect.exit(send("POST", "/db/_bulk_docs")))
      expect(String(extra)).toContain("every expectation was already met")
      expect((yield* Effect.flip(MockCouch.verify)).unexpected).toEqual(["POST /db/_bulk_docs"])
    }).pipe(withMock([MockCouch.expect("POST", "/db/_bulk_docs", MockCouch.json(201, []), { times: 3 })])))

  it.effect("matches on query, headers and JSON body when asked", () =>
    Effect.gen(function*() {
      const client = yield* HttpClient.HttpClient
      const put = (json: unknown, rev: string) =>
        client.execute(
          HttpClientRequest.put("http://couch.test/db/a").pipe(
            HttpClientRequest.setUrlParam("rev", rev),
            HttpClientRequest.setHeader("if-match", rev),
            HttpClientRequest.bodyUnsafeJson(json)
          )
        )
      const wrongBody = defectOf(yield* Effect.exit(put({ n: 2, tags: ["x"] }, "1-a")))
      expect(String(wrongBody)).toContain(
        "the next expectation is PUT /db/a?rev=1-a with body {\"n\":1,\"tags\":[\"x\"]}"
      )
      const wrongRev = defectOf(yield* Effect.exit(put({ n: 1, tags: ["x"] }, "1-b")))
      expect(String(wrongRev)).toContain("PUT /db/a?rev=1-b")
      const response = yield* put({ tags: ["x"], n: 1 }, "1-a")
      expect(response.status).toBe(201)
      expect((yield* Effect.flip(MockCouch.verify)).unexpected).toHaveLength(2)
    }).pipe(withMock([
      MockCouch.expect("PUT", "/db/a", MockCouch.json(201, { ok: true }), {
        query: { rev: "1-a" },
        headers: { "If-Match": "1-a" },
        json: { n: 1, tags: ["x"] }
      })
    ])))

  it.effect("a predicate path, and a reply computed from the request", () =>
    Effect.gen(function*() {
      const response = yield* send("GET", "/db/_design/app/_view/by_type")
      expect(yield* response.json).toEqual({ path: "/db/_design/app/_view/by_type" })
      yield* MockCouch.verify
    }).pipe(Effect.provide(MockCouch.layerExpectations([
      MockCouch.expect(
        "GET",
        (request) => request.path.includes("/_view/"),
        (request) => MockCouch.json(200, { path: request.path }),
        { description: "any view query" }
      )
    ]))))

  it.effect("verify names the expectations that never came, as a typed error", () =>
    Effect.gen(function*() {
      yield* status("PUT", "/db")
      const error = yield* Effect.flip(MockCouch.verify)
      expect(error._tag).toBe("ExpectationsNotMet")
      expect(error.unmet).toEqual(["PUT /db/a", "GET /^\\/db\\/_changes/"])
      expect(error.message).toBe(
        "MockCouch: expectations not met\nexpected requests that never came:\n  - PUT /db/a\n  - GET /^\\/db\\/_changes/"
      )
    }).pipe(withMock([
      MockCouch.expect("PUT", "/db", MockCouch.json(201, { ok: true })),
      MockCouch.expect("PUT", "/db/a", MockCouch.json(201, { ok: true })),
      MockCouch.expect("GET", /^\/db\/_changes/, MockCouch.json(200, { results: [] }))
    ])))

  it.effect("verify reports an unexpected request even when the test swallowed its defect", () =>
    Effect.gen(function*() {
      yield* send("GET", "/typo").pipe(Effect.catchAllDefect(() => Effect.void))
      const error = yield* Effect.flip(MockCouch.verify)
      expect(error.unexpected).toEqual(["GET /typo"])
      expect(error.message).toContain("unexpected requests:\n  - GET /typo")
    }).pipe(withMock([])))

  it.effect("the layer's scope fails the test with what was missing, and passes when all came", () =>
    Effect.gen(function*() {
      const expectations = [
        MockCouch.expect("PUT", "/db", MockCouch.json(201, { ok: true })),
        MockCouch.expect("PUT", "/db/a", MockCouch.json(201, { ok: true }))
      ]
      const partly = yield* Effect.exit(
        status("PUT", "/db").pipe(Effect.provide(MockCouch.layerExpectations(expectations)))
      )
      const defect = defectOf(partly)
      expect(defect).toBeInstanceOf(MockCouch.ExpectationsNotMet)
      expect(String(defect)).toContain("expected requests that never came:\n  - PUT /db/a")

      const fully = yield* Effect.exit(
        Effect.zipRight(status("PUT", "/db"), status("PUT", "/db/a")).pipe(
          Effect.provide(MockCouch.layerExpectations(expectations))
        )
      )
      expect(fully).toEqual(Exit.succeed(201))
    }))

  it("rejects a times that is not a positive integer", () => {
    expect(() => MockCouch.expect("GET", "/", MockCouch.json(200, {}), { times: 0 })).toThrow(RangeError)
    expect(() => MockCouch.expect("GET", "/", MockCouch.json(200, {}), { times: 1.5 })).toThrow("positive integer")
  })
})

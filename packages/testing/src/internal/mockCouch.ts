import type * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import type { Expectation, ExpectationsOptions, Options, RecordedRequest, Reply, Route, Service } from "../MockCouch.js"
import { ExpectationsNotMet, UnexpectedRequest } from "./errors.js"

const encoder = new TextEncoder()
const toBytes = (chunk: Uint8Array | string) => typeof chunk === "string" ? encoder.encode(chunk) : chunk

const bodyBytes = (body: HttpBody.HttpBody): Effect.Effect<Uint8Array | undefined> => {
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(body.body)
    case "Raw":
      return Effect.succeed(encoder.encode(typeof body.body === "string" ? body.body : String(body.body)))
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((chunks) => concat(Chunk.toReadonlyArray(chunks))),
        Effect.orElseSucceed(() => undefined)
      )
    case "FormData":
      return Effect.succeed(undefined)
  }
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

const webBody = (
  reply: Reply,
  signal: AbortSignal,
  runtime: Runtime.Runtime<never>
): ReadableStream<Uint8Array> | null => {
  if (reply._tag === "TransportFailure") return null
  if (reply._tag === "Stream") {
    return Stream.toReadableStreamRuntime(
      Stream.map(reply.body, toBytes),
      runtime,
      { strategy: { highWaterMark: 0 } }
    )
  }
  if (reply._tag === "Lazy") {
    let n = 0
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = reply.next(n++)
        if (next === undefined) controller.close()
        else controller.enqueue(toBytes(next))
      }
    }, { highWaterMark: 0 })
  }
  const delayMs = Duration.toMillis(reply.delay)
  let index = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs))
      if (signal.aborted) return
      const chunk = reply.chunks[index++]
      if (chunk !== undefined) {
        controller.enqueue(toBytes(chunk))
      } else if (reply.fail !== undefined) {
        controller.error(Object.assign(new Error(reply.fail), { code: "ECONNRESET" }))
      } else {
        controller.close()
      }
    }
  }, { highWaterMark: 0 })
}

const describeRequest = (request: RecordedRequest): string => {
  const line = `${request.method} ${request.path}${request.url.search}`
  if (request.body === undefined || request.body === "") return line
  const body = request.body.length > 200 ? `${request.body.slice(0, 200)}…` : request.body
  return `${line}\n    body: ${body}`
}

/** What to do with a request: answer it, or fail the test with a message. */
type Decision =
  | { readonly _tag: "Answer"; readonly handle: Route["handle"] }
  | { readonly _tag: "Unexpected"; readonly message: string }

/**
 * The mock client over a function that decides each request. Requests it does not expect
 * die with `UnexpectedRequest` and are remembered for `verify`.
 */
const build = (
  decide: (request: RecordedRequest) => Decision,
  unmet: () => ReadonlyArray<string>
): { readonly client: HttpClient.HttpClient; readonly service: Service } => {
  const recorded: Array<RecordedRequest> = []
  const unexpected: Array<string> = []
  const client = HttpClient.make((request: HttpClientRequest.HttpClientRequest, url, signal) =>
    Effect.gen(function*() {
      const bytes = yield* bodyBytes(request.body)
      const seen: RecordedRequest = {
        method: request.method,
        url,
        path: url.pathname,
        query: url.searchParams,
        headers: { ...request.headers },
        body: bytes === undefined ? undefined : new TextDecoder().decode(bytes),
        bodyBytes: bytes,
        aborted: () => signal.aborted
      }
      recorded.push(seen)
      const decision = decide(seen)
      if (decision._tag === "Unexpected") {
        unexpected.push(describeRequest(seen))
        return yield* Effect.die(new UnexpectedRequest({ request: seen, message: decision.message }))
      }
      const handled = decision.handle(seen)
      const reply = Effect.isEffect(handled) ? yield* handled : handled
      if (reply._tag === "TransportFailure") {
        return yield* Effect.fail(
          new HttpClientError.RequestError({
            request,
            reason: "Transport",
            cause: Object.assign(new Error(reply.description), { code: reply.description })
          })
        )
      }
      const status = reply.status
      const noBody = request.method === "HEAD" || status === 204 || status === 304
      const runtime = yield* Effect.runtime<never>()
      return HttpClientResponse.fromWeb(
        request,
        new Response(noBody ? null : webBody(reply, signal, runtime), { status, headers: reply.headers })
      )
    })
  )
  const verify = Effect.suspend(() => {
    const missing = unmet()
    return missing.length === 0 && unexpected.length === 0
      ? Effect.void
      : Effect.fail(new ExpectationsNotMet({ unmet: missing, unexpected: [...unexpected] }))
  })
  return { client, service: { requests: Effect.sync(() => [...recorded]), verify } }
}

/** CouchDB's 404 for a missing document. */
const notFound: Reply = {
  _tag: "Body",
  status: 404,
  headers: { "content-type": "application/json" },
  chunks: [`${JSON.stringify({ error: "not_found", reason: "missing" })}\n`],
  delay: Duration.zero,
  fail: undefined
}

const pathMatches = (path: Route["path"] | Expectation["path"], request: RecordedRequest) =>
  typeof path === "string" ? path === request.path : path instanceof RegExp ? path.test(request.path) : path(request)

const methodMatches = (method: string, request: RecordedRequest) => method === "*" || method === request.method

/** @internal */
export const make = (
  routes: ReadonlyArray<Route>,
  options: Options = {}
): Effect.Effect<{ readonly client: HttpClient.HttpClient; readonly service: Service }> =>
  Effect.sync(() =>
    build((request) => {
      const found = routes.find((r) => methodMatches(r.method, request) && pathMatches(r.path, request))
      if (found !== undefined) return { _tag: "Answer", handle: found.handle }
      if (options.unrouted === "notFound") return { _tag: "Answer", handle: () => notFound }
      return { _tag: "Unexpected", message: `MockCouch: no route for ${describeRequest(request)}` }
    }, () => [])
  )

const jsonEqual = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const keysA = Object.keys(a)
  const keysB = Object.keys(b)
  return keysA.length === keysB.length &&
    keysA.every((key) => Object.hasOwn(b, key) && jsonEqual(Reflect.get(a, key), Reflect.get(b, key)))
}

const parseJson = (text: string | undefined): { readonly ok: boolean; readonly value: unknown } => {
  if (text === undefined) return { ok: false, value: undefined }
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false, value: undefined }
  }
}

const expectationMatches = (expectation: Expectation, request: RecordedRequest): boolean => {
  if (!methodMatches(expectation.method, request) || !pathMatches(expectation.path, request)) return false
  const query = expectation.query ?? {}
  if (Object.entries(query).some(([key, value]) => request.query.get(key) !== value)) return false
  const headers = expectation.headers ?? {}
  if (Object.entries(headers).some(([key, value]) => request.headers[key.toLowerCase()] !== value)) return false
  if (expectation.json === undefined) return true
  const body = parseJson(request.body)
  return body.ok && jsonEqual(body.value, expectation.json)
}

const describeExpectation = (expectation: Expectation, left: number) =>
  expectation.times === 1
    ? expectation.description
    : `${expectation.description} (${left} of ${expectation.times} to come)`

/** @internal */
export const makeExpectations = (
  expectations: ReadonlyArray<Expectation>,
  options: ExpectationsOptions = {}
): Effect.Effect<{ readonly client: HttpClient.HttpClient; readonly service: Service }> =>
  Effect.sync(() => {
    const ordered = options.ordered ?? true
    const left = expectations.map((e) => e.times)
    const isLeft = (i: number) => (left[i] ?? 0) > 0
    const nextInOrder = (request: RecordedRequest) => {
      const next = expectations.findIndex((_, i) => isLeft(i))
      const expectation = expectations[next]
      return expectation !== undefined && expectationMatches(expectation, request) ? next : -1
    }
    const pending = () => expectations.flatMap((e, i) => isLeft(i) ? [describeExpectation(e, left[i] ?? 0)] : [])
    return build((request) => {
      const index = ordered
        ? nextInOrder(request)
        : expectations.findIndex((e, i) => isLeft(i) && expectationMatches(e, request))
      const found = expectations[index]
      if (found !== undefined) {
        left[index] = (left[index] ?? 0) - 1
        return { _tag: "Answer", handle: found.handle }
      }
      const rest = pending()
      const waiting = rest.length === 0
        ? "every expectation was already met"
        : ordered
        ? `the next expectation is ${rest[0]}`
        : `the expectations left are:\n${rest.map((line) => `    - ${line}`).join("\n")}`
      return { _tag: "Unexpected", message: `MockCouch: unexpected request ${describeRequest(request)}\n  ${waiting}` }
    }, pending)
  })

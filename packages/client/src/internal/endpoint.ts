/**
 * The one way an endpoint is declared: the request it sends (method, path below its handle,
 * query, headers, body) built from the handle and the caller's options, and the result it
 * decodes from the response. Each public operation is `make(request, response)`, a `dual`
 * function that takes the handle first or is piped.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { CouchAuth } from "../CouchAuth.js"
import type { CouchResponse, Method, QueryValue, RequestBody } from "../CouchClient.js"
import type { CouchError, InvalidRequest } from "../CouchError.js"
import { type Handle, isHandle } from "../Handle.js"

/**
 * A request relative to a handle.
 *
 * @internal
 */
export interface Request {
  readonly method: Method
  /** Segments after the handle's own path, e.g. `["_all_docs"]`. */
  readonly path?: ReadonlyArray<string> | undefined
  readonly query?: Readonly<Record<string, QueryValue>> | undefined
  readonly headers?: Readonly<Record<string, string>> | undefined
  /** A JSON body. */
  readonly json?: unknown
  readonly body?: RequestBody | undefined
  readonly contentType?: string | undefined
  readonly contentLength?: number | undefined
  /** Whether the retry policy may resend it (a POST that only reads); see `CouchRequest`. */
  readonly idempotent?: boolean | "write" | undefined
  /** The wait for the response, overriding the client's (see `CouchRequest`). */
  readonly timeout?: Duration.DurationInput | "none" | undefined
  /** Extra span attributes, e.g. `db.operation.batch.size`. */
  readonly spanAttributes?: Readonly<Record<string, unknown>> | undefined
  /** Abort the request when the scope in context closes (feeds); see `CouchRequest`. */
  readonly scoped?: boolean | undefined
}

/** What builds a request: a request, or `InvalidRequest` when the options cannot become one. @internal */
export type BuildRequest<H, O> = (self: H, options: O) => Request | Either.Either<Request, InvalidRequest>

/** @internal */
export const send = (handle: Handle, request: Request): Effect.Effect<CouchResponse, CouchError, CouchAuth> =>
  handle.client.execute({
    ...request,
    segments: request.path === undefined || request.path.length === 0
      ? handle.segments
      : [...handle.segments, ...request.path]
  })

const build = <H, O>(
  request: BuildRequest<H, O>,
  self: H,
  options: O
): Effect.Effect<Request, InvalidRequest> => {
  const built = request(self, options)
  return Either.isEither(built) ? built : Effect.succeed(built)
}

/** `dual`'s test: the handle comes first in a data-first call. @internal */
export const isDataFirst = (args: IArguments): boolean => isHandle(args[0])

/**
 * An operation: `f(handle, options?)` or `handle.pipe(f(options?))`.
 *
 * @internal
 */
export const make = <H extends Handle, O, A>(
  request: BuildRequest<H, O>,
  response: (response: CouchResponse, self: H, options: O) => Effect.Effect<A, CouchError, CouchAuth>
): {
  (options?: O): (self: H) => Effect.Effect<A, CouchError, CouchAuth>
  (self: H, options?: O): Effect.Effect<A, CouchError, CouchAuth>
} =>
  dual(isDataFirst, (self: H, options?: O) => {
    // An operation whose options are all optional is called without any: `{}` stands for none.
    const opts = (options ?? {}) as O
    return Effect.flatMap(
      build(request, self, opts),
      (built) => Effect.flatMap(send(self, built), (res) => response(res, self, opts))
    )
  })

/**
 * An operation whose argument is required: `f(handle, input)` or `handle.pipe(f(input))`.
 *
 * @internal
 */
export const makeWith = <H extends Handle, I, A>(
  request: BuildRequest<H, I>,
  response: (response: CouchResponse, self: H, input: I) => Effect.Effect<A, CouchError, CouchAuth>
): {
  (input: I): (self: H) => Effect.Effect<A, CouchError, CouchAuth>
  (self: H, input: I): Effect.Effect<A, CouchError, CouchAuth>
} =>
  dual(
    isDataFirst,
    (self: H, input: I) =>
      Effect.flatMap(
        build(request, self, input),
        (built) => Effect.flatMap(send(self, built), (res) => response(res, self, input))
      )
  )

/**
 * A feed: the request is sent when the stream starts, and `response` turns the response
 * into the stream of items (reading the body as the stream is pulled).
 *
 * @internal
 */
export const feed = <H extends Handle, O, A>(
  request: BuildRequest<H, O>,
  response: (
    response: CouchResponse,
    self: H,
    options: O
  ) => Effect.Effect<Stream.Stream<A, CouchError>, CouchError, Scope.Scope>
): {
  (options?: O): (self: H) => Stream.Stream<A, CouchError, CouchAuth>
  (self: H, options?: O): Stream.Stream<A, CouchError, CouchAuth>
} =>
  dual(isDataFirst, (self: H, options?: O) => {
    // As in `make`: `{}` stands for no options.
    const opts = (options ?? {}) as O
    return Stream.unwrapScoped(
      Effect.flatMap(
        build(request, self, opts),
        (built) => Effect.flatMap(send(self, { ...built, scoped: true }), (res) => response(res, self, opts))
      )
    )
  })

/** Decodes the JSON body with `schema`. @internal */
export const json =
  <A, I>(schema: Schema.Schema<A, I, never>) => (response: CouchResponse): Effect.Effect<A, CouchError> =>
    response.decode(schema)

/** Reads and drops the body. @internal */
export const discard = (response: CouchResponse): Effect.Effect<void, CouchError> => Effect.asVoid(response.bytes)

/**
 * The query parameters of `options` named in `names`, with CouchDB's names; `undefined`
 * values are left out by the client.
 *
 * @internal
 */
export const pick = <O extends object, K extends keyof O & string>(
  options: O,
  names: ReadonlyArray<K>
): Record<string, QueryValue> => {
  const query: Record<string, QueryValue> = {}
  for (const name of names) {
    // The option types of every endpoint only hold query-encodable values under these names.
    query[name] = options[name] as QueryValue
  }
  return query
}

/**
 * A stream over pages fetched one at a time: `fetch(cursor)` returns a page's items and the
 * cursor of the next page (a bookmark, a start key). The next page is fetched only when the
 * stream is pulled past the current one; the stream ends at an empty page, when there is no
 * next cursor, or when the next cursor is the current one again (asking again would loop).
 *
 * @internal
 */
export const pages = <C, A, E, R>(
  fetch: (
    cursor: C | undefined
  ) => Effect.Effect<{ readonly items: ReadonlyArray<A>; readonly next: C | undefined }, E, R>
): Stream.Stream<A, E, R> =>
  Stream.paginateChunkEffect<{ readonly cursor: C | undefined }, A, E, R>(
    { cursor: undefined },
    (state) =>
      Effect.map(fetch(state.cursor), (page) => [
        Chunk.fromIterable(page.items),
        page.items.length === 0 || page.next === undefined || page.next === state.cursor
          ? Option.none()
          : Option.some({ cursor: page.next })
      ])
  )

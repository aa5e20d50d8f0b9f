/**
 * What every handle shares. A handle — `Database`, `Document`, `DesignDocument`, `Attachment`,
 * `Partition`, `View`, `AllDocs` — is an immutable, `Pipeable` value naming one CouchDB
 * resource of one client; building it sends nothing. Operations take the handle they work on,
 * data-first or piped, and its type says what it is: a view query does not accept a document.
 *
 * @since 0.2.0
 */
import type * as Effect from "effect/Effect"
import type * as Equal from "effect/Equal"
import type * as Inspectable from "effect/Inspectable"
import type { Pipeable } from "effect/Pipeable"
import type * as Stream from "effect/Stream"
import type { CouchAuth } from "./CouchAuth.js"
import type { Service } from "./CouchClient.js"
import type { CouchError } from "./CouchError.js"
import * as CouchUrl from "./CouchUrl.js"

/**
 * @since 0.2.0
 * @category type ids
 */
export const TypeId: unique symbol = Symbol.for("@effect-couchdb/client/Handle")

/**
 * @since 0.2.0
 * @category type ids
 */
export type TypeId = typeof TypeId

/**
 * A path below a client's root, tagged with what lives there. Two handles are `Equal` when
 * they have the same tag, client and path.
 *
 * @since 0.2.0
 * @category models
 */
export interface Handle extends Pipeable, Equal.Equal, Inspectable.Inspectable {
  readonly [TypeId]: TypeId
  readonly _tag: string
  /** The client whose server the handle is on. */
  readonly client: Service
  /** The raw (unescaped) path segments below the client's root. */
  readonly segments: ReadonlyArray<string>
}

/**
 * @since 0.2.0
 * @category guards
 */
export const isHandle = (u: unknown): u is Handle => typeof u === "object" && u !== null && TypeId in u

/**
 * The full URL of a handle, without credentials.
 *
 * @since 0.2.0
 * @category accessors
 */
export const url = (handle: Handle): string => CouchUrl.join(handle.client.url, ...handle.segments)

/**
 * An operation on a handle with an optional options object: `f(handle, options?)` or
 * `handle.pipe(f(options?))`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Operation<H extends Handle, Options, A> {
  (options?: Options): (self: H) => Effect.Effect<A, CouchError, CouchAuth>
  (self: H, options?: Options): Effect.Effect<A, CouchError, CouchAuth>
}

/**
 * An operation on a handle that needs an argument: `f(handle, input)` or
 * `handle.pipe(f(input))`.
 *
 * @since 0.2.0
 * @category models
 */
export interface OperationWith<H extends Handle, Input, A> {
  (input: Input): (self: H) => Effect.Effect<A, CouchError, CouchAuth>
  (self: H, input: Input): Effect.Effect<A, CouchError, CouchAuth>
}

/**
 * A feed on a handle with an optional options object: `f(handle, options?)` or
 * `handle.pipe(f(options?))`, a `Stream` read as it is pulled.
 *
 * @since 0.2.0
 * @category models
 */
export interface Feed<H extends Handle, Options, A> {
  (options?: Options): (self: H) => Stream.Stream<A, CouchError, CouchAuth>
  (self: H, options?: Options): Stream.Stream<A, CouchError, CouchAuth>
}

/**
 * A handle on a URL path below the server root. Building one sends nothing; its methods
 * send one request each.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import type * as Schema from "effect/Schema"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchResponse, Method, RequestOptions, Service } from "./CouchClient.js"
import type { CouchError } from "./CouchError.js"
import * as CouchUrl from "./CouchUrl.js"
import type * as Handle from "./Handle.js"

/**
 * @since 0.1.0
 * @category models
 */
export interface Resource {
  /** The client the resource sends with. */
  readonly client: Service
  /** The raw (unescaped) path segments below the server root. */
  readonly segments: ReadonlyArray<string>
  /** The full URL, segments escaped, without credentials. */
  readonly url: string
  /** A sub-resource: each argument is one path segment, escaped as a whole. */
  readonly resource: (...segments: ReadonlyArray<string>) => Resource
  /** The resource of a document id (`_design/x` and `_local/x` keep their slash). */
  readonly document: (id: string) => Resource
  /** The resource of an attachment name (split on `/`). */
  readonly attachment: (name: string) => Resource
  /** Sends a request to this resource. Statuses ≥ 400 fail with their tagged error. */
  readonly request: (method: Method, options?: RequestOptions) => Effect.Effect<CouchResponse, CouchError, CouchAuth>
  readonly get: (options?: RequestOptions) => Effect.Effect<CouchResponse, CouchError, CouchAuth>
  readonly head: (options?: RequestOptions) => Effect.Effect<CouchResponse, CouchError, CouchAuth>
  readonly put: (options?: RequestOptions) => Effect.Effect<CouchResponse, CouchError, CouchAuth>
  readonly post: (options?: RequestOptions) => Effect.Effect<CouchResponse, CouchError, CouchAuth>
  readonly delete: (options?: RequestOptions) => Effect.Effect<CouchResponse, CouchError, CouchAuth>
  readonly copy: (options?: RequestOptions) => Effect.Effect<CouchResponse, CouchError, CouchAuth>
  readonly options: (options?: RequestOptions) => Effect.Effect<CouchResponse, CouchError, CouchAuth>
  /** Sends a request and decodes the JSON response with `schema`. */
  readonly json: <A, I>(
    method: Method,
    schema: Schema.Schema<A, I, never>,
    options?: RequestOptions
  ) => Effect.Effect<A, CouchError, CouchAuth>
  readonly getJson: <A, I>(
    schema: Schema.Schema<A, I, never>,
    options?: RequestOptions
  ) => Effect.Effect<A, CouchError, CouchAuth>
  readonly putJson: <A, I>(
    schema: Schema.Schema<A, I, never>,
    options?: RequestOptions
  ) => Effect.Effect<A, CouchError, CouchAuth>
  readonly postJson: <A, I>(
    schema: Schema.Schema<A, I, never>,
    options?: RequestOptions
  ) => Effect.Effect<A, CouchError, CouchAuth>
  readonly deleteJson: <A, I>(
    schema: Schema.Schema<A, I, never>,
    options?: RequestOptions
  ) => Effect.Effect<A, CouchError, CouchAuth>
}

/**
 * A resource at `segments` below the client's root.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (client: Service, segments: ReadonlyArray<string>): Resource => {
  const request = (method: Method, options?: RequestOptions) => client.execute({ ...options, method, segments })
  const json = <A, I>(method: Method, schema: Schema.Schema<A, I, never>, options?: RequestOptions) =>
    Effect.flatMap(request(method, options), (response) => response.decode(schema))
  const self: Resource = {
    client,
    segments,
    url: CouchUrl.join(client.url, ...segments),
    resource: (...more) => make(client, [...segments, ...more]),
    document: (id) => make(client, [...segments, ...CouchUrl.documentSegments(id)]),
    attachment: (name) => make(client, [...segments, ...CouchUrl.attachmentSegments(name)]),
    request,
    get: (options) => request("GET", options),
    head: (options) => request("HEAD", options),
    put: (options) => request("PUT", options),
    post: (options) => request("POST", options),
    delete: (options) => request("DELETE", options),
    copy: (options) => request("COPY", options),
    options: (options) => request("OPTIONS", options),
    json,
    getJson: (schema, options) => json("GET", schema, options),
    putJson: (schema, options) => json("PUT", schema, options),
    postJson: (schema, options) => json("POST", schema, options),
    deleteJson: (schema, options) => json("DELETE", schema, options)
  }
  return self
}

/**
 * The `Resource` at a handle's path: the untyped escape hatch for a request no typed
 * operation covers, e.g. `Resource.of(db).resource("_purge").post({ json })`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const of = (handle: Handle.Handle): Resource => make(handle.client, handle.segments)

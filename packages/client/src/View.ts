/**
 * Views and `_all_docs`, streamed row by row and decoded with Schema. Works with CouchDB's
 * row-per-line bodies and with single-line bodies (pouchdb-server) alike, without holding
 * the body in memory; `total_rows`, `offset` and `update_seq` are available from `open`.
 * A `200` body without a `rows` array (another resource's, or an `error`) is a `DecodeError`;
 * a body cut short is a `TransportError` of kind `Reset`.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Changes from "./Changes.js"
import type { CouchAuth } from "./CouchAuth.js"
import type { QueryValue, RequestOptions } from "./CouchClient.js"
import type { CouchError } from "./CouchError.js"
import type { Database } from "./Database.js"
import type { DesignDocument } from "./DesignDocument.js"
import type * as Handle from "./Handle.js"
import * as Feed from "./internal/feed.js"
import * as RowShape from "./internal/rowShape.js"
import type { Partition } from "./Partition.js"
import type { Resource } from "./Resource.js"

/**
 * Every view query parameter CouchDB 3.x knows, with CouchDB's names. `key`, `keys`,
 * `startkey`/`start_key` and `endkey`/`end_key` are JSON values (`null` is sent as `null`,
 * `undefined` leaves the parameter out); `keys` goes in a POST body.
 *
 * @since 0.1.0
 * @category models
 */
export interface ViewParams {
  readonly conflicts?: boolean | undefined
  readonly descending?: boolean | undefined
  readonly endkey?: unknown
  readonly end_key?: unknown
  readonly endkey_docid?: string | undefined
  readonly end_key_doc_id?: string | undefined
  readonly group?: boolean | undefined
  readonly group_level?: number | undefined
  readonly include_docs?: boolean | undefined
  readonly attachments?: boolean | undefined
  readonly att_encoding_info?: boolean | undefined
  readonly inclusive_end?: boolean | undefined
  readonly key?: unknown
  readonly keys?: ReadonlyArray<unknown> | undefined
  readonly limit?: number | undefined
  readonly reduce?: boolean | undefined
  readonly skip?: number | undefined
  readonly sorted?: boolean | undefined
  readonly stable?: boolean | undefined
  readonly stale?: "ok" | "update_after" | undefined
  readonly startkey?: unknown
  readonly start_key?: unknown
  readonly startkey_docid?: string | undefined
  readonly start_key_doc_id?: string | undefined
  readonly update?: boolean | "lazy" | undefined
  readonly update_seq?: boolean | undefined
}

const jsonParams = new Set(["key", "startkey", "start_key", "endkey", "end_key"])

/**
 * The query string and body of a view request.
 *
 * @since 0.1.0
 * @category encoding
 */
export const toRequest = (params: ViewParams): RequestOptions => {
  const query: Record<string, QueryValue> = {}
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || name === "keys") continue
    // A string key must be sent as a JSON string; other values are JSON-encoded by the client.
    query[name] = jsonParams.has(name) && typeof value === "string" ? JSON.stringify(value) : queryValue(value)
  }
  return params.keys !== undefined ? { query, json: { keys: params.keys } } : { query }
}

const queryValue = (value: unknown): QueryValue =>
  typeof value === "object" || typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? value as QueryValue // `object` includes null: sent as JSON by the client, which refuses what JSON cannot carry
    : [value] // a BigInt, function or symbol: wrapped so that the client's JSON check names it

/**
 * Schemas for the parts of a row. Each defaults to any JSON value; `key` and `value` must be
 * there (a row without them is a `DecodeError`).
 *
 * @since 0.1.0
 * @category models
 */
export interface RowSchemas<
  K extends Schema.Schema.AnyNoContext,
  V extends Schema.Schema.AnyNoContext,
  D extends Schema.Schema.AnyNoContext
> {
  readonly key?: K | undefined
  readonly value?: V | undefined
  readonly doc?: D | undefined
}

/**
 * A row. `id` is absent in reduced rows. `doc` is there with `include_docs`: the document
 * decoded with the doc Schema, or `null` when there is none (a deleted document, or one a
 * linked `{_id}` names that does not exist); `null` is never given to the doc Schema.
 *
 * @since 0.1.0
 * @category models
 */
export interface Row<K, V, D> {
  readonly id?: string | undefined
  readonly key: K
  readonly value: V
  readonly doc?: D | null | undefined
}

/**
 * The `value` of an `_all_docs` row: the document's winning revision, and `deleted: true`
 * when that revision is a deletion (deleted documents appear only when `keys` names them,
 * with `doc: null`). Pass it as the `value` Schema to have rows typed so.
 *
 * @since 0.2.0
 * @category schemas
 * @example
 * ```ts
 * import { CouchClient, View } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const Todo = Schema.Struct({ title: Schema.String })
 *
 * const program = Effect.gen(function* () {
 *   const db = (yield* CouchClient.CouchClient).resource("todos")
 *   yield* View.stream(View.allDocs(db), { keys: ["a", "b"], include_docs: true }, {
 *     key: Schema.String,
 *     value: View.AllDocsValue,
 *     doc: Todo
 *   }).pipe(
 *     Stream.runForEach((row) =>
 *       View.isErrorRow(row)
 *         ? Effect.log(`${row.key}: ${row.error}`)
 *         : row.value.deleted
 *         ? Effect.log(`${row.key} was deleted at ${row.value.rev}`)
 *         : Effect.log(row.key, row.doc?.title)
 *     )
 *   )
 * })
 * ```
 */
export const AllDocsValue = Schema.Struct({ rev: Schema.String, deleted: Schema.optional(Schema.Literal(true)) })

/**
 * @since 0.2.0
 * @category models
 */
export type AllDocsValue = typeof AllDocsValue.Type

/**
 * The row `_all_docs` returns for a requested key that does not exist.
 *
 * @since 0.1.0
 * @category models
 */
export interface ErrorRow<K> {
  readonly key: K
  readonly error: string
  readonly reason?: string | undefined
}

/**
 * @since 0.1.0
 * @category guards
 */
export const isErrorRow = <K, V, D>(row: Row<K, V, D> | ErrorRow<K>): row is ErrorRow<K> => "error" in row

/**
 * What the server said about the whole result, besides the rows.
 *
 * @since 0.1.0
 * @category models
 */
export interface Meta {
  readonly totalRows: Option.Option<number>
  readonly offset: Option.Option<number>
  readonly updateSeq: Option.Option<Changes.Seq>
}

/**
 * An open view result.
 *
 * @since 0.1.0
 * @category models
 */
export interface ViewFeed<R> {
  readonly rows: Stream.Stream<R, CouchError>
  /**
   * The metadata read so far: everything the server sent before the rows once `open`
   * succeeds, plus anything sent after them once the rows are drained.
   */
  readonly meta: Effect.Effect<Meta>
}

type WithKeys = ViewParams & { readonly keys: ReadonlyArray<unknown> }
type WithoutKeys = ViewParams & { readonly keys?: undefined }
type RowOf<
  K extends Schema.Schema.AnyNoContext,
  V extends Schema.Schema.AnyNoContext,
  D extends Schema.Schema.AnyNoContext
> = Row<Schema.Schema.Type<K>, Schema.Schema.Type<V>, Schema.Schema.Type<D>>

/**
 * Queries a view or `_all_docs` (`target` is that resource, e.g. `allDocs(db)` or
 * `view(db, "app", "by_type")`). The request is sent, and an error status fails, before
 * this succeeds; rows are read as `rows` is pulled. Closed with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export function open<
  K extends Schema.Schema.AnyNoContext = typeof Schema.Unknown,
  V extends Schema.Schema.AnyNoContext = typeof Schema.Unknown,
  D extends Schema.Schema.AnyNoContext = typeof Schema.Unknown
>(
  target: Resource,
  params: WithKeys,
  schemas?: RowSchemas<K, V, D>
): Effect.Effect<ViewFeed<RowOf<K, V, D> | ErrorRow<Schema.Schema.Type<K>>>, CouchError, CouchAuth | Scope.Scope>
export function open<
  K extends Schema.Schema.AnyNoContext = typeof Schema.Unknown,
  V extends Schema.Schema.AnyNoContext = typeof Schema.Unknown,
  D extends Schema.Schema.AnyNoContext = typeof Schema.Unknown
>(
  target: Resource,
  params?: WithoutKeys,
  schemas?: RowSchemas<K, V, D>
): Effect.Effect<ViewFeed<RowOf<K, V, D>>, CouchError, CouchAuth | Scope.Scope>
export function open(
  target: Resource,
  params: ViewParams = {},
  schemas: RowSchemas<Schema.Schema.AnyNoContext, Schema.Schema.AnyNoContext, Schema.Schema.AnyNoContext> = {}
) {
  return Effect.gen(function*() {
    const options = toRequest(params)
    const response = yield* (options.json !== undefined ? target.post(options) : target.get(options))
    const keySchema = schemas.key ?? RowShape.Present
    const valueSchema = schemas.value ?? RowShape.Present
    const docSchema = schemas.doc ?? Schema.Unknown
    const row = RowShape.ViewRow(keySchema, valueSchema, docSchema)
    const key = RowShape.part(keySchema)
    const fastRow = RowShape.viewRow(key, RowShape.part(valueSchema), RowShape.orNullPart(docSchema))
    const fastErrorRow = RowShape.errorRow(key)
    const decode = params.keys !== undefined
      // The error row first: a normal row never has `error`, while a `value` Schema accepting `undefined` would
      // accept an error row.
      ? Feed.decoder(response, Schema.Union(RowShape.ErrorRow(keySchema), row), (value) => {
        // `errorRow` declines exactly when the Schema's error row fails, so the union goes on with the row.
        const decoded = fastErrorRow(value)
        return decoded === RowShape.mismatch ? fastRow(value) : decoded
      })
      : Feed.decoder(response, row, fastRow)
    const meta: { -readonly [K in keyof Meta]: Meta[K] } = {
      totalRows: Option.none(),
      offset: Option.none(),
      updateSeq: Option.none()
    }
    const decodeSeq = Schema.decodeUnknownOption(Changes.Seq)
    const rows = yield* Feed.parse(
      response,
      Feed.framed(response, "rows", decode, (key, value) => {
        if (key === "total_rows" && typeof value === "number") meta.totalRows = Option.some(value)
        else if (key === "offset" && typeof value === "number") meta.offset = Option.some(value)
        else if (key === "update_seq") meta.updateSeq = decodeSeq(value)
      })
    )
    return { rows, meta: Effect.sync(() => ({ ...meta })) }
  })
}

/**
 * The rows of a view or `_all_docs`, as a stream.
 *
 * @since 0.1.0
 * @category streams
 * @example
 * ```ts
 * import { CouchClient, View } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const db = (yield* CouchClient.CouchClient).resource("shop")
 *   yield* View.stream(View.view(db, "orders", "by_customer"), { startkey: ["c1"], endkey: ["c1", {}] }, {
 *     key: Schema.Tuple(Schema.String, Schema.Number),
 *     value: Schema.Number
 *   }).pipe(Stream.runForEach((row) => Effect.log(row.key, row.value)))
 * })
 * ```
 */
export function stream<
  K extends Schema.Schema.AnyNoContext = typeof Schema.Unknown,
  V extends Schema.Schema.AnyNoContext = typeof Schema.Unknown,
  D extends Schema.Schema.AnyNoContext = typeof Schema.Unknown
>(
  target: Resource,
  params: WithKeys,
  schemas?: RowSchemas<K, V, D>
): Stream.Stream<RowOf<K, V, D> | ErrorRow<Schema.Schema.Type<K>>, CouchError, CouchAuth>
export function stream<
  K extends Schema.Schema.AnyNoContext = typeof Schema.Unknown,
  V extends Schema.Schema.AnyNoContext = typeof Schema.Unknown,
  D extends Schema.Schema.AnyNoContext = typeof Schema.Unknown
>(
  target: Resource,
  params?: WithoutKeys,
  schemas?: RowSchemas<K, V, D>
): Stream.Stream<RowOf<K, V, D>, CouchError, CouchAuth>
export function stream(
  target: Resource,
  params: ViewParams = {},
  schemas: RowSchemas<Schema.Schema.AnyNoContext, Schema.Schema.AnyNoContext, Schema.Schema.AnyNoContext> = {}
) {
  // The overloads above only narrow `params`; `open`'s implementation accepts both shapes.
  const opened = open(target, params as WithoutKeys, schemas)
  return Stream.unwrapScoped(Effect.map(opened, (feed) => feed.rows))
}

/**
 * The `_all_docs` resource of a database.
 *
 * @since 0.1.0
 * @category resources
 */
export const allDocs = (db: Resource): Resource => db.resource("_all_docs")

/**
 * The resource of view `name` in design document `ddoc` (with or without `_design/`).
 *
 * @since 0.1.0
 * @category resources
 */
export const view = (db: Resource, ddoc: string, name: string): Resource =>
  db.resource("_design", ddoc.replace(/^_design\//, ""), "_view", name)

/**
 * A view of a design document, optionally within a partition.
 *
 * @since 0.2.0
 * @category models
 */
export interface View extends Handle.Handle {
  readonly _tag: "View"
  readonly design: DesignDocument
  readonly name: string
  readonly partition: Partition | undefined
}

/**
 * `_all_docs`, `_design_docs` or `_local_docs` of a database, or `_all_docs` of a
 * partition: queried like a view whose keys are document ids.
 *
 * @since 0.2.0
 * @category models
 */
export interface AllDocs extends Handle.Handle {
  readonly _tag: "AllDocs"
  readonly database: Database
  readonly kind: "_all_docs" | "_design_docs" | "_local_docs"
  readonly partition: Partition | undefined
}

/**
 * What a view query runs on: a view, or `_all_docs` and its kin.
 *
 * @since 0.2.0
 * @category models
 */
export type Target = View | AllDocs

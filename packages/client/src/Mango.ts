/**
 * Mango queries: `_find` streamed document by document and decoded with your Schema,
 * followed page by page with bookmarks, explained with `_explain`, and the JSON indexes that
 * serve them (`_index`). Queries run on a database or on one partition of a partitioned
 * database.
 *
 * Selectors are typed against your documents when a Schema is given: field names are
 * checked, and each operator takes values of its field's type. The type is the Schema's
 * *encoded* side, since CouchDB compares the stored JSON (a `Schema.Date` field is compared
 * as its ISO string). Dotted paths (`"address.city"`) are accepted for any field, with any
 * JSON value.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchError } from "./CouchError.js"
import * as Database from "./Database.js"
import * as Document from "./Document.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"
import * as Feed from "./internal/feed.js"
import * as internal from "./internal/mango.js"
import type { Json, JsonObject } from "./Json.js"
import type { Partition } from "./Partition.js"

/**
 * What a query runs on: a database, or one partition of a partitioned database.
 *
 * @since 0.2.0
 * @category models
 */
export type Target = Database.Database | Partition

// ---------------------------------------------------------------------------------------------
// Selectors

/** The field names of `D` (of every member, when `D` is a union). */
type Keys<D> = D extends unknown ? keyof D & string : never

/** The type of field `K` of `D`, without the `undefined` of an optional field. */
type ValueAt<D, K extends string> = D extends unknown ? K extends keyof D ? Exclude<D[K], undefined> : never : never

type ElementOf<T> = T extends ReadonlyArray<infer E> ? E : never

/** `X` when `T` may be a `Of`, `never` (the operator cannot be used) otherwise. */
type IfMay<T, Of, X> = [Extract<T, Of>] extends [never] ? never : X

/**
 * A field name of documents of type `D`: one of its fields, `_id`, `_rev`, or a dotted path
 * into a nested field (not checked). Any string for untyped documents.
 *
 * @since 0.2.0
 * @category models
 */
export type Field<D = JsonObject> = Keys<D> | "_id" | "_rev" | `${string}.${string}`

/**
 * The `$type` names of JSON values.
 *
 * @since 0.2.0
 * @category models
 */
export type JsonType = "null" | "boolean" | "number" | "string" | "array" | "object"

/**
 * The operators of a field whose values have type `T`. Comparisons also accept `null`,
 * which collates before every other value (`{ $gt: null }`: the field exists and is not
 * null). Array operators are only available on arrays, `$regex`/`$beginsWith` on strings,
 * `$mod` on numbers and `$keyMapMatch` on objects.
 *
 * @since 0.2.0
 * @category models
 */
export interface Operators<T> {
  readonly $eq?: T | null
  readonly $ne?: T | null
  readonly $gt?: T | null
  readonly $gte?: T | null
  readonly $lt?: T | null
  readonly $lte?: T | null
  /** Whether the field exists (`null` counts as existing). */
  readonly $exists?: boolean
  readonly $type?: JsonType
  readonly $in?: ReadonlyArray<T | null>
  readonly $nin?: ReadonlyArray<T | null>
  /** The array holds all of these values. */
  readonly $all?: IfMay<T, ReadonlyArray<unknown>, ReadonlyArray<ElementOf<T>>>
  /** The array has this length. */
  readonly $size?: IfMay<T, ReadonlyArray<unknown>, number>
  /** Some element of the array matches. */
  readonly $elemMatch?: IfMay<T, ReadonlyArray<unknown>, Condition<ElementOf<T>>>
  /** Every element of the array matches. */
  readonly $allMatch?: IfMay<T, ReadonlyArray<unknown>, Condition<ElementOf<T>>>
  /** `[divisor, remainder]`: the integer field modulo `divisor` is `remainder`. */
  readonly $mod?: IfMay<T, number, readonly [divisor: number, remainder: number]>
  /** A PCRE regular expression the string matches. */
  readonly $regex?: IfMay<T, string, string>
  /** The string starts with this prefix (CouchDB 3.4+). */
  readonly $beginsWith?: IfMay<T, string, string>
  /** Some key of the object matches. */
  readonly $keyMapMatch?: IfMay<Exclude<T, ReadonlyArray<unknown>>, object, Condition<string>>
  readonly $not?: Condition<T>
  readonly $and?: ReadonlyArray<Condition<T>>
  readonly $or?: ReadonlyArray<Condition<T>>
  readonly $nor?: ReadonlyArray<Condition<T>>
}

/**
 * What a field of type `T` must match: a value (implicit `$eq`; on an object, conditions on
 * its fields), or operators.
 *
 * @since 0.2.0
 * @category models
 */
export type Condition<T> = Equality<T> | Operators<T>

type Equality<T> = T extends ReadonlyArray<unknown> ? T : T extends object ? Nested<T> : T

/** Conditions on the fields of a nested object of type `T`. */
type Nested<T> = string extends Keys<T> ? LooseSelector : FieldConditions<T> & PathConditions

type FieldConditions<D> = { readonly [K in Keys<D>]?: Condition<ValueAt<D, K>> }

interface PathConditions {
  readonly [path: `${string}.${string}`]: Condition<Json>
}

interface MetaConditions {
  readonly _id?: Condition<string>
  readonly _rev?: Condition<string>
}

/**
 * The combination operators of a selector `S`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Combinators<S> {
  readonly $and?: ReadonlyArray<S>
  readonly $or?: ReadonlyArray<S>
  readonly $nor?: ReadonlyArray<S>
  readonly $not?: S
}

/**
 * A selector over any documents: field names and values are not checked.
 *
 * @since 0.2.0
 * @category models
 */
export interface LooseSelector extends Combinators<LooseSelector> {
  readonly [field: string]: Condition<Json> | LooseSelector | ReadonlyArray<LooseSelector> | undefined
}

/**
 * A Mango selector over documents whose stored JSON has type `D`. For a known `D` (the
 * encoded type of your Schema) field names and values are checked, and nested objects take
 * conditions on their fields; otherwise it is a `LooseSelector`. Not checked: dotted paths
 * (any JSON value) and fields of records (`Schema.Record`). A typed selector is not
 * assignable to a `LooseSelector`: pass it with its Schema.
 *
 * @since 0.2.0
 * @category models
 * @example
 * ```ts
 * import type { Mango } from "@effect-couchdb/client"
 *
 * interface Order {
 *   readonly customer: string
 *   readonly total: number
 *   readonly tags: ReadonlyArray<string>
 * }
 *
 * export const big: Mango.Selector<Order> = {
 *   total: { $gte: 100 },
 *   tags: { $elemMatch: { $eq: "priority" } },
 *   $or: [{ customer: "ada" }, { "address.city": "London" }]
 * }
 * ```
 */
export type Selector<D = JsonObject> = string extends Keys<D> ? LooseSelector
  : FieldConditions<D> & MetaConditions & PathConditions & Combinators<Selector<D>>

/**
 * A sort entry: a field (ascending) or `{ field: "asc" | "desc" }`.
 *
 * @since 0.2.0
 * @category models
 */
export type Sort<D = JsonObject> = Field<D> | { readonly [K in Field<D>]?: "asc" | "desc" }

// ---------------------------------------------------------------------------------------------
// Queries

/**
 * The options of a `_find` query besides the selector, the fields and the sort, with
 * CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface QueryOptions {
  /** At most this many documents (CouchDB's default is 25); with `pages`, the page size. */
  readonly limit?: number | undefined
  readonly skip?: number | undefined
  /** Go on from where the query that returned this bookmark stopped. */
  readonly bookmark?: string | undefined
  /** A design document, or `[design document, index name]`, to use. */
  readonly use_index?: string | readonly [ddoc: string, name: string] | undefined
  /** Read quorum. */
  readonly r?: number | undefined
  /** Add `_conflicts` to each document. */
  readonly conflicts?: boolean | undefined
  /** `false` to use the index as it is, without updating it first. */
  readonly update?: boolean | undefined
  readonly stable?: boolean | undefined
  /** Have CouchDB report `executionStats`. */
  readonly execution_stats?: boolean | undefined
  /** `false` to fail rather than fall back to another index than `use_index` (CouchDB 3.3+). */
  readonly allow_fallback?: boolean | undefined
}

/**
 * A `_find` query over documents whose stored JSON has type `D` (any JSON object by default).
 *
 * @since 0.2.0
 * @category models
 */
export interface Query<D = JsonObject> extends QueryOptions {
  readonly selector: Selector<D>
  /** Only these fields of each document (documents then may lack `_id` and `_rev`). */
  readonly fields?: ReadonlyArray<Field<D>> | undefined
  /** Needs an index on the sort fields. */
  readonly sort?: ReadonlyArray<Sort<D>> | undefined
}

/**
 * A query with a document Schema, decoding the documents with it. Without `fields` (`F` is
 * `undefined`) the Schema describes whole documents, and the selector and sort are checked
 * against its encoded type. With `fields` it describes the projection: `fields` are checked
 * against it, while the selector and sort, which apply to whole documents, are loose.
 *
 * @since 0.2.0
 * @category models
 */
export interface QueryWith<A, I, F extends Fields = undefined> extends QueryOptions {
  readonly schema: Schema.Schema<A, I, never>
  readonly selector: [F] extends [undefined] ? Selector<NoInfer<I>> : LooseSelector
  readonly fields?: F & ReadonlyArray<Field<NoInfer<I>>>
  readonly sort?: ReadonlyArray<[F] extends [undefined] ? Sort<NoInfer<I>> : Sort> | undefined
}

/**
 * The metadata of a document read with `fields`: whatever the projection kept, so even
 * `_id` and `_rev` may be missing.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ProjectedMeta = Schema.Struct({
  ...Document.Meta.fields,
  _id: Schema.optional(Schema.String),
  _rev: Schema.optional(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface ProjectedMeta extends Schema.Schema.Type<typeof ProjectedMeta> {}

/**
 * A document read with `fields`: what your Schema decodes from the projection (the JSON
 * object without one), plus the metadata fields the projection kept. Ask for `_id` in
 * `fields` (and in your Schema, if it should be checked) when you need it.
 *
 * @since 0.2.0
 * @category models
 */
export type Projected<A> = A & ProjectedMeta

/**
 * The fields of a query, or `undefined` for all of them.
 *
 * @since 0.2.0
 * @category models
 */
export type Fields = ReadonlyArray<string> | undefined

/**
 * A document found by a query with fields `F`: `Stored<A>` (with `_id` and `_rev`) when the
 * query has no `fields`, `Projected<A>` when it has.
 *
 * @since 0.2.0
 * @category models
 */
export type Found<A, F extends Fields> = [F] extends [undefined] ? Document.Stored<A> : Projected<A>

/**
 * CouchDB's statistics of a query, with `execution_stats: true`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ExecutionStats = Schema.Struct({
  total_keys_examined: Schema.Number,
  total_docs_examined: Schema.Number,
  total_quorum_docs_examined: Schema.Number,
  results_returned: Schema.Number,
  execution_time_ms: Schema.Number
})

/**
 * @since 0.2.0
 * @category models
 */
export interface ExecutionStats extends Schema.Schema.Type<typeof ExecutionStats> {}

/**
 * What the server said about a query besides the documents. CouchDB sends all of it after
 * the documents; PouchDB sends no bookmark and no statistics.
 *
 * @since 0.2.0
 * @category models
 */
export interface Meta {
  /** Where the next page starts (pass it as `bookmark`). */
  readonly bookmark: Option.Option<string>
  /** E.g. that no index was used. */
  readonly warning: Option.Option<string>
  readonly executionStats: Option.Option<ExecutionStats>
}

/**
 * An open query result.
 *
 * @since 0.2.0
 * @category models
 */
export interface FindFeed<D> {
  readonly docs: Stream.Stream<D, CouchError>
  /** What has been read so far: all of it once `docs` is drained. */
  readonly meta: Effect.Effect<Meta>
}

type AnyQuery = internal.RawQuery & { readonly schema?: Schema.Schema<unknown, unknown, never> | undefined }

const decodeStats = Schema.decodeUnknownOption(ExecutionStats)

const openQuery = (self: Target, query: AnyQuery) =>
  Effect.gen(function*() {
    const json = yield* internal.queryBody(query, "Mango.find")
    const response = yield* Endpoint.send(self, { method: "POST", path: ["_find"], json })
    const decode = query.fields !== undefined
      ? internal.documentDecoder(response, query.schema, ProjectedMeta, true)
      : internal.documentDecoder(response, query.schema, Document.Meta, false)
    const meta: { -readonly [K in keyof Meta]: Meta[K] } = {
      bookmark: Option.none(),
      warning: Option.none(),
      executionStats: Option.none()
    }
    const docs = yield* Feed.parse(
      response,
      Feed.framed(response, "docs", decode, (key, value) => {
        if (key === "bookmark" && typeof value === "string") meta.bookmark = Option.some(value)
        else if (key === "warning" && typeof value === "string") meta.warning = Option.some(value)
        else if (key === "execution_stats") meta.executionStats = decodeStats(value)
      })
    )
    return { docs, meta: Effect.sync(() => ({ ...meta })) }
  })

/**
 * Runs a query (`POST _find`): the request is sent, and an error status fails, before this
 * succeeds; documents are read as `docs` is pulled, and the bookmark, warning and statistics
 * CouchDB sends after them are in `meta` once `docs` is drained. Closed with the scope.
 *
 * @since 0.2.0
 * @category constructors
 */
export const open: {
  <A, I, F extends Fields = undefined>(
    query: QueryWith<A, I, F>
  ): (self: Target) => Effect.Effect<FindFeed<Found<A, F>>, CouchError, CouchAuth | Scope.Scope>
  <F extends Fields = undefined>(
    query: Query & { readonly fields?: F }
  ): (self: Target) => Effect.Effect<FindFeed<Found<JsonObject, F>>, CouchError, CouchAuth | Scope.Scope>
  <A, I, F extends Fields = undefined>(
    self: Target,
    query: QueryWith<A, I, F>
  ): Effect.Effect<FindFeed<Found<A, F>>, CouchError, CouchAuth | Scope.Scope>
  <F extends Fields = undefined>(
    self: Target,
    query: Query & { readonly fields?: F }
  ): Effect.Effect<FindFeed<Found<JsonObject, F>>, CouchError, CouchAuth | Scope.Scope>
} = dual(Endpoint.isDataFirst, openQuery)

/**
 * The documents a query finds, as a stream (one request; see `pages` to follow bookmarks).
 * Without `fields` each is `Stored<A>`, with its `_id` and `_rev`; with `fields` it is
 * `Projected<A>`. A document that does not match the Schema fails the stream with a
 * `DecodeError` naming it.
 *
 * @since 0.2.0
 * @category streams
 * @example
 * ```ts
 * import { CouchClient, Mango } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number })
 *
 * const program = Effect.gen(function*() {
 *   const orders = (yield* CouchClient.CouchClient).database("orders")
 *   yield* Mango.find(orders, {
 *     schema: Order,
 *     selector: { customer: "ada", total: { $gt: 100 } },
 *     sort: [{ total: "desc" }],
 *     limit: 10
 *   }).pipe(Stream.runForEach((order) => Effect.log(order._id, order.total)))
 * })
 * ```
 */
export const find: {
  <A, I, F extends Fields = undefined>(
    query: QueryWith<A, I, F>
  ): (self: Target) => Stream.Stream<Found<A, F>, CouchError, CouchAuth>
  <F extends Fields = undefined>(
    query: Query & { readonly fields?: F }
  ): (self: Target) => Stream.Stream<Found<JsonObject, F>, CouchError, CouchAuth>
  <A, I, F extends Fields = undefined>(
    self: Target,
    query: QueryWith<A, I, F>
  ): Stream.Stream<Found<A, F>, CouchError, CouchAuth>
  <F extends Fields = undefined>(
    self: Target,
    query: Query & { readonly fields?: F }
  ): Stream.Stream<Found<JsonObject, F>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Target, query: AnyQuery) => Stream.unwrapScoped(Effect.map(openQuery(self, query), (feed) => feed.docs))
)

/**
 * Every document a query finds, page after page: each page is a request with the bookmark
 * of the one before (and `limit` as the page size), sent only when the consumer has read
 * the previous page. It stops at an empty page, or when the server sends no new bookmark
 * (PouchDB sends none: one page). `skip` applies to the first page only.
 *
 * @since 0.2.0
 * @category streams
 */
export const pages: {
  <A, I, F extends Fields = undefined>(
    query: QueryWith<A, I, F>
  ): (self: Target) => Stream.Stream<Found<A, F>, CouchError, CouchAuth>
  <F extends Fields = undefined>(
    query: Query & { readonly fields?: F }
  ): (self: Target) => Stream.Stream<Found<JsonObject, F>, CouchError, CouchAuth>
  <A, I, F extends Fields = undefined>(
    self: Target,
    query: QueryWith<A, I, F>
  ): Stream.Stream<Found<A, F>, CouchError, CouchAuth>
  <F extends Fields = undefined>(
    self: Target,
    query: Query & { readonly fields?: F }
  ): Stream.Stream<Found<JsonObject, F>, CouchError, CouchAuth>
} = dual(Endpoint.isDataFirst, (self: Target, query: AnyQuery) =>
  Stream.suspend(() => {
    // The bookmark of the next page (none for a first page without one); `null` once done.
    let next: string | undefined | null = query.bookmark
    let first = true
    const page = (bookmark: string | undefined) =>
      Stream.unwrapScoped(Effect.map(
        openQuery(self, first ? query : { ...query, skip: undefined, bookmark }),
        (feed) => {
          first = false
          let count = 0
          const docs = Stream.mapChunks(feed.docs, (chunk) => {
            count += chunk.length
            return chunk
          })
          const after = Effect.map(feed.meta, (meta) => {
            const found = Option.getOrUndefined(meta.bookmark)
            // An empty page, no bookmark, or the same one again (asking again would loop): the end.
            next = count === 0 || found === undefined || found === bookmark ? null : found
          })
          return Stream.concat(docs, Stream.drain(Stream.fromEffect(after)))
        }
      ))
    // One bookmark per page, each pulled once the page before has been read.
    const bookmarks = Stream.repeatEffectOption(
      Effect.suspend(() => next === null ? Effect.fail(Option.none()) : Effect.succeed(next))
    )
    return Stream.flatMap(bookmarks, page)
  }))

// ---------------------------------------------------------------------------------------------
// Indexes

/**
 * A JSON object, as parsed from a response (so its values are JSON).
 */
const JsonObjectSchema = Schema.declare(
  (u: unknown): u is JsonObject => Predicate.isRecord(u),
  { identifier: "JsonObject" }
)

/**
 * The definition of an index: its fields with their direction, and the partial filter.
 *
 * @since 0.2.0
 * @category schemas
 */
export const IndexDefinition = Schema.Struct({
  /** `{ field: "asc" | "desc" }` for JSON indexes; text indexes name a type instead. */
  fields: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.String })),
  partial_filter_selector: Schema.optional(JsonObjectSchema)
})

/**
 * An index as `GET _index` and `_explain` describe it. `ddoc` is `null` for the special
 * `_all_docs` index.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Index = Schema.Struct({
  ddoc: Schema.NullOr(Schema.String),
  name: Schema.String,
  /** `special`, `json`, `text` or `nouveau`. */
  type: Schema.String,
  partitioned: Schema.optional(Schema.Boolean),
  def: IndexDefinition
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Index extends Schema.Schema.Type<typeof Index> {}

/**
 * The answer of `GET _index`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const IndexList = Schema.Struct({ total_rows: Schema.Number, indexes: Schema.Array(Index) })

/**
 * @since 0.2.0
 * @category models
 */
export interface IndexList extends Schema.Schema.Type<typeof IndexList> {}

/**
 * Options of `GET _index`, with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface IndexListOptions {
  readonly limit?: number | undefined
  readonly skip?: number | undefined
}

/**
 * The database's indexes, the special `_all_docs` index included.
 *
 * @since 0.2.0
 * @category reads
 */
export const indexes: Handle.Operation<Database.Database, IndexListOptions, IndexList> = Endpoint.make(
  (_, options: IndexListOptions) => ({
    method: "GET",
    path: ["_index"],
    query: Endpoint.pick(options, ["limit", "skip"])
  }),
  Endpoint.json(IndexList)
)

/**
 * A JSON index to create (`POST _index`), with CouchDB's names. Without `ddoc` and `name`
 * CouchDB makes up both.
 *
 * @since 0.2.0
 * @category models
 */
export interface IndexOptions {
  readonly index: {
    /** The fields, in order: a name (ascending) or `{ field: "asc" | "desc" }`. */
    readonly fields: ReadonlyArray<string | { readonly [field: string]: "asc" | "desc" }>
    /** Only documents matching this selector are indexed. */
    readonly partial_filter_selector?: Selector | undefined
  }
  readonly name?: string | undefined
  /** The design document (with or without `_design/`). */
  readonly ddoc?: string | undefined
  readonly type?: "json" | undefined
  /** In a partitioned database, `false` for an index over every partition. */
  readonly partitioned?: boolean | undefined
}

/**
 * The answer of `POST _index`: `exists` when the same index was already there.
 *
 * @since 0.2.0
 * @category schemas
 */
export const CreatedIndex = Schema.Struct({
  result: Schema.Literal("created", "exists"),
  /** The design document's id, `_design/…`. */
  id: Schema.String,
  name: Schema.String
})

/**
 * @since 0.2.0
 * @category models
 */
export interface CreatedIndex extends Schema.Schema.Type<typeof CreatedIndex> {}

/**
 * Creates a JSON index, or finds it there already (`result: "exists"`).
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { CouchClient, Mango } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const orders = (yield* CouchClient.CouchClient).database("orders")
 *   const { name, result } = yield* Mango.createIndex(orders, {
 *     index: { fields: ["customer", { total: "desc" }] },
 *     ddoc: "orders",
 *     name: "by-customer-total"
 *   })
 *   yield* Effect.log(`${name}: ${result}`)
 * })
 * ```
 */
export const createIndex: Handle.OperationWith<Database.Database, IndexOptions, CreatedIndex> = Endpoint.makeWith(
  (_, options: IndexOptions) => ({
    method: "POST",
    path: ["_index"],
    json: {
      index: { fields: options.index.fields, partial_filter_selector: options.index.partial_filter_selector },
      name: options.name,
      ddoc: options.ddoc,
      type: options.type,
      partitioned: options.partitioned
    }
  }),
  Endpoint.json(CreatedIndex)
)

/**
 * The index to delete: its design document (with or without `_design/`) and name.
 *
 * @since 0.2.0
 * @category models
 */
export interface IndexName {
  readonly ddoc: string
  readonly name: string
  readonly type?: "json" | "text" | "nouveau" | undefined
}

const removeIndexRequest = (_: Database.Database, options: IndexName): Endpoint.Request => ({
  method: "DELETE",
  path: [
    "_index",
    "_design",
    options.ddoc.startsWith("_design/") ? options.ddoc.slice("_design/".length) : options.ddoc,
    options.type ?? "json",
    options.name
  ]
})

/**
 * Deletes an index (`DELETE _index/_design/{ddoc}/{type}/{name}`). A missing one is
 * `NotFound`.
 *
 * @since 0.2.0
 * @category writes
 */
export const removeIndex: Handle.OperationWith<Database.Database, IndexName, typeof Database.Ok.Type> = Endpoint
  .makeWith(removeIndexRequest, Endpoint.json(Database.Ok))

/**
 * The answer of `_index/_bulk_delete`: the design documents whose indexes were deleted, and
 * those that failed with CouchDB's reason (`not_found` for one without indexes).
 *
 * @since 0.2.0
 * @category schemas
 */
export const RemovedIndexes = Schema.Struct({
  success: Schema.Array(Schema.Struct({ id: Schema.String, ok: Schema.Boolean })),
  fail: Schema.Array(Schema.Struct({ id: Schema.String, error: Schema.String }))
})

/**
 * @since 0.2.0
 * @category schemas
 */
export interface RemovedIndexes extends Schema.Schema.Type<typeof RemovedIndexes> {}

/**
 * Which indexes `removeIndexes` deletes: every index of each design document named, with or
 * without its `_design/` prefix, and the write quorum of the deletions.
 *
 * @since 0.2.0
 * @category models
 */
export interface RemoveIndexesOptions {
  readonly ddocs: ReadonlyArray<string>
  readonly w?: number | undefined
}

/**
 * Deletes the indexes of many design documents in one request
 * (`POST /{db}/_index/_bulk_delete`, CouchDB 3.4+). Each design document succeeds or fails
 * on its own, as the answer says. pouchdb-server lacks it.
 *
 * @since 0.2.0
 * @category writes
 */
export const removeIndexes: Handle.OperationWith<Database.Database, RemoveIndexesOptions, RemovedIndexes> = Endpoint
  .makeWith(
    (_, options: RemoveIndexesOptions) => ({
      method: "POST",
      path: ["_index", "_bulk_delete"],
      json: options.w === undefined ? { docids: options.ddocs } : { docids: options.ddocs, w: options.w }
    }),
    Endpoint.json(RemovedIndexes)
  )

// ---------------------------------------------------------------------------------------------
// Explain

/**
 * The options of a query as `_explain` reports them (defaults filled in).
 *
 * @since 0.2.0
 * @category schemas
 */
export const ExplainedOptions = Schema.Struct({
  use_index: Schema.optional(Schema.Union(Schema.Array(Schema.String), Schema.String)),
  bookmark: Schema.optional(Schema.String),
  limit: Schema.optional(Schema.Number),
  skip: Schema.optional(Schema.Number),
  sort: Schema.optional(Schema.Unknown),
  fields: Schema.optional(Schema.Union(Schema.Array(Schema.String), Schema.String)),
  partition: Schema.optional(Schema.String),
  /** A number (PouchDB: an array). */
  r: Schema.optional(Schema.Union(Schema.Number, Schema.Array(Schema.Number))),
  conflicts: Schema.optional(Schema.Boolean),
  stale: Schema.optional(Schema.Boolean),
  update: Schema.optional(Schema.Boolean),
  stable: Schema.optional(Schema.Boolean),
  execution_stats: Schema.optional(Schema.Boolean),
  allow_fallback: Schema.optional(Schema.Boolean)
})

/**
 * How an index was judged for a query.
 *
 * @since 0.2.0
 * @category schemas
 */
export const IndexCandidate = Schema.Struct({
  index: Index,
  analysis: Schema.Struct({
    usable: Schema.Boolean,
    reasons: Schema.Array(Schema.Struct({ name: Schema.String })),
    ranking: Schema.Number,
    covering: Schema.NullOr(Schema.Boolean)
  })
})

/**
 * Which fields of the selector an index of a type could use.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SelectorHint = Schema.Struct({
  type: Schema.String,
  indexable_fields: Schema.Array(Schema.String),
  unindexable_fields: Schema.Array(Schema.String)
})

/**
 * The answer of `_explain`: the index a query would use and how. CouchDB 3 sends all of
 * it; PouchDB only `dbname`, `index`, `selector`, `opts`, `skip` and (when given) `limit`
 * and `fields`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Explanation = Schema.Struct({
  dbname: Schema.String,
  index: Index,
  partitioned: Schema.optional(Schema.Boolean),
  /** The selector as CouchDB normalised it. */
  selector: JsonObjectSchema,
  opts: ExplainedOptions,
  limit: Schema.optional(Schema.Number),
  skip: Schema.Number,
  /** The fields, or `"all_fields"`. */
  fields: Schema.optional(Schema.Union(Schema.Array(Schema.String), Schema.String)),
  /** The view query the index is read with. */
  mrargs: Schema.optional(Schema.Struct({
    include_docs: Schema.optional(Schema.Boolean),
    view_type: Schema.optional(Schema.String),
    reduce: Schema.optional(Schema.Boolean),
    partition: Schema.optional(Schema.NullOr(Schema.String)),
    start_key: Schema.optional(Schema.Unknown),
    end_key: Schema.optional(Schema.Unknown),
    direction: Schema.optional(Schema.String),
    stable: Schema.optional(Schema.Boolean),
    update: Schema.optional(Schema.Union(Schema.Boolean, Schema.String)),
    conflicts: Schema.optional(Schema.Union(Schema.Boolean, Schema.String))
  })),
  /** Whether the index alone answers the query (no document reads). */
  covering: Schema.optional(Schema.Boolean),
  index_candidates: Schema.optional(Schema.Array(IndexCandidate)),
  selector_hints: Schema.optional(Schema.Array(SelectorHint))
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Explanation extends Schema.Schema.Type<typeof Explanation> {}

/**
 * How CouchDB would run a query (`POST _explain`), without running it.
 *
 * @since 0.2.0
 * @category reads
 */
export const explain: {
  <A, I, F extends Fields = undefined>(
    query: QueryWith<A, I, F>
  ): (self: Target) => Effect.Effect<Explanation, CouchError, CouchAuth>
  (query: Query): (self: Target) => Effect.Effect<Explanation, CouchError, CouchAuth>
  <A, I, F extends Fields = undefined>(
    self: Target,
    query: QueryWith<A, I, F>
  ): Effect.Effect<Explanation, CouchError, CouchAuth>
  (self: Target, query: Query): Effect.Effect<Explanation, CouchError, CouchAuth>
} = dual(Endpoint.isDataFirst, (self: Target, query: AnyQuery) =>
  Effect.flatMap(
    internal.queryBody(query, "Mango.explain"),
    (json) =>
      Effect.flatMap(Endpoint.send(self, { method: "POST", path: ["_explain"], json }), Endpoint.json(Explanation))
  ))

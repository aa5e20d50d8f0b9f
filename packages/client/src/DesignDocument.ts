/**
 * Design documents: their parts typed (views, validation, filters, update/show/list
 * functions, rewrites, search and Nouveau indexes), read and written as documents; their
 * index information and compaction; and calls to the functions they hold.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchResponse, Method, QueryValue, RequestBody } from "./CouchClient.js"
import { type CouchError, DecodeError, InvalidRequest } from "./CouchError.js"
import type { Database } from "./Database.js"
import * as Document from "./Document.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"
import * as internalHandle from "./internal/handle.js"
import type { Json } from "./Json.js"
import type { Partition } from "./Partition.js"
import type { View } from "./View.js"

/**
 * A design document of a database (`_design/{name}`).
 *
 * @since 0.2.0
 * @category models
 */
export interface DesignDocument extends Handle.Handle {
  readonly _tag: "DesignDocument"
  readonly database: Database
  /** The name, without `_design/`. */
  readonly name: string
  /** The document id, `_design/{name}`. */
  readonly id: string
}

/**
 * The handle of design document `name` (with or without `_design/`) in `database`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: {
  (name: string): (database: Database) => DesignDocument
  (database: Database, name: string): DesignDocument
} = dual(2, internalHandle.designDocument)

/**
 * The handle of view `name` of the design document, to query with `View.stream`/`View.open`.
 * With `partition`, the view is queried within that partition.
 *
 * @since 0.2.0
 * @category handles
 */
export const view: {
  (name: string, partition?: Partition): (self: DesignDocument) => View
  (self: DesignDocument, name: string, partition?: Partition): View
} = dual(
  (args) => typeof args[0] === "object",
  (self: DesignDocument, name: string, partition?: Partition): View => internalHandle.view(self, name, partition)
)

/**
 * The design document as a plain `Document` handle (same id), e.g. for its attachments.
 *
 * @since 0.2.0
 * @category handles
 */
export const asDocument = (self: DesignDocument): Document.Document => internalHandle.document(self.database, self.id)

/**
 * A view: a JavaScript `map` (and `reduce`, a function or a builtin such as `_sum`,
 * `_count`, `_stats`, `_approx_count_distinct`), or a Mango index's JSON definition.
 *
 * @since 0.2.0
 * @category schemas
 */
export const ViewDefinition = Schema.Struct({
  map: Schema.Union(Schema.String, Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  reduce: Schema.optional(Schema.String),
  options: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * A Clouseau search index (`indexes`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const SearchIndexDefinition = Schema.Struct({
  index: Schema.String,
  analyzer: Schema.optional(Schema.Union(Schema.String, Schema.Record({ key: Schema.String, value: Schema.Unknown })))
})

/**
 * A Nouveau index (`nouveau`).
 *
 * @since 0.2.0
 * @category schemas
 */
export const NouveauIndexDefinition = Schema.Struct({
  index: Schema.String,
  default_analyzer: Schema.optional(Schema.String),
  field_analyzers: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
})

/**
 * One rewrite rule (the array form of `rewrites`; the other form is a JavaScript function).
 *
 * @since 0.2.0
 * @category schemas
 */
export const RewriteRule = Schema.Struct({
  from: Schema.String,
  to: Schema.String,
  method: Schema.optional(Schema.String),
  query: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

const functions = Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))

/**
 * The parts of a design document, typed. Fields not listed (e.g. ones another tool keeps
 * there) are kept when a definition is read and written back.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Definition = Schema.Struct(
  {
    /** `javascript` (the default) or `query` (Mango indexes). */
    language: Schema.optional(Schema.String),
    views: Schema.optional(Schema.Record({ key: Schema.String, value: ViewDefinition })),
    /** e.g. `{ partitioned: false }` for a global design document of a partitioned database. */
    options: Schema.optional(Schema.Struct({
      partitioned: Schema.optional(Schema.Boolean),
      local_seq: Schema.optional(Schema.Boolean),
      include_design: Schema.optional(Schema.Boolean)
    })),
    validate_doc_update: Schema.optional(Schema.String),
    filters: functions,
    updates: functions,
    shows: functions,
    lists: functions,
    rewrites: Schema.optional(Schema.Union(Schema.Array(RewriteRule), Schema.String)),
    /** Clouseau search indexes. */
    indexes: Schema.optional(Schema.Record({ key: Schema.String, value: SearchIndexDefinition })),
    nouveau: Schema.optional(Schema.Record({ key: Schema.String, value: NouveauIndexDefinition })),
    autoupdate: Schema.optional(Schema.Boolean)
  },
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/**
 * @since 0.2.0
 * @category models
 */
export type Definition = typeof Definition.Type

/**
 * Reads the design document, its parts typed.
 *
 * @since 0.2.0
 * @category reads
 */
export const get = (self: DesignDocument): Effect.Effect<Document.Stored<Definition>, CouchError, CouchAuth> =>
  Document.get(asDocument(self), { schema: Definition })

/**
 * Creates or replaces the design document. To replace, pass the current `_rev` (a
 * definition you read carries it). CouchDB 3 compiles the functions and rejects a syntax
 * error with `BadRequest` (`compilation_error`).
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { CouchClient, Database, DesignDocument, View } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const db = (yield* CouchClient.CouchClient).database("orders")
 *   const reports = Database.designDocument(db, "reports")
 *   yield* DesignDocument.put(reports, {
 *     views: { by_customer: { map: "function (doc) { emit(doc.customer, doc.total) }", reduce: "_sum" } }
 *   })
 *   return yield* View.stream(DesignDocument.view(reports, "by_customer"), {
 *     group: true,
 *     keySchema: Schema.String,
 *     valueSchema: Schema.Number
 *   }).pipe(Stream.runCollect)
 * })
 * ```
 */
export const put: {
  (definition: Definition & Document.WriteMeta): (self: DesignDocument) => Effect.Effect<
    Document.WriteResult,
    CouchError,
    CouchAuth
  >
  (self: DesignDocument, definition: Definition & Document.WriteMeta): Effect.Effect<
    Document.WriteResult,
    CouchError,
    CouchAuth
  >
} = dual(
  2,
  (self: DesignDocument, definition: Definition & Document.WriteMeta) =>
    Document.put(asDocument(self), definition, { schema: Definition })
)

/**
 * Deletes the design document (its views' indexes are cleaned up by `Database.viewCleanup`).
 *
 * @since 0.2.0
 * @category writes
 */
export const remove: Handle.OperationWith<DesignDocument, { readonly rev: string }, Document.WriteResult> = dual(
  2,
  (self: DesignDocument, options: { readonly rev: string }) => Document.remove(asDocument(self), options)
)

/**
 * What `_info` says about the design document's view index.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Info = Schema.Struct({
  name: Schema.String,
  view_index: Schema.Struct({
    signature: Schema.String,
    language: Schema.optional(Schema.String),
    update_seq: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
    purge_seq: Schema.optional(Schema.Union(Schema.String, Schema.Number)),
    updater_running: Schema.optional(Schema.Boolean),
    compact_running: Schema.optional(Schema.Boolean),
    waiting_commit: Schema.optional(Schema.Boolean),
    waiting_clients: Schema.optional(Schema.Number),
    sizes: Schema.optional(Schema.Struct({
      file: Schema.Number,
      external: Schema.Number,
      active: Schema.Number
    })),
    updates_pending: Schema.optional(Schema.Struct({
      minimum: Schema.Number,
      preferred: Schema.Number,
      total: Schema.Number
    })),
    collator_versions: Schema.optional(Schema.Array(Schema.String))
  })
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Info extends Schema.Schema.Type<typeof Info> {}

/**
 * The view index's information (`GET /{db}/_design/{ddoc}/_info`).
 *
 * @since 0.2.0
 * @category reads
 */
export const info = (self: DesignDocument): Effect.Effect<Info, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_info"] }), Endpoint.json(Info))

/**
 * Starts compacting the design document's view index (`POST /{db}/_compact/{ddoc}`, 202);
 * progress shows in `_active_tasks`.
 *
 * @since 0.2.0
 * @category writes
 */
export const compactViews = (self: DesignDocument): Effect.Effect<void, CouchError, CouchAuth> =>
  Effect.flatMap(
    Endpoint.send(self.database, {
      method: "POST",
      path: ["_compact", self.name],
      // Without this header CouchDB answers 415.
      headers: { "content-type": "application/json" }
    }),
    Endpoint.discard
  )

/**
 * The answer of a show, list, update or rewrite function: whatever the function returned,
 * read whole.
 *
 * @since 0.2.0
 * @category models
 */
export interface FunctionResult {
  /** The request, for error messages: method and URL (without credentials). */
  readonly method: string
  readonly url: string
  readonly status: number
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The `Content-Type`, when there is one. */
  readonly contentType: Option.Option<string>
  readonly bytes: Uint8Array
  /** The body decoded as UTF-8 text. */
  readonly text: string
  /** For update functions: the id of the document written (`X-Couch-Id`). */
  readonly docId: Option.Option<string>
  /** For update functions: the new revision written (`X-Couch-Update-NewRev`). */
  readonly newRev: Option.Option<string>
}

const functionResult = (response: CouchResponse): Effect.Effect<FunctionResult, CouchError> =>
  Effect.map(response.bytes, (bytes) => {
    const headers = response.headers
    return {
      method: response.method,
      url: response.url,
      status: response.status,
      headers,
      contentType: Option.fromNullable(headers["content-type"]),
      bytes,
      get text() {
        return new TextDecoder().decode(bytes)
      },
      docId: Option.fromNullable(headers["x-couch-id"]),
      newRev: Option.fromNullable(headers["x-couch-update-newrev"])
    }
  })

/**
 * Decodes a function's answer as JSON with `schema`: `show(…).pipe(Effect.flatMap(DesignDocument.json(S)))`.
 *
 * @since 0.2.0
 * @category decoding
 */
export const json =
  <A, I>(schema: Schema.Schema<A, I, never>) => (result: FunctionResult): Effect.Effect<A, DecodeError> => {
    const fail = (description: string, cause?: unknown) =>
      new DecodeError({
        method: result.method,
        url: result.url,
        description,
        ...(cause !== undefined ? { cause } : {})
      }, { disableValidation: true })
    let parsed: unknown
    try {
      parsed = JSON.parse(result.text)
    } catch (error) {
      return Effect.fail(fail(`the function's answer is not JSON: ${String(error)}`))
    }
    return Either.mapLeft(Schema.decodeUnknownEither(schema)(parsed), (error) => fail(String(error), error))
  }

/**
 * Options of a call to a design document function.
 *
 * @since 0.2.0
 * @category models
 */
export interface FunctionOptions {
  /** Query parameters the function reads from `req.query`. */
  readonly query?: Readonly<Record<string, QueryValue>> | undefined
  /** Extra headers, e.g. `Accept` to pick what a show function `provides`. */
  readonly headers?: Readonly<Record<string, string>> | undefined
}

/**
 * A request body for a function: `json` (sent as JSON) or `body` with its `contentType`.
 *
 * @since 0.2.0
 * @category models
 */
export interface FunctionBody {
  readonly json?: unknown
  readonly body?: RequestBody | undefined
  readonly contentType?: string | undefined
}

/**
 * Options of a show function call: on document `docId`, and with a body to `POST`.
 *
 * @since 0.2.0
 * @category models
 */
export interface ShowOptions extends FunctionOptions, FunctionBody {
  readonly docId?: string | undefined
}

/**
 * Options of a list function call: the view of `otherDesign`, and the view's `keys` to `POST`.
 *
 * @since 0.2.0
 * @category models
 */
export interface ListOptions extends FunctionOptions {
  readonly otherDesign?: string | undefined
  readonly keys?: ReadonlyArray<Json> | undefined
}

const accept = (headers: FunctionOptions["headers"]) => ({ accept: "*/*", ...headers })

const checkName = (kind: string, name: string): Either.Either<string, InvalidRequest> =>
  name === ""
    ? Either.left(new InvalidRequest({ description: `DesignDocument.${kind}: the function name is empty` }))
    : Either.right(name)

/**
 * Calls show function `name`, on document `docId` when given (`GET
 * /{db}/_design/{ddoc}/_show/{func}[/{docid}]`); with `json` or `body`, `POST`s it, and the
 * function reads it as `req.body`.
 *
 * @since 0.2.0
 * @category functions
 */
export const show: {
  (
    name: string,
    options?: ShowOptions
  ): (self: DesignDocument) => Effect.Effect<FunctionResult, CouchError, CouchAuth>
  (
    self: DesignDocument,
    name: string,
    options?: ShowOptions
  ): Effect.Effect<FunctionResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: DesignDocument, name: string, options: ShowOptions = {}) =>
    Effect.flatMap(checkName("show", name), () =>
      Effect.flatMap(
        Endpoint.send(self, {
          method: options.json !== undefined || options.body !== undefined ? "POST" : "GET",
          path: ["_show", name, ...(options.docId !== undefined ? [options.docId] : [])],
          query: options.query,
          headers: accept(options.headers),
          json: options.json,
          body: options.body,
          contentType: options.contentType
        }),
        functionResult
      ))
)

/**
 * Calls list function `name` over view `view` (of this design document, or of
 * `otherDesign`), with the view's query parameters in `query` (`GET
 * /{db}/_design/{ddoc}/_list/{func}/{view}`); with `keys`, `POST`s them, as a view takes them.
 *
 * @since 0.2.0
 * @category functions
 */
export const list: {
  (
    name: string,
    view: string,
    options?: ListOptions
  ): (self: DesignDocument) => Effect.Effect<FunctionResult, CouchError, CouchAuth>
  (
    self: DesignDocument,
    name: string,
    view: string,
    options?: ListOptions
  ): Effect.Effect<FunctionResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (
    self: DesignDocument,
    name: string,
    view: string,
    options: ListOptions = {}
  ) =>
    Effect.flatMap(checkName("list", name), () =>
      Effect.flatMap(
        Endpoint.send(self, {
          method: options.keys !== undefined ? "POST" : "GET",
          path: [
            "_list",
            name,
            ...(options.otherDesign !== undefined ? [options.otherDesign.replace(/^_design\//, "")] : []),
            view
          ],
          query: options.query,
          headers: accept(options.headers),
          json: options.keys !== undefined ? { keys: options.keys } : undefined
        }),
        functionResult
      ))
)

/**
 * Calls update function `name`: `POST` without `docId` (the function creates a document),
 * `PUT` on `docId`. The answer carries the written document's id and revision.
 *
 * @since 0.2.0
 * @category functions
 */
export const update: {
  (
    name: string,
    options?: FunctionOptions & {
      readonly docId?: string | undefined
      readonly json?: unknown
      readonly body?: RequestBody | undefined
      readonly contentType?: string | undefined
    }
  ): (self: DesignDocument) => Effect.Effect<FunctionResult, CouchError, CouchAuth>
  (
    self: DesignDocument,
    name: string,
    options?: FunctionOptions & {
      readonly docId?: string | undefined
      readonly json?: unknown
      readonly body?: RequestBody | undefined
      readonly contentType?: string | undefined
    }
  ): Effect.Effect<FunctionResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (
    self: DesignDocument,
    name: string,
    options: FunctionOptions & {
      readonly docId?: string | undefined
      readonly json?: unknown
      readonly body?: RequestBody | undefined
      readonly contentType?: string | undefined
    } = {}
  ) =>
    Effect.flatMap(checkName("update", name), () =>
      Effect.flatMap(
        Endpoint.send(self, {
          method: options.docId !== undefined ? "PUT" : "POST",
          path: ["_update", name, ...(options.docId !== undefined ? [options.docId] : [])],
          query: options.query,
          headers: accept(options.headers),
          json: options.json,
          body: options.body,
          contentType: options.contentType
        }),
        functionResult
      ))
)

/**
 * Sends a request through the design document's rewrite rules (`/{db}/_design/{ddoc}/_rewrite/{path}`);
 * `path` is split on `/` as rewrite rules match it.
 *
 * @since 0.2.0
 * @category functions
 */
export const rewrite: {
  (
    path: string,
    options?: FunctionOptions & {
      readonly method?: Method | undefined
      readonly json?: unknown
      readonly body?: RequestBody | undefined
      readonly contentType?: string | undefined
    }
  ): (self: DesignDocument) => Effect.Effect<FunctionResult, CouchError, CouchAuth>
  (
    self: DesignDocument,
    path: string,
    options?: FunctionOptions & {
      readonly method?: Method | undefined
      readonly json?: unknown
      readonly body?: RequestBody | undefined
      readonly contentType?: string | undefined
    }
  ): Effect.Effect<FunctionResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (
    self: DesignDocument,
    path: string,
    options: FunctionOptions & {
      readonly method?: Method | undefined
      readonly json?: unknown
      readonly body?: RequestBody | undefined
      readonly contentType?: string | undefined
    } = {}
  ) =>
    Effect.flatMap(
      Endpoint.send(self, {
        method: options.method ?? "GET",
        path: ["_rewrite", ...path.split("/").filter((segment) => segment !== "")],
        query: options.query,
        headers: accept(options.headers),
        json: options.json,
        body: options.body,
        contentType: options.contentType
      }),
      functionResult
    )
)

// ---------------------------------------------------------------------------------------------
// Search (Clouseau) and Nouveau
// ---------------------------------------------------------------------------------------------

/**
 * Query parameters of a Clouseau search (`_search/{index}`), with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface SearchQuery {
  /** The Lucene query. */
  readonly query: string
  readonly bookmark?: string | undefined
  readonly counts?: ReadonlyArray<string> | undefined
  readonly drilldown?: ReadonlyArray<readonly [string, string]> | undefined
  readonly group_field?: string | undefined
  readonly group_limit?: number | undefined
  readonly group_sort?: string | ReadonlyArray<string> | undefined
  readonly highlight_fields?: ReadonlyArray<string> | undefined
  readonly highlight_pre_tag?: string | undefined
  readonly highlight_post_tag?: string | undefined
  readonly highlight_number?: number | undefined
  readonly highlight_size?: number | undefined
  readonly include_docs?: boolean | undefined
  readonly include_fields?: ReadonlyArray<string> | undefined
  readonly limit?: number | undefined
  readonly ranges?: Readonly<Record<string, Readonly<Record<string, string>>>> | undefined
  readonly sort?: string | ReadonlyArray<string> | undefined
  readonly stale?: "ok" | undefined
}

/**
 * A row of a search result.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SearchRow = Schema.Struct({
  id: Schema.String,
  order: Schema.Array(Schema.Unknown),
  fields: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  highlights: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })),
  doc: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * A search result: rows (or groups of rows with `group_field`), the bookmark of the next
 * page, and the facets asked for.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SearchResult = Schema.Struct({
  total_rows: Schema.Number,
  bookmark: Schema.optional(Schema.String),
  rows: Schema.optional(Schema.Array(SearchRow)),
  groups: Schema.optional(Schema.Array(Schema.Struct({
    by: Schema.Unknown,
    total_rows: Schema.Number,
    rows: Schema.Array(SearchRow)
  }))),
  counts: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  ranges: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * @since 0.2.0
 * @category models
 */
export interface SearchResult extends Schema.Schema.Type<typeof SearchResult> {}

const searchQuery = (query: SearchQuery): Record<string, QueryValue> => ({
  ...Endpoint.pick(query, [
    "query",
    "bookmark",
    "counts",
    "group_field",
    "group_limit",
    "highlight_fields",
    "highlight_pre_tag",
    "highlight_post_tag",
    "highlight_number",
    "highlight_size",
    "include_docs",
    "include_fields",
    "limit",
    "ranges",
    "stale"
  ]),
  // `drilldown` is a JSON array of pairs; `sort`/`group_sort` a JSON string or array.
  drilldown: query.drilldown,
  sort: query.sort === undefined ? undefined : JSON.stringify(query.sort),
  group_sort: query.group_sort === undefined ? undefined : JSON.stringify(query.group_sort)
})

/**
 * One page of a Clouseau search (`GET /{db}/_design/{ddoc}/_search/{index}`); pass the
 * answer's `bookmark` back for the next page, or use `searchPages`.
 *
 * @since 0.2.0
 * @category search
 */
export const search: {
  (index: string, query: SearchQuery): (self: DesignDocument) => Effect.Effect<SearchResult, CouchError, CouchAuth>
  (self: DesignDocument, index: string, query: SearchQuery): Effect.Effect<SearchResult, CouchError, CouchAuth>
} = dual(
  3,
  (self: DesignDocument, index: string, query: SearchQuery) =>
    Effect.flatMap(
      Endpoint.send(self, { method: "GET", path: ["_search", index], query: searchQuery(query) }),
      Endpoint.json(SearchResult)
    )
)

/**
 * Every row of a search, page by page: the next page is fetched with the previous page's
 * bookmark only when the stream is pulled past it, and the stream ends at the first empty page.
 *
 * @since 0.2.0
 * @category search
 */
export const searchPages: {
  (
    index: string,
    query: SearchQuery
  ): (self: DesignDocument) => Stream.Stream<typeof SearchRow.Type, CouchError, CouchAuth>
  (self: DesignDocument, index: string, query: SearchQuery): Stream.Stream<typeof SearchRow.Type, CouchError, CouchAuth>
} = dual(
  3,
  (self: DesignDocument, index: string, query: SearchQuery) =>
    Endpoint.pages((bookmark: string | undefined) =>
      Effect.map(
        search(self, index, bookmark === undefined ? query : { ...query, bookmark }),
        (page) => ({ items: page.rows ?? [], next: page.bookmark })
      )
    )
)

/**
 * What `_search_info/{index}` says about a search index.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SearchInfo = Schema.Struct({
  name: Schema.String,
  search_index: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})

/**
 * Information about a Clouseau search index.
 *
 * @since 0.2.0
 * @category search
 */
export const searchInfo: {
  (index: string): (self: DesignDocument) => Effect.Effect<typeof SearchInfo.Type, CouchError, CouchAuth>
  (self: DesignDocument, index: string): Effect.Effect<typeof SearchInfo.Type, CouchError, CouchAuth>
} = dual(
  2,
  (self: DesignDocument, index: string) =>
    Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_search_info", index] }), Endpoint.json(SearchInfo))
)

/**
 * Query parameters of a Nouveau search (`_nouveau/{index}`), with CouchDB's names.
 *
 * @since 0.2.0
 * @category models
 */
export interface NouveauQuery {
  /** The Lucene query. */
  readonly q: string
  readonly bookmark?: string | undefined
  readonly counts?: ReadonlyArray<string> | undefined
  readonly include_docs?: boolean | undefined
  readonly limit?: number | undefined
  readonly locale?: string | undefined
  readonly ranges?:
    | Readonly<
      Record<
        string,
        ReadonlyArray<{
          readonly label: string
          readonly min: number
          readonly max: number
          readonly min_inclusive?: boolean | undefined
          readonly max_inclusive?: boolean | undefined
        }>
      >
    >
    | undefined
  readonly sort?: string | ReadonlyArray<string> | undefined
  readonly update?: boolean | undefined
}

/**
 * A hit of a Nouveau search.
 *
 * @since 0.2.0
 * @category schemas
 */
export const NouveauHit = Schema.Struct({
  id: Schema.String,
  order: Schema.Array(Schema.Unknown),
  fields: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  doc: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})

/**
 * A Nouveau result page.
 *
 * @since 0.2.0
 * @category schemas
 */
export const NouveauResult = Schema.Struct({
  total_hits: Schema.Number,
  /** `EQUAL_TO` when `total_hits` is exact, `GREATER_THAN_OR_EQUAL_TO` otherwise. */
  total_hits_relation: Schema.optional(Schema.String),
  bookmark: Schema.optional(Schema.String),
  hits: Schema.Array(NouveauHit),
  counts: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  ranges: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  update_latency: Schema.optional(Schema.Number)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface NouveauResult extends Schema.Schema.Type<typeof NouveauResult> {}

const nouveauQuery = (query: NouveauQuery): Record<string, QueryValue> => ({
  ...Endpoint.pick(query, ["q", "bookmark", "counts", "include_docs", "limit", "locale", "ranges", "update"]),
  sort: query.sort === undefined ? undefined : JSON.stringify(query.sort)
})

/**
 * One page of a Nouveau search (`GET /{db}/_design/{ddoc}/_nouveau/{index}`; CouchDB 3.4+
 * with a Nouveau server).
 *
 * @since 0.2.0
 * @category search
 */
export const nouveau: {
  (index: string, query: NouveauQuery): (self: DesignDocument) => Effect.Effect<NouveauResult, CouchError, CouchAuth>
  (self: DesignDocument, index: string, query: NouveauQuery): Effect.Effect<NouveauResult, CouchError, CouchAuth>
} = dual(
  3,
  (self: DesignDocument, index: string, query: NouveauQuery) =>
    Effect.flatMap(
      Endpoint.send(self, { method: "GET", path: ["_nouveau", index], query: nouveauQuery(query) }),
      Endpoint.json(NouveauResult)
    )
)

/**
 * Every hit of a Nouveau search, page by page, following the bookmark as the stream is pulled.
 *
 * @since 0.2.0
 * @category search
 */
export const nouveauPages: {
  (
    index: string,
    query: NouveauQuery
  ): (self: DesignDocument) => Stream.Stream<typeof NouveauHit.Type, CouchError, CouchAuth>
  (
    self: DesignDocument,
    index: string,
    query: NouveauQuery
  ): Stream.Stream<typeof NouveauHit.Type, CouchError, CouchAuth>
} = dual(
  3,
  (self: DesignDocument, index: string, query: NouveauQuery) =>
    Endpoint.pages((bookmark: string | undefined) =>
      Effect.map(
        nouveau(self, index, bookmark === undefined ? query : { ...query, bookmark }),
        (page) => ({ items: page.hits, next: page.bookmark })
      )
    )
)

/**
 * What `_nouveau_info/{index}` says about a Nouveau index.
 *
 * @since 0.2.0
 * @category schemas
 */
export const NouveauInfo = Schema.Struct({
  name: Schema.String,
  search_index: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})

/**
 * Information about a Nouveau index.
 *
 * @since 0.2.0
 * @category search
 */
export const nouveauInfo: {
  (index: string): (self: DesignDocument) => Effect.Effect<typeof NouveauInfo.Type, CouchError, CouchAuth>
  (self: DesignDocument, index: string): Effect.Effect<typeof NouveauInfo.Type, CouchError, CouchAuth>
} = dual(
  2,
  (self: DesignDocument, index: string) =>
    Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_nouveau_info", index] }), Endpoint.json(NouveauInfo))
)

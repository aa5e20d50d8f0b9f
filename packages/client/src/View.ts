/**
 * Views and `_all_docs`, streamed row by row and decoded with Schema. Works with CouchDB's
 * row-per-line bodies and with single-line bodies (pouchdb-server) alike, without holding
 * the body in memory; `total_rows`, `offset` and `update_seq` are available from `open`.
 * A `200` body without a `rows` array (another resource's, or an `error`) is a `DecodeError`;
 * a body cut short is a `TransportError` of kind `Reset`.
 *
 * Query a `View` (`DesignDocument.view(ddoc, name)`, `Partition.view(p, ddoc, name)`) or an
 * `AllDocs` (`Database.allDocs(db)`, `Database.designDocs(db)`, `Database.localDocs(db)`,
 * `Partition.allDocs(p)`), with one options object: CouchDB's parameters plus the Schemas of
 * the rows' parts (`keySchema`, `valueSchema`, and `schema` for the documents).
 *
 * @since 0.1.0
 */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as Changes from "./Changes.js"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchResponse, QueryValue } from "./CouchClient.js"
import { type CouchError, InvalidRequest } from "./CouchError.js"
import type { Database } from "./Database.js"
import type { DesignDocument } from "./DesignDocument.js"
import * as Document from "./Document.js"
import type * as Handle from "./Handle.js"
import * as internalDocument from "./internal/document.js"
import * as Endpoint from "./internal/endpoint.js"
import * as Feed from "./internal/feed.js"
import * as JsonCheck from "./internal/json.js"
import * as RowShape from "./internal/rowShape.js"
import type { Json } from "./Json.js"
import type { Partition } from "./Partition.js"

/**
 * The view query parameters CouchDB 3.x knows besides the keys, with CouchDB's names.
 *
 * @since 0.1.0
 * @category models
 */
export interface ViewParams {
  readonly conflicts?: boolean | undefined
  readonly descending?: boolean | undefined
  readonly endkey_docid?: string | undefined
  readonly end_key_doc_id?: string | undefined
  readonly group?: boolean | undefined
  readonly group_level?: number | undefined
  readonly include_docs?: boolean | undefined
  readonly attachments?: boolean | undefined
  readonly att_encoding_info?: boolean | undefined
  readonly inclusive_end?: boolean | undefined
  readonly limit?: number | undefined
  readonly reduce?: boolean | undefined
  readonly skip?: number | undefined
  readonly sorted?: boolean | undefined
  readonly stable?: boolean | undefined
  readonly stale?: "ok" | "update_after" | undefined
  readonly startkey_docid?: string | undefined
  readonly start_key_doc_id?: string | undefined
  readonly update?: boolean | "lazy" | undefined
  readonly update_seq?: boolean | undefined
}

/**
 * The keys of a view query: each is encoded with `keySchema` when one is given, so a key is
 * written the way it is read (e.g. a `Date`); without one they are JSON values (a function,
 * a symbol or a BigInt is an `InvalidRequest`). `keys` is sent in a POST body. A range's ends
 * may also be plain JSON that is not of the key type — typically CouchDB's high sentinel
 * `{}`, as in `endkey: ["c1", {}]` — and are then sent as they are.
 *
 * @since 0.2.0
 * @category models
 */
export interface KeyParams<K> {
  readonly key?: K | undefined
  readonly keys?: ReadonlyArray<K> | undefined
  readonly startkey?: K | Json | undefined
  readonly start_key?: K | Json | undefined
  readonly endkey?: K | Json | undefined
  readonly end_key?: K | Json | undefined
}

/**
 * The Schemas of a row's parts. Without them a key and a value are any JSON value (and must
 * be there: a row without them is a `DecodeError`), and a document is a `JsonObject`.
 *
 * @since 0.2.0
 * @category models
 */
export interface RowSchemas<K, KI, V, VI, D, DI> {
  /** Decodes each row's key, and encodes the query's keys. */
  readonly keySchema?: Schema.Schema<K, KI, never> | undefined
  readonly valueSchema?: Schema.Schema<V, VI, never> | undefined
  /** Decodes the documents of `include_docs`; their metadata (`_id`, `_rev`, …) is added. */
  readonly schema?: Schema.Schema<D, DI, never> | undefined
}

/**
 * One options object per query: parameters, keys and row Schemas.
 *
 * @since 0.2.0
 * @category models
 */
export interface QueryOptions<K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>
  extends ViewParams, KeyParams<NoInfer<K>>, RowSchemas<K, KI, V, VI, D, DI>
{}

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
 * import { CouchClient, Database, View } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const Todo = Schema.Struct({ title: Schema.String })
 *
 * const program = Effect.gen(function* () {
 *   const todos = (yield* CouchClient.CouchClient).database("todos")
 *   yield* View.stream(Database.allDocs(todos), {
 *     keys: ["a", "b"],
 *     include_docs: true,
 *     keySchema: Schema.String,
 *     valueSchema: View.AllDocsValue,
 *     schema: Todo
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

/**
 * The key and value Schema when none is given: any JSON value, but present. (`JSON.parse`
 * yields only JSON values: the public signatures type them `Json`.)
 */
const anyJson: Schema.Schema<unknown> = RowShape.Present

const keyNames = ["key", "startkey", "start_key", "endkey", "end_key"] as const

const otherParams = [
  "conflicts",
  "descending",
  "endkey_docid",
  "end_key_doc_id",
  "group",
  "group_level",
  "include_docs",
  "attachments",
  "att_encoding_info",
  "inclusive_end",
  "limit",
  "reduce",
  "skip",
  "sorted",
  "stable",
  "stale",
  "startkey_docid",
  "start_key_doc_id",
  "update",
  "update_seq"
] as const

type AnyOptions = QueryOptions<unknown, unknown, unknown, unknown, unknown, unknown>

/** A query's keys encoded with the key Schema (when there is one), still as values. */
const encodeKeys = (
  options: ViewParams & KeyParams<unknown> & { readonly keySchema?: Schema.Schema<unknown, unknown, never> | undefined }
): Either.Either<
  { readonly single: Record<string, unknown>; readonly keys: Array<unknown> | undefined },
  InvalidRequest
> => {
  const schema = options.keySchema
  const encode = schema === undefined
    ? (key: unknown) => Either.right<unknown>(key)
    : (key: unknown) =>
      Either.mapLeft(
        Schema.encodeEither(schema)(key),
        (error) =>
          new InvalidRequest({
            description: `a view key cannot be encoded with the key Schema: ${
              ParseResult.TreeFormatter.formatErrorSync(error)
            }`
          })
      )
  const isKey = schema === undefined ? undefined : Schema.is(schema)
  const single: Record<string, unknown> = {}
  for (const name of keyNames) {
    const key = options[name]
    if (key === undefined) continue
    // A range end that is not of the key type (e.g. `["c1", {}]`) is plain JSON, sent as it is.
    const encoded = name !== "key" && isKey !== undefined && !isKey(key) ? Either.right(key) : encode(key)
    if (Either.isLeft(encoded)) return Either.left(encoded.left)
    single[name] = encoded.right
  }
  if (options.keys === undefined) return Either.right({ single, keys: undefined })
  const keys: Array<unknown> = []
  for (const key of options.keys) {
    const encoded = encode(key)
    if (Either.isLeft(encoded)) return Either.left(encoded.left)
    keys.push(encoded.right)
  }
  return Either.right({ single, keys })
}

/**
 * The query string and body of a view query: parameters as they are, keys encoded with the
 * key Schema (if any) and then as JSON — even a string key, `key="a"` — and `keys` in a POST
 * body.
 */
const toRequest = (options: AnyOptions): Either.Either<Endpoint.Request, InvalidRequest> =>
  Either.flatMap(encodeKeys(options), ({ keys, single }): Either.Either<Endpoint.Request, InvalidRequest> => {
    const query: Record<string, QueryValue> = Endpoint.pick(options, otherParams)
    for (const [name, key] of Object.entries(single)) {
      const text = JsonCheck.stringify(key, `the view parameter ${name}`)
      if (Either.isLeft(text)) return Either.left(text.left)
      query[name] = text.right
    }
    return keys === undefined
      ? Either.right({ method: "GET", query })
      // A POST that only reads: the retry policy may resend it.
      : Either.right({ method: "POST", query, json: { keys }, idempotent: true })
  })

/** The decoder of a row (and of `_all_docs`' error rows when `keys` are given). */
const rowDecoder = (
  response: CouchResponse,
  options: RowSchemas<unknown, unknown, unknown, unknown, unknown, unknown> & { readonly keys?: unknown }
) =>
  options.schema === undefined
    ? rowDecoderWith(response, options, Schema.Unknown)
    : namingDocuments(response, options.schema, rowDecoderWith(response, options, Document.stored(options.schema)))

/**
 * A row whose document does not decode fails as a document read does: the `DecodeError`
 * names the document and the path in it. Only failures pay for the second decode.
 */
const namingDocuments = <R>(
  response: CouchResponse,
  schema: Schema.Schema<unknown, unknown, never>,
  decode: (value: unknown) => Either.Either<R, CouchError>
) => {
  const decodeDocument = internalDocument.decoder(Document.Meta, schema)
  return (value: unknown): Either.Either<R, CouchError> => {
    const decoded = decode(value)
    if (Either.isRight(decoded) || !Predicate.isRecord(value) || !Predicate.isRecord(value.doc)) return decoded
    const document = decodeDocument(response, value.doc)
    return Either.isLeft(document) ? Either.left(document.left) : decoded
  }
}

const rowDecoderWith = <D, DI>(
  response: CouchResponse,
  options: RowSchemas<unknown, unknown, unknown, unknown, unknown, unknown> & { readonly keys?: unknown },
  docSchema: Schema.Schema<D, DI, never>
) => {
  const keySchema = options.keySchema ?? anyJson
  const valueSchema = options.valueSchema ?? anyJson
  const row = RowShape.ViewRow(keySchema, valueSchema, docSchema)
  const key = RowShape.part(keySchema)
  const fastRow = RowShape.viewRow(key, RowShape.part(valueSchema), RowShape.orNullPart(docSchema))
  if (options.keys === undefined) {
    return (value: unknown): Either.Either<Row<unknown, unknown, D> | ErrorRow<unknown>, CouchError> =>
      Feed.decoder(response, row, fastRow)(value)
  }
  const fastErrorRow = RowShape.errorRow(key)
  // The error row first: a normal row never has `error`, while a `value` Schema accepting `undefined` would
  // accept an error row.
  return Feed.decoder(response, Schema.Union(RowShape.ErrorRow(keySchema), row), (value) => {
    // `errorRow` declines exactly when the Schema's error row fails, so the union goes on with the row.
    const decoded = fastErrorRow(value)
    return decoded === RowShape.mismatch ? fastRow(value) : decoded
  })
}

const openResponse = <R>(
  response: CouchResponse,
  decode: (value: unknown) => Either.Either<R, CouchError>
): Effect.Effect<ViewFeed<R>, CouchError, Scope.Scope> =>
  Effect.gen(function*() {
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

const openImpl = (self: Target, options: AnyOptions = {}) =>
  Effect.flatMap(
    toRequest(options),
    (request) =>
      Effect.flatMap(Endpoint.send(self, request), (response) => openResponse(response, rowDecoder(response, options)))
  )

/**
 * Queries a view or `_all_docs`. The request is sent, and an error status fails, before
 * this succeeds; rows are read as `rows` is pulled, and `meta` gives `total_rows`, `offset`
 * and `update_seq`. Closed with the scope.
 *
 * @since 0.1.0
 * @category constructors
 */
export const open: {
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    options: QueryOptions<K, KI, V, VI, D, DI> & { readonly keys: ReadonlyArray<NoInfer<K>> }
  ): (self: Target) => Effect.Effect<
    ViewFeed<Row<K, V, Document.DocOf<D>> | ErrorRow<K>>,
    CouchError,
    CouchAuth | Scope.Scope
  >
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    options?: QueryOptions<K, KI, V, VI, D, DI> & { readonly keys?: undefined }
  ): (self: Target) => Effect.Effect<ViewFeed<Row<K, V, Document.DocOf<D>>>, CouchError, CouchAuth | Scope.Scope>
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    self: Target,
    options: QueryOptions<K, KI, V, VI, D, DI> & { readonly keys: ReadonlyArray<NoInfer<K>> }
  ): Effect.Effect<ViewFeed<Row<K, V, Document.DocOf<D>> | ErrorRow<K>>, CouchError, CouchAuth | Scope.Scope>
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    self: Target,
    options?: QueryOptions<K, KI, V, VI, D, DI> & { readonly keys?: undefined }
  ): Effect.Effect<ViewFeed<Row<K, V, Document.DocOf<D>>>, CouchError, CouchAuth | Scope.Scope>
} = dual(Endpoint.isDataFirst, openImpl)

/**
 * The rows of a view or `_all_docs`, as a stream read as it is pulled.
 *
 * @since 0.1.0
 * @category streams
 * @example
 * ```ts
 * import { CouchClient, Database, DesignDocument, View } from "@effect-couchdb/client"
 * import { Effect, Schema, Stream } from "effect"
 *
 * const program = Effect.gen(function* () {
 *   const shop = (yield* CouchClient.CouchClient).database("shop")
 *   const byCustomer = DesignDocument.view(Database.designDocument(shop, "orders"), "by_customer")
 *   yield* View.stream(byCustomer, {
 *     startkey: ["c1"],
 *     endkey: ["c1", {}],
 *     keySchema: Schema.Tuple(Schema.String, Schema.Unknown),
 *     valueSchema: Schema.Number
 *   }).pipe(Stream.runForEach((row) => Effect.log(row.key[0], row.value)))
 * })
 * ```
 */
export const stream: {
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    options: QueryOptions<K, KI, V, VI, D, DI> & { readonly keys: ReadonlyArray<NoInfer<K>> }
  ): (self: Target) => Stream.Stream<Row<K, V, Document.DocOf<D>> | ErrorRow<K>, CouchError, CouchAuth>
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    options?: QueryOptions<K, KI, V, VI, D, DI> & { readonly keys?: undefined }
  ): (self: Target) => Stream.Stream<Row<K, V, Document.DocOf<D>>, CouchError, CouchAuth>
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    self: Target,
    options: QueryOptions<K, KI, V, VI, D, DI> & { readonly keys: ReadonlyArray<NoInfer<K>> }
  ): Stream.Stream<Row<K, V, Document.DocOf<D>> | ErrorRow<K>, CouchError, CouchAuth>
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    self: Target,
    options?: QueryOptions<K, KI, V, VI, D, DI> & { readonly keys?: undefined }
  ): Stream.Stream<Row<K, V, Document.DocOf<D>>, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Target, options?: AnyOptions) => Stream.unwrapScoped(Effect.map(openImpl(self, options), (feed) => feed.rows))
)

/**
 * One result of a multi-query.
 *
 * @since 0.2.0
 * @category models
 */
export interface QueryResult<R> {
  readonly rows: ReadonlyArray<R>
  readonly totalRows: Option.Option<number>
  readonly offset: Option.Option<number>
  readonly updateSeq: Option.Option<Changes.Seq>
}

/**
 * Several queries of one view (or `_all_docs`) in one request (`POST …/queries`), all
 * decoded with the same row Schemas; each result is read whole.
 *
 * @since 0.2.0
 * @category constructors
 */
export const queries: {
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    queries: ReadonlyArray<ViewParams & KeyParams<NoInfer<K>>>,
    schemas?: RowSchemas<K, KI, V, VI, D, DI>
  ): (self: Target) => Effect.Effect<
    ReadonlyArray<QueryResult<Row<K, V, Document.DocOf<D>> | ErrorRow<K>>>,
    CouchError,
    CouchAuth
  >
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    self: Target,
    queries: ReadonlyArray<ViewParams & KeyParams<NoInfer<K>>>,
    schemas?: RowSchemas<K, KI, V, VI, D, DI>
  ): Effect.Effect<
    ReadonlyArray<QueryResult<Row<K, V, Document.DocOf<D>> | ErrorRow<K>>>,
    CouchError,
    CouchAuth
  >
} = dual(
  Endpoint.isDataFirst,
  (
    self: Target,
    list: ReadonlyArray<ViewParams & KeyParams<unknown>>,
    schemas: RowSchemas<unknown, unknown, unknown, unknown, unknown, unknown> = {}
  ) =>
    Effect.gen(function*() {
      const bodies: Array<Record<string, unknown>> = []
      for (const query of list) {
        const { keys, single } = yield* encodeKeys({ ...query, keySchema: schemas.keySchema })
        bodies.push({ ...Endpoint.pick(query, otherParams), ...single, ...(keys !== undefined ? { keys } : {}) })
      }
      const response = yield* Endpoint.send(self, {
        method: "POST",
        path: ["queries"],
        json: { queries: bodies },
        idempotent: true
      })
      const decode = rowDecoder(response, { ...schemas, keys: true })
      const results = yield* response.decode(QueriesBody)
      return yield* Effect.forEach(results.results, (result) =>
        Effect.map(
          Effect.forEach(result.rows, (row) => decode(row)),
          (rows) => ({
            rows,
            totalRows: Option.fromNullable(result.total_rows),
            offset: Option.fromNullable(result.offset),
            updateSeq: Option.fromNullable(result.update_seq)
          })
        ))
    })
)

const QueriesBody = Schema.Struct({
  results: Schema.Array(Schema.Struct({
    total_rows: Schema.optional(Schema.NullOr(Schema.Number)),
    offset: Schema.optional(Schema.NullOr(Schema.Number)),
    update_seq: Schema.optional(Changes.Seq),
    rows: Schema.Array(Schema.Unknown)
  }))
})

/**
 * Every row of a view or `_all_docs`, fetched a page at a time by key: each page asks for
 * `pageSize + 1` rows and the extra row starts the next page (`startkey` and, for views,
 * `startkey_docid`, so rows sharing a key are neither lost nor repeated; when that cannot
 * tell the rows apart — a document that emitted the key more than once, or a server that
 * ignores `startkey_docid` such as pouchdb-server — `skip` passes the rows of the key already
 * read). The next page is fetched only when the stream is pulled past the current one. Not
 * for `keys`, reduced queries or `skip` (an `InvalidRequest`).
 *
 * @since 0.2.0
 * @category streams
 */
export const pages: {
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    options: QueryOptions<K, KI, V, VI, D, DI> & { readonly pageSize: number; readonly keys?: undefined }
  ): (self: Target) => Stream.Stream<Row<K, V, Document.DocOf<D>>, CouchError, CouchAuth>
  <K = Json, KI = K, V = Json, VI = V, D = Document.NoSchema, DI = D>(
    self: Target,
    options: QueryOptions<K, KI, V, VI, D, DI> & { readonly pageSize: number; readonly keys?: undefined }
  ): Stream.Stream<Row<K, V, Document.DocOf<D>>, CouchError, CouchAuth>
} = dual(
  2,
  (self: Target, options: AnyOptions & { readonly pageSize: number }) => {
    const { pageSize, ...query } = options
    if (!Number.isInteger(pageSize) || pageSize < 1) {
      return Stream.fail(new InvalidRequest({ description: "View.pages: pageSize must be a positive integer" }))
    }
    if (
      query.keys !== undefined || query.skip !== undefined || query.group === true ||
      query.group_level !== undefined || query.reduce === true
    ) {
      return Stream.fail(
        new InvalidRequest({ description: "View.pages pages by key: keys, skip, grouping and reduce do not apply" })
      )
    }
    // Paging by key needs rows with ids: map rows, so no reduce.
    const base = { ...query, limit: pageSize + 1, ...(self._tag === "View" ? { reduce: false } : {}) }
    const fetch = (options: AnyOptions) =>
      Effect.scoped(Effect.flatMap(openImpl(self, options), (feed) => Stream.runCollect(feed.rows))).pipe(
        // No `keys`, so every row is a `Row`.
        Effect.map((rows) => Chunk.toArray(rows) as Array<Row<unknown, unknown, unknown>>)
      )
    // Keys compared as the JSON they were read from: decoded keys need not be comparable values.
    const encodeKey = query.keySchema === undefined ? Either.right : Schema.encodeEither(query.keySchema)
    const keyText = (key: unknown): string | undefined => {
      const encoded = encodeKey(key)
      return Either.isLeft(encoded) ? undefined : Either.getOrUndefined(JsonCheck.stringify(encoded.right, "a key"))
    }
    return Endpoint.pages((cursor: Cursor | undefined) =>
      Effect.gen(function*() {
        let rows: Array<Row<unknown, unknown, unknown>>
        if (cursor === undefined) {
          rows = yield* fetch(base)
        } else {
          // The cursor replaces the caller's start, under either name.
          const at = {
            ...base,
            startkey: cursor.key,
            start_key: undefined,
            startkey_docid: undefined,
            start_key_doc_id: undefined
          }
          const afterKey = { ...at, skip: cursor.sameKey > 0 ? cursor.sameKey : undefined }
          if (self._tag === "View" && cursor.id !== undefined && !cursor.repeated) {
            rows = yield* fetch({ ...at, startkey_docid: cursor.id })
            const first = rows[0]
            if (first !== undefined && (first.id !== cursor.id || keyText(first.key) !== cursor.text)) {
              // A server that ignores `startkey_docid` (pouchdb-server) starts at the key's first row (or the
              // extra row went away meanwhile): start after the rows of this key already read instead.
              rows = yield* fetch(afterKey)
            }
          } else {
            // `_all_docs` keys are unique; and a document that emitted the extra row's key and id on the page
            // just read cannot be told apart by `startkey_docid`: skip the rows of the key already read.
            rows = yield* fetch(afterKey)
          }
        }
        const items = rows.slice(0, pageSize)
        const extra = rows[pageSize]
        return { items, next: extra === undefined ? undefined : nextCursor(cursor, items, extra, keyText) }
      })
    )
  }
)

/**
 * Where the next page starts: the extra row, how many rows read so far share its key, and
 * whether the last of them has its document id too (a document that emits a key repeatedly).
 */
interface Cursor {
  readonly key: unknown
  readonly text: string | undefined
  readonly id: string | undefined
  readonly sameKey: number
  readonly repeated: boolean
}

const nextCursor = (
  previous: Cursor | undefined,
  items: ReadonlyArray<Row<unknown, unknown, unknown>>,
  extra: Row<unknown, unknown, unknown>,
  keyText: (key: unknown) => string | undefined
): Cursor => {
  const text = keyText(extra.key)
  let sameKey = 0
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]
    if (item === undefined || text === undefined || keyText(item.key) !== text) break
    sameKey++
  }
  // A page whose rows all share the extra row's key continues the previous page's run.
  if (previous !== undefined && sameKey === items.length && previous.text === text) sameKey += previous.sameKey
  const last = items[items.length - 1]
  return { key: extra.key, text, id: extra.id, sameKey, repeated: sameKey > 0 && last?.id === extra.id }
}

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

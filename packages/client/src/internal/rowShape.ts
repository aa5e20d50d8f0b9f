/**
 * Hand-written decoders for the rows of the feeds, checked against their Schemas' shapes
 * without going through ParseResult: decoding a row with Schema costs over half as much as
 * its `JSON.parse`, and almost every row has the plain shape CouchDB sends.
 *
 * Each one is sound, not complete: when it returns a value, that value is the one the
 * Schema would decode (the declared keys only, in the Schema's order, extra keys dropped,
 * parts with a non-`Unknown` Schema decoded by that Schema); on anything unusual it
 * returns `mismatch` and the caller decodes with the Schema, which also writes the error
 * message. The input is always a `JSON.parse` result: own data properties only, never
 * `undefined`, so `row.x === undefined` means that `x` is absent.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"

/** @internal */
export const mismatch: unique symbol = Symbol.for("effect-couchdb/rowShape/mismatch")

/** @internal */
export type Mismatch = typeof mismatch

/** A decoder of one part of a row: its value, or `mismatch`. @internal */
export type Part<A> = (value: unknown) => A | Mismatch

const identity = (value: unknown): unknown => value

const isIdentity = (schema: Schema.Schema.Any): boolean =>
  SchemaAST.isUnknownKeyword(schema.ast) || SchemaAST.isAnyKeyword(schema.ast)

/**
 * Any JSON value, but present: the default Schema of a view row's `key` and `value`, so that
 * a row without them is an error rather than a row of `undefined`s. (A `JSON.parse` result
 * never holds `undefined`: it stands for a missing member.)
 *
 * @internal
 */
export const Present: Schema.Schema<unknown> = Schema.Unknown.pipe(
  Schema.filter((value): boolean => value !== undefined, { message: () => "is missing" })
)

const present = (value: unknown): unknown => value === undefined ? mismatch : value

/**
 * The decoder of a part of a row: the identity for `Schema.Unknown` and `Schema.Any`, the
 * identity on present values for `Present` (the defaults), otherwise the part's Schema.
 *
 * @internal
 */
export const part = <A, I>(schema: Schema.Schema<A, I, never>): Part<A> => {
  // A Schema whose AST is `unknown` or `any` has `A` = `unknown` or `any`, and decodes every value to itself;
  // `Present` has `A` = `unknown`, and decodes every value but `undefined` to itself.
  if (isIdentity(schema)) return identity as Part<A>
  if (schema.ast === Present.ast) return present as Part<A>
  const decode = ParseResult.decodeUnknownEither(schema)
  return (value) => {
    const decoded = decode(value)
    return Either.isRight(decoded) ? decoded.right : mismatch
  }
}

/**
 * `null`, or a value of `schema`: CouchDB's `null` for "no document" stays `null`, whatever
 * `schema` would make of it (a document Schema is never asked to decode `null`).
 *
 * @internal
 */
export const OrNull = <A, I>(schema: Schema.Schema<A, I, never>): Schema.Schema<A | null, I | null> =>
  Schema.Union(Schema.Null, schema)

/**
 * The decoder of `OrNull(schema)`.
 *
 * @internal
 */
export const orNullPart = <A, I>(schema: Schema.Schema<A, I, never>): Part<A | null> => {
  const decode = part(schema)
  return (value) => value === null ? null : decode(value)
}

const isSeq = (value: unknown): value is string | number => typeof value === "string" || typeof value === "number"

/**
 * The Schema of a view or `_all_docs` row. `key` and `value` are required (pass `Present`
 * for "any JSON value"); `doc` is there with `include_docs`, `null` when there is no document.
 *
 * @internal
 */
export const ViewRow = <K, KI, V, VI, D, DI>(
  key: Schema.Schema<K, KI, never>,
  value: Schema.Schema<V, VI, never>,
  doc: Schema.Schema<D, DI, never>
) =>
  Schema.Struct({
    id: Schema.optional(Schema.String),
    key,
    value,
    doc: Schema.optional(OrNull(doc))
  })

/**
 * The decoder of `ViewRow`: `key` and `value` are the `part`s of their Schemas, `doc` the
 * `orNullPart` of its Schema.
 *
 * @internal
 */
export const viewRow = <K, V, D>(key: Part<K>, value: Part<V>, doc: Part<D | null>) =>
(row: unknown): {
  readonly id?: string
  readonly key: K
  readonly value: V
  readonly doc?: D | null
} | Mismatch => {
  if (!Predicate.isRecord(row)) return mismatch
  const k = key(row.key)
  if (k === mismatch) return mismatch
  const v = value(row.value)
  if (v === mismatch) return mismatch
  const id = row.id
  if (row.doc === undefined) {
    if (id === undefined) return { key: k, value: v }
    return typeof id === "string" ? { id, key: k, value: v } : mismatch
  }
  const d = doc(row.doc)
  if (d === mismatch) return mismatch
  if (id === undefined) return { key: k, value: v, doc: d }
  return typeof id === "string" ? { id, key: k, value: v, doc: d } : mismatch
}

/**
 * The Schema of the row `_all_docs` sends for a requested key that does not exist.
 *
 * @internal
 */
export const ErrorRow = <K, KI>(key: Schema.Schema<K, KI, never>) =>
  Schema.Struct({ key, error: Schema.String, reason: Schema.optional(Schema.String) })

/**
 * The decoder of `ErrorRow`. Unlike the others it is exact, `mismatch` if and only if the
 * Schema fails, so a union that tries it first can go on with the row on a mismatch.
 *
 * @internal
 */
export const errorRow = <K>(key: Part<K>) =>
(row: unknown): {
  readonly key: K
  readonly error: string
  readonly reason?: string
} | Mismatch => {
  if (!Predicate.isRecord(row)) return mismatch
  const error = row.error
  const reason = row.reason
  if (typeof error !== "string" || (reason !== undefined && typeof reason !== "string")) return mismatch
  const k = key(row.key)
  if (k === mismatch) return mismatch
  return reason === undefined ? { key: k, error } : { key: k, error, reason }
}

/** @internal */
export interface TombstoneShape {
  readonly _id: string
  readonly _rev: string
  readonly _deleted: true
  readonly [key: string]: unknown
}

/**
 * The decoder of `Changes.Tombstone`, `Struct({ _id: String, _rev: String, _deleted:
 * Literal(true) }, Record({ key: String, value: Unknown }))`: the three fields first, then
 * the others in their order.
 *
 * @internal
 */
export const tombstone = (doc: unknown): TombstoneShape | Mismatch => {
  if (!Predicate.isRecord(doc)) return mismatch
  const { _deleted, _id, _rev } = doc
  if (typeof _id !== "string" || typeof _rev !== "string" || _deleted !== true) return mismatch
  const out: { -readonly [K in keyof TombstoneShape]: TombstoneShape[K] } = { _id, _rev, _deleted }
  for (const key of Object.keys(doc)) {
    if (key === "_id" || key === "_rev" || key === "_deleted") continue
    // Assigning `__proto__` would set the prototype; what the Schema makes of it is its business.
    if (key === "__proto__") return mismatch
    out[key] = doc[key]
  }
  return out
}

/**
 * The decoder of `Changes.Change(doc)`, the union of a live change, `Struct({ id: String,
 * seq: NullOr(Seq), changes: Array(Struct({ rev: String })), deleted: optional(Literal(false)),
 * doc: optional(OrNull(doc)) })`, and a deleted one, the same with `deleted: Literal(true)` and
 * the document a `Tombstone`. `doc` is the `orNullPart` of the document Schema.
 *
 * @internal
 */
export const change = <D>(doc: Part<D | null>) =>
(row: unknown): {
  readonly id: string
  readonly seq: string | number | null
  readonly changes: ReadonlyArray<{ readonly rev: string }>
  readonly deleted?: false
  readonly doc?: D | null
} | {
  readonly id: string
  readonly seq: string | number | null
  readonly changes: ReadonlyArray<{ readonly rev: string }>
  readonly deleted: true
  readonly doc?: TombstoneShape | null
} | Mismatch => {
  if (!Predicate.isRecord(row)) return mismatch
  const { deleted, id, seq } = row
  if (typeof id !== "string" || (seq !== null && !isSeq(seq))) return mismatch
  if (deleted !== undefined && typeof deleted !== "boolean") return mismatch
  const revs = row.changes
  if (!Array.isArray(revs)) return mismatch
  // New objects with `rev` only, as Schema.Struct would build them.
  const changes: Array<{ readonly rev: string }> = new Array(revs.length)
  for (let i = 0; i < revs.length; i++) {
    const entry: unknown = revs[i]
    if (!Predicate.isRecord(entry) || typeof entry.rev !== "string") return mismatch
    changes[i] = { rev: entry.rev }
  }
  if (deleted === true) {
    if (row.doc === undefined) return { id, seq, changes, deleted }
    const d = row.doc === null ? null : tombstone(row.doc)
    return d === mismatch ? mismatch : { id, seq, changes, deleted, doc: d }
  }
  if (row.doc === undefined) {
    return deleted === undefined ? { id, seq, changes } : { id, seq, changes, deleted }
  }
  const d = doc(row.doc)
  if (d === mismatch) return mismatch
  return deleted === undefined ? { id, seq, changes, doc: d } : { id, seq, changes, deleted, doc: d }
}

/**
 * A `_db_updates` row, `Struct({ db_name: String, type: String, seq: NullOr(Seq) })`.
 *
 * @internal
 */
export const dbUpdate = (row: unknown): {
  readonly db_name: string
  readonly type: string
  readonly seq: string | number | null
} | Mismatch => {
  if (!Predicate.isRecord(row)) return mismatch
  const { db_name, seq, type } = row
  if (typeof db_name !== "string" || typeof type !== "string" || (seq !== null && !isSeq(seq))) return mismatch
  return { db_name, type, seq }
}

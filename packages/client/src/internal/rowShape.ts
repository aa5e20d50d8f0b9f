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
 * The decoder of a part of a row: the identity for `Schema.Unknown` and `Schema.Any` (the
 * defaults), otherwise the part's Schema.
 *
 * @internal
 */
export const part = <A, I>(schema: Schema.Schema<A, I, never>): Part<A> => {
  if (isIdentity(schema)) {
    // A Schema whose AST is `unknown` or `any` has `A` = `unknown` or `any`, and decodes every value to itself.
    return identity as Part<A>
  }
  const decode = ParseResult.decodeUnknownEither(schema)
  return (value) => {
    const decoded = decode(value)
    return Either.isRight(decoded) ? decoded.right : mismatch
  }
}

/**
 * The decoder of an optional document, `NullOr(schema)`: the identity for `Unknown` and
 * `Any`. (The Schema decides what `null` becomes, since a document Schema may accept it.)
 *
 * @internal
 */
export const nullablePart = <A, I>(schema: Schema.Schema<A, I, never>): Part<A | null> =>
  isIdentity(schema) ? part(schema) : part(Schema.NullOr(schema))

const isSeq = (value: unknown): value is string | number => typeof value === "string" || typeof value === "number"

/**
 * A view or `_all_docs` row, `Struct({ id: optional(String), key, value, doc:
 * optional(NullOr(doc)) })`; `doc` is the `nullablePart`.
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
 * The row `_all_docs` sends for a missing key, `Struct({ key, error: String, reason:
 * optional(String) })`. Unlike the others it is exact, `mismatch` if and only if the Schema
 * fails, so a union that tries it first can go on with the row on a mismatch.
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

/**
 * A `_changes` row, `Struct({ id: String, seq: NullOr(Seq), changes: Array(Struct({ rev:
 * String })), deleted: optional(Boolean), doc: optional(NullOr(doc)) })`; `doc` is the
 * `nullablePart`.
 *
 * @internal
 */
export const change = <D>(doc: Part<D | null>) =>
(row: unknown): {
  readonly id: string
  readonly seq: string | number | null
  readonly changes: ReadonlyArray<{ readonly rev: string }>
  readonly deleted?: boolean
  readonly doc?: D | null
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

/**
 * The request bodies of `_find`, `_explain` and `_index`, checked before anything is sent,
 * and the decoder of the documents `_find` streams.
 *
 * @internal
 */
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import type * as Schema from "effect/Schema"
import type { CouchResponse } from "../CouchClient.js"
import { type DecodeError, InvalidRequest } from "../CouchError.js"
import { Meta } from "../Document.js"
import * as internalDocument from "./document.js"

/**
 * A query as the body builder sees it: the public `Query` of any document type.
 *
 * @internal
 */
export interface RawQuery {
  readonly selector: unknown
  readonly fields?: ReadonlyArray<unknown> | undefined
  readonly sort?: ReadonlyArray<unknown> | undefined
  readonly limit?: number | undefined
  readonly skip?: number | undefined
  readonly bookmark?: string | undefined
  readonly use_index?: string | ReadonlyArray<string> | undefined
  readonly r?: number | undefined
  readonly conflicts?: boolean | undefined
  readonly update?: boolean | undefined
  readonly stable?: boolean | undefined
  readonly execution_stats?: boolean | undefined
  readonly allow_fallback?: boolean | undefined
}

const invalid = (what: string, description: string) =>
  Either.left(new InvalidRequest({ description: `${what}: ${description}` }))

const isCount = (value: unknown, min: number) =>
  value === undefined || (typeof value === "number" && Number.isSafeInteger(value) && value >= min)

/**
 * The JSON body of a `_find` or `_explain` request, its members in the order CouchDB's
 * documentation lists them (the order of the recorded requests). `undefined` members are
 * left out by the JSON encoding; values JSON cannot carry are refused by the client.
 *
 * @internal
 */
export const queryBody = (query: RawQuery, what: string): Either.Either<Record<string, unknown>, InvalidRequest> => {
  if (!Predicate.isRecord(query.selector)) return invalid(what, "the selector must be a JSON object")
  if (!isCount(query.limit, 0)) return invalid(what, "limit must be a non-negative integer")
  if (!isCount(query.skip, 0)) return invalid(what, "skip must be a non-negative integer")
  if (!isCount(query.r, 1)) return invalid(what, "r must be a positive integer")
  if (query.fields !== undefined && !query.fields.every(Predicate.isString)) {
    return invalid(what, "fields must be field names")
  }
  const useIndex = query.use_index
  if (
    useIndex !== undefined && typeof useIndex !== "string" &&
    !(useIndex.length >= 1 && useIndex.length <= 2 && useIndex.every(Predicate.isString))
  ) {
    return invalid(what, "use_index must be a design document name, or [design document, index name]")
  }
  return Either.right({
    selector: query.selector,
    fields: query.fields,
    sort: query.sort,
    limit: query.limit,
    skip: query.skip,
    bookmark: query.bookmark,
    use_index: query.use_index,
    r: query.r,
    conflicts: query.conflicts,
    update: query.update,
    stable: query.stable,
    execution_stats: query.execution_stats,
    allow_fallback: query.allow_fallback
  })
}

/** The metadata fields besides `_id` and `_rev`: a document with none of them takes the fast path. */
const otherMetaKeys = Object.keys(Meta.fields).filter((key) => key !== "_id" && key !== "_rev")

const isOptionalString = (value: unknown) => value === undefined || typeof value === "string"

/**
 * The document as the Schema path would decode it when it has a string `_id` and `_rev` (or,
 * projected, none or a string) and no other metadata: the metadata Schema would check just
 * that and keep every field. Decoding metadata with Schema costs about as much as
 * `JSON.parse`, and almost every document has this shape. Anything else returns `undefined`
 * and goes through the Schema.
 */
const plainDocument = (value: unknown, projected: boolean): Record<string, unknown> | undefined => {
  if (!Predicate.isRecord(value)) return undefined
  if (projected ? !isOptionalString(value._id) : typeof value._id !== "string") return undefined
  if (projected ? !isOptionalString(value._rev) : typeof value._rev !== "string") return undefined
  for (const key of otherMetaKeys) if (value[key] !== undefined) return undefined
  return value
}

/**
 * The decoder of `_find`'s documents: with `schema`, the document's own fields decoded by it
 * plus its metadata (decoded with `meta`); without one, the JSON object as it is, its
 * metadata checked. With `projected` (a query with `fields`, and `meta` then has `_id` and
 * `_rev` optional) they may be missing.
 *
 * @internal
 */
export const documentDecoder = <A, I, M, MI>(
  response: CouchResponse,
  schema: Schema.Schema<A, I, never> | undefined,
  meta: Schema.Schema<M, MI, never>,
  projected: boolean
): (value: unknown) => Either.Either<unknown, DecodeError> => {
  const decode = internalDocument.decoder(meta, schema)
  if (schema !== undefined) return (value) => decode(response, value)
  return (value) => {
    const plain = plainDocument(value, projected)
    return plain !== undefined ? Either.right(plain) : decode(response, value)
  }
}

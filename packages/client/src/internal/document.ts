import * as Either from "effect/Either"
import * as ParseResult from "effect/ParseResult"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { CouchResponse } from "../CouchClient.js"
import { DecodeError, InvalidRequest } from "../CouchError.js"
import type { JsonObject } from "../Json.js"

/** The first issue's path and message, for errors that point into a document. */
const firstIssue = (error: ParseResult.ParseError) => {
  const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
  const path = (issue?.path ?? []).map((key) => typeof key === "number" ? key : String(key))
  return { path, description: ParseResult.TreeFormatter.formatErrorSync(error) }
}

/**
 * A decoder of stored documents: the document's own fields with `schema` (all of them, as
 * JSON, without one), composed with its metadata (`_id`, `_rev`, `_attachments`, …) decoded
 * once with `meta` (`Meta`, or a variant of it, e.g. with `_id`/`_rev` optional for Mango
 * projections). A document that fails is a `DecodeError` naming its id and the path.
 *
 * @internal
 */
export const decoder = <A, I, M, MI>(
  meta: Schema.Schema<M, MI, never>,
  schema: Schema.Schema<A, I, never> | undefined
) => {
  // `preserve` keeps every field of a schemaless document: the result is the whole body.
  const decodeMeta = Schema.decodeUnknownEither(meta, {
    onExcessProperty: schema === undefined ? "preserve" : "ignore"
  })
  const decodeOwn = schema === undefined ? undefined : Schema.decodeUnknownEither(schema)
  return (response: CouchResponse, body: unknown): Either.Either<A & M, DecodeError> => {
    const id = Predicate.isRecord(body) && typeof body._id === "string" ? body._id : undefined
    const fail = (error: ParseResult.ParseError, what: string) => {
      const { description, path } = firstIssue(error)
      return Either.left(
        new DecodeError({
          method: response.method,
          url: response.url,
          description: `${what}: ${description}`,
          ...(id !== undefined ? { documentId: id } : {}),
          path,
          cause: error
        }, { disableValidation: true })
      )
    }
    const metadata = decodeMeta(body)
    if (Either.isLeft(metadata)) return fail(metadata.left, "the document's metadata is not what CouchDB sends")
    if (decodeOwn === undefined) {
      // Without a Schema the document is its JSON body: `meta` checked its metadata and kept every field.
      return Either.right(metadata.right as A & M)
    }
    const own = decodeOwn(body)
    if (Either.isLeft(own)) return fail(own.left, "the document does not match its Schema")
    return Either.right(withMeta(own.right, metadata.right))
  }
}

/**
 * The decoded document with its metadata added: a copy with the same prototype, so a
 * `Schema.Class` document stays an instance of its class. Fields the document's own Schema
 * decoded win over the metadata (a Schema may transform `_id`).
 */
const withMeta = <A, M>(own: A, metadata: M): A & M => {
  if (typeof own !== "object" || own === null) {
    // A document Schema that decodes to a non-object cannot carry metadata: it stays as decoded.
    return own as A & M
  }
  // Object.create keeps the prototype; the own fields are copied over the metadata.
  return Object.assign(Object.create(Object.getPrototypeOf(own)), metadata, own) as A & M
}

/** The metadata a write sends along with the document's own fields. */
const writeMeta = ["_id", "_rev", "_deleted", "_attachments", "_revisions"] as const

/**
 * The JSON body of a document write: with `schema`, the value encoded by it plus the write
 * metadata the value carries (`_rev`, `_deleted`, `_attachments`, `_revisions`); without
 * one, the value as it is. An encode failure is an `InvalidRequest` naming the document.
 *
 * @internal
 */
export const encode = <A, I>(
  schema: Schema.Schema<A, I, never> | undefined,
  value: unknown,
  id: string | undefined
): Either.Either<JsonObject | Record<string, unknown>, InvalidRequest> => {
  const named = id === undefined ? "the document" : `document ${JSON.stringify(id)}`
  if (schema === undefined) {
    return Predicate.isRecord(value)
      ? Either.right(value)
      : Either.left(new InvalidRequest({ description: `${named} is not a JSON object` }))
  }
  // `value` was typed `A & WriteMeta` by the public signature.
  const encoded = Schema.encodeEither(schema)(value as A)
  if (Either.isLeft(encoded)) {
    const { description, path } = firstIssue(encoded.left)
    return Either.left(
      new InvalidRequest({
        description: `${named} cannot be encoded with its Schema at ${path.join(".")}: ${description}`
      })
    )
  }
  if (!Predicate.isRecord(encoded.right)) {
    return Either.left(new InvalidRequest({ description: `${named} does not encode to a JSON object` }))
  }
  const body: Record<string, unknown> = {}
  if (Predicate.isRecord(value)) {
    for (const key of writeMeta) if (value[key] !== undefined) body[key] = value[key]
  }
  return Either.right(Object.assign(body, encoded.right))
}

/**
 * A Schema of stored documents: the document's own fields decoded with `schema`, composed
 * with its metadata decoded with `meta` — what `decoder` does, as a Schema, for documents
 * inside other responses (view rows, changes, `_find`). Encoding is not needed (and not
 * supported beyond handing the value back).
 *
 * @internal
 */
export const stored = <A, I, M, MI>(
  meta: Schema.Schema<M, MI, never>,
  schema: Schema.Schema<A, I, never>
): Schema.Schema<A & M, unknown> => {
  const decodeMeta = ParseResult.decodeUnknown(meta)
  const decodeOwn = ParseResult.decodeUnknown(schema)
  return Schema.declare([], {
    decode: () => (input, options) =>
      ParseResult.flatMap(
        decodeMeta(input, options),
        (metadata) => ParseResult.map(decodeOwn(input, options), (own) => withMeta(own, metadata))
      ),
    encode: () => (input) => ParseResult.succeed(input)
  }, { identifier: "StoredDocument" })
}

/**
 * `Bulk.writer`: a stream of documents cut into `_bulk_docs` batches, sent a few at a time,
 * and every document paired with its result, in input order.
 *
 * @internal
 */
import * as Chunk from "effect/Chunk"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Predicate from "effect/Predicate"
import type * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { SaveResult, Written } from "../Bulk.js"
import type { CouchAuth } from "../CouchAuth.js"
import type { CouchResponse } from "../CouchClient.js"
import { type CouchError, type DecodeError, InvalidRequest } from "../CouchError.js"
import type { Database } from "../Database.js"
import * as internalBulk from "./bulk.js"
import * as Endpoint from "./endpoint.js"
import * as Feed from "./feed.js"

const operation = "Bulk.writer"

/** @internal */
export interface Options {
  readonly batchSize: number
  readonly concurrency: number
  readonly maxWait?: Duration.DurationInput | undefined
  readonly schema?: Schema.Schema<unknown, unknown, never> | undefined
  /** `Bulk.SaveResult`, passed in: `Bulk` imports this module. */
  readonly results: typeof SaveResult
}

/** One batch, encoded: its documents, the index of its first one, and its request body. */
interface Batch<D> {
  readonly first: number
  readonly docs: Chunk.Chunk<D>
  readonly body: string
  /** Every document names its `_id`: the batch cannot create a document twice. */
  readonly named: boolean
}

const hasId = (doc: unknown): doc is { readonly _id: string } => Predicate.isRecord(doc) && typeof doc._id === "string"

/** The batch's documents paired with the results, which CouchDB sends in the order of the documents. */
const pair = <D>(
  response: CouchResponse,
  results: typeof SaveResult,
  batch: Batch<D>,
  body: unknown
): Either.Either<Array<Written<D>>, DecodeError> => {
  const size = Chunk.size(batch.docs)
  if (!Array.isArray(body) || body.length !== size) {
    const got = Array.isArray(body) ? `${body.length} results` : "no array"
    return Either.left(Feed.decodeError(response, `${operation}: ${size} documents sent, ${got} received`))
  }
  const decode = Feed.decoder(response, results, internalBulk.saveResult)
  const out: Array<Written<D>> = []
  let i = 0
  for (const document of batch.docs) {
    const result: Either.Either<SaveResult, DecodeError> = decode(body[i])
    if (Either.isLeft(result)) return Either.left(result.left)
    const index = batch.first + i
    if (hasId(document) && document._id !== result.right.id) {
      return Either.left(
        Feed.decodeError(
          response,
          `${operation}: the result of the document at index ${index} is for ${JSON.stringify(result.right.id)}`
        )
      )
    }
    out.push({ index, document, result: result.right })
    i++
  }
  return Either.right(out)
}

const send = <D>(
  self: Database,
  results: typeof SaveResult,
  batch: Batch<D>
): Effect.Effect<Array<Written<D>>, CouchError, CouchAuth> =>
  Effect.flatMap(
    Endpoint.send(self, {
      method: "POST",
      path: ["_bulk_docs"],
      body: batch.body,
      contentType: "application/json",
      // Resent like a PUT (with the retry policy's `writes`) only when no document can be created twice.
      ...(batch.named ? { idempotent: "write" as const } : {}),
      spanAttributes: { "db.operation.batch.size": Chunk.size(batch.docs) }
    }),
    (response) => Effect.flatMap(response.json, (body) => pair(response, results, batch, body))
  )

const positive = (name: string, value: number): Either.Either<number, InvalidRequest> =>
  Number.isSafeInteger(value) && value > 0
    ? Either.right(value)
    : Either.left(new InvalidRequest({ description: `${operation}: ${name} must be a positive integer, got ${value}` }))

/**
 * The writer over `docs`. Batches are encoded in order, ahead of the requests; requests run
 * `concurrency` at a time; their results are emitted in input order. A batch that fails
 * fails the stream at its place: every result before it has been emitted, the requests
 * after it are interrupted.
 *
 * @internal
 */
export const write = <D, E, R>(
  self: Database,
  docs: Stream.Stream<D, E, R>,
  options: Options
): Stream.Stream<Written<D>, CouchError | E, CouchAuth | R> => {
  const valid = Either.all([positive("batchSize", options.batchSize), positive("concurrency", options.concurrency)])
  if (Either.isLeft(valid)) return Stream.fail(valid.left)
  return Stream.suspend(() => {
    let next = 0
    const encode = (docs: Chunk.Chunk<D>): Either.Either<Batch<D>, InvalidRequest> => {
      const first = next
      next += Chunk.size(docs)
      return Either.map(
        internalBulk.wholeBody(options.schema, docs, {}, first, operation),
        (body) => ({ first, docs, body, named: Chunk.every(docs, hasId) })
      )
    }
    return docs.pipe(
      options.maxWait === undefined
        ? Stream.grouped(options.batchSize)
        : Stream.groupedWithin(options.batchSize, options.maxWait),
      Stream.mapEffect(encode),
      // A failed request is held as a value until its turn: failing here would interrupt
      // the batches before it, whose results would then be lost.
      Stream.mapEffect((batch) => Effect.either(send(self, options.results, batch)), {
        concurrency: options.concurrency
      }),
      Stream.mapEffect((results) => results),
      Stream.flattenIterables
    )
  })
}

import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { CouchResponse } from "../CouchClient.js"
import { type CouchError, DecodeError } from "../CouchError.js"
import * as JsonFramer from "./jsonFramer.js"

const decodeError = (response: CouchResponse, description: string) =>
  new DecodeError({ method: response.method, url: response.url, description }, { disableValidation: true })

/** @internal */
export const parseJsonText = (response: CouchResponse, text: string): Either.Either<unknown, DecodeError> => {
  try {
    return Either.right(JSON.parse(text))
  } catch (error) {
    return Either.left(decodeError(response, `invalid JSON in the response: ${String(error)}`))
  }
}

/** @internal */
export const decoder = <A, I>(response: CouchResponse, schema: Schema.Schema<A, I, never>) => {
  const decode = Schema.decodeUnknownEither(schema)
  return (value: unknown): Either.Either<A, DecodeError> =>
    Either.mapLeft(
      decode(value),
      (error) => decodeError(response, ParseResult.TreeFormatter.formatErrorSync(error))
    )
}

/**
 * Streams the elements of the array member `arrayKey` of a JSON object body, decoding
 * each with `decode`; the other members go to `onMember` as they are read. The returned
 * effect reads the body up to the start of the array, so members sent before it (e.g.
 * `total_rows`) are known when it succeeds. The body is pulled as the stream is pulled:
 * nothing is read ahead of the consumer.
 *
 * @internal
 */
export const framed = <A>(
  response: CouchResponse,
  arrayKey: string,
  decode: (json: unknown) => Either.Either<A, CouchError>,
  onMember: (key: string, value: unknown) => void
): Effect.Effect<Stream.Stream<A, CouchError>, CouchError, Scope.Scope> =>
  Effect.gen(function*() {
    const pending: Array<A> = []
    let failure: CouchError | undefined
    const framer = JsonFramer.make(arrayKey, {
      onElement: (text) => {
        if (failure !== undefined) return
        const decoded = Either.flatMap(parseJsonText(response, text), decode)
        if (Either.isLeft(decoded)) failure = decoded.left
        else pending.push(decoded.right)
      },
      onMember: (key, text) => {
        if (failure !== undefined) return
        const parsed = parseJsonText(response, text)
        if (Either.isLeft(parsed)) failure = parsed.left
        else onMember(key, parsed.right)
      }
    })
    const pull = yield* Stream.toPull(response.stream)
    let ended = false

    // One step: pull a chunk from the body and frame it, or note the end of the body.
    const step: Effect.Effect<void, CouchError> = Effect.matchEffect(pull, {
      onFailure: Option.match({
        onNone: () => {
          ended = true
          const incomplete = framer.end()
          if (incomplete !== undefined && failure === undefined) failure = decodeError(response, incomplete)
          return Effect.void
        },
        onSome: Effect.fail
      }),
      onSuccess: (chunks) =>
        Effect.sync(() => {
          for (const chunk of chunks) framer.push(chunk)
          const structural = framer.failure()
          if (structural !== undefined && failure === undefined) failure = decodeError(response, structural)
        })
    })

    const next: Effect.Effect<Chunk.Chunk<A>, Option.Option<CouchError>> = Effect.suspend(() => {
      if (pending.length > 0) return Effect.succeed(Chunk.unsafeFromArray(pending.splice(0)))
      if (failure !== undefined) return Effect.fail(Option.some(failure))
      if (ended) return Effect.fail(Option.none())
      return Effect.zipRight(Effect.mapError(step, Option.some), next)
    })

    while (!framer.arrayStarted() && !ended && failure === undefined) {
      yield* step
    }
    if (failure !== undefined && pending.length === 0) return yield* Effect.fail(failure)
    return Stream.repeatEffectChunkOption(next)
  })

/**
 * The body as UTF-8 lines (ended by `\n` or `\r\n`), safe across chunk boundaries (unlike
 * the v3 platform's Ndjson). A last line without its newline is emitted when the body ends,
 * but not when the body fails: half a line cut by a broken connection is not a line (Effect's
 * `Stream.splitLines` emits it before the failure). An incomplete UTF-8 sequence at the end
 * becomes U+FFFD instead of being dropped.
 *
 * @internal
 */
export const lines = (response: CouchResponse): Stream.Stream<string, CouchError> =>
  Stream.suspend(() => {
    const decoder = new TextDecoder("utf-8")
    let partial = ""
    const complete = (text: string): ReadonlyArray<string> => {
      const out: Array<string> = []
      let from = 0
      let newline = text.indexOf("\n")
      while (newline !== -1) {
        const line = partial + text.slice(from, newline)
        partial = ""
        out.push(line.endsWith("\r") ? line.slice(0, -1) : line)
        from = newline + 1
        newline = text.indexOf("\n", from)
      }
      partial += text.slice(from)
      return out
    }
    return response.stream.pipe(
      Stream.mapConcat((bytes) => complete(decoder.decode(bytes, { stream: true }))),
      Stream.concat(Stream.suspend(() => {
        const rest = partial + decoder.decode()
        partial = ""
        return rest === "" ? Stream.empty : Stream.make(rest.endsWith("\r") ? rest.slice(0, -1) : rest)
      }))
    )
  })

/** @internal */
export interface ServerSentEvent {
  readonly event: string | undefined
  readonly data: string
  readonly id: string | undefined
  readonly retry: number | undefined
}

/**
 * Parses `text/event-stream` lines into events, following the WHATWG rules: comments
 * (`:`) ignored, `data` lines joined with `\n`, one optional space after the colon removed,
 * an event dispatched at each blank line.
 *
 * @internal
 */
export const serverSentEvents = <E, R>(lines: Stream.Stream<string, E, R>): Stream.Stream<ServerSentEvent, E, R> =>
  Stream.suspend(() => {
    let event: string | undefined
    let data: Array<string> = []
    let id: string | undefined
    let retry: number | undefined
    let hasFields = false
    return Stream.mapConcat(lines, (line): ReadonlyArray<ServerSentEvent> => {
      if (line === "") {
        if (!hasFields) return []
        const out: ServerSentEvent = { event, data: data.join("\n"), id, retry }
        event = undefined
        data = []
        retry = undefined
        hasFields = false
        return [out]
      }
      if (line.startsWith(":")) return []
      const colon = line.indexOf(":")
      const field = colon === -1 ? line : line.slice(0, colon)
      let value = colon === -1 ? "" : line.slice(colon + 1)
      if (value.startsWith(" ")) value = value.slice(1)
      hasFields = true
      switch (field) {
        case "event":
          event = value
          break
        case "data":
          data.push(value)
          break
        case "id":
          if (!value.includes("\0")) id = value
          break
        case "retry":
          if (/^\d+$/.test(value)) retry = Number(value)
          break
      }
      return []
    })
  })

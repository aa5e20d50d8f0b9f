import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { CouchResponse } from "../CouchClient.js"
import { type CouchError, DecodeError, TransportError } from "../CouchError.js"
import * as JsonFramer from "./jsonFramer.js"
import * as RowShape from "./rowShape.js"

/** @internal */
export const decodeError = (response: CouchResponse, description: string): DecodeError =>
  new DecodeError({ method: response.method, url: response.url, description }, { disableValidation: true })

const cutShortPrefix = "the response body was cut short: "

/**
 * The error for a body that ended before it was complete: a `Reset`, as when the connection
 * breaks midway, whatever the framing (a body delimited by the connection's close can only
 * be told cut short by its content).
 *
 * @internal
 */
export const cutShort = (response: CouchResponse, detail: string): TransportError =>
  new TransportError({
    kind: "Reset",
    method: response.method,
    url: response.url,
    description: cutShortPrefix + detail
  }, { disableValidation: true })

/** A failure while reading the body: a connection reset there means the body was cut short. */
const readFailure = (error: CouchError): CouchError =>
  error._tag === "TransportError" && error.kind === "Reset"
    ? new TransportError({
      kind: error.kind,
      method: error.method,
      url: error.url,
      description: cutShortPrefix + error.description,
      cause: error.cause
    }, { disableValidation: true })
    : error

/** The error for text `JSON.parse` threw `error` on. @internal */
export const invalidJson = (response: CouchResponse, error: unknown): DecodeError =>
  decodeError(response, `invalid JSON in the response: ${String(error)}`)

/** @internal */
export const parseJsonText = (response: CouchResponse, text: string): Either.Either<unknown, DecodeError> => {
  try {
    return Either.right(JSON.parse(text))
  } catch (error) {
    return Either.left(invalidJson(response, error))
  }
}

/**
 * Decodes with `schema`, or first with `fast` (a hand-written decoder of the same shape, see
 * `rowShape`), falling back to the Schema when it declines: the result and any error are
 * the Schema's either way.
 *
 * @internal
 */
export const decoder = <A, I>(
  response: CouchResponse,
  schema: Schema.Schema<A, I, never>,
  fast?: (value: unknown) => A | RowShape.Mismatch
) => {
  const decode = Schema.decodeUnknownEither(schema)
  const slow = (value: unknown): Either.Either<A, DecodeError> =>
    Either.mapLeft(
      decode(value),
      (error) => decodeError(response, ParseResult.TreeFormatter.formatErrorSync(error))
    )
  if (fast === undefined) return slow
  return (value: unknown): Either.Either<A, DecodeError> => {
    const decoded = fast(value)
    return decoded === RowShape.mismatch ? slow(value) : Either.right(decoded)
  }
}

/**
 * A synchronous parser of a response body: it is fed the body's chunks in order and
 * appends every complete item to `out`. Parsing is plain code, with no effect per item,
 * so a feed costs little more than `JSON.parse` of its rows.
 *
 * @internal
 */
export interface BodyParser<A> {
  /**
   * Parses the next chunk; returns an error to stop the feed (after the items in `out`). The
   * bytes are reused once it returns: what it keeps of them, it copies.
   */
  readonly push: (bytes: Uint8Array, out: Array<A>) => CouchError | undefined
  /** The body ended cleanly; returns an error when it was incomplete. */
  readonly end: (out: Array<A>) => CouchError | undefined
  /** True once `open` may return, e.g. when a view's header has been read. */
  readonly ready: () => boolean
}

/**
 * Joins the buffers of one pull into one: a row cut between two buffers costs the parsers a
 * slow path (the framer scans it byte by byte), and clients that hand over each network
 * packet (some 1.5 kB with CouchDB's defaults) would cut every tenth row or so. The joined
 * bytes go to a buffer kept from pull to pull (parsers copy what they keep), which spares a
 * zero-filled allocation of a whole socket read per pull.
 */
const joiner = () => {
  let buffer = new Uint8Array(0)
  return (chunks: Chunk.Chunk<Uint8Array>): Uint8Array => {
    if (chunks.length === 1) return Chunk.unsafeHead(chunks)
    let length = 0
    for (const chunk of chunks) length += chunk.length
    if (buffer.length < length) buffer = new Uint8Array(Math.max(length, buffer.length * 2))
    let offset = 0
    for (const chunk of chunks) {
      buffer.set(chunk, offset)
      offset += chunk.length
    }
    return buffer.subarray(0, length)
  }
}

/**
 * `pull`, failing with `onTimeout()` when a call of it waits longer than `idle`. A reader fiber
 * makes each call when asked (so nothing is read ahead) and hands the result straight to the
 * waiting consumer's callback, and a single watchdog fiber wakes once per `idle`, or at the
 * deadline of the wait in progress, to fail that wait. `Effect.timeoutFail` around every pull
 * forks two fibers and sets a timer per pull, and a hand-over through `Queue`s costs some 17 µs
 * a pull against 3 µs for callbacks (see packages/bench/NOTES.md).
 */
const withIdleTimeout = <A, E>(
  pull: Effect.Effect<A, Option.Option<E>>,
  idle: Duration.Duration,
  onTimeout: () => E
): Effect.Effect<Effect.Effect<A, Option.Option<E>>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const clock = yield* Effect.clock
    const idleMs = Duration.toMillis(idle)
    type Result = Exit.Exit<A, Option.Option<E>>
    // The waiting consumer's callback, and when its wait started.
    let waiter: ((wake: Effect.Effect<A, Option.Option<E>>) => void) | undefined
    let waitingSince = 0
    // A result the consumer has not taken yet.
    let unclaimed: Result | undefined
    // True from an ask until its result: an interrupted wait does not ask twice.
    let reading = false
    // The reader's callback while it waits to be asked, and an ask that came first.
    let wakeReader: (() => void) | undefined
    let asked = false
    // How the reads ended (the end of the body, a failure or the timeout), for any pull after it.
    let ended: Result | undefined

    // The result waits in `unclaimed` until the consumer takes it on its own fiber: a wait
    // interrupted after its wake-up, before it took the result, leaves it for the next pull.
    const settle = (result: Result) => {
      unclaimed = result
      const resume = waiter
      waiter = undefined
      resume?.(next)
    }
    const awaitAsk: Effect.Effect<void> = Effect.suspend(() => {
      if (asked) {
        asked = false
        return Effect.void
      }
      return Effect.async((resume: (wake: Effect.Effect<void>) => void) => {
        wakeReader = () => resume(Effect.void)
      })
    })
    const read: Effect.Effect<void> = Effect.zipRight(
      awaitAsk,
      Effect.flatMap(Effect.exit(pull), (exit) => {
        reading = false
        if (ended !== undefined) return Effect.void // timed out meanwhile
        if (Exit.isFailure(exit)) ended = exit
        settle(exit)
        return ended === undefined ? read : Effect.void
      })
    )
    yield* Effect.forkScoped(read)

    const watch: Effect.Effect<void> = Effect.suspend(() => {
      const waiting = waiter !== undefined
      const waited = clock.unsafeCurrentTimeMillis() - waitingSince
      if (waiting && waited >= idleMs) {
        ended = Exit.fail(Option.some(onTimeout()))
        settle(ended)
        return Effect.void
      }
      return Effect.zipRight(Effect.sleep(waiting ? idleMs - waited : idleMs), watch)
    })
    const watchdog = yield* Effect.forkScoped(watch)

    const wait: Effect.Effect<A, Option.Option<E>> = Effect.async((resume) => {
      waitingSince = clock.unsafeCurrentTimeMillis()
      waiter = resume
      if (!reading) {
        reading = true
        const wake = wakeReader
        wakeReader = undefined
        if (wake === undefined) asked = true
        else wake()
      }
      return Effect.sync(() => {
        waiter = undefined
      })
    })
    const next: Effect.Effect<A, Option.Option<E>> = Effect.suspend(() => {
      const result = unclaimed
      unclaimed = undefined
      return result ?? ended ?? wait
    })
    // The feed ends at the first failure (the end of the body is one): the watchdog is done.
    return Effect.tapError(next, () => Fiber.interruptFork(watchdog))
  })

/**
 * Runs `parser` over the body: reads until the parser is ready, then returns the stream of
 * items. Items are emitted a network chunk at a time, and the body is read only as the
 * stream is pulled. A failure (transport, decode) comes after the items parsed before it;
 * a body cut short is a `TransportError` of kind `Reset`, however the cut was noticed.
 *
 * @internal
 */
export const parse = <A>(
  response: CouchResponse,
  parser: BodyParser<A>,
  idleTimeout?: Duration.Duration
): Effect.Effect<Stream.Stream<A, CouchError>, CouchError, Scope.Scope> =>
  Effect.gen(function*() {
    let pending: Array<A> = []
    let failure: CouchError | undefined
    let ended = false
    const bodyPull = yield* Stream.toPull(response.stream)
    const join = joiner()
    // A connection that delivers nothing (not even a heartbeat) for `idleTimeout` is dead: a
    // proxy that stopped forwarding without closing would otherwise keep the feed waiting forever.
    const pull = idleTimeout === undefined ?
      bodyPull :
      yield* withIdleTimeout(bodyPull, idleTimeout, () =>
        new TransportError({
          kind: "Timeout",
          method: response.method,
          url: response.url,
          description: `no data for ${Duration.format(idleTimeout)}: the connection went silent`
        }, { disableValidation: true }))

    // One step: pull chunks from the body and parse them, or note the end of the body.
    const step: Effect.Effect<void, CouchError> = Effect.matchEffect(pull, {
      onFailure: Option.match({
        onNone: () =>
          Effect.sync(() => {
            ended = true
            failure ??= parser.end(pending)
          }),
        onSome: (error) => Effect.fail(readFailure(error))
      }),
      onSuccess: (chunks) =>
        Effect.sync(() => {
          if (failure === undefined) failure = parser.push(join(chunks), pending)
        })
    })

    const next: Effect.Effect<Chunk.Chunk<A>, Option.Option<CouchError>> = Effect.suspend(() => {
      if (pending.length > 0) {
        const out = Chunk.unsafeFromArray(pending)
        pending = []
        return Effect.succeed(out)
      }
      if (failure !== undefined) return Effect.fail(Option.some(failure))
      if (ended) return Effect.fail(Option.none())
      return Effect.zipRight(Effect.mapError(step, Option.some), next)
    })

    while (!parser.ready() && !ended && failure === undefined) {
      yield* step
    }
    if (failure !== undefined && pending.length === 0) return yield* Effect.fail(failure)
    return Stream.repeatEffectChunkOption(next)
  })

/**
 * Parses the elements of the array member `arrayKey` of a JSON object body, decoding each
 * with `decode`; the other members go to `onMember` as they are read. Ready once the array
 * has started, so members sent before it (e.g. `total_rows`) are known when `parse` returns.
 * A body without that array (another resource's, or a `200` carrying an `error`) is a
 * `DecodeError`; a body that ends before the object does was cut short.
 *
 * @internal
 */
export const framed = <A>(
  response: CouchResponse,
  arrayKey: string,
  decode: (json: unknown) => Either.Either<A, CouchError>,
  onMember: (key: string, value: unknown) => void
): BodyParser<A> => {
  let out: Array<A> = []
  let failure: CouchError | undefined
  // What the server said, when the body is an error rather than the array.
  const said: Array<string> = []
  const framer = JsonFramer.make(arrayKey, {
    onElement: (text) => {
      if (failure !== undefined) return
      const decoded = Either.flatMap(parseJsonText(response, text), decode)
      if (Either.isLeft(decoded)) failure = decoded.left
      else out.push(decoded.right)
    },
    onParsedElement: (value) => {
      if (failure !== undefined) return
      const decoded = decode(value)
      if (Either.isLeft(decoded)) failure = decoded.left
      else out.push(decoded.right)
    },
    onMember: (key, text) => {
      if (failure !== undefined) return
      const parsed = parseJsonText(response, text)
      if (Either.isLeft(parsed)) failure = parsed.left
      else {
        if ((key === "error" || key === "reason") && typeof parsed.right === "string") {
          said.push(`${key}: ${parsed.right}`)
        }
        onMember(key, parsed.right)
      }
    }
  })
  const structural = (message: string | undefined) =>
    failure ?? (message === undefined
      ? undefined
      : decodeError(response, said.length === 0 ? message : `${message} (${said.join(", ")})`))
  return {
    push: (bytes, into) => {
      out = into
      framer.push(bytes)
      return structural(framer.failure())
    },
    end: (into) => {
      out = into
      return structural(framer.failure()) ??
        (framer.complete() ? undefined : cutShort(response, "it ended before the JSON was complete"))
    },
    ready: () => framer.arrayStarted()
  }
}

/**
 * How many bytes of `bytes` end on a character boundary: all of them, unless the last
 * character is cut short (a lead byte in the last three bytes without all its continuation
 * bytes). Cutting there and decoding each side alone gives the text a streaming decoder
 * would: it is idle before a lead byte, or, when that byte ends a bad sequence, emits the
 * same U+FFFD that decoding the first side to its end does.
 */
const completeLength = (bytes: Uint8Array): number => {
  const n = bytes.length
  for (let i = n - 1; i >= 0 && i >= n - 3; i--) {
    // In bounds (0 ≤ i < n).
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion
    const byte = bytes[i]!
    if (byte < 0x80) return n
    if (byte >= 0xc0) return n - i < (byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2) ? i : n
  }
  return n
}

/**
 * A streaming UTF-8 decoder (invalid bytes become U+FFFD, a leading BOM is dropped). Node's
 * `TextDecoder` takes a much slower path with `{ stream: true }` (several times slower on
 * ASCII), so each chunk is decoded whole, holding back a character cut at its end.
 *
 * @internal
 */
export const utf8Decoder = () => {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true })
  let held: Uint8Array | undefined
  let atStart = true
  const text = (decoded: string) => {
    if (atStart && decoded !== "") {
      atStart = false
      if (decoded.charCodeAt(0) === 0xfeff) return decoded.slice(1)
    }
    return decoded
  }
  return {
    decode: (chunk: Uint8Array): string => {
      let bytes = chunk
      if (held !== undefined) {
        bytes = new Uint8Array(held.length + chunk.length)
        bytes.set(held)
        bytes.set(chunk, held.length)
        held = undefined
      }
      const complete = completeLength(bytes)
      if (complete < bytes.length) {
        held = bytes.slice(complete)
        bytes = bytes.subarray(0, complete)
      }
      return text(decoder.decode(bytes))
    },
    /** The end of the input: a character still cut short becomes U+FFFD. */
    end: (): string => {
      const rest = held
      held = undefined
      return rest === undefined ? "" : text(decoder.decode(rest))
    }
  }
}

/**
 * Parses a body line by line (`\n` or `\r\n`), safe across chunk boundaries. Every line
 * ends with its newline: a body that ends inside a line (a character included) was cut
 * short, and half a line is never parsed.
 *
 * @internal
 */
export const lines = <A>(
  response: CouchResponse,
  onLine: (line: string, out: Array<A>) => CouchError | undefined
): BodyParser<A> => {
  const textDecoder = utf8Decoder()
  let partial = ""
  const each = (text: string, out: Array<A>): CouchError | undefined => {
    let from = 0
    let newline = text.indexOf("\n")
    while (newline !== -1) {
      let line = text.slice(from, newline)
      if (partial !== "") {
        line = partial + line
        partial = ""
      }
      const failure = onLine(line.endsWith("\r") ? line.slice(0, -1) : line, out)
      if (failure !== undefined) return failure
      from = newline + 1
      newline = text.indexOf("\n", from)
    }
    partial += text.slice(from)
    return undefined
  }
  return {
    push: (bytes, out) => each(textDecoder.decode(bytes), out),
    end: () => {
      const rest = partial + textDecoder.end()
      partial = ""
      return rest === "" ? undefined : cutShort(response, "it ended inside a line")
    },
    ready: () => true
  }
}

/** @internal */
export interface ServerSentEvent {
  readonly event: string | undefined
  readonly data: string
  readonly id: string | undefined
}

/**
 * Parses `text/event-stream` lines into events, following the WHATWG rules: comments
 * (`:`) ignored, `data` lines joined with `\n`, one optional space after the colon removed,
 * an event dispatched at each blank line, the last event id kept across events. A body that
 * ends inside an event (before the blank line that dispatches it) was cut short: the spec
 * drops such an event, which would lose a change silently.
 *
 * @internal
 */
export const serverSentEvents = <A>(
  response: CouchResponse,
  onEvent: (event: ServerSentEvent, out: Array<A>) => CouchError | undefined
): BodyParser<A> => {
  let event: string | undefined
  let data: Array<string> = []
  let id: string | undefined
  let hasFields = false
  const parser = lines<A>(response, (line, out) => {
    if (line === "") {
      if (!hasFields) return undefined
      const dispatched: ServerSentEvent = { event, data: data.join("\n"), id }
      event = undefined
      data = []
      hasFields = false
      return onEvent(dispatched, out)
    }
    if (line.startsWith(":")) return undefined
    const colon = line.indexOf(":")
    const field = colon === -1 ? line : line.slice(0, colon)
    let value = colon === -1 ? "" : line.slice(colon + 1)
    if (value.startsWith(" ")) value = value.slice(1)
    hasFields = true
    if (field === "event") event = value
    else if (field === "data") data.push(value)
    else if (field === "id" && !value.includes("\0")) id = value
    return undefined
  })
  return {
    ...parser,
    end: (out) => parser.end(out) ?? (hasFields ? cutShort(response, "it ended inside an event") : undefined)
  }
}

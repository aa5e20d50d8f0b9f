import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"
import * as Runtime from "effect/Runtime"
import * as Stream from "effect/Stream"
import { Readable } from "node:stream"
import { type Dispatcher, FormData as UndiciFormData } from "undici"

/**
 * A request body as undici's typings accept it. At run time undici also takes iterables,
 * async iterables, `ArrayBuffer`s and `Blob`s; those are converted to typed forms here.
 *
 * @internal
 */
export type DispatchBody = Exclude<Dispatcher.DispatchOptions["body"], undefined>

/**
 * The failure of a request body stream, as the request's error. Marks it as an encoding
 * failure (`RequestError` reason `"Encode"`) rather than a transport one.
 *
 * @internal
 */
export class StreamBodyError extends Error {
  constructor(readonly failure: unknown) {
    super("the request body stream failed", { cause: failure })
    this.name = "StreamBodyError"
  }
}

/**
 * An Effect `Stream` as a Node `Readable`, with backpressure: the stream runs in its own
 * fiber, started on the first read, and waits whenever `push` says the buffer is full,
 * until the next `_read`. Destroying the readable (undici does when the request fails or is
 * aborted) interrupts the fiber.
 *
 * @internal
 */
export class StreamReadable extends Readable {
  private fiber: Fiber.RuntimeFiber<void, unknown> | undefined = undefined
  private wake: (() => void) | undefined = undefined
  private finished = false

  constructor(
    private readonly stream: Stream.Stream<Uint8Array, unknown>,
    private readonly runtime: Runtime.Runtime<never>
  ) {
    super({ highWaterMark: 64 * 1024 })
  }

  override _read(): void {
    if (this.fiber === undefined) {
      if (!this.finished) this.start()
      return
    }
    const wake = this.wake
    if (wake !== undefined) {
      this.wake = undefined
      wake()
    }
  }

  private start() {
    const fiber = Runtime.runFork(this.runtime)(
      Stream.runForEachChunk(this.stream, (chunk) =>
        Effect.async((resume: (effect: Effect.Effect<void>) => void) => {
          let more = true
          for (const bytes of chunk) more = this.push(bytes)
          if (more) resume(Effect.void)
          else this.wake = () => resume(Effect.void)
        }))
    )
    this.fiber = fiber
    fiber.addObserver((exit) => {
      this.finished = true
      this.fiber = undefined
      this.wake = undefined
      if (Exit.isSuccess(exit)) this.push(null)
      else if (!Cause.isInterruptedOnly(exit.cause)) this.destroy(new StreamBodyError(Cause.squash(exit.cause)))
    })
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const fiber = this.fiber
    this.finished = true
    this.fiber = undefined
    this.wake = undefined
    if (fiber !== undefined) fiber.unsafeInterruptAsFork(FiberId.none)
    callback(error)
  }
}

/**
 * A `FormData` undici can encode. undici's multipart encoder recognises only its own
 * `FormData` class (an `instanceof` check), not Node's global one (from the copy of undici
 * bundled in Node): given that, it fails with "action is not a function". So the entries are
 * copied into undici's class (strings and `File`s; file contents are not copied).
 *
 * @internal
 */
export const formData = (formData: FormData): UndiciFormData => {
  if (formData instanceof UndiciFormData) return formData
  const copy = new UndiciFormData()
  formData.forEach((value, name) => {
    if (typeof value === "string") copy.append(name, value)
    else copy.append(name, value, value.name)
  })
  return copy
}

const isAsyncIterable = (u: object): u is AsyncIterable<unknown> =>
  Symbol.asyncIterator in u && typeof u[Symbol.asyncIterator] === "function"

const isIterable = (u: object): u is Iterable<unknown> =>
  Symbol.iterator in u && typeof u[Symbol.iterator] === "function"

async function* blobChunks(blob: Blob): AsyncGenerator<Uint8Array> {
  const reader = blob.stream().getReader()
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/**
 * A `Raw` body (whatever `HttpBody.raw` was given) as undici takes it, or `undefined` when
 * it cannot be sent.
 *
 * @internal
 */
export const raw = (body: unknown): DispatchBody | undefined => {
  if (body === null || body === undefined) return null
  if (typeof body === "string" || body instanceof Uint8Array || body instanceof Readable) return body
  if (body instanceof ArrayBuffer) return new Uint8Array(body)
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
  if (body instanceof FormData) return formData(body)
  if (body instanceof Blob) return Readable.from(blobChunks(body), { objectMode: false })
  if (typeof body === "object" && (isAsyncIterable(body) || isIterable(body))) {
    // Web ReadableStreams are async iterables too.
    return Readable.from(body, { objectMode: false })
  }
  return undefined
}

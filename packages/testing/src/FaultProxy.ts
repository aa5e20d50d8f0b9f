/**
 * A TCP proxy on 127.0.0.1 that forwards to a target (a CouchDB, an HTTP server) and
 * injects faults on command: reset every connection, reset or cut a response after a
 * number of bytes (chosen, or drawn from a seeded PRNG so that runs repeat), stall all
 * traffic without closing, or delay every chunk. Point the client under test at the
 * proxy's `url` to check that it survives broken connections and leaves no sockets behind.
 *
 * Byte-triggered faults count the bytes the target sends to the client (responses).
 * Delays use Effect's `Clock`, so a test can drive them with `TestClock`.
 *
 * @since 0.2.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import * as internal from "./internal/faultProxy.js"

/**
 * Counters of the proxy since it started.
 *
 * @since 0.2.0
 * @category models
 */
export interface Stats {
  /** Client connections open now (a connection is open until both of its sockets closed). */
  readonly open: number
  /** Client connections accepted so far. */
  readonly total: number
  /** Connections the proxy reset (`resetAll`, `resetAfter`, `resetRandomly`). */
  readonly resets: number
  /** Connections the proxy cut (`cutAfter`). */
  readonly cuts: number
  /** Bytes received from clients. */
  readonly bytesFromClient: number
  /** Bytes written to the target. */
  readonly bytesToTarget: number
  /** Bytes received from the target. */
  readonly bytesFromTarget: number
  /** Bytes written to clients. */
  readonly bytesToClient: number
}

/**
 * Which connections a byte-triggered fault hits.
 *
 * @since 0.2.0
 * @category models
 */
export interface FaultOptions {
  /**
   * `"next"` (the default): the first connection whose response reaches the byte count,
   * then the fault is spent. `"each"`: every connection, open or new, until `clear`.
   */
  readonly connections?: "next" | "each" | undefined
}

/**
 * Options of `resetRandomly`.
 *
 * @since 0.2.0
 * @category models
 */
export interface RandomOptions {
  /** Seeds the PRNG: the same seed and the same connections give the same reset points. */
  readonly seed: number
  /** Each connection is reset after a number of response bytes in `[minBytes, maxBytes]`. */
  readonly minBytes: number
  readonly maxBytes: number
}

/**
 * The running proxy and its controls. A control with a negative or fractional byte count
 * (or `minBytes > maxBytes`) dies with a `RangeError`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Service {
  /** The proxy's URL, e.g. `http://127.0.0.1:41234` (the target URL's scheme, if one was given). */
  readonly url: string
  readonly port: number
  readonly stats: Effect.Effect<Stats>
  /** Waits until `predicate` holds for the stats (checked on every change), e.g. `(s) => s.open === 0`. */
  readonly awaitStats: (predicate: (stats: Stats) => boolean) => Effect.Effect<Stats>
  /** Resets every open connection now; returns how many. */
  readonly resetAll: Effect.Effect<number>
  /**
   * Forwards `bytes` more response bytes, then resets the connection (RST). A client that
   * had not read those bytes yet when the RST came sees them and then a clean end of stream
   * (that is how Linux reports it); either way the response is cut short.
   */
  readonly resetAfter: (bytes: number, options?: FaultOptions) => Effect.Effect<void>
  /** Forwards `bytes` more response bytes, then closes the connection cleanly (FIN) mid-body. */
  readonly cutAfter: (bytes: number, options?: FaultOptions) => Effect.Effect<void>
  /** Resets every connection, open or new, after a random number of response bytes. */
  readonly resetRandomly: (options: RandomOptions) => Effect.Effect<void>
  /** Stops forwarding in both directions, keeping every connection open (new ones too). */
  readonly stall: Effect.Effect<void>
  /** Forwards what `stall` held back, and everything after. */
  readonly resume: Effect.Effect<void>
  /** Holds every chunk, in either direction, for `delay` before forwarding it. */
  readonly delayChunks: (delay: Duration.DurationInput) => Effect.Effect<void>
  /** Removes every fault and delay and resumes a stall. */
  readonly clear: Effect.Effect<void>
}

/**
 * @since 0.2.0
 * @category tags
 */
export class FaultProxy extends Context.Tag("@effect-couchdb/testing/FaultProxy")<FaultProxy, Service>() {}

/**
 * The proxy could not start: the target is not a valid address, or listening failed.
 *
 * @since 0.2.0
 * @category errors
 */
export class ProxyError extends Data.TaggedError("ProxyError")<{ readonly message: string }> {}

/**
 * Options of the proxy.
 *
 * @since 0.2.0
 * @category models
 */
export interface Options {
  /** Where to forward: a port on 127.0.0.1, a host and port, or a URL (its host and port). */
  readonly target: number | { readonly host?: string | undefined; readonly port: number } | string
}

/**
 * Starts the proxy for the scope; closing the scope closes it and destroys its connections.
 *
 * @since 0.2.0
 * @category constructors
 * @example
 * ```ts
 * import { FaultProxy } from "@effect-couchdb/testing"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const proxy = yield* FaultProxy.make({ target: "http://127.0.0.1:5984" })
 *   yield* proxy.resetRandomly({ seed: 42, minBytes: 1_000, maxBytes: 50_000 })
 *   // ... follow _changes through proxy.url, write documents to the server directly
 *   yield* proxy.awaitStats((stats) => stats.resets >= 20)
 * })
 * ```
 */
export const make: (options: Options) => Effect.Effect<Service, ProxyError, Scope.Scope> = (options) =>
  internal.make(options, (message) => new ProxyError({ message }))

/**
 * The proxy as a scoped layer.
 *
 * @since 0.2.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<FaultProxy, ProxyError> => Layer.scoped(FaultProxy, make(options))

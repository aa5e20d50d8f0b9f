import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as Runtime from "effect/Runtime"
import type * as Scope from "effect/Scope"
import * as net from "node:net"
import type { FaultOptions, Options, RandomOptions, Service, Stats } from "../FaultProxy.js"

/** A fault that fires once a connection has sent a number of response bytes. */
type Rule =
  | { readonly kind: "reset" | "cut"; readonly bytes: number; readonly each: boolean }
  | { readonly kind: "random"; readonly random: Random.Random; readonly min: number; readonly max: number }

interface Connection {
  readonly client: net.Socket
  readonly upstream: net.Socket
  /** Response bytes left before the rule's fault fires; undefined when no rule applies. */
  budget: number | undefined
  closedSockets: number
  faulted: boolean
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const parseTarget = (
  target: Options["target"]
): { readonly host: string; readonly port: number; readonly scheme: string } => {
  if (typeof target === "number") return { host: "127.0.0.1", port: target, scheme: "http" }
  if (typeof target !== "string") return { host: target.host ?? "127.0.0.1", port: target.port, scheme: "http" }
  const url = new URL(target)
  const scheme = url.protocol.replace(/:$/, "")
  const port = url.port === "" ? (scheme === "https" ? 443 : 80) : Number(url.port)
  return { host: url.hostname.replace(/^\[|\]$/g, ""), port, scheme }
}

const checkBytes = (name: string, bytes: number) => {
  if (!Number.isInteger(bytes) || bytes < 0) {
    throw new RangeError(`FaultProxy: ${name} must be a whole number ≥ 0, got ${bytes}`)
  }
}

const validPort = (port: number) => Number.isInteger(port) && port > 0 && port < 65536

/** @internal */
export const make = <E>(
  options: Options,
  error: (message: string) => E
): Effect.Effect<Service, E, Scope.Scope> =>
  Effect.gen(function*() {
    const target = yield* Effect.try({
      try: () => parseTarget(options.target),
      catch: () => error(`FaultProxy: not a valid target: ${JSON.stringify(options.target)}`)
    })
    if (!validPort(target.port)) return yield* Effect.fail(error(`FaultProxy: not a valid target port: ${target.port}`))
    const runtime = yield* Effect.runtime<never>()

    const stats: Mutable<Stats> = {
      open: 0,
      total: 0,
      resets: 0,
      cuts: 0,
      bytesFromClient: 0,
      bytesToTarget: 0,
      bytesFromTarget: 0,
      bytesToClient: 0
    }
    const waiters = new Set<() => void>()
    const changed = () => {
      for (const waiter of [...waiters]) waiter()
    }

    const connections = new Set<Connection>()
    const sleepers = new Set<Fiber.RuntimeFiber<void>>()
    let rule: Rule | undefined
    let delay = Duration.zero
    let stalled: { readonly promise: Promise<void>; readonly release: () => void } | undefined

    const budgetFor = (current: Rule): number =>
      current.kind === "random"
        ? Effect.runSync(current.random.nextIntBetween(current.min, current.max + 1))
        : current.bytes

    const arm = (next: Rule | undefined) => {
      rule = next
      // Open connections count from now, in the order they were accepted (deterministic draws).
      for (const connection of connections) connection.budget = next === undefined ? undefined : budgetFor(next)
    }

    const fault = (connection: Connection, kind: "reset" | "cut") => {
      if (connection.faulted) return
      connection.faulted = true
      if (kind === "reset") {
        stats.resets++
        if (!connection.client.destroyed) connection.client.resetAndDestroy()
      } else {
        stats.cuts++
        connection.client.end(() => connection.client.destroy())
      }
      connection.upstream.destroy()
      changed()
    }

    const sleep = (duration: Duration.Duration) =>
      new Promise<void>((resolve) => {
        const fiber = Runtime.runFork(runtime)(Effect.sleep(duration))
        sleepers.add(fiber)
        fiber.addObserver(() => {
          sleepers.delete(fiber)
          resolve()
        })
      })

    const write = (socket: net.Socket, chunk: Uint8Array) =>
      new Promise<void>((resolve) => {
        if (socket.destroyed) return resolve()
        socket.write(chunk, () => resolve())
      })

    /** Forwards one chunk, applying stall, delay and the byte rule; resolves once it is written. */
    const forward = async (connection: Connection, toClient: boolean, chunk: Uint8Array) => {
      while (stalled !== undefined) await stalled.promise
      if (Duration.greaterThan(delay, Duration.zero)) await sleep(delay)
      if (connection.faulted) return
      const to = toClient ? connection.client : connection.upstream
      const budget = toClient ? connection.budget : undefined
      if (budget !== undefined && rule !== undefined && budget <= chunk.length) {
        const kind = rule.kind === "cut" ? "cut" : "reset"
        if (rule.kind !== "random" && !rule.each) arm(undefined)
        const part = chunk.subarray(0, budget)
        await write(to, part)
        stats.bytesToClient += part.length
        fault(connection, kind)
        return
      }
      if (budget !== undefined) connection.budget = budget - chunk.length
      await write(to, chunk)
      if (toClient) stats.bytesToClient += chunk.length
      else stats.bytesToTarget += chunk.length
      changed()
    }

    const pump = (connection: Connection, from: net.Socket, to: net.Socket, toClient: boolean) => {
      let tail = Promise.resolve()
      from.on("data", (chunk: Buffer) => {
        if (toClient) stats.bytesFromTarget += chunk.length
        else stats.bytesFromClient += chunk.length
        changed()
        from.pause()
        tail = tail.then(() => forward(connection, toClient, chunk)).then(() => {
          if (!from.destroyed) from.resume()
        })
      })
      from.on("end", () => {
        tail = tail.then(() => {
          if (!to.destroyed && !connection.faulted) to.end()
        })
      })
    }

    const accept = (client: net.Socket) => {
      const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true })
      const connection: Connection = {
        client,
        upstream,
        budget: rule === undefined ? undefined : budgetFor(rule),
        closedSockets: 0,
        faulted: false
      }
      connections.add(connection)
      stats.total++
      stats.open++
      changed()
      const onClose = () => {
        connection.closedSockets++
        if (connection.closedSockets === 2) {
          connections.delete(connection)
          stats.open--
          changed()
        }
      }
      // A failure on one side resets the other, as a broken connection would.
      client.on("error", () => {
        if (!upstream.destroyed) upstream.resetAndDestroy()
      })
      upstream.on("error", () => {
        if (!client.destroyed) client.resetAndDestroy()
      })
      client.on("close", onClose)
      upstream.on("close", onClose)
      upstream.once("connect", () => {
        pump(connection, client, upstream, false)
        pump(connection, upstream, client, true)
        client.resume()
      })
    }

    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, accept)
    yield* Effect.async<undefined, E>((resume) => {
      server.once("error", (cause) => resume(Effect.fail(error(`FaultProxy: cannot listen: ${cause.message}`))))
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(undefined)))
    })
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        stalled?.release()
        for (const connection of connections) {
          connection.client.destroy()
          connection.upstream.destroy()
        }
        yield* Fiber.interruptAll(sleepers)
        yield* Effect.async((resume) => void server.close(() => resume(Effect.void)))
      })
    )
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0

    const byteRule = (kind: "reset" | "cut") => (bytes: number, faultOptions: FaultOptions = {}) =>
      Effect.sync(() => {
        checkBytes("bytes", bytes)
        arm({ kind, bytes, each: faultOptions.connections === "each" })
      })

    const resume = Effect.sync(() => {
      const held = stalled
      stalled = undefined
      held?.release()
    })

    return {
      url: `${target.scheme}://127.0.0.1:${port}`,
      port,
      stats: Effect.sync(() => ({ ...stats })),
      awaitStats: (predicate) =>
        Effect.async<Stats>((resume) => {
          const check = () => {
            if (!predicate(stats)) return
            waiters.delete(check)
            resume(Effect.succeed({ ...stats }))
          }
          waiters.add(check)
          check()
          return Effect.sync(() => waiters.delete(check))
        }),
      resetAll: Effect.sync(() => {
        const open = [...connections].filter((connection) => !connection.faulted)
        for (const connection of open) fault(connection, "reset")
        return open.length
      }),
      resetAfter: byteRule("reset"),
      cutAfter: byteRule("cut"),
      resetRandomly: (random: RandomOptions) =>
        Effect.sync(() => {
          checkBytes("minBytes", random.minBytes)
          checkBytes("maxBytes", random.maxBytes)
          if (random.minBytes > random.maxBytes) throw new RangeError("FaultProxy: minBytes must not exceed maxBytes")
          arm({ kind: "random", random: Random.make(random.seed), min: random.minBytes, max: random.maxBytes })
        }),
      stall: Effect.sync(() => {
        if (stalled !== undefined) return
        let release = () => {}
        const promise = new Promise<void>((resolve) => (release = resolve))
        stalled = { promise, release }
      }),
      resume,
      delayChunks: (input) => Effect.sync(() => (delay = Duration.decode(input))),
      clear: Effect.zipRight(
        Effect.sync(() => {
          arm(undefined)
          delay = Duration.zero
        }),
        resume
      )
    } satisfies Service
  })

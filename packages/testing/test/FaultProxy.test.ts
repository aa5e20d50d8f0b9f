import { FaultProxy } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Exit, Fiber, Option, Scope, TestClock } from "effect"
import * as http from "node:http"
import * as net from "node:net"

/** Response bodies: `n` bytes of a repeating pattern, so a cut shows where it happened. */
const body = (n: number) => Buffer.from("0123456789".repeat(Math.ceil(n / 10)).slice(0, n))

/**
 * The target: `GET /bytes/<n>` answers `n` bytes; `GET /hold` sends its headers and 7 bytes
 * of a 1000-byte body, then waits. Counts the requests it received.
 */
const upstream = Effect.acquireRelease(
  Effect.async<{ readonly server: http.Server; readonly port: number; readonly requests: () => number }>((resume) => {
    let requests = 0
    const server = http.createServer((request, response) => {
      requests++
      const n = /^\/bytes\/(\d+)$/.exec(request.url ?? "")?.[1]
      if (n !== undefined) {
        response.writeHead(200, { "content-type": "text/plain", "content-length": Number(n) })
        response.end(body(Number(n)))
      } else {
        response.writeHead(200, { "content-type": "text/plain", "content-length": 1000 })
        response.write("partial")
      }
    })
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo // listen() on a TCP port yields an AddressInfo
      resume(Effect.succeed({ server, port, requests: () => requests }))
    })
  }),
  ({ server }) =>
    Effect.async((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

interface Outcome {
  readonly data: Buffer
  /** `"end"` for a clean close, else the socket error's code (`"ECONNRESET"`). */
  readonly outcome: string
}

/** A raw HTTP/1.1 GET over its own socket, so the test sees every byte and how it ended. */
const rawGet = (port: number, path: string) => {
  const socket = net.connect({ host: "127.0.0.1", port })
  const parts: Array<Buffer> = []
  let firstData: () => void = () => {}
  const received = new Promise<void>((resolve) => (firstData = resolve))
  const done = new Promise<Outcome>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      parts.push(chunk)
      firstData()
    })
    socket.on("end", () => resolve({ data: Buffer.concat(parts), outcome: "end" }))
    socket.on(
      "error",
      (error: NodeJS.ErrnoException) => resolve({ data: Buffer.concat(parts), outcome: error.code ?? error.message })
    )
    socket.on("close", () => resolve({ data: Buffer.concat(parts), outcome: "close" }))
  })
  socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n`)
  return { socket, received: Effect.promise(() => received), done: Effect.promise(() => done) }
}

/**
 * How a client sees a connection reset right after data: Linux delivers the data and then
 * reports ECONNRESET if the client had read it before the RST came, else a clean end.
 */
const cutShort = ["ECONNRESET", "end"]

const get = (port: number, path: string) => rawGet(port, path).done

/** Waits for the event loop to run once: for polling state that changes on I/O, never on time. */
const tick = Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))

const eventually = <A>(check: Effect.Effect<A>, predicate: (a: A) => boolean): Effect.Effect<A> =>
  Effect.flatMap(check, (a) => predicate(a) ? Effect.succeed(a) : Effect.zipRight(tick, eventually(check, predicate)))

const headerLength = (data: Buffer) => data.indexOf("\r\n\r\n") + 4

describe("FaultProxy", () => {
  it.scopedLive("forwards requests and responses byte for byte, and counts connections and bytes", () =>
    Effect.gen(function*() {
      const target = yield* upstream
      const proxy = yield* FaultProxy.make({ target: `http://127.0.0.1:${target.port}/` })
      expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`)
      const direct = yield* get(target.port, "/bytes/50000")
      const responses = [
        yield* get(proxy.port, "/bytes/50000"),
        yield* get(proxy.port, "/bytes/10"),
        yield* get(proxy.port, "/bytes/0")
      ]
      const [big] = responses
      expect(big?.outcome).toBe("end")
      expect(big?.data.subarray(headerLength(big.data))).toEqual(body(50000))
      expect(big?.data.length).toBe(direct.data.length)
      expect(responses.map((r) => r.outcome)).toEqual(["end", "end", "end"])

      const stats = yield* proxy.awaitStats((s) => s.open === 0)
      const received = responses.reduce((n, r) => n + r.data.length, 0)
      const request = "GET /bytes/50000 HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".length
      expect(stats).toEqual({
        open: 0,
        total: 3,
        resets: 0,
        cuts: 0,
        bytesFromClient: 3 * request - 3 - 4,
        bytesToTarget: 3 * request - 3 - 4,
        bytesFromTarget: received,
        bytesToClient: received
      })
    }))

  it.scopedLive("resetAll resets every open connection, on both sides", () =>
    Effect.gen(function*() {
      const target = yield* upstream
      const proxy = yield* FaultProxy.make({ target: target.port })
      const first = rawGet(proxy.port, "/hold")
      const second = rawGet(proxy.port, "/hold")
      yield* first.received
      yield* second.received
      expect((yield* proxy.stats).open).toBe(2)
      expect(yield* proxy.resetAll).toBe(2)
      expect((yield* first.done).outcome).toBe("ECONNRESET")
      expect((yield* second.done).outcome).toBe("ECONNRESET")
      const stats = yield* proxy.awaitStats((s) => s.open === 0)
      expect(stats.resets).toBe(2)
      const connections = yield* eventually(
        Effect.async<number>((resume) => void target.server.getConnections((_, n) => resume(Effect.succeed(n)))),
        (n) => n === 0
      )
      expect(connections).toBe(0)
    }))

  it.scopedLive("resetAfter forwards exactly that many response bytes, then resets the next connection only", () =>
    Effect.gen(function*() {
      const target = yield* upstream
      const proxy = yield* FaultProxy.make({ target: target.port })
      yield* proxy.resetAfter(100)
      const broken = yield* get(proxy.port, "/bytes/5000")
      expect(cutShort).toContain(broken.outcome)
      expect(broken.data.length).toBe(100)
      const whole = yield* get(proxy.port, "/bytes/5000")
      expect(whole.outcome).toBe("end")
      expect(whole.data.subarray(headerLength(whole.data))).toEqual(body(5000))
      expect((yield* proxy.awaitStats((s) => s.open === 0)).resets).toBe(1)
    }))

  it.scopedLive("resetAfter with connections: \"each\" resets every connection until clear", () =>
    Effect.gen(function*() {
      const target = yield* upstream
      const proxy = yield* FaultProxy.make({ target: target.port })
      yield* proxy.resetAfter(0, { connections: "each" })
      for (let i = 0; i < 3; i++) {
        const broken = yield* get(proxy.port, "/bytes/5000")
        expect(broken).toEqual({ data: Buffer.alloc(0), outcome: "ECONNRESET" })
      }
      expect(target.requests()).toBe(3)
      yield* proxy.clear
      expect((yield* get(proxy.port, "/bytes/5000")).outcome).toBe("end")
    }))

  it.scopedLive("cutAfter ends the response cleanly mid-body", () =>
    Effect.gen(function*() {
      const target = yield* upstream
      const proxy = yield* FaultProxy.make({ target: target.port })
      yield* proxy.cutAfter(150)
      const cut = yield* get(proxy.port, "/bytes/5000")
      expect(cut.outcome).toBe("end")
      expect(cut.data.length).toBe(150)
      expect(cut.data.subarray(0, 15).toString()).toBe("HTTP/1.1 200 OK")
      const stats = yield* proxy.awaitStats((s) => s.open === 0)
      expect(stats).toMatchObject({ cuts: 1, resets: 0, bytesToClient: 150 })
    }))

  it.scopedLive("resetRandomly resets at the same points for the same seed, within the bounds", () =>
    Effect.gen(function*() {
      const target = yield* upstream
      const run = (seed: number) =>
        Effect.scoped(Effect.gen(function*() {
          const proxy = yield* FaultProxy.make({ target: target.port })
          yield* proxy.resetRandomly({ seed, minBytes: 100, maxBytes: 10_000 })
          const lengths: Array<number> = []
          for (let i = 0; i < 8; i++) {
            const result = yield* get(proxy.port, "/bytes/20000")
            expect(cutShort).toContain(result.outcome)
            lengths.push(result.data.length)
          }
          expect((yield* proxy.awaitStats((s) => s.open === 0)).resets).toBe(8)
          return lengths
        }))
      const first = yield* run(7)
      expect(yield* run(7)).toEqual(first)
      expect(new Set(first).size).toBeGreaterThan(1)
      for (const n of first) {
        expect(n).toBeGreaterThanOrEqual(100)
        expect(n).toBeLessThanOrEqual(10_000)
      }
      expect(yield* run(8)).not.toEqual(first)
    }))

  it.scopedLive("stall holds traffic without closing the connection; resume delivers it", () =>
    Effect.gen(function*() {
      const target = yield* upstream
      const proxy = yield* FaultProxy.make({ target: target.port })
      yield* proxy.stall
      const request = rawGet(proxy.port, "/bytes/3000")
      const held = yield* proxy.awaitStats((s) => s.bytesFromClient > 0)
      expect(held).toMatchObject({ open: 1, bytesToTarget: 0, resets: 0, cuts: 0 })
      expect(target.requests()).toBe(0)
      expect(request.socket.destroyed).toBe(false)
      yield* proxy.resume
      const result = yield* request.done
      expect(result.outcome).toBe("end")
      expect(result.data.subarray(headerLength(result.data))).toEqual(body(3000))
    }))

  it.scoped("delayChunks holds each chunk for the delay on Effect's Clock", () =>
    Effect.gen(function*() {
      const target = yield* upstream
      const proxy = yield* FaultProxy.make({ target: target.port })
      yield* proxy.delayChunks("1 second")
      const request = yield* Effect.fork(get(proxy.port, "/bytes/10"))
      yield* eventually(TestClock.sleeps(), (sleeps) => sleeps.length > 0)
      yield* TestClock.adjust("999 millis")
      yield* tick
      expect((yield* proxy.stats).bytesToTarget).toBe(0)
      // Each further second releases the chunk waiting, in either direction, until the response is through.
      while (Option.isNone(yield* Fiber.poll(request))) {
        yield* TestClock.adjust("1 second")
        yield* eventually(
          Effect.zip(TestClock.sleeps(), Fiber.poll(request)),
          ([sleeps, done]) => sleeps.length > 0 || Option.isSome(done)
        )
      }
      const result = yield* Fiber.join(request)
      expect(result.outcome).toBe("end")
      expect(result.data.subarray(headerLength(result.data)).toString()).toBe("0123456789")
      expect((yield* proxy.stats).bytesToTarget).toBeGreaterThan(0)
    }))

  it.scopedLive("resets the client when the target refuses the connection", () =>
    Effect.gen(function*() {
      const closed = yield* Effect.scoped(Effect.map(upstream, (target) => target.port))
      const proxy = yield* FaultProxy.make({ target: closed })
      const result = yield* get(proxy.port, "/")
      expect(result).toEqual({ data: Buffer.alloc(0), outcome: "ECONNRESET" })
      expect((yield* proxy.awaitStats((s) => s.open === 0)).total).toBe(1)
    }))

  it.live("closing the scope closes the proxy and its connections", () =>
    Effect.gen(function*() {
      const outer = yield* Scope.make()
      const target = yield* Scope.extend(upstream, outer)
      const scope = yield* Scope.make()
      const proxy = yield* Scope.extend(FaultProxy.make({ target: target.port }), scope)
      const open = rawGet(proxy.port, "/hold")
      yield* open.received
      yield* Scope.close(scope, Exit.void)
      const closed = yield* open.done
      expect(closed.outcome).toBe("end")
      expect(closed.data.subarray(headerLength(closed.data)).toString()).toBe("partial")
      expect((yield* get(proxy.port, "/")).outcome).toBe("ECONNREFUSED")
      yield* Scope.close(outer, Exit.void)
    }))

  it.scoped("rejects bad input: an invalid target with ProxyError, a negative byte count with a defect", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(FaultProxy.make({ target: "not a url" }))
      expect(error._tag).toBe("ProxyError")
      expect(error.message).toContain("not a valid target")
      expect((yield* Effect.flip(FaultProxy.make({ target: 70_000 }))).message).toContain("port")
      const proxy = yield* FaultProxy.make({ target: 1 })
      const exit = yield* Effect.exit(proxy.resetAfter(-1))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      const random = yield* Effect.exit(proxy.resetRandomly({ seed: 1, minBytes: 10, maxBytes: 5 }))
      expect(Exit.isFailure(random) && Cause.pretty(random.cause)).toContain("minBytes must not exceed maxBytes")
    }))
})

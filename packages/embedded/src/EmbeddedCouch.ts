/**
 * A CouchDB-compatible server for integration tests and demos: pouchdb-server in a child
 * process on an ephemeral port, with one server admin; in memory, or on disk with `dataDir`
 * so that it can be killed and restarted without losing data. Set `COUCHDB_URL`
 * (credentials in the URL, e.g. `http://admin:pw@localhost:5984`) to use a real CouchDB
 * instead.
 *
 * pouchdb-server is not CouchDB 3.x: single-line bodies, integer sequences, no
 * eventsource, no Range. A few requests crash it (non-admin database creation or deletion,
 * `_changes` with `filter=_selector`/`_design`/a missing filter); only the child dies.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { type ChildProcess, fork } from "node:child_process"
import { fileURLToPath } from "node:url"
import { fromUrl, withCredentials } from "./internal/server.js"

/**
 * A running server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Server {
  /** The server URL, without credentials. */
  readonly url: string
  /** The server admin's name. */
  readonly username: string
  /** The server admin's password. */
  readonly password: Redacted.Redacted<string>
  /** The URL with the admin's credentials in it, as `COUCHDB_URL` would be given. */
  readonly urlWithCredentials: Redacted.Redacted<string>
  /** `"embedded"` for pouchdb-server, `"external"` for a server from `COUCHDB_URL`. */
  readonly kind: "embedded" | "external"
}

/**
 * @since 0.1.0
 * @category tags
 */
export class EmbeddedCouch extends Context.Tag("@effect-couchdb/embedded/EmbeddedCouch")<EmbeddedCouch, Server>() {}

/**
 * The server could not be started.
 *
 * @since 0.1.0
 * @category errors
 */
export class StartError extends Data.TaggedError("StartError")<{ readonly message: string }> {}

/**
 * Options of the embedded server.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  readonly username?: string | undefined
  readonly password?: Redacted.Redacted<string> | undefined
  /** Ignore `COUCHDB_URL` and always start pouchdb-server. */
  readonly embeddedOnly?: boolean | undefined
  /** How long to wait for the server to listen (default 20 s). */
  readonly startTimeoutMs?: number | undefined
  /**
   * Keep the databases on disk (LevelDB) in this directory instead of in memory, so that a
   * killed or restarted server finds them again. The directory is created if missing and
   * never deleted. Needs the optional peer dependency `pouchdb-adapter-leveldb@7.3.1`.
   *
   * @since 0.2.0
   */
  readonly dataDir?: string | undefined
  /**
   * Listen on this port instead of an ephemeral one.
   *
   * @since 0.2.0
   */
  readonly port?: number | undefined
}

const childScript = fileURLToPath(new URL("./pouchdb-server.cjs", import.meta.url))

/**
 * A started server and the functions that control its process. For an external server
 * (`COUCHDB_URL`), `stop` does nothing and `kill`/`restart` reject.
 *
 * @since 0.1.0
 * @category models
 */
export interface Started {
  readonly server: Server
  /** Stops the server (SIGTERM) and waits for the process to exit. */
  readonly stop: () => Promise<void>
  /**
   * Kills the server (SIGKILL, as a crash would) and waits for the process to exit.
   *
   * @since 0.2.0
   */
  readonly kill: () => Promise<void>
  /**
   * Kills the server if it runs, then starts it again on the same URL. With `dataDir`
   * the databases survive; in memory they are gone.
   *
   * @since 0.2.0
   */
  readonly restart: () => Promise<void>
}

const runningIn = (child: ChildProcess) => child.exitCode === null && child.signalCode === null

const terminate = async (child: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
  if (!runningIn(child)) return
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  child.kill(signal)
  await exited
}

const spawn = async (
  options: Options,
  admin: { readonly username: string; readonly password: string },
  port: number | undefined
): Promise<{ readonly child: ChildProcess; readonly url: string }> => {
  const child: ChildProcess = fork(childScript, [], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    env: {
      ...process.env,
      EFFECT_COUCHDB_EMBEDDED: JSON.stringify({
        username: admin.username,
        password: admin.password,
        dataDir: options.dataDir,
        port
      })
    }
  })
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("pouchdb-server did not start in time")),
        options.startTimeoutMs ?? 20_000
      )
      child.once("message", (message: unknown) => {
        clearTimeout(timer)
        const reported = typeof message === "object" && message !== null ? Reflect.get(message, "url") : undefined
        const error = typeof message === "object" && message !== null ? Reflect.get(message, "error") : undefined
        if (typeof reported === "string") resolve(reported)
        else reject(new Error(`pouchdb-server failed to start: ${typeof error === "string" ? error : "no URL"}`))
      })
      // "close", not "exit": it comes after the IPC channel closed, so after any error message.
      child.once("close", (code) => {
        clearTimeout(timer)
        reject(new Error(`pouchdb-server exited early with code ${code}`))
      })
    })
    return { child, url }
  } catch (error) {
    await terminate(child, "SIGKILL")
    throw error
  }
}

const externalControl = () =>
  Promise.reject(new Error("an external server (COUCHDB_URL) cannot be killed or restarted"))

/**
 * Starts the server (or picks up `COUCHDB_URL`). For code outside Effect, such as a vitest
 * `globalSetup`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const start = async (options: Options = {}): Promise<Started> => {
  const fromEnv = process.env.COUCHDB_URL
  if (fromEnv !== undefined && fromEnv !== "" && options.embeddedOnly !== true) {
    return {
      server: fromUrl(fromEnv, "external"),
      stop: async () => {},
      kill: externalControl,
      restart: externalControl
    }
  }
  const username = options.username ?? "admin"
  const password = options.password !== undefined ? Redacted.value(options.password) : "secret"
  const first = await spawn(options, { username, password }, options.port)
  let child = first.child
  const port = Number(new URL(first.url).port)
  return {
    server: fromUrl(withCredentials(first.url, username, password), "embedded"),
    stop: () => terminate(child, "SIGTERM"),
    kill: () => terminate(child, "SIGKILL"),
    restart: async () => {
      await terminate(child, "SIGKILL")
      child = (await spawn(options, { username, password }, port)).child
    }
  }
}

const startError = (error: unknown) =>
  new StartError({ message: error instanceof Error ? error.message : String(error) })

/**
 * A running server whose process a test can kill and restart, e.g. to check that a feed
 * follower survives a server crash.
 *
 * @since 0.2.0
 * @category models
 */
export interface Handle {
  readonly server: Server
  /** Kills the server (SIGKILL) and waits for it to exit. */
  readonly kill: Effect.Effect<void, StartError>
  /** Kills the server if it runs and starts it again on the same URL and data directory. */
  readonly restart: Effect.Effect<void, StartError>
}

/**
 * Starts the server for the scope: stopped when the scope closes.
 *
 * @since 0.2.0
 * @category constructors
 * @example
 * ```ts
 * import { EmbeddedCouch } from "@effect-couchdb/embedded"
 * import { Effect } from "effect"
 *
 * const crashAndRecover = Effect.gen(function*() {
 *   const couch = yield* EmbeddedCouch.make({ embeddedOnly: true, dataDir: "/tmp/couch-data" })
 *   // ... write through couch.server.url
 *   yield* couch.kill
 *   yield* couch.restart // same URL, same databases
 * })
 * ```
 */
export const make = (options: Options = {}): Effect.Effect<Handle, StartError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({ try: () => start(options), catch: startError }),
    (started) => Effect.promise(() => started.stop())
  ).pipe(Effect.map((started) => ({
    server: started.server,
    kill: Effect.tryPromise({ try: () => started.kill(), catch: startError }),
    restart: Effect.tryPromise({ try: () => started.restart(), catch: startError })
  })))

/**
 * The server as a scoped layer: started when the layer is built, stopped with its scope.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<EmbeddedCouch, StartError> =>
  Layer.scoped(EmbeddedCouch, Effect.map(make(options), (handle) => handle.server))

/**
 * A CouchDB-compatible server for integration tests and demos: pouchdb-server in memory,
 * in a child process on an ephemeral port, with one server admin. Set `COUCHDB_URL`
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
import { type ChildProcess, fork } from "node:child_process"
import { fileURLToPath } from "node:url"

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
export class EmbeddedCouch extends Context.Tag("@effect-couchdb/testing/EmbeddedCouch")<EmbeddedCouch, Server>() {}

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
}

const childScript = fileURLToPath(new URL("./pouchdb-server.cjs", import.meta.url))

const withCredentials = (url: string, username: string, password: string): string => {
  const parsed = new URL(url)
  parsed.username = encodeURIComponent(username)
  parsed.password = encodeURIComponent(password)
  return parsed.href.replace(/\/$/, "")
}

const external = (input: string): Server => {
  const parsed = new URL(input)
  const username = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  parsed.username = ""
  parsed.password = ""
  const url = parsed.href.replace(/\/$/, "")
  return {
    url,
    username,
    password: Redacted.make(password),
    urlWithCredentials: Redacted.make(withCredentials(url, username, password)),
    kind: "external"
  }
}

/**
 * A started server and the function that stops it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Started {
  readonly server: Server
  readonly stop: () => Promise<void>
}

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
    return { server: external(fromEnv), stop: async () => {} }
  }
  const username = options.username ?? "admin"
  const password = options.password !== undefined ? Redacted.value(options.password) : "secret"
  const child: ChildProcess = fork(childScript, [], {
    stdio: ["ignore", "ignore", "inherit", "ipc"],
    env: { ...process.env, EFFECT_COUCHDB_ADMIN: JSON.stringify({ username, password }) }
  })
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
    child.kill("SIGTERM")
    await exited
  }
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("pouchdb-server did not start in time")),
        options.startTimeoutMs ?? 20_000
      )
      child.once("message", (message: unknown) => {
        clearTimeout(timer)
        const reported = typeof message === "object" && message !== null ? Reflect.get(message, "url") : undefined
        if (typeof reported === "string") resolve(reported)
        else reject(new Error(`pouchdb-server failed to start: ${JSON.stringify(message)}`))
      })
      child.once("exit", (code) => {
        clearTimeout(timer)
        reject(new Error(`pouchdb-server exited early with code ${code}`))
      })
    })
    return {
      server: {
        url,
        username,
        password: Redacted.make(password),
        urlWithCredentials: Redacted.make(withCredentials(url, username, password)),
        kind: "embedded"
      },
      stop
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/**
 * The server as a scoped layer: started when the layer is built, stopped with its scope.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options = {}): Layer.Layer<EmbeddedCouch, StartError> =>
  Layer.scoped(
    EmbeddedCouch,
    Effect.acquireRelease(
      Effect.tryPromise({
        try: () => start(options),
        catch: (error) => new StartError({ message: error instanceof Error ? error.message : String(error) })
      }),
      (started) => Effect.promise(() => started.stop())
    ).pipe(Effect.map((started) => started.server))
  )

/**
 * Sizes and options, from defaults, `BENCH_*` environment variables and `--name=value`
 * command-line flags (flags win).
 */
import { existsSync } from "node:fs"
import { type ClientId, clientIds, isClientId } from "./jobs.js"

export interface Sizes {
  /** Scenario 1: requests per run. */
  readonly requests: number
  /** Scenario 1: requests in flight in the concurrent run. */
  readonly concurrency: number
  /** Scenario 1: size of the document. */
  readonly docBytes: number
  /** Scenario 2: rows of the `_all_docs` body. */
  readonly rows: number
  /** Scenario 2: rows of the larger body (memory must be flat in the row count). */
  readonly rowsLarge: number
  /** Scenario 3: changes in the continuous feed. */
  readonly changes: number
  /** Scenario 3: a heartbeat every this many changes. */
  readonly heartbeatEvery: number
  /** Scenario 4: documents loaded. */
  readonly docs: number
  /** Scenario 4: documents per `_bulk_docs` request. */
  readonly batch: number
  /** Scenario 5: attachment size, bytes. */
  readonly attachmentBytes: number
  /** Scenario 5: the smaller attachment (memory must be flat in the size). */
  readonly attachmentBytesSmall: number
  /** Scenario 6: documents of the `_find` answer. */
  readonly findDocs: number
  /** Canned server: chunk size of chunked bodies. */
  readonly chunkBytes: number
}

export const defaultSizes: Sizes = {
  requests: 20_000,
  concurrency: 32,
  docBytes: 1024,
  rows: 1_000_000,
  rowsLarge: 4_000_000,
  changes: 500_000,
  heartbeatEvery: 500,
  docs: 100_000,
  batch: 1_000,
  attachmentBytes: 256 * 1024 * 1024,
  attachmentBytesSmall: 64 * 1024 * 1024,
  findDocs: 500_000,
  chunkBytes: 1490
}

/** Tiny sizes for the smoke test (CI). */
export const smokeSizes: Sizes = {
  requests: 200,
  concurrency: 8,
  docBytes: 1024,
  rows: 2_000,
  rowsLarge: 8_000,
  changes: 2_000,
  heartbeatEvery: 100,
  docs: 1_000,
  batch: 500,
  attachmentBytes: 1024 * 1024,
  attachmentBytesSmall: 256 * 1024,
  findDocs: 1_000,
  chunkBytes: 1490
}

export const scenarioIds = [1, 2, 3, 4, 5, 6] as const
export type ScenarioId = (typeof scenarioIds)[number]

export interface Options {
  readonly sizes: Sizes
  readonly repetitions: number
  readonly scenarios: ReadonlyArray<ScenarioId>
  readonly clients: ReadonlyArray<ClientId>
  /** Per measured child. */
  readonly timeoutMs: number
  /** Extra node flags for the measured children, e.g. `--cpu-prof`. */
  readonly childNodeArgs: ReadonlyArray<string>
  /** Write BENCHMARKS.md and the chart. */
  readonly write: boolean
}

const flagNames: Readonly<Record<keyof Sizes, string>> = {
  requests: "requests",
  concurrency: "concurrency",
  docBytes: "doc-bytes",
  rows: "rows",
  rowsLarge: "rows-large",
  changes: "changes",
  heartbeatEvery: "heartbeat-every",
  docs: "docs",
  batch: "batch",
  attachmentBytes: "attachment-mb",
  attachmentBytesSmall: "attachment-small-mb",
  findDocs: "find-docs",
  chunkBytes: "chunk-bytes"
}

const envName = (flag: string) => "BENCH_" + flag.toUpperCase().replace(/-/g, "_")

/** Reads `--flag=value` / `--flag value` from `argv`, then `BENCH_FLAG` from `env`. */
const lookup = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv, flag: string): string | undefined => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === `--${flag}`) return argv[i + 1]
    if (arg !== undefined && arg.startsWith(`--${flag}=`)) return arg.slice(flag.length + 3)
  }
  return env[envName(flag)]
}

const positive = (flag: string, text: string): number => {
  const n = Number(text.replace(/_/g, ""))
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${flag} must be a positive number, got ${text}`)
  return n
}

const known = new Set([
  ...Object.values(flagNames),
  "repetitions",
  "scenarios",
  "clients",
  "timeout-s",
  "child-node-args",
  "smoke",
  "no-write",
  "rerender"
])

export const parse = (argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv = {}): Options => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ""
    if (arg === "--" || !arg.startsWith("--")) continue
    const name = /^--([a-z-]+)/.exec(arg)?.[1]
    if (name === undefined || !known.has(name)) throw new Error(`unknown option ${arg}`)
    // `--flag value`: the value may itself start with `--` (child-node-args).
    if (!arg.includes("=") && name !== "smoke" && name !== "no-write" && name !== "rerender") i++
  }
  const smoke = argv.includes("--smoke") || env.BENCH_SMOKE === "1"
  const base = smoke ? smokeSizes : defaultSizes
  const sizes: Record<keyof Sizes, number> = { ...base }
  // Object.keys of a Record<keyof Sizes, …> lists exactly the keys of Sizes.
  for (const key of Object.keys(flagNames) as Array<keyof Sizes>) {
    const flag = flagNames[key]
    const text = lookup(argv, env, flag)
    if (text === undefined) continue
    const value = positive(flag, text)
    sizes[key] = flag.endsWith("-mb") ? Math.round(value * 1024 * 1024) : Math.round(value)
  }
  const repetitions = Math.round(positive("repetitions", lookup(argv, env, "repetitions") ?? (smoke ? "1" : "3")))
  const scenarios = (lookup(argv, env, "scenarios") ?? "1,2,3,4,5,6").split(",").map((s) => {
    const n = Number(s.trim())
    const found = scenarioIds.find((id) => id === n)
    if (found === undefined) throw new Error(`unknown scenario ${s}`)
    return found
  })
  const clients = (lookup(argv, env, "clients") ?? clientIds.join(",")).split(",").map((s) => {
    const id = s.trim()
    if (!isClientId(id)) throw new Error(`unknown client ${id}; known: ${clientIds.join(", ")}`)
    return id
  })
  if (!clients.includes("baseline")) clients.unshift("baseline")
  const timeoutMs = positive("timeout-s", lookup(argv, env, "timeout-s") ?? (smoke ? "60" : "900")) * 1000
  const childNodeArgs = (lookup(argv, env, "child-node-args") ?? "").split(" ").filter((s) => s !== "")
  const write = !argv.includes("--no-write") && env.BENCH_NO_WRITE !== "1"
  return { sizes, repetitions, scenarios, clients, timeoutMs, childNodeArgs, write }
}

/**
 * The checkout given with `--baseline=<dir>` (with a trailing `/`), whose built `packages` are
 * measured beside this one's; it must have `dist/esm` built for each of `packages`.
 */
export const baselineRoot = (argv: ReadonlyArray<string>, packages: ReadonlyArray<string>): string | undefined => {
  const flag = argv.find((a) => a.startsWith("--baseline="))
  if (flag === undefined) return undefined
  const root = flag.slice("--baseline=".length).replace(/\/?$/, "/")
  for (const pkg of packages) {
    if (!existsSync(`${root}packages/${pkg}/dist/esm/index.js`)) {
      throw new Error(`--baseline: ${root}packages/${pkg}/dist/esm is missing; build that checkout first`)
    }
  }
  return root
}

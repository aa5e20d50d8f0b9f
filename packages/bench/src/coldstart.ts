/**
 * `pnpm bench:coldstart [--runs=7]`: how long a fresh Node process takes to load a client and
 * finish its first GET of a document from a local server, for the built packages (what npm
 * users run: `dist/esm`, built first if missing) against the floor (a bare `@effect/platform`
 * `FetchHttpClient` GET), nano, and an empty process. Every run is a new process; the variants
 * take turns. Reports the median and the fastest run of each:
 *
 * - "ready": `performance.now()` when the document has been decoded (time since the process
 *   started, so Node's own start-up is included);
 * - "CPU at ready": the process's CPU time (user + system) by then, steadier than wall time
 *   when other work shares the machine;
 * - "process": spawn to exit, as a command-line tool would feel it.
 *
 * `--baseline=<checkout>` adds the client variants of another checkout whose packages are built
 * (`packages/{client,undici}/dist/esm`, e.g. `git archive main` installed and built elsewhere),
 * taking turns with the others in the same run.
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath, pathToFileURL } from "node:url"
import * as Config from "./config.js"

const print = (line: string) => process.stdout.write(line + "\n")

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const built = (pkg: string, root = repoRoot) => pathToFileURL(`${root}packages/${pkg}/dist/esm/index.js`).href

const baselineRoot = Config.baselineRoot(process.argv, ["client", "undici"])

/** The client variants, for this checkout's packages or the baseline's. */
const clientVariants = (root: string, label: string): ReadonlyArray<Variant> => [
  {
    name: `${label}effect-couchdb CouchClient + CouchAuth by module path, FetchHttpClient`,
    root,
    code: (url: string) =>
      clientCode(
        url,
        root,
        `import * as FetchHttpClient from "@effect/platform/FetchHttpClient"`,
        "FetchHttpClient.layer",
        "modules"
      )
  },
  {
    name: `${label}effect-couchdb client + CouchAuth.basic, FetchHttpClient`,
    root,
    code: (url: string) =>
      clientCode(
        url,
        root,
        `import * as FetchHttpClient from "@effect/platform/FetchHttpClient"`,
        "FetchHttpClient.layer"
      )
  },
  {
    name: `${label}effect-couchdb client + CouchAuth.basic, UndiciHttpClient`,
    root,
    code: (url: string) =>
      clientCode(
        url,
        root,
        `import { UndiciHttpClient } from ${JSON.stringify(built("undici", root))}`,
        "UndiciHttpClient.layer"
      )
  }
]

interface Variant {
  readonly name: string
  readonly code: (url: string) => string
  /** The checkout whose bench package the script runs from (its bare imports resolve there); this one by default. */
  readonly root?: string | undefined
}

const variants: ReadonlyArray<Variant> = [
  { name: "node, empty script", code: () => `console.log(JSON.stringify({ ready: performance.now(), cpu: cpuMs() }))` },
  {
    name: "@effect/platform FetchHttpClient GET (floor)",
    code: (url) => `
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Effect from "effect/Effect"
const doc = await Effect.runPromise(
  HttpClient.get(${JSON.stringify(`${url}/db/doc`)}).pipe(
    Effect.flatMap((r) => r.json),
    Effect.provide(FetchHttpClient.layer)
  )
)
console.log(JSON.stringify({ ready: performance.now(), cpu: cpuMs(), ok: doc._id === "doc" }))`
  },
  ...(baselineRoot === undefined ? [] : clientVariants(baselineRoot, "baseline: ")),
  ...clientVariants(repoRoot, baselineRoot === undefined ? "" : "this: "),
  {
    name: "nano 11",
    code: (url) => `
import nano from "nano"
const doc = await nano(${JSON.stringify(url.replace("http://", "http://admin:secret@"))}).use("db").get("doc")
console.log(JSON.stringify({ ready: performance.now(), cpu: cpuMs(), ok: doc._id === "doc" }))`
  }
]

function clientCode(url: string, root: string, httpImport: string, httpLayer: string, from?: "modules") {
  const module = (name: string) => JSON.stringify(built("client", root).replace(/index\.js$/, `${name}.js`))
  const clientImport = from === "modules"
    ? `import * as CouchAuth from ${module("CouchAuth")}\nimport * as CouchClient from ${module("CouchClient")}`
    : `import { CouchAuth, CouchClient } from ${JSON.stringify(built("client", root))}`
  return `
${clientImport}
${httpImport}
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

const Live = Layer.mergeAll(
  CouchClient.layer({ url: ${JSON.stringify(url)} }),
  CouchAuth.layerBasic({ username: "admin", password: Redacted.make("secret") })
).pipe(Layer.provide(${httpLayer}))
const doc = await Effect.gen(function*() {
  const couch = yield* CouchClient.CouchClient
  return yield* (yield* couch.resource("db").document("doc").get()).json
}).pipe(Effect.provide(Live), Effect.runPromise)
console.log(JSON.stringify({ ready: performance.now(), cpu: cpuMs(), ok: doc._id === "doc" }))`
}

/** Prepended to every script: CPU time (user + system) so far, in ms; less swayed by a busy machine than wall time. */
const cpuPrelude = `const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }`

const run = (
  file: string
): Promise<{ readonly ready: number; readonly cpu: number; readonly process: number }> =>
  new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [file], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      out += s
    })
    child.on("close", (code) => {
      const elapsed = performance.now() - t0
      try {
        const parsed: unknown = JSON.parse(out)
        const ready = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "ready") : undefined
        const ok = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "ok") : undefined
        const cpu = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "cpu") : undefined
        if (code !== 0 || typeof ready !== "number" || typeof cpu !== "number" || ok === false) {
          throw new Error(`exit ${code}: ${out}`)
        }
        resolve({ ready, cpu, process: elapsed })
      } catch (error) {
        reject(new Error(`${file}: ${error instanceof Error ? error.message : String(error)}`))
      }
    })
  })

const median = (xs: ReadonlyArray<number>) => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] ?? NaN : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2
}

const runsFlag = process.argv.find((a) => a.startsWith("--runs="))
const runs = runsFlag === undefined ? 7 : Number(runsFlag.slice("--runs=".length))
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${runsFlag}`)

if (
  !existsSync(`${repoRoot}packages/client/dist/esm/index.js`) ||
  !existsSync(`${repoRoot}packages/undici/dist/esm/index.js`)
) {
  execFileSync(process.execPath, [`${repoRoot}node_modules/tsx/dist/cli.mjs`, `${repoRoot}scripts/build.ts`], {
    cwd: repoRoot,
    stdio: "inherit"
  })
}

const body = JSON.stringify({ _id: "doc", _rev: "1-a", title: "cold start", n: 1 })
const server = http.createServer((req, res) => {
  if (req.url === "/db/doc") res.writeHead(200, { "content-type": "application/json" }).end(body)
  else res.writeHead(404, { "content-type": "application/json" }).end("{\"error\":\"not_found\"}")
})
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
// listen() on a TCP host and port always yields an AddressInfo.
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

// The scripts live in a bench package, so bare imports resolve to its dependencies: a baseline's
// scripts in the baseline's, so that they load one copy of effect, the one its client uses.
const dirs = [...new Set(variants.map((v) => v.root ?? repoRoot))].map((root) => ({
  root,
  dir: `${root}packages/bench/build/coldstart-${process.pid}`
}))
for (const { dir } of dirs) mkdirSync(dir, { recursive: true })
try {
  const files = variants.map((v, i) => {
    const dir = dirs.find((d) => d.root === (v.root ?? repoRoot))?.dir ?? ""
    const file = `${dir}/variant-${i}.mjs`
    writeFileSync(file, `${cpuPrelude}\n${v.code(url)}`)
    return file
  })
  const results = variants.map(() => ({
    ready: [] as Array<number>,
    cpu: [] as Array<number>,
    process: [] as Array<number>
  }))
  for (const file of files) await run(file) // warm the file system cache
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < files.length; i++) {
      const k = (i + r) % files.length
      const result = await run(files[k] ?? "")
      results[k]?.ready.push(result.ready)
      results[k]?.cpu.push(result.cpu)
      results[k]?.process.push(result.process)
    }
  }
  print(`Cold start, ${runs} fresh processes each (Node ${process.version}), ms: median (fastest)\n`)
  print("| | ready (import + first GET) | CPU at ready | process (spawn to exit) |\n| --- | ---: | ---: | ---: |")
  variants.forEach((v, i) => {
    const r = results[i]
    if (r === undefined) return
    const cell = (xs: ReadonlyArray<number>) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)})`
    print(`| ${v.name} | ${cell(r.ready)} | ${cell(r.cpu)} | ${cell(r.process)} |`)
  })
  const medianOf = (name: string, metric: "ready" | "cpu") =>
    median(results[variants.findIndex((v) => v.name === name)]?.[metric] ?? [])
  const floorName = "@effect/platform FetchHttpClient GET (floor)"
  print("\nRatios of medians: to the floor" + (baselineRoot === undefined ? "" : "; this ÷ baseline") + "\n")
  for (const v of clientVariants(repoRoot, baselineRoot === undefined ? "" : "this: ")) {
    const cells = (["ready", "cpu"] as const).map((metric) => {
      const ours = medianOf(v.name, metric)
      const base = medianOf(v.name.replace(/^this: /, "baseline: "), metric)
      const vsBaseline = baselineRoot === undefined ? "" : `; ${(ours / base).toFixed(2)}× the baseline`
      return `${metric} ${(ours / medianOf(floorName, metric)).toFixed(2)}× the floor${vsBaseline}`
    })
    print(`- ${v.name}: ${cells.join(", ")}`)
  }
} finally {
  for (const { dir } of dirs) rmSync(dir, { recursive: true, force: true })
  server.close()
}

/**
 * `pnpm bench:coldstart [--runs=7]`: how long a fresh Node process takes to load a client and
 * finish its first GET of a document from a local server, for the built packages (what npm
 * users run: `dist/esm`, built first if missing) against the floor (a bare `@effect/platform`
 * `FetchHttpClient` GET), nano, and an empty process. Every run is a new process; the variants
 * take turns. Reports the median and the fastest run of each:
 *
 * - "ready": `performance.now()` when the document has been decoded (time since the process
 *   started, so Node's own start-up is included);
 * - "process": spawn to exit, as a command-line tool would feel it.
 */
import { execFileSync, spawn } from "node:child_process"
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import { fileURLToPath, pathToFileURL } from "node:url"

const print = (line: string) => process.stdout.write(line + "\n")

const packageDir = fileURLToPath(new URL("../", import.meta.url))
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const built = (pkg: string) => pathToFileURL(`${repoRoot}packages/${pkg}/dist/esm/index.js`).href

const variants: ReadonlyArray<{ readonly name: string; readonly code: (url: string) => string }> = [
  { name: "node, empty script", code: () => `console.log(JSON.stringify({ ready: performance.now() }))` },
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
console.log(JSON.stringify({ ready: performance.now(), ok: doc._id === "doc" }))`
  },
  {
    name: "effect-couchdb client + CouchAuth.basic, FetchHttpClient",
    code: (url) =>
      clientCode(url, `import * as FetchHttpClient from "@effect/platform/FetchHttpClient"`, "FetchHttpClient.layer")
  },
  {
    name: "effect-couchdb client + CouchAuth.basic, UndiciHttpClient",
    code: (url) =>
      clientCode(url, `import { UndiciHttpClient } from ${JSON.stringify(built("undici"))}`, "UndiciHttpClient.layer")
  },
  {
    name: "nano 11",
    code: (url) => `
import nano from "nano"
const doc = await nano(${JSON.stringify(url.replace("http://", "http://admin:secret@"))}).use("db").get("doc")
console.log(JSON.stringify({ ready: performance.now(), ok: doc._id === "doc" }))`
  }
]

const clientCode = (url: string, httpImport: string, httpLayer: string) => `
import { CouchAuth, CouchClient } from ${JSON.stringify(built("client"))}
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
console.log(JSON.stringify({ ready: performance.now(), ok: doc._id === "doc" }))`

const run = (file: string): Promise<{ readonly ready: number; readonly process: number }> =>
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
        if (code !== 0 || typeof ready !== "number" || ok === false) throw new Error(`exit ${code}: ${out}`)
        resolve({ ready, process: elapsed })
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

// The scripts live in the bench package, so bare imports resolve to its dependencies.
const dir = `${packageDir}build/coldstart-${process.pid}`
mkdirSync(dir, { recursive: true })
try {
  const files = variants.map((v, i) => {
    const file = `${dir}/variant-${i}.mjs`
    writeFileSync(file, v.code(url))
    return file
  })
  const results = variants.map(() => ({ ready: [] as Array<number>, process: [] as Array<number> }))
  for (const file of files) await run(file) // warm the file system cache
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < files.length; i++) {
      const k = (i + r) % files.length
      const result = await run(files[k] ?? "")
      results[k]?.ready.push(result.ready)
      results[k]?.process.push(result.process)
    }
  }
  print(`Cold start, ${runs} fresh processes each (Node ${process.version}), ms: median (fastest)\n`)
  print("| | ready (import + first GET) | process (spawn to exit) |\n| --- | ---: | ---: |")
  variants.forEach((v, i) => {
    const r = results[i]
    if (r === undefined) return
    const cell = (xs: ReadonlyArray<number>) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)})`
    print(`| ${v.name} | ${cell(r.ready)} | ${cell(r.process)} |`)
  })
} finally {
  rmSync(dir, { recursive: true, force: true })
  server.close()
}

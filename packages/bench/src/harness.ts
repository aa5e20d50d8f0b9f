/**
 * The parent: bundles the measured child, starts the canned server (in this process) and
 * the embedded pouchdb-server (its own child process) when needed, then for every variant
 * runs each client in a fresh process, alternating the client order on every repetition.
 */
import { start as startEmbedded } from "@effect-couchdb/embedded/EmbeddedCouch"
import * as Redacted from "effect/Redacted"
import * as esbuild from "esbuild"
import { spawn } from "node:child_process"
import { mkdirSync, rmSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Canned from "./canned.js"
import type { Options } from "./config.js"
import { type ChildFailure, type ChildResult, type ClientId, type Job, RESULT_PREFIX, type Server } from "./jobs.js"
import * as Scenarios from "./scenarios.js"

export interface Measurement {
  readonly variant: string
  readonly client: ClientId
  readonly repetition: number
  /** Spawn to exit of the child, ms. */
  readonly wallMs: number
  readonly result: ChildResult | ChildFailure
}

export interface VariantRun {
  readonly variant: Scenarios.Variant
  /** Bytes of the response body (canned views and feeds) or of the attachment. */
  readonly bodyBytes: number | undefined
  readonly measurements: ReadonlyArray<Measurement>
}

export interface RunResult {
  readonly options: Options
  readonly runs: ReadonlyArray<VariantRun>
  readonly startedAt: Date
  readonly durationMs: number
}

const packageDir = fileURLToPath(new URL("../", import.meta.url))

/** Bundles src/child.ts (workspace sources included, npm packages external) into build/. */
export const buildChild = async (): Promise<{ readonly file: string; readonly dispose: () => void }> => {
  const outdir = `${packageDir}build/run-${process.pid}-${Date.now()}`
  mkdirSync(outdir, { recursive: true })
  await esbuild.build({
    entryPoints: [`${packageDir}src/child.ts`],
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outdir,
    external: ["effect", "@effect/*", "undici", "nano", "@ibm-cloud/cloudant"],
    banner: {
      js: "import { createRequire as __benchCreateRequire } from \"node:module\";\n" +
        "const require = __benchCreateRequire(import.meta.url);"
    },
    logLevel: "silent"
  })
  return { file: `${outdir}/child.js`, dispose: () => rmSync(outdir, { recursive: true, force: true }) }
}

const childEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  delete env.NODE_OPTIONS
  return env
}

export const runChild = (
  file: string,
  job: Job,
  options: Pick<Options, "timeoutMs" | "childNodeArgs">
): Promise<{ readonly wallMs: number; readonly result: ChildResult | ChildFailure }> =>
  new Promise((resolve) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [...options.childNodeArgs, file, JSON.stringify(job)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: childEnv()
    })
    let stdout = ""
    let stderr = ""
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s
    })
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr = (stderr + s).slice(-4000)
    })
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill("SIGKILL")
    }, options.timeoutMs)
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      const wallMs = performance.now() - t0
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX))
      if (line !== undefined) {
        // The child writes exactly a ChildResult or ChildFailure after the prefix.
        const result = JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult | ChildFailure
        return resolve({ wallMs, result })
      }
      const why = timedOut
        ? `timed out after ${Math.round(options.timeoutMs / 1000)} s`
        : `exited with ${signal ?? code} without a result`
      resolve({ wallMs, result: { ok: false, error: `${why}${stderr !== "" ? `: ${stderr.trim()}` : ""}` } })
    })
  })

/** The client order of repetition `rep`: rotated so that no client always runs first. */
export const rotate = <A>(items: ReadonlyArray<A>, rep: number): ReadonlyArray<A> => {
  if (items.length === 0) return items
  const k = rep % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

const bodyBytesOf = (variant: Scenarios.Variant, canned: Canned.CannedServer): number | undefined => {
  switch (variant.work.kind) {
    case "view":
    case "changes":
    case "find":
      return canned.bodyBytes(variant.work)
    case "att-down":
    case "att-up":
      return variant.work.bytes
    default:
      return undefined
  }
}

export const run = async (
  options: Options,
  log: (line: string) => void = () => {}
): Promise<RunResult> => {
  const startedAt = new Date()
  const t0 = performance.now()
  const variants = Scenarios.build(options)
  const child = await buildChild()
  const canned = await Canned.start({
    chunkBytes: options.sizes.chunkBytes,
    heartbeatEvery: options.sizes.heartbeatEvery,
    docBytes: options.sizes.docBytes
  })
  const needsEmbedded = variants.some((v) => v.server === "embedded" && v.clients.length > 0)
  const embedded = needsEmbedded ? await startEmbedded({ embeddedOnly: true }) : undefined
  const runs: Array<VariantRun> = []
  try {
    for (const variant of variants) {
      let server: Server
      if (variant.server === "embedded" && embedded !== undefined) {
        server = {
          url: embedded.server.url,
          username: embedded.server.username,
          password: Redacted.value(embedded.server.password)
        }
      } else {
        server = { url: canned.url, username: "admin", password: "secret" }
      }
      const prepareStart = performance.now()
      canned.prepare(variant.work)
      const bodyBytes = bodyBytesOf(variant, canned)
      log(
        `${variant.id}: ${variant.title}` +
          (bodyBytes !== undefined ? ` (${Scenarios.megabytes(bodyBytes)})` : "") +
          ` — prepared in ${Math.round(performance.now() - prepareStart)} ms`
      )
      const workFor = (client: ClientId, tag: string) =>
        variant.work.kind === "bulk"
          ? { ...variant.work, db: `bulk_${client.replace(/-/g, "_")}_${tag}_${Date.now()}` }
          : variant.work
      if (variant.server === "embedded") {
        // pouchdb-server is a JIT-compiled Node process too: warm it up so that the first
        // measured client does not pay for it.
        const warm = await runChild(
          child.file,
          { client: "baseline", server, work: workFor("baseline", "warmup") },
          options
        )
        log(`  warm-up: ${warm.result.ok ? `${Math.round(warm.result.workMs)} ms` : warm.result.error.split("\n")[0]}`)
      }
      const measurements: Array<Measurement> = []
      for (let rep = 0; rep < options.repetitions; rep++) {
        for (const client of rotate(variant.clients, rep)) {
          const work = workFor(client, String(rep))
          const { result, wallMs } = await runChild(child.file, { client, server, work }, options)
          measurements.push({ variant: variant.id, client, repetition: rep, wallMs, result })
          log(
            `  ${client.padEnd(14)} #${rep + 1}: ` + (result.ok
              ? `${Math.round(result.workMs)} ms work, ${Math.round(wallMs)} ms process, ` +
                `peak RSS ${Math.round(result.maxRssKB / 1024)} MB` +
                (result.count !== variant.expectedCount || result.check !== variant.expectedCheck
                  ? ` — WRONG: count ${result.count}/${variant.expectedCount}, check ${result.check}/${variant.expectedCheck}`
                  : "")
              : `FAILED ${result.error.split("\n")[0]}`)
          )
        }
      }
      runs.push({ variant, bodyBytes, measurements })
    }
  } finally {
    canned.release()
    await canned.close()
    if (embedded !== undefined) await embedded.stop()
    child.dispose()
  }
  return { options, runs, startedAt, durationMs: performance.now() - t0 }
}

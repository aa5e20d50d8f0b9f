/**
 * `pnpm bench [--flags]`: runs every scenario for every client and writes BENCHMARKS.md (repo
 * root) and packages/bench/chart.svg. Flags (or `BENCH_*` environment variables):
 *
 *   --repetitions=3 --scenarios=1,2,3,4,5,6 --clients=baseline,effect-undici,…
 *   --requests=20000 --concurrency=32 --doc-bytes=1024
 *   --rows=1000000 --rows-large=4000000 --changes=500000 --heartbeat-every=500
 *   --docs=100000 --batch=1000 --attachment-mb=256 --attachment-small-mb=64 --find-docs=500000
 *   --chunk-bytes=1490
 *   --timeout-s=900 --child-node-args="--cpu-prof --cpu-prof-dir=/tmp/prof" --smoke --no-write
 *   --rerender   (render the run behind BENCHMARKS.md again, from build/benchmarks-run.json, e.g. after
 *                editing NOTES.md; measures nothing)
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import * as Config from "./config.js"
import * as Harness from "./harness.js"
import * as Report from "./report.js"

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const packageDir = fileURLToPath(new URL("../", import.meta.url))

/** The commit measured, and whether the client had uncommitted changes (the harness bundles the working tree). */
const describeRevision = (): string | undefined => {
  const git = (args: ReadonlyArray<string>) => {
    try {
      return execFileSync("git", args, { cwd: repoRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
    } catch {
      return undefined
    }
  }
  const commit = git(["log", "-1", "--format=%h (%s)"])
  if (commit === undefined) return undefined
  const dirty = git(["status", "--porcelain", "--", "packages/client/src"])
  return dirty !== undefined && dirty !== "" ? `${commit} plus uncommitted changes in packages/client/src` : commit
}

interface Saved {
  readonly command: string
  readonly revision: string | undefined
  readonly result: Harness.RunResult
}

const lastRun = `${packageDir}build/benchmarks-run.json`

const main = async () => {
  const args = process.argv.slice(2).filter((a) => a !== "--")
  const log = (line: string) => process.stdout.write(line + "\n")
  let saved: Saved
  if (args.includes("--rerender")) {
    // Re-renders the last run (e.g. after editing NOTES.md) without measuring again.
    // The file is written below from a `Saved`; JSON turns its Date into a string.
    const raw = JSON.parse(readFileSync(lastRun, "utf8")) as Omit<Saved, "result"> & {
      readonly result: Omit<Harness.RunResult, "startedAt"> & { readonly startedAt: string }
    }
    saved = { ...raw, result: { ...raw.result, startedAt: new Date(raw.result.startedAt) } }
    log(`re-rendering the run of ${saved.result.startedAt.toISOString()} (${saved.command})`)
  } else {
    const options = Config.parse(args, process.env)
    const quoted = args.map((a) => (/^[\w=.,:/-]+$/.test(a) ? a : `'${a}'`)).join(" ")
    const command =
      (process.env.npm_lifecycle_event === "bench" ? "pnpm bench" : "npx tsx packages/bench/src/main.ts") +
      (quoted !== "" ? ` ${quoted}` : "")
    log(`${command}\nsizes: ${JSON.stringify(options.sizes)}, repetitions: ${options.repetitions}`)
    const revision = describeRevision()
    const result = await Harness.run(options, log)
    saved = { command, revision, result }
  }
  const write = !args.includes("--no-write") && process.env.BENCH_NO_WRITE !== "1"
  if (write && !args.includes("--rerender")) {
    // The run BENCHMARKS.md is rendered from, for --rerender.
    mkdirSync(`${packageDir}build`, { recursive: true })
    writeFileSync(lastRun, JSON.stringify(saved, null, 2))
  }
  const { command, result, revision } = saved
  const summaries = Report.summarize(result)
  const chartPath = "packages/bench/chart.svg"
  // Hand-written analysis (profiling findings, what remains and why), kept next to the harness.
  const notes = existsSync(`${packageDir}NOTES.md`) ? readFileSync(`${packageDir}NOTES.md`, "utf8") : undefined
  const markdown = Report.markdown(result, summaries, { command, chartPath, notes, revision })
  if (write) {
    writeFileSync(`${repoRoot}BENCHMARKS.md`, markdown)
    writeFileSync(`${repoRoot}${chartPath}`, Report.svg(summaries))
    log(`wrote BENCHMARKS.md and ${chartPath}`)
  } else {
    log(markdown)
  }
  for (const v of Report.verdicts(summaries)) {
    log(`${v.status.padEnd(12)} ${v.client.padEnd(14)} ${v.target}: ${v.measured}`)
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})

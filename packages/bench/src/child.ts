/**
 * One measured process: `node child.js '<Job as JSON>'`. Loads only the client under test,
 * sets it up, runs the work once, and prints `RESULT <json>` with the work's wall time and
 * the process's peak RSS.
 */
import { readFileSync } from "node:fs"
import type { Prepare } from "./clients/common.js"
import { type ChildFailure, type ChildResult, type ClientId, type Job, RESULT_PREFIX } from "./jobs.js"
import { percentiles } from "./lines.js"

const loaders: Readonly<Record<ClientId, () => Promise<{ readonly prepare: Prepare }>>> = {
  "baseline": () => import("./clients/baseline.js"),
  "effect-lean": () => import("./clients/effect.js"),
  "effect-undici": () => import("./clients/effect.js"),
  "effect-node": () => import("./clients/effect.js"),
  "nano": () => import("./clients/nano.js"),
  "cloudant": () => import("./clients/cloudant.js"),
  "node-http": () => import("./clients/nodeHttp.js")
}

/**
 * Peak RSS of this process, KB. On Linux `process.resourceUsage().maxRSS` is not usable here:
 * the kernel carries the forking parent's high-water mark over `exec`, so every child would
 * report at least the parent's RSS (the canned server holds hundreds of MB of bodies). The
 * current memory map's high-water mark, `VmHWM` in /proc/self/status, starts fresh at `exec`.
 */
const peakRssKB = (): number => {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync("/proc/self/status", "utf8"))
    if (match?.[1] !== undefined) return Number(match[1])
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS
}

const report = (result: ChildResult | ChildFailure): Promise<void> =>
  new Promise((resolve) => process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + "\n", () => resolve()))

const describe = (error: unknown): string => {
  if (error instanceof Error) return `${error.name}: ${error.message}${error.stack ? "\n" + error.stack : ""}`
  return typeof error === "object" ? JSON.stringify(error) : String(error)
}

const main = async (): Promise<void> => {
  // The parent serialises a `Job` as the only argument (see harness.ts).
  const job = JSON.parse(process.argv[2] ?? "null") as Job
  const { prepare } = await loaders[job.client]()
  const prepared = await prepare(job)
  const rssBeforeKB = Math.round(process.memoryUsage.rss() / 1024)
  // performance.now() counts from the start of the process.
  const setupMs = performance.now()
  const outcome = await prepared.run()
  const workMs = performance.now() - setupMs
  const maxRssKB = peakRssKB()
  if (prepared.cleanup !== undefined) await prepared.cleanup()
  const latency = outcome.latencies !== undefined && outcome.latencies.length > 0
    ? percentiles(outcome.latencies)
    : undefined
  await report({
    ok: true,
    count: outcome.count,
    check: outcome.check,
    bytes: outcome.bytes,
    workMs,
    setupMs,
    p50Ms: latency?.p50,
    p99Ms: latency?.p99,
    rssBeforeKB,
    maxRssKB
  })
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    await report({ ok: false, error: describe(error) })
    process.exit(1)
  }
)

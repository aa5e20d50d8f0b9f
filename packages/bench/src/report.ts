/**
 * Medians, ratios to the baseline, target verdicts, and the two outputs: BENCHMARKS.md and a
 * hand-written SVG bar chart.
 */
import * as os from "node:os"
import type { RunResult, VariantRun } from "./harness.js"
import { type ClientId, clientLabels } from "./jobs.js"
import type { Metric, Variant } from "./scenarios.js"
import { megabytes } from "./scenarios.js"

const MiB = 1024 * 1024

export const median = (values: ReadonlyArray<number>): number | undefined => {
  if (values.length === 0) return undefined
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

export interface ClientSummary {
  readonly client: ClientId
  readonly runs: number
  /** Why no number: a failure, a wrong count or checksum. */
  readonly error: string | undefined
  readonly workMs: number
  readonly wallMs: number
  readonly setupMs: number
  readonly rate: number
  readonly maxRssMB: number
  readonly rssBeforeMB: number
  readonly p50Ms: number | undefined
  readonly p99Ms: number | undefined
  /** Every repetition's work time, ms. */
  readonly allWorkMs: ReadonlyArray<number>
}

export interface VariantSummary {
  readonly variant: Variant
  readonly bodyBytes: number | undefined
  readonly clients: ReadonlyArray<ClientSummary>
  readonly baseline: ClientSummary | undefined
}

const rateOf = (metric: Metric, variant: Variant, bodyBytes: number | undefined, workMs: number): number => {
  const seconds = workMs / 1000
  switch (metric) {
    case "MB/s":
      return (bodyBytes ?? 0) / MiB / seconds
    default:
      return variant.expectedCount / seconds
  }
}

const summarizeVariant = (run: VariantRun): VariantSummary => {
  const { variant } = run
  const clients: Array<ClientSummary> = []
  for (const client of variant.clients) {
    const ms = run.measurements.filter((m) => m.client === client)
    const good: Array<{ wallMs: number; r: Extract<(typeof ms)[number]["result"], { ok: true }> }> = []
    let error: string | undefined
    for (const m of ms) {
      if (!m.result.ok) {
        error ??= m.result.error.split("\n")[0]
        continue
      }
      if (m.result.count !== variant.expectedCount || m.result.check !== variant.expectedCheck) {
        error ??= `wrong result: count ${m.result.count} (expected ${variant.expectedCount}), ` +
          `checksum ${m.result.check} (expected ${variant.expectedCheck})`
        continue
      }
      good.push({ wallMs: m.wallMs, r: m.result })
    }
    const med = (f: (g: (typeof good)[number]) => number | undefined) =>
      median(good.map(f).filter((x): x is number => x !== undefined))
    const workMs = med((g) => g.r.workMs) ?? Number.NaN
    clients.push({
      client,
      runs: good.length,
      error: good.length === 0 ? (error ?? "no run") : error,
      workMs,
      wallMs: med((g) => g.wallMs) ?? Number.NaN,
      setupMs: med((g) => g.r.setupMs) ?? Number.NaN,
      rate: rateOf(variant.metric, variant, run.bodyBytes, workMs),
      maxRssMB: (med((g) => g.r.maxRssKB) ?? Number.NaN) / 1024,
      rssBeforeMB: (med((g) => g.r.rssBeforeKB) ?? Number.NaN) / 1024,
      p50Ms: med((g) => g.r.p50Ms),
      p99Ms: med((g) => g.r.p99Ms),
      allWorkMs: good.map((g) => g.r.workMs)
    })
  }
  const baseline = clients.find((c) => c.client === "baseline" && c.runs > 0)
  return { variant, bodyBytes: run.bodyBytes, clients, baseline }
}

export const summarize = (result: RunResult): ReadonlyArray<VariantSummary> => result.runs.map(summarizeVariant)

// ---------------------------------------------------------------------------------------------
// Targets

export interface Verdict {
  readonly target: string
  readonly client: ClientId
  readonly measured: string
  readonly status: "met" | "missed" | "not measured"
}

const find = (summaries: ReadonlyArray<VariantSummary>, id: string) => summaries.find((s) => s.variant.id === id)

const usable = (c: ClientSummary | undefined): c is ClientSummary => c !== undefined && c.runs > 0

const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : "—")

/** A ratio with enough digits to show which side of `limit` it is on. */
const near = (x: number, limit: number) => fmt(x, Math.abs(x - limit) < 0.005 ? 3 : 2)

export const verdicts = (summaries: ReadonlyArray<VariantSummary>): ReadonlyArray<Verdict> => {
  const out: Array<Verdict> = []
  const ours: ReadonlyArray<ClientId> = ["effect-lean", "effect-undici", "effect-node"]
  const get = (id: string, client: ClientId) => find(summaries, id)?.clients.find((c) => c.client === client)
  const base = (id: string) => find(summaries, id)?.baseline
  const ran = new Set(summaries.map((s) => s.variant.scenario))
  for (const client of ours) {
    const time = (id: string, label: string) => {
      const c = get(id, client)
      const b = base(id)
      if (!usable(c) || !usable(b)) return out.push({ target: label, client, measured: "—", status: "not measured" })
      const work = c.workMs / b.workMs
      const wall = c.wallMs / b.wallMs
      out.push({
        target: label,
        client,
        measured: `${near(work, 1.25)}× the baseline's time (whole process: ${fmt(wall)}×)`,
        status: work <= 1.25 ? "met" : "missed"
      })
    }
    if (ran.has(1)) time("s1-seq", "1. sequential requests ≤ 1.25× the baseline's time")
    if (ran.has(1)) time("s1-conc", "1. concurrent requests ≤ 1.25× the baseline's time")
    const rate = (id: string, label: string) => {
      const c = get(id, client)
      const b = base(id)
      if (!usable(c) || !usable(b)) return out.push({ target: label, client, measured: "—", status: "not measured" })
      const ratio = c.rate / b.rate
      out.push({
        target: label,
        client,
        measured: `${near(ratio, 0.8)}× the baseline's rate`,
        status: ratio >= 0.8 ? "met" : "missed"
      })
    }
    if (ran.has(2)) rate("s2-lines", "2. view streaming (row per line) ≥ 0.8× the baseline's MB/s")
    if (ran.has(2)) {
      const label = "2. view streaming peak RSS ≤ 1.15× the baseline's"
      const c = get("s2-lines", client)
      const b = base("s2-lines")
      if (!usable(c) || !usable(b)) out.push({ target: label, client, measured: "—", status: "not measured" })
      else {
        const ratio = c.maxRssMB / b.maxRssMB
        out.push({
          target: label,
          client,
          measured: `${near(ratio, 1.15)}× (${fmt(c.maxRssMB, 0)} MB vs ${fmt(b.maxRssMB, 0)} MB)`,
          status: ratio <= 1.15 ? "met" : "missed"
        })
      }
    }
    const flat = (small: string, large: string, label: string) => {
      const s = get(small, client)
      const l = get(large, client)
      if (!usable(s) || !usable(l)) return out.push({ target: label, client, measured: "—", status: "not measured" })
      const ratio = l.maxRssMB / s.maxRssMB
      out.push({
        target: label,
        client,
        measured: `${fmt(l.maxRssMB, 0)} MB vs ${fmt(s.maxRssMB, 0)} MB (${ratio >= 1 ? "+" : ""}${
          fmt((ratio - 1) * 100, 1)
        }%)`,
        status: ratio <= 1.1 ? "met" : "missed"
      })
    }
    if (ran.has(2)) flat("s2-lines", "s2-lines-large", "2. peak RSS flat in the row count, row per line (within 10%)")
    if (ran.has(2)) {
      flat("s2-oneline", "s2-oneline-large", "2. peak RSS flat in the row count, single line (within 10%)")
    }
    if (ran.has(3)) rate("s3-continuous", "3. continuous changes ≥ 0.8× the baseline's changes/s")
    if (ran.has(5)) flat("s5-down-small", "s5-down", "5. download peak RSS flat in the size (within 10%)")
    if (ran.has(5)) flat("s5-up-small", "s5-up", "5. upload peak RSS flat in the size (within 10%)")
  }
  const order = [...new Set(out.map((v) => v.target))]
  return out.map((v, i) => ({ v, i })).sort((a, b) =>
    order.indexOf(a.v.target) - order.indexOf(b.v.target) || a.i - b.i
  ).map(({ v }) => v)
}

// ---------------------------------------------------------------------------------------------
// Markdown

export interface Context {
  readonly command: string
  readonly chartPath: string
  /** Markdown appended as the "Notes" section (packages/bench/NOTES.md). */
  readonly notes?: string | undefined
  /** The commit measured. */
  readonly revision?: string | undefined
}

const machine = (): string => {
  const cpus = os.cpus()
  const model = cpus[0]?.model.trim() ?? "unknown CPU"
  return `${model}, ${cpus.length} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GB memory, ` +
    `${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}`
}

const rateText = (metric: Metric, rate: number) =>
  metric === "MB/s" ? `${fmt(rate, 1)} MB/s` : `${Math.round(rate).toLocaleString("en")} ${metric}`

const table = (s: VariantSummary): string => {
  const { variant, baseline } = s
  const latency = variant.scenario === 1
  const head = [
    "client",
    variant.metric,
    "rate ÷ baseline",
    "time ÷ baseline",
    "whole process ÷ baseline",
    ...(latency ? ["p50 ms", "p99 ms"] : []),
    "peak RSS MB",
    "RSS before work MB",
    "work ms (median)",
    "runs"
  ]
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`]
  for (const c of s.clients) {
    if (c.runs === 0) {
      lines.push(`| ${clientLabels[c.client]} | failed: ${escape(c.error ?? "")} |${" |".repeat(head.length - 2)}`)
      continue
    }
    const b = baseline
    const cells = [
      clientLabels[c.client],
      rateText(variant.metric, c.rate),
      b !== undefined ? `${fmt(c.rate / b.rate)}×` : "—",
      b !== undefined ? `${fmt(c.workMs / b.workMs)}×` : "—",
      b !== undefined ? `${fmt(c.wallMs / b.wallMs)}×` : "—",
      ...(latency ? [fmt(c.p50Ms ?? Number.NaN, 3), fmt(c.p99Ms ?? Number.NaN, 3)] : []),
      fmt(c.maxRssMB, 0),
      fmt(c.rssBeforeMB, 0),
      fmt(c.workMs, 0),
      String(c.runs) + (c.error !== undefined ? ` (and a failure: ${escape(c.error)})` : "")
    ]
    lines.push(`| ${cells.join(" | ")} |`)
  }
  for (const skip of variant.skipped) {
    lines.push(`| ${clientLabels[skip.client]} | not run: ${escape(skip.reason)} |${" |".repeat(head.length - 2)}`)
  }
  return lines.join("\n")
}

const escape = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ")

const scenarioTitles: Readonly<Record<number, string>> = {
  1: "1. Request overhead",
  2: "2. View streaming",
  3: "3. Continuous changes",
  4: "4. Bulk load",
  5: "5. Attachments",
  6: "6. Mango _find streaming"
}

const scenarioNotes: Readonly<Record<number, string>> = {
  1: "Every client parses the 1 KB JSON document. effect-couchdb: `resource.document(id).get()` then " +
    "`response.json`; nano: `db.get`; Cloudant: `getDocument`; baseline: `undici.request` + `body.json()`. " +
    "Latencies are per request, measured in the client process.",
  2: "Rows are counted and `doc.n` summed (a checksum every client must get right). effect-couchdb: " +
    "`View.stream(View.allDocs(db), { include_docs: true })` folded with `Stream.runFold`; baseline: line split " +
    "+ `JSON.parse` per row (for the single-line body it parses the whole body, as a line splitter cannot split " +
    "it); nano: `db.list({ include_docs: true })` and Cloudant: `postAllDocs` are **buffered** (nano's " +
    "`listAsStream` and Cloudant's `postAllDocsAsStream` are raw byte streams the user must parse), so their " +
    "peak RSS grows with the body. MB/s is the body size over the work time.",
  3: "effect-couchdb: `Changes.stream(db, { feed: \"continuous\", since: 0 })`; baseline: line split + " +
    "`JSON.parse` per line over `undici.request`; nano: `changesReader.get({ since: \"0\" })` with its default " +
    "batch size (100 changes per longpoll request); Cloudant: `ChangesFollower.startOneOff()` (normal feed, " +
    "10,000 changes per request). The canned server answers those batch requests from the same changes.",
  4: "Batches: into the embedded pouchdb-server (in memory), a fresh database per run; effect-couchdb " +
    "`Bulk.save(db, docs)` per batch; nano: `db.bulk`; Cloudant: `postBulkDocs` (gzip-compressed request " +
    "bodies, its default). The server dominates: expect ratios near 1. Streamed: every document in one " +
    "request to the canned server, which checks the body and answers one result per document; " +
    "effect-couchdb: `Bulk.saveStream(db, Stream)`, documents generated as the body is written and results " +
    "folded as they arrive; the others build the array and serialise it whole (nano `db.bulk`, Cloudant " +
    "`postBulkDocs` gzip-compressed, the raw baselines one `JSON.stringify`). The count and checksum are the " +
    "successful results and Σ of their ids' numbers.",
  5: "Download: effect-couchdb `Resource.get()` then `response.stream`; nano `attachment.getAsStream`; Cloudant " +
    "`getAttachment` (a stream). Upload from a generated stream with a known length: effect-couchdb " +
    "`put({ body: Stream, contentType, contentLength })`; nano `attachment.insert` with a Readable; Cloudant " +
    "`putAttachment` with a Readable — which its default gzip request compression reads whole into memory first.",
  6: "Every client sends `{\"selector\":{\"n\":{\"$gt\":0}},\"limit\":N}` and counts the documents and sums their `n`. " +
    "effect-couchdb: `Mango.find(db, query)` (documents checked against `Document.Meta`, no user schema) folded " +
    "with `Stream.runFold`; baseline: line split + `JSON.parse` per document, and the bookmark read after them; " +
    "nano: `db.find` and Cloudant: `postFind` are **buffered** (nano's `findAsStream` and Cloudant's " +
    "`postFindAsStream` are raw byte streams the user must parse). MB/s is the body size over the work time."
}

export const markdown = (result: RunResult, summaries: ReadonlyArray<VariantSummary>, context: Context): string => {
  const s = result.options.sizes
  const out: Array<string> = []
  out.push("# Benchmarks")
  out.push("")
  out.push(
    "effect-couchdb side by side with nano 11, the IBM Cloudant SDK and raw HTTP baselines. " +
      "Generated by the command below; do not edit by hand. The harness is `packages/bench` " +
      "(a smoke run of every scenario at tiny sizes is part of `pnpm test`)."
  )
  out.push("")
  out.push(`- Command: \`${context.command}\``)
  out.push(`- Machine: ${machine()}`)
  if (context.revision !== undefined) out.push(`- Code measured: ${context.revision}`)
  out.push(
    `- Run: ${result.startedAt.toISOString()}, ${(result.durationMs / 60_000).toFixed(1)} min, ` +
      `${result.options.repetitions} repetition(s) per client, medians`
  )
  out.push(
    `- Sizes: ${
      s.requests.toLocaleString("en")
    } requests (concurrency ${s.concurrency}, ${s.docBytes}-byte document); ` +
      `${s.rows.toLocaleString("en")} and ${s.rowsLarge.toLocaleString("en")} rows; ` +
      `${s.changes.toLocaleString("en")} changes (heartbeat every ${s.heartbeatEvery}); ` +
      `${s.docs.toLocaleString("en")} documents in batches of ${s.batch.toLocaleString("en")}; ` +
      `attachments of ${megabytes(s.attachmentBytesSmall)} and ${megabytes(s.attachmentBytes)}; ` +
      `${s.findDocs.toLocaleString("en")} documents found; ` +
      `canned chunks of ${s.chunkBytes} bytes`
  )
  out.push(`- Chart: [${context.chartPath}](${context.chartPath})`)
  out.push("")
  out.push(`![time relative to the baseline, and peak RSS](${context.chartPath})`)
  out.push("")
  out.push("## How it is measured")
  out.push("")
  out.push(
    "- Each measurement is a fresh `node` process running one client on one scenario once (the harness " +
      "bundles its workspace sources with esbuild, so no TypeScript loader runs in the measured process; npm " +
      "packages load from node_modules as usual). The parent alternates the clients, rotating their order on " +
      "every repetition, and reports medians."
  )
  out.push(
    "- *time* is the wall time of the work alone (after imports and client setup); *whole process* is spawn " +
      "to exit, which adds Node's start-up and module loading. Ratios are to the baseline, raw `undici.request` " +
      "with hand-written parsing; *rate ÷ baseline* above 1 and *time ÷ baseline* below 1 are better. " +
      "*Peak RSS* is the child's `VmHWM` (`process.resourceUsage().maxRSS` would not do on Linux: a child " +
      "inherits its parent's high-water mark across `exec`); *RSS before work* is the RSS once the client is " +
      "loaded and set up."
  )
  out.push(
    "- Scenarios 1, 2, 3, 5 and 6 use the canned server: node:http in the parent process serving pre-built " +
      "bodies in CouchDB 3.x's exact byte layout (view rows joined by `,\\r\\n` after a " +
      "`{\"total_rows\":N,\"offset\":0,\"rows\":[\\r\\n` line, `\\r\\n]}` and a final `\\n`; continuous changes one " +
      "per line with string sequences and `\\n` heartbeats; `_find` documents joined by `,\\r\\n` after " +
      "`{\"docs\":[\\r\\n`, then `\\r\\n],\\r\\n\"bookmark\": \"…\"}\\r\\n` and `\\n`), chunked in pieces of the size of CouchDB's " +
      "`chunked_response_buffer` — so that the client, not the server, is measured. Scenario 4 uses the " +
      "embedded pouchdb-server. MB = 2^20 bytes."
  )
  out.push(
    "- `raw node:http` is a second reference: the same hand-written parsing over node:http with a keep-alive agent."
  )
  out.push("")
  out.push("## Targets")
  out.push("")
  out.push("| target | client | measured | verdict |")
  out.push("| --- | --- | --- | --- |")
  for (const v of verdicts(summaries)) {
    const mark = v.status === "met" ? "✅ met" : v.status === "missed" ? "❌ missed" : "not measured"
    out.push(`| ${v.target} | ${clientLabels[v.client]} | ${v.measured} | ${mark} |`)
  }
  out.push("")
  out.push("## Results")
  for (const scenario of [1, 2, 3, 4, 5, 6]) {
    const group = summaries.filter((x) => x.variant.scenario === scenario)
    if (group.length === 0) continue
    out.push("")
    out.push(`### ${scenarioTitles[scenario]}`)
    out.push("")
    out.push(scenarioNotes[scenario] ?? "")
    for (const x of group) {
      out.push("")
      out.push(
        `**${x.variant.title}**` + (x.bodyBytes !== undefined && x.variant.work.kind !== "att-down" &&
            x.variant.work.kind !== "att-up"
          ? ` — body ${megabytes(x.bodyBytes)}`
          : "")
      )
      out.push("")
      out.push(table(x))
    }
  }
  if (context.notes !== undefined && context.notes.trim() !== "") {
    out.push("")
    out.push("## Notes")
    out.push("")
    out.push("From packages/bench/NOTES.md (hand-written; numbers there are from the run it was written for).")
    out.push("")
    out.push(context.notes.trim())
  }
  out.push("")
  out.push("## Repetitions")
  out.push("")
  out.push("Work time of every repetition, ms, for judging the noise:")
  out.push("")
  out.push("| scenario | client | runs (ms) |")
  out.push("| --- | --- | --- |")
  for (const x of summaries) {
    for (const c of x.clients) {
      out.push(`| ${x.variant.id} | ${c.client} | ${c.allWorkMs.map((ms) => Math.round(ms)).join(", ")} |`)
    }
  }
  out.push("")
  return out.join("\n")
}

// ---------------------------------------------------------------------------------------------
// SVG chart

const colors: Readonly<Record<ClientId, string>> = {
  "baseline": "#6b7280",
  "effect-lean": "#16a34a",
  "effect-undici": "#2563eb",
  "effect-node": "#7c3aed",
  "nano": "#ea580c",
  "cloudant": "#0d9488",
  "node-http": "#a3a3a3"
}

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export const svg = (summaries: ReadonlyArray<VariantSummary>): string => {
  const width = 1180
  const labelX = 12
  const timeX0 = 330
  const timeX1 = 760
  const rssX0 = 820
  const rssX1 = 1100
  const barH = 11
  const gap = 3
  const minRatio = 0.25
  const maxRatio = 32
  const logX = (ratio: number) => {
    const r = Math.min(maxRatio, Math.max(minRatio, ratio))
    return timeX0 + ((Math.log2(r) - Math.log2(minRatio)) / (Math.log2(maxRatio) - Math.log2(minRatio))) *
        (timeX1 - timeX0)
  }
  const largestRss = Math.max(
    100,
    ...summaries.flatMap((s) => s.clients.map((c) => (Number.isFinite(c.maxRssMB) ? c.maxRssMB : 0)))
  )
  const step = [25, 50, 100, 250, 500, 1000].find((st) => largestRss / st <= 6) ?? 2000
  const maxRss = Math.ceil(largestRss / step) * step
  const rssScale = (mb: number) => rssX0 + (mb / maxRss) * (rssX1 - rssX0)
  const parts: Array<string> = []
  let y = 80
  const clientsShown = new Set<ClientId>()
  for (const s of summaries) {
    parts.push(
      `<text x="${labelX}" y="${y + 10}" font-weight="bold" font-size="12">${xml(s.variant.id)}: ${
        xml(s.variant.title.length > 90 ? s.variant.title.slice(0, 88) + "…" : s.variant.title)
      }</text>`
    )
    y += 16
    const top = y
    for (const c of s.clients) {
      clientsShown.add(c.client)
      parts.push(
        `<text x="${timeX0 - 8}" y="${y + barH - 2}" text-anchor="end" font-size="11">${
          xml(clientLabels[c.client])
        }</text>`
      )
      const b = s.baseline
      if (c.runs === 0) {
        parts.push(`<text x="${timeX0 + 4}" y="${y + barH - 2}" font-size="11" fill="#b91c1c">failed</text>`)
      } else if (b !== undefined) {
        const ratio = c.workMs / b.workMs
        const x = logX(ratio)
        const x1 = logX(1)
        const from = Math.min(x, x1)
        parts.push(
          `<rect x="${from.toFixed(1)}" y="${y}" width="${
            Math.max(1, Math.abs(x - x1)).toFixed(1)
          }" height="${barH}" fill="${colors[c.client]}"/>`
        )
        parts.push(
          ratio > maxRatio
            ? `<text x="${(x - 4).toFixed(1)}" y="${y + barH - 2}" text-anchor="end" font-size="10" fill="#ffffff">${
              fmt(ratio)
            }× (off scale)</text>`
            : `<text x="${(Math.max(x, x1) + 4).toFixed(1)}" y="${y + barH - 2}" font-size="10">${fmt(ratio)}×</text>`
        )
      } else {
        parts.push(`<text x="${timeX0 + 4}" y="${y + barH - 2}" font-size="10" fill="#6b7280">no baseline</text>`)
      }
      if (c.runs > 0) {
        const x = rssScale(c.maxRssMB)
        parts.push(
          `<rect x="${rssX0}" y="${y}" width="${Math.max(1, x - rssX0).toFixed(1)}" height="${barH}" fill="${
            colors[c.client]
          }" opacity="0.8"/>`
        )
        parts.push(`<text x="${(x + 4).toFixed(1)}" y="${y + barH - 2}" font-size="10">${fmt(c.maxRssMB, 0)} MB</text>`)
      }
      y += barH + gap
    }
    for (const skip of s.variant.skipped) {
      parts.push(
        `<text x="${timeX0 - 8}" y="${y + barH - 2}" text-anchor="end" font-size="11" fill="#6b7280">${
          xml(clientLabels[skip.client])
        }</text>`
      )
      parts.push(`<text x="${timeX0 + 4}" y="${y + barH - 2}" font-size="10" fill="#6b7280">not run</text>`)
      y += barH + gap
    }
    parts.push(`<line x1="${logX(1)}" y1="${top - 2}" x2="${logX(1)}" y2="${y}" stroke="#111" stroke-width="1"/>`)
    const target = s.variant.scenario === 1 ? 1.25 : s.variant.scenario === 2 || s.variant.scenario === 3 ? 1 / 0.8 : 0
    if (
      target > 0 && (s.variant.id === "s1-seq" || s.variant.id === "s1-conc" || s.variant.id === "s2-lines" ||
        s.variant.id === "s3-continuous")
    ) {
      parts.push(
        `<line x1="${logX(target)}" y1="${top - 2}" x2="${
          logX(target)
        }" y2="${y}" stroke="#dc2626" stroke-dasharray="4 3"/>`
      )
    }
    y += 14
  }
  const height = y + 10
  const ticks = [0.25, 0.5, 1, 2, 4, 8, 16, 32]
  const axis = ticks.map((t) =>
    `<line x1="${logX(t)}" y1="70" x2="${logX(t)}" y2="${height - 10}" stroke="#e5e7eb"/>` +
    `<text x="${logX(t)}" y="66" text-anchor="middle" font-size="10">${t}×</text>`
  ).join("")
  const rssTicks = Array.from({ length: maxRss / step + 1 }, (_, i) => i * step)
  const rssAxis = rssTicks.map((t) =>
    `<line x1="${rssScale(t)}" y1="70" x2="${rssScale(t)}" y2="${height - 10}" stroke="#e5e7eb"/>` +
    `<text x="${rssScale(t)}" y="66" text-anchor="middle" font-size="10">${t}</text>`
  ).join("")
  const header = `<text x="${labelX}" y="20" font-size="15" font-weight="bold">effect-couchdb benchmarks</text>` +
    `<text x="${timeX0}" y="36" font-size="12" font-weight="bold">work time ÷ raw undici baseline</text>` +
    `<text x="${timeX0}" y="50" font-size="11">log scale, lower is better; red dashes: the target</text>` +
    `<text x="${rssX0}" y="36" font-size="12" font-weight="bold">peak RSS, MB</text>`
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    header,
    axis,
    rssAxis,
    ...parts,
    "</svg>",
    ""
  ].join("\n")
}

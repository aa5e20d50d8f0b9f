/**
 * The measured variants of the six scenarios, which clients run each (and why the others
 * do not), and the expected counts and checksums.
 */
import { rowChecksum } from "./bodies.js"
import type { Options, ScenarioId, Sizes } from "./config.js"
import type { ClientId, Work } from "./jobs.js"

export type Metric = "req/s" | "MB/s" | "changes/s" | "docs/s"

export interface Variant {
  readonly id: string
  readonly scenario: ScenarioId
  readonly title: string
  readonly server: "canned" | "embedded"
  readonly work: Work
  readonly metric: Metric
  readonly expectedCount: number
  readonly expectedCheck: number
  /** Clients that run it. */
  readonly clients: ReadonlyArray<ClientId>
  /** Clients that do not, with the reason. */
  readonly skipped: ReadonlyArray<{ readonly client: ClientId; readonly reason: string }>
}

/** V8's maximum string length (2^29 − 24 UTF-16 units on 64-bit): a longer body cannot be one string. */
export const maxStringLength = 2 ** 29 - 24

/** ≈ bytes per `_all_docs?include_docs=true` row of the canned body (1M rows ≈ 202 MB). */
export const approxRowBytes = 212

/** ≈ bytes per document of the canned `_find` body (500k documents ≈ 53 MB). */
export const approxFindDocBytes = 111

const mb = (bytes: number) =>
  bytes < 1024 * 1024
    ? `${Math.round(bytes / 1024)} KB`
    : bytes < 10 * 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.round(bytes / 1024 / 1024)} MB`

export const megabytes = mb

export const build = (options: Options): ReadonlyArray<Variant> => {
  const s: Sizes = options.sizes
  const all = options.clients
  const variants: Array<Variant> = []
  const add = (
    v: Omit<Variant, "clients" | "skipped">,
    skip: Partial<Record<ClientId, string>> = {}
  ) => {
    if (!options.scenarios.includes(v.scenario)) return
    const clients: Array<ClientId> = []
    const skipped: Array<{ client: ClientId; reason: string }> = []
    for (const client of all) {
      const reason = skip[client]
      if (reason === undefined) clients.push(client)
      else skipped.push({ client, reason })
    }
    variants.push({ ...v, clients, skipped })
  }

  const request = (concurrency: number): Work => ({
    kind: "request",
    db: "s1",
    docId: "doc1k",
    requests: s.requests,
    concurrency
  })
  add({
    id: "s1-seq",
    scenario: 1,
    title: `${s.requests.toLocaleString("en")} sequential GETs of a ${s.docBytes}-byte document`,
    server: "canned",
    work: request(1),
    metric: "req/s",
    expectedCount: s.requests,
    expectedCheck: s.requests
  })
  add({
    id: "s1-conc",
    scenario: 1,
    title: `${s.requests.toLocaleString("en")} GETs of a ${s.docBytes}-byte document, concurrency ${s.concurrency}`,
    server: "canned",
    work: request(s.concurrency),
    metric: "req/s",
    expectedCount: s.requests,
    expectedCheck: s.requests
  })

  const view = (rows: number, layout: "lines" | "oneline"): Variant["work"] => ({
    kind: "view",
    db: `v_${layout}_${rows}`,
    rows,
    layout
  })
  const tooLong = (rows: number) => rows * approxRowBytes > maxStringLength
  const bufferedReason = (rows: number) =>
    tooLong(rows)
      ? `buffers the whole body: ≈ ${mb(rows * approxRowBytes)} is over V8's maximum string length`
      : undefined
  const onelineBaselineReason = (rows: number) =>
    tooLong(rows)
      ? `parses a single-line body whole: ≈ ${mb(rows * approxRowBytes)} is over V8's maximum string length`
      : undefined
  const streamingOnly = (rows: number): Partial<Record<ClientId, string>> => {
    const reason = bufferedReason(rows)
    return reason === undefined ? {} : { nano: reason, cloudant: reason }
  }
  add({
    id: "s2-lines",
    scenario: 2,
    title: `_all_docs?include_docs=true, ${s.rows.toLocaleString("en")} rows, row per line (CouchDB 3.x)`,
    server: "canned",
    work: view(s.rows, "lines"),
    metric: "MB/s",
    expectedCount: s.rows,
    expectedCheck: rowChecksum(s.rows)
  }, streamingOnly(s.rows))
  add({
    id: "s2-lines-large",
    scenario: 2,
    title: `_all_docs?include_docs=true, ${s.rowsLarge.toLocaleString("en")} rows, row per line (CouchDB 3.x)`,
    server: "canned",
    work: view(s.rowsLarge, "lines"),
    metric: "MB/s",
    expectedCount: s.rowsLarge,
    expectedCheck: rowChecksum(s.rowsLarge)
  }, streamingOnly(s.rowsLarge))
  const onelineSkips = (rows: number): Partial<Record<ClientId, string>> => {
    const reason = onelineBaselineReason(rows)
    return {
      ...streamingOnly(rows),
      ...(reason === undefined ? {} : { "baseline": reason, "node-http": reason })
    }
  }
  add({
    id: "s2-oneline",
    scenario: 2,
    title: `_all_docs?include_docs=true, ${s.rows.toLocaleString("en")} rows, single line (pouchdb-server)`,
    server: "canned",
    work: view(s.rows, "oneline"),
    metric: "MB/s",
    expectedCount: s.rows,
    expectedCheck: rowChecksum(s.rows)
  }, onelineSkips(s.rows))
  add({
    id: "s2-oneline-large",
    scenario: 2,
    title: `_all_docs?include_docs=true, ${s.rowsLarge.toLocaleString("en")} rows, single line (pouchdb-server)`,
    server: "canned",
    work: view(s.rowsLarge, "oneline"),
    metric: "MB/s",
    expectedCount: s.rowsLarge,
    expectedCheck: rowChecksum(s.rowsLarge)
  }, onelineSkips(s.rowsLarge))

  add({
    id: "s3-continuous",
    scenario: 3,
    title: `${s.changes.toLocaleString("en")} changes, heartbeat every ${s.heartbeatEvery}`,
    server: "canned",
    work: { kind: "changes", db: `c_${s.changes}`, changes: s.changes },
    metric: "changes/s",
    expectedCount: s.changes,
    expectedCheck: rowChecksum(s.changes)
  })

  add({
    id: "s3-follow",
    scenario: 3,
    title: `${
      s.changes.toLocaleString("en")
    } changes through a follower (effect-couchdb's Follow.changes one-off, nano's changesReader, Cloudant's ChangesFollower; the raw clients read the continuous feed)`,
    server: "canned",
    work: { kind: "changes", db: `c_${s.changes}`, changes: s.changes, follow: true },
    metric: "changes/s",
    expectedCount: s.changes,
    expectedCheck: rowChecksum(s.changes)
  })

  add({
    id: "s4-bulk",
    scenario: 4,
    title: `${s.docs.toLocaleString("en")} documents in batches of ${s.batch.toLocaleString("en")} (embedded server)`,
    server: "embedded",
    work: { kind: "bulk", db: "bulk", docs: s.docs, batch: s.batch },
    metric: "docs/s",
    expectedCount: s.docs,
    expectedCheck: s.docs
  })

  add({
    id: "s4-streamed",
    scenario: 4,
    title: `${
      s.docs.toLocaleString("en")
    } documents in one _bulk_docs request, streamed where the client can (canned server)`,
    server: "canned",
    work: { kind: "bulk-stream", db: `bk_${s.docs}`, docs: s.docs },
    metric: "docs/s",
    expectedCount: s.docs,
    expectedCheck: rowChecksum(s.docs)
  })

  const attachment = (kind: "att-down" | "att-up", bytes: number): Work => ({
    kind,
    db: `a_${bytes}`,
    docId: "blob",
    attName: "data.bin",
    rev: "1-" + "0".repeat(32),
    bytes
  })
  for (const [kind, direction] of [["att-down", "download"], ["att-up", "upload"]] as const) {
    for (const [suffix, bytes] of [["", s.attachmentBytes], ["-small", s.attachmentBytesSmall]] as const) {
      add({
        id: `s5-${direction === "download" ? "down" : "up"}${suffix}`,
        scenario: 5,
        title: `attachment ${direction}, ${mb(bytes)}`,
        server: "canned",
        work: attachment(kind, bytes),
        metric: "MB/s",
        expectedCount: bytes,
        expectedCheck: bytes
      })
    }
  }

  const findBuffered = s.findDocs * approxFindDocBytes > maxStringLength
    ? `buffers the whole body: ≈ ${mb(s.findDocs * approxFindDocBytes)} is over V8's maximum string length`
    : undefined
  add({
    id: "s6-find",
    scenario: 6,
    title: `_find, ${s.findDocs.toLocaleString("en")} documents, row per line (CouchDB 3.x)`,
    server: "canned",
    work: { kind: "find", db: `f_${s.findDocs}`, docs: s.findDocs },
    metric: "MB/s",
    expectedCount: s.findDocs,
    expectedCheck: rowChecksum(s.findDocs)
  }, findBuffered === undefined ? {} : { nano: findBuffered, cloudant: findBuffered })
  return variants
}

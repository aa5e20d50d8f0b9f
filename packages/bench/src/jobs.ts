/**
 * What the parent asks a measured child process to do, and what the child reports back.
 * Plain data only: this module is imported by the child before any client library.
 */

/** The clients compared. `baseline` is raw `undici.request` with hand-written parsing. */
export const clientIds = [
  "baseline",
  "effect-lean",
  "effect-undici",
  "effect-node",
  "nano",
  "cloudant",
  "node-http"
] as const

export type ClientId = (typeof clientIds)[number]

export const clientLabels: Readonly<Record<ClientId, string>> = {
  "baseline": "raw undici.request (baseline)",
  "effect-lean": "effect-couchdb (UndiciHttpClient.layer, @effect-couchdb/undici)",
  "effect-undici": "effect-couchdb (NodeHttpClient.layerUndici)",
  "effect-node": "effect-couchdb (NodeHttpClient, node:http keep-alive agent)",
  "nano": "nano 11",
  "cloudant": "@ibm-cloud/cloudant 0.12",
  "node-http": "raw node:http (reference)"
}

export const isClientId = (u: string): u is ClientId => clientIds.some((id) => id === u)

export interface Server {
  readonly url: string
  readonly username: string
  readonly password: string
}

export interface RequestJob {
  readonly kind: "request"
  readonly db: string
  readonly docId: string
  readonly requests: number
  readonly concurrency: number
}

export interface ViewJob {
  readonly kind: "view"
  readonly db: string
  readonly rows: number
  /** `lines`: CouchDB 3.x row per line; `oneline`: pouchdb-server's single-line body. */
  readonly layout: "lines" | "oneline"
}

export interface ChangesJob {
  readonly kind: "changes"
  readonly db: string
  readonly changes: number
  /**
   * Read through the client's changes follower where it has one (effect-couchdb's
   * `Follow.changes`, one-off); nano and Cloudant always use theirs, the raw clients read the
   * continuous feed.
   */
  readonly follow?: boolean | undefined
}

export interface FindJob {
  readonly kind: "find"
  readonly db: string
  /** Documents the `_find` answer holds (all of the canned database). */
  readonly docs: number
}

export interface BulkJob {
  readonly kind: "bulk"
  readonly db: string
  readonly docs: number
  readonly batch: number
}

/** One `_bulk_docs` request with every document (canned server): streamed where the client can. */
export interface BulkStreamJob {
  readonly kind: "bulk-stream"
  readonly db: string
  readonly docs: number
}

export interface AttachmentJob {
  readonly kind: "att-down" | "att-up"
  readonly db: string
  readonly docId: string
  readonly attName: string
  readonly rev: string
  readonly bytes: number
}

export type Work = RequestJob | ViewJob | ChangesJob | BulkJob | BulkStreamJob | AttachmentJob | FindJob

export interface Job {
  readonly client: ClientId
  readonly server: Server
  readonly work: Work
}

/** What a client implementation returns for one job. */
export interface Outcome {
  /** Requests, rows, changes, documents or bytes handled. */
  readonly count: number
  /** A checksum the parent can verify: Σ doc.n, Σ seq, bytes… */
  readonly check: number
  /** Body bytes moved, when meaningful. */
  readonly bytes?: number | undefined
  /** Per-request latencies in ms (scenario 1). */
  readonly latencies?: ReadonlyArray<number> | Float64Array | undefined
}

/** What the child prints (as `RESULT <json>`). */
export interface ChildResult {
  readonly ok: true
  readonly count: number
  readonly check: number
  readonly bytes: number | undefined
  /** Wall time of the measured work alone, ms. */
  readonly workMs: number
  /** Time from process start to the start of the work (module loading, client setup), ms. */
  readonly setupMs: number
  readonly p50Ms: number | undefined
  readonly p99Ms: number | undefined
  /** RSS just before the work started, KB. */
  readonly rssBeforeKB: number
  /** Peak RSS of the process (`VmHWM`; see child.ts), KB. */
  readonly maxRssKB: number
}

export interface ChildFailure {
  readonly ok: false
  readonly error: string
}

export const RESULT_PREFIX = "RESULT "

/**
 * The canned server: node:http answering with pre-built bodies in Apache CouchDB 3.x's exact
 * byte layout, so that the client, not the server, is what is measured. It runs in the
 * parent process, never in a measured child.
 *
 * The database name selects the body (so every client can address it with its own API):
 *
 * - `s1/doc1k` — a 1 KB document (`Content-Length`, like CouchDB's document GET).
 * - `v_lines_<rows>/_all_docs` — `_all_docs?include_docs=true`, chunked, CouchDB 3.x layout:
 *   `{"total_rows":N,"offset":0,"rows":[\r\n`, rows joined by `,\r\n`, `\r\n]}`, then `\n`.
 * - `v_oneline_<rows>/_all_docs` — the same rows on one line (pouchdb-server's layout,
 *   `Content-Length`).
 * - `c_<changes>/_changes` — `feed=continuous`: one change per line with string sequences,
 *   a heartbeat `\n` chunk every `heartbeatEvery` changes, then `{"last_seq":…,"pending":0}`;
 *   `feed=normal`/`longpoll` (what nano's and Cloudant's followers ask for): `since`/`limit`
 *   batches in CouchDB 3.x's `{"results":[\n` … `,\r\n` … `\n],\n"last_seq":…,"pending":N}` layout (also
 *   what effect-couchdb's `Follow.changes` asks for in `s3-follow`).
 * - `f_<docs>/_find` — POST with a JSON body holding a selector: every document, chunked, CouchDB
 *   3.x layout: `{"docs":[`, then `\r\n` and the documents joined by `,\r\n`, `\r\n]`, then
 *   `,\r\n"bookmark": "…"}\r\n`, then `\n` (recording 7.5 of couchdb-3.5-api.md).
 * - `a_<bytes>/blob/data.bin` — GET serves the attachment's bytes (`Content-Length`), PUT
 *   reads and counts them (gunzipping a gzip request body) and answers 201.
 * - `bk_<docs>/_bulk_docs` — POST reads the body (gunzipping a gzip one), checks that it holds
 *   `bulkDocument(1..docs)` in order, and answers 201 with one result per document in CouchDB
 *   3.x's layout (one line, `Content-Length`), or 400 saying what was wrong.
 *
 * Bodies are chunked in `chunkBytes` pieces (CouchDB's `chunked_response_buffer` default is
 * 1490 bytes), written in corked batches with backpressure.
 */
import * as http from "node:http"
import type { AddressInfo } from "node:net"
import * as zlib from "node:zlib"
import {
  allDocsRow,
  attachmentBlock,
  attachmentPieces,
  bulkResults,
  changeLine,
  docId,
  documentJson,
  findBookmark,
  hex32,
  revOf,
  seqNumber,
  seqOf,
  smallDocument
} from "./bodies.js"
import type { Work } from "./jobs.js"

export interface CannedOptions {
  /** Size of the chunks of chunked bodies (default 1490, CouchDB's `chunked_response_buffer`). */
  readonly chunkBytes: number
  /** A heartbeat `\n` every this many changes in the continuous feed. */
  readonly heartbeatEvery: number
  /** Size of the scenario-1 document. */
  readonly docBytes: number
}

export interface CannedServer {
  readonly url: string
  /** Builds the bodies `work` needs before it is measured (and drops the others). */
  readonly prepare: (work: Work) => void
  /** The body size of a view or continuous feed (building it if needed). */
  readonly bodyBytes: (work: Work) => number | undefined
  /** Drops every cached body. */
  readonly release: () => void
  readonly close: () => Promise<void>
}

/** Accumulates text and cuts it into byte pieces of `chunkBytes`; `cut` ends a chunk early. */
class PieceBuilder {
  private readonly pieces: Array<Buffer> = []
  private text: Array<string> = []
  private textLength = 0
  private carry: Buffer | undefined
  constructor(private readonly chunkBytes: number) {}

  add(s: string): void {
    this.text.push(s)
    this.textLength += s.length
    if (this.textLength >= 1 << 20) this.encode(false)
  }

  cut(): void {
    this.encode(true)
  }

  done(): Array<Buffer> {
    this.encode(true)
    return this.pieces
  }

  private encode(final: boolean): void {
    let bytes = Buffer.from(this.text.join(""), "utf8")
    this.text = []
    this.textLength = 0
    if (this.carry !== undefined) {
      bytes = Buffer.concat([this.carry, bytes])
      this.carry = undefined
    }
    let offset = 0
    while (bytes.length - offset >= this.chunkBytes) {
      this.pieces.push(bytes.subarray(offset, offset + this.chunkBytes))
      offset += this.chunkBytes
    }
    if (offset < bytes.length) {
      if (final) this.pieces.push(bytes.subarray(offset))
      else this.carry = bytes.subarray(offset)
    }
  }
}

const viewBody = (rows: number, layout: "lines" | "oneline", chunkBytes: number): Array<Buffer> => {
  const header = `{"total_rows":${rows},"offset":0,"rows":[`
  if (layout === "oneline") {
    const b = new PieceBuilder(64 * 1024)
    b.add(header)
    for (let i = 1; i <= rows; i++) b.add(i === 1 ? allDocsRow(i) : "," + allDocsRow(i))
    b.add("]}\n")
    return b.done()
  }
  const b = new PieceBuilder(chunkBytes)
  b.add(header + "\r\n")
  b.cut()
  for (let i = 1; i <= rows; i++) b.add(i === 1 ? allDocsRow(i) : ",\r\n" + allDocsRow(i))
  b.cut()
  b.add("\r\n]}")
  b.cut()
  b.add("\n")
  return b.done()
}

const findBody = (docs: number, chunkBytes: number): Array<Buffer> => {
  const b = new PieceBuilder(chunkBytes)
  b.add("{\"docs\":[")
  b.cut()
  for (let i = 1; i <= docs; i++) b.add((i === 1 ? "\r\n" : ",\r\n") + documentJson(i))
  b.add("\r\n]")
  b.cut()
  b.add(`,\r\n"bookmark": "${findBookmark}"}\r\n`)
  b.cut()
  b.add("\n")
  return b.done()
}

const continuousBody = (lines: ReadonlyArray<string>, heartbeatEvery: number, chunkBytes: number): Array<Buffer> => {
  const b = new PieceBuilder(chunkBytes)
  for (let i = 0; i < lines.length; i++) {
    b.add(lines[i] + "\n")
    if (heartbeatEvery > 0 && (i + 1) % heartbeatEvery === 0) {
      b.cut()
      b.add("\n")
      b.cut()
    }
  }
  b.cut()
  b.add(`{"last_seq":"${seqOf(lines.length)}","pending":0}\n`)
  b.cut()
  b.add("\n")
  return b.done()
}

const normalBody = (
  lines: ReadonlyArray<string>,
  since: number,
  limit: number,
  chunkBytes: number
): Array<Buffer> => {
  const from = Math.min(Math.max(since, 0), lines.length)
  const to = Math.min(lines.length, from + limit)
  const b = new PieceBuilder(chunkBytes)
  b.add("{\"results\":[\n")
  b.cut()
  if (to > from) b.add(lines.slice(from, to).join(",\r\n"))
  b.add(`\n],\n"last_seq":"${seqOf(to)}","pending":${lines.length - to}}\n`)
  b.cut()
  b.add("\n")
  return b.done()
}

const baseHeaders = (): Record<string, string> => ({
  "Cache-Control": "must-revalidate",
  "Server": "CouchDB/3.5.0 (Erlang OTP/25)",
  "X-Couch-Request-ID": Math.floor(Math.random() * 0xffffffffff).toString(16).padStart(10, "0"),
  "X-CouchDB-Body-Time": "0"
})

const sendJson = (res: http.ServerResponse, status: number, body: string, extra: Record<string, string> = {}) => {
  const bytes = Buffer.from(body, "utf8")
  res.writeHead(status, {
    ...baseHeaders(),
    "Content-Type": "application/json",
    "Content-Length": String(bytes.length),
    ...extra
  })
  res.end(bytes)
}

const notFound = (res: http.ServerResponse) => sendJson(res, 404, "{\"error\":\"not_found\",\"reason\":\"missing\"}\n")

/** Writes `pieces` with backpressure, 64 pieces per corked batch, then ends the response. */
const pump = (res: http.ServerResponse, pieces: Iterator<Buffer>) => {
  let aborted = false
  res.once("close", () => {
    aborted = true
  })
  const step = () => {
    for (;;) {
      if (aborted) return
      res.cork()
      let ok = true
      let ended = false
      for (let k = 0; k < 64; k++) {
        const next = pieces.next()
        if (next.done === true) {
          ended = true
          break
        }
        ok = res.write(next.value) && ok
      }
      res.uncork()
      if (ended) {
        res.end()
        return
      }
      if (!ok) {
        res.once("drain", step)
        return
      }
    }
  }
  step()
}

function* chunksOf(body: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size)
}

const totalLength = (pieces: ReadonlyArray<Buffer>) => pieces.reduce((sum, piece) => sum + piece.length, 0)

const readAll = (req: NodeJS.ReadableStream): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const parts: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => parts.push(chunk))
    req.on("end", () => resolve(Buffer.concat(parts)))
    req.on("error", reject)
  })

/** Why a `_bulk_docs` body is not `bulkDocument(1..docs)` in order, or `undefined`. */
const bulkBodyProblem = (body: Buffer, docs: number): string | undefined => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString("utf8"))
  } catch (error) {
    return `the body is not JSON: ${String(error)}`
  }
  const list: unknown = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "docs") : undefined
  if (!Array.isArray(list)) return "the body has no docs"
  if (list.length !== docs) return `expected ${docs} documents, received ${list.length}`
  for (let i = 0; i < list.length; i++) {
    const doc: unknown = list[i]
    const id: unknown = typeof doc === "object" && doc !== null ? Reflect.get(doc, "_id") : undefined
    const n: unknown = typeof doc === "object" && doc !== null ? Reflect.get(doc, "n") : undefined
    if (id !== docId(i + 1) || n !== i + 1) return `document ${i} is not bulk document ${i + 1}`
  }
  return undefined
}

const queryNumber = (url: URL, name: string, fallback: number): number => {
  const value = url.searchParams.get(name)
  if (value === null) return fallback
  const n = Number(value)
  return Number.isFinite(n) ? n : fallback
}

/** Whether a request body is a JSON `_find` query (gzip-compressed, as the Cloudant SDK sends it, or not). */
const isFindQuery = (body: Buffer, encoding: string | undefined): boolean => {
  try {
    const text = (encoding ?? "").includes("gzip") ? zlib.gunzipSync(body).toString("utf8") : body.toString("utf8")
    const query: unknown = JSON.parse(text)
    const selector: unknown = typeof query === "object" && query !== null ? Reflect.get(query, "selector") : undefined
    return typeof selector === "object" && selector !== null
  } catch {
    return false
  }
}

export const start = async (options: CannedOptions): Promise<CannedServer> => {
  const views = new Map<string, Array<Buffer>>()
  const finds = new Map<number, Array<Buffer>>()
  const changeLines = new Map<number, ReadonlyArray<string>>()
  const continuous = new Map<number, Array<Buffer>>()
  const bulk = new Map<number, Buffer>()
  let block: Buffer | undefined
  const doc = Buffer.from(smallDocument(options.docBytes), "utf8")
  const docEtag = `"${revOf(1)}"`

  const view = (rows: number, layout: "lines" | "oneline") => {
    const key = `${layout}:${rows}`
    let pieces = views.get(key)
    if (pieces === undefined) {
      pieces = viewBody(rows, layout, options.chunkBytes)
      views.set(key, pieces)
    }
    return pieces
  }
  const linesOf = (changes: number) => {
    let lines = changeLines.get(changes)
    if (lines === undefined) {
      const built: Array<string> = new Array(changes)
      for (let i = 0; i < changes; i++) built[i] = changeLine(i + 1)
      lines = built
      changeLines.set(changes, lines)
    }
    return lines
  }
  const continuousOf = (changes: number) => {
    let pieces = continuous.get(changes)
    if (pieces === undefined) {
      pieces = continuousBody(linesOf(changes), options.heartbeatEvery, options.chunkBytes)
      continuous.set(changes, pieces)
    }
    return pieces
  }
  const blockOf = () => (block ??= attachmentBlock())
  const findOf = (docs: number) => {
    let pieces = finds.get(docs)
    if (pieces === undefined) {
      pieces = findBody(docs, options.chunkBytes)
      finds.set(docs, pieces)
    }
    return pieces
  }

  const bulkOf = (docs: number) => {
    let body = bulk.get(docs)
    if (body === undefined) {
      body = Buffer.from(bulkResults(docs), "utf8")
      bulk.set(docs, body)
    }
    return body
  }

  const release = () => {
    views.clear()
    finds.clear()
    changeLines.clear()
    continuous.clear()
    bulk.clear()
  }

  const prepare = (work: Work) => {
    release()
    switch (work.kind) {
      case "view":
        view(work.rows, work.layout)
        break
      case "changes":
        continuousOf(work.changes)
        break
      case "find":
        findOf(work.docs)
        break
      case "att-down":
      case "att-up":
        blockOf()
        break
      case "bulk-stream":
        bulkOf(work.docs)
        break
      default:
        break
    }
  }

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://canned.local")
    const segments = url.pathname.split("/").filter((s) => s !== "").map(decodeURIComponent)
    const method = req.method ?? "GET"
    const [db, second, third] = segments
    if (db === undefined) {
      await readAll(req)
      return sendJson(res, 200, "{\"couchdb\":\"Welcome\",\"version\":\"3.5.0\",\"vendor\":{\"name\":\"bench\"}}\n")
    }
    const match = /^(s1|v_lines|v_oneline|c|a|f|bk)(?:_(\d+))?$/.exec(db)
    if (match === null) {
      await readAll(req)
      return notFound(res)
    }
    const family = match[1]
    const size = Number(match[2] ?? "0")

    if (family === "a" && second === "blob" && third === "data.bin" && method === "PUT") {
      const encoded = (req.headers["content-encoding"] ?? "").includes("gzip")
      const source: NodeJS.ReadableStream = encoded ? req.pipe(zlib.createGunzip()) : req
      let received = 0
      source.on("data", (chunk: Buffer) => {
        received += chunk.length
      })
      await new Promise<void>((resolve, reject) => {
        source.on("end", resolve)
        source.on("error", reject)
      })
      if (received !== size) {
        return sendJson(res, 400, `{"error":"bad_request","reason":"expected ${size} bytes, received ${received}"}\n`)
      }
      return sendJson(res, 201, `{"ok":true,"id":"blob","rev":"2-${hex32(2)}"}\n`, {
        Location: `http://${req.headers.host ?? "localhost"}/${db}/blob/data.bin`
      })
    }

    if (family === "bk" && second === "_bulk_docs" && third === undefined && method === "POST") {
      const encoded = (req.headers["content-encoding"] ?? "").includes("gzip")
      const problem = bulkBodyProblem(await readAll(encoded ? req.pipe(zlib.createGunzip()) : req), size)
      if (problem !== undefined) {
        return sendJson(res, 400, JSON.stringify({ error: "bad_request", reason: problem }) + "\n")
      }
      const body = bulkOf(size)
      res.writeHead(201, {
        ...baseHeaders(),
        "Content-Type": "application/json",
        "Content-Length": String(body.length)
      })
      return pump(res, chunksOf(body, 64 * 1024))
    }

    const body = await readAll(req)
    if (family === "f" && second === "_find" && third === undefined && method === "POST") {
      if (!isFindQuery(body, req.headers["content-encoding"])) {
        return sendJson(
          res,
          400,
          "{\"error\":\"missing_required_key\",\"reason\":\"Missing required key: selector\"}\n"
        )
      }
      res.writeHead(200, { ...baseHeaders(), "Content-Type": "application/json", "Transfer-Encoding": "chunked" })
      return pump(res, findOf(size)[Symbol.iterator]())
    }
    if (family === "s1" && second !== undefined && third === undefined && method === "GET") {
      if (second !== "doc1k") return notFound(res)
      res.writeHead(200, {
        ...baseHeaders(),
        "Content-Type": "application/json",
        "Content-Length": String(doc.length),
        "ETag": docEtag
      })
      res.end(doc)
      return
    }
    if ((family === "v_lines" || family === "v_oneline") && second === "_all_docs") {
      const pieces = view(size, family === "v_lines" ? "lines" : "oneline")
      if (family === "v_oneline") {
        res.writeHead(200, {
          ...baseHeaders(),
          "Content-Type": "application/json",
          "Content-Length": String(totalLength(pieces))
        })
      } else {
        res.writeHead(200, { ...baseHeaders(), "Content-Type": "application/json", "Transfer-Encoding": "chunked" })
      }
      return pump(res, pieces[Symbol.iterator]())
    }
    if (family === "c" && second === "_changes") {
      const feed = url.searchParams.get("feed") ?? "normal"
      const since = seqNumber(url.searchParams.get("since") ?? "0")
      res.writeHead(200, { ...baseHeaders(), "Content-Type": "application/json", "Transfer-Encoding": "chunked" })
      if (feed === "continuous") {
        const pieces = continuousOf(size)
        if (since === 0) return pump(res, pieces[Symbol.iterator]())
        const rest = linesOf(size).slice(since)
        return pump(res, continuousBody(rest, options.heartbeatEvery, options.chunkBytes)[Symbol.iterator]())
      }
      const limit = queryNumber(url, "limit", Number.MAX_SAFE_INTEGER)
      return pump(res, normalBody(linesOf(size), since, limit, options.chunkBytes)[Symbol.iterator]())
    }
    if (family === "a" && second === "blob" && third === "data.bin" && method === "GET") {
      res.writeHead(200, {
        ...baseHeaders(),
        "Content-Type": "application/octet-stream",
        "Content-Length": String(size),
        "Accept-Ranges": "none",
        "ETag": `"${revOf(size)}"`
      })
      return pump(res, attachmentPieces(blockOf(), size))
    }
    if (family === "a" && second === "blob" && third === undefined && method === "GET") {
      return sendJson(res, 200, `{"_id":"blob","_rev":"${revOf(1)}"}\n`)
    }
    return notFound(res)
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, JSON.stringify({ error: "error", reason: String(error) }) + "\n")
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 60_000
  server.headersTimeout = 65_000
  server.requestTimeout = 0
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  // `listen` on a TCP port always yields an AddressInfo (a string only for pipes/sockets).
  const address = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${address.port}`,
    prepare,
    bodyBytes: (work) =>
      work.kind === "view"
        ? totalLength(view(work.rows, work.layout))
        : work.kind === "changes"
        ? totalLength(continuousOf(work.changes))
        : work.kind === "find"
        ? totalLength(findOf(work.docs))
        : undefined,
    release,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

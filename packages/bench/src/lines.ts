/**
 * The hand-written parsing of the raw baselines: split the body on `\n` (UTF-8-safe across
 * chunks), then `JSON.parse` each row or change.
 */
import { StringDecoder } from "node:string_decoder"

export interface LineSplitter {
  readonly push: (chunk: Buffer) => void
  readonly end: () => void
}

export const lineSplitter = (onLine: (line: string) => void): LineSplitter => {
  const decoder = new StringDecoder("utf8")
  let rest = ""
  const feed = (text: string) => {
    let start = 0
    let nl = text.indexOf("\n", start)
    while (nl !== -1) {
      onLine(text.slice(start, nl))
      start = nl + 1
      nl = text.indexOf("\n", start)
    }
    rest = text.slice(start)
  }
  return {
    push: (chunk) => feed(rest + decoder.write(chunk)),
    end: () => {
      const tail = rest + decoder.end()
      rest = ""
      if (tail !== "") onLine(tail)
    }
  }
}

/**
 * Rows of a CouchDB 3.x view body (`{"total_rows":…,"rows":[\r\n`, rows joined by `,\r\n`,
 * `\r\n]}`): every line but the header and the closing `]}` is one row, minus its `,`/`\r`.
 */
export const viewRows = (onRow: (row: unknown) => void): LineSplitter => {
  let header = true
  return lineSplitter((raw) => {
    if (header) {
      header = false
      return
    }
    let end = raw.length
    if (end > 0 && raw.charCodeAt(end - 1) === 13) end--
    if (end > 0 && raw.charCodeAt(end - 1) === 44) end--
    if (end === 0) return
    const line = end === raw.length ? raw : raw.slice(0, end)
    if (line === "]}") return
    onRow(JSON.parse(line))
  })
}

/**
 * Documents of a CouchDB 3.x `_find` body (`{"docs":[`, then `\r\n` and the documents joined
 * by `,\r\n`, `\r\n]`, then `,\r\n"bookmark": "…"}\r\n`): every line after the first is one
 * document, minus its `,`/`\r`, until the `]` line; the lines after it are the trailer, whose
 * members go to `onTrailer` at the end.
 */
export const findDocs = (
  onDoc: (doc: unknown) => void,
  onTrailer: (trailer: unknown) => void
): LineSplitter => {
  let header = true
  let trailer: Array<string> | undefined
  const splitter = lineSplitter((raw) => {
    if (header) {
      header = false
      return
    }
    if (trailer !== undefined) {
      trailer.push(raw)
      return
    }
    let end = raw.length
    if (end > 0 && raw.charCodeAt(end - 1) === 13) end--
    if (end > 0 && raw.charCodeAt(end - 1) === 44) end--
    if (end === 0) return
    if (raw.charCodeAt(0) === 93) {
      trailer = [raw.slice(raw.indexOf(",") + 1)]
      return
    }
    onDoc(JSON.parse(end === raw.length ? raw : raw.slice(0, end)))
  })
  return {
    push: splitter.push,
    end: () => {
      splitter.end()
      if (trailer !== undefined) onTrailer(JSON.parse(`{${trailer.join("\n")}`))
    }
  }
}

/**
 * Changes of a continuous feed: one JSON object per line, heartbeats are empty lines, the
 * final `{"last_seq":…}` line is not a change.
 */
export const continuousChanges = (onChange: (change: unknown) => void): LineSplitter =>
  lineSplitter((line) => {
    if (line.length === 0) return
    const value: unknown = JSON.parse(line)
    if (typeof value === "object" && value !== null && "changes" in value) onChange(value)
  })

/** p50 and p99 of latencies (ms). */
export const percentiles = (
  latencies: ReadonlyArray<number> | Float64Array
): { readonly p50: number; readonly p99: number } => {
  const sorted = Float64Array.from(latencies).sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0
  return { p50: at(0.5), p99: at(0.99) }
}

/** Runs `n` calls of `task` with at most `concurrency` in flight, recording each latency. */
export const pool = async (
  n: number,
  concurrency: number,
  task: () => Promise<number>
): Promise<{ readonly check: number; readonly latencies: Float64Array }> => {
  const latencies = new Float64Array(n)
  let next = 0
  let check = 0
  const worker = async () => {
    while (next < n) {
      const index = next++
      const t0 = performance.now()
      const value = await task()
      latencies[index] = performance.now() - t0
      check += value
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, worker))
  return { check, latencies }
}

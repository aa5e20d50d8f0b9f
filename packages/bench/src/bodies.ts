/**
 * Deterministic CouchDB content shared by the canned server and the checks: document ids,
 * revisions, `_all_docs?include_docs=true` rows, `_changes` lines with CouchDB 3.x string
 * sequences, a 1 KB document, bulk documents and attachment bytes.
 *
 * Row `i` (1-based) carries `"n": i`, so every client can report `Σ n` as a checksum.
 */

/** A 32-hex-digit digest-like string derived from `i` (not a real MD5; only its shape matters). */
export const hex32 = (i: number): string => {
  let h = (i + 0x9e3779b9) | 0
  let out = ""
  for (let k = 0; k < 4; k++) {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
    h ^= h >>> 16
    out += (h >>> 0).toString(16).padStart(8, "0")
  }
  return out
}

export const docId = (i: number): string => `doc${String(i).padStart(8, "0")}`

export const revOf = (i: number): string => `1-${hex32(i)}`

/** Document `i` as CouchDB 3.x writes it (≈ 95 bytes), with `"n": i`. */
export const documentJson = (i: number): string =>
  `{"_id":"${docId(i)}","_rev":"${revOf(i)}","n":${i},"name":"row ${i} é","ok":${i % 2 === 0}}`

/** One `_all_docs?include_docs=true` row, as CouchDB 3.x writes it (≈ 170 bytes). */
export const allDocsRow = (i: number): string => {
  const id = docId(i)
  return `{"id":"${id}","key":"${id}","value":{"rev":"${revOf(i)}"},"doc":${documentJson(i)}}`
}

/** The bookmark the canned `_find` answers with (a CouchDB 3.x bookmark's shape). */
export const findBookmark = "g1AAAAA_eJzLYWBgYMpgSmHgKy5JLCrJTq2MT8lPzkzJBYmnGIJkOGAyOSAxkARrWlFpZkkic1YWAAzcELc"

/** The `_find` query every client sends: all the canned documents. */
export const findQuery = (docs: number) => ({ selector: { n: { $gt: 0 } }, limit: docs })

const SEQ_TAIL = "g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp"

/** A CouchDB 3.x opaque sequence whose numeric prefix is `i` (`"0"` for the start). */
export const seqOf = (i: number): string => (i === 0 ? "0" : `${i}-${SEQ_TAIL}${hex32(i).slice(0, 8)}`)

/** The numeric prefix of a sequence (`"12-g1AA…"` → 12, `12` → 12, `"now"`/garbage → 0). */
export const seqNumber = (seq: unknown): number => {
  if (typeof seq === "number") return seq
  if (typeof seq !== "string") return 0
  const n = Number.parseInt(seq, 10)
  return Number.isFinite(n) ? n : 0
}

/** One `_changes` result (≈ 200 bytes), without separators. */
export const changeLine = (i: number): string =>
  `{"seq":"${seqOf(i)}","id":"${docId(i)}","changes":[{"rev":"${revOf(i)}"}]}`

/** The 1 KB document of scenario 1 (body including CouchDB's trailing `\n`), with `"n": 1`. */
export const smallDocument = (bytes: number): string => {
  const head = `{"_id":"doc1k","_rev":"${revOf(1)}","n":1,"text":"`
  const tail = `"}\n`
  const fill = Math.max(0, bytes - head.length - tail.length)
  let text = ""
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789 "
  for (let k = 0; k < fill; k++) text += alphabet[k % alphabet.length]
  return head + text + tail
}

/** The document written by the bulk scenario for index `i`. */
export const bulkDocument = (i: number): { readonly _id: string; readonly n: number; readonly name: string } => ({
  _id: docId(i),
  n: i,
  name: `bulk document ${i} with a little text to make it realistic`
})

/** The number in a document id (`doc00000042` → 42), 0 when it has none. */
export const docNumber = (id: unknown): number => {
  if (typeof id !== "string") return 0
  const n = Number.parseInt(id.slice(3), 10)
  return Number.isFinite(n) ? n : 0
}

/**
 * The `_bulk_docs` answer to `bulkDocument(1..docs)`, in CouchDB 3.x's layout (one line,
 * sent with a `Content-Length`): `{"ok":true,"id":…,"rev":…}` per document.
 */
export const bulkResults = (docs: number): string => {
  const parts: Array<string> = new Array(docs)
  for (let i = 1; i <= docs; i++) parts[i - 1] = `{"ok":true,"id":"${docId(i)}","rev":"${revOf(i)}"}`
  return `[${parts.join(",")}]\n`
}

/** 1 MiB of deterministic, incompressible-looking bytes; attachments repeat it. */
export const attachmentBlock = (): Buffer => {
  const block = Buffer.allocUnsafe(1024 * 1024)
  let x = 0x12345678
  for (let k = 0; k < block.length; k += 4) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    block.writeInt32LE(x | 0, k)
  }
  return block
}

/** The attachment as slices of the block, `pieceBytes` at a time (views, not copies). */
export function* attachmentPieces(block: Buffer, total: number, pieceBytes = 64 * 1024): Generator<Buffer> {
  let sent = 0
  while (sent < total) {
    const offset = sent % block.length
    const size = Math.min(pieceBytes, total - sent, block.length - offset)
    yield block.subarray(offset, offset + size)
    sent += size
  }
}

/** Σ n over rows 1..count. */
export const rowChecksum = (count: number): number => (count * (count + 1)) / 2

/** Reads `doc.n` from a row-like value, 0 when absent. */
export const docN = (row: unknown): number => {
  if (typeof row !== "object" || row === null) return 0
  const doc: unknown = Reflect.get(row, "doc")
  if (typeof doc !== "object" || doc === null) return 0
  const n: unknown = Reflect.get(doc, "n")
  return typeof n === "number" ? n : 0
}

/** Reads the numeric prefix of `change.seq`. */
export const changeSeqN = (change: unknown): number =>
  typeof change === "object" && change !== null ? seqNumber(Reflect.get(change, "seq")) : 0

/** Reads a numeric member `name` of a JSON object, 0 when absent. */
export const numberField = (value: unknown, name: string): number => {
  if (typeof value !== "object" || value === null) return 0
  const field: unknown = Reflect.get(value, name)
  return typeof field === "number" ? field : 0
}

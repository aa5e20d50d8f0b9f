/**
 * nano 11 (global fetch), used the way its README suggests: `db.get`, `db.list` (buffered —
 * its `listAsStream` is a raw byte stream that users must parse themselves), the
 * `changesReader` with its default batch size, `db.bulk`, the attachment stream APIs, and
 * `db.find` (buffered, like `list`).
 */
import nano from "nano"
import { Readable } from "node:stream"
import { attachmentBlock, attachmentPieces, bulkDocument, changeSeqN, docN, findQuery, numberField } from "../bodies.js"
import type { Outcome } from "../jobs.js"
import { pool } from "../lines.js"
import { bulkResultOk, bulkResultSum, consume, fail, type Prepare } from "./common.js"

export const prepare: Prepare = async ({ server, work }) => {
  const url = new URL(server.url)
  url.username = encodeURIComponent(server.username)
  url.password = encodeURIComponent(server.password)
  const couch = nano({ url: url.href.replace(/\/$/, "") })
  const db = couch.db.use(work.db)
  switch (work.kind) {
    case "request":
      return {
        run: async (): Promise<Outcome> => {
          const { check, latencies } = await pool(
            work.requests,
            work.concurrency,
            async () => numberField(await db.get(work.docId), "n")
          )
          return { count: work.requests, check, latencies }
        }
      }
    case "view":
      return {
        run: async (): Promise<Outcome> => {
          const body = await db.list({ include_docs: true })
          let check = 0
          for (const row of body.rows) check += docN(row)
          return { count: body.rows.length, check }
        }
      }
    case "changes":
      return {
        run: () =>
          new Promise<Outcome>((resolve, reject) => {
            let count = 0
            let check = 0
            const events = db.changesReader.get({ since: "0" })
            events.on("change", (change: unknown) => {
              count++
              check += changeSeqN(change)
            })
            events.on("end", () => resolve({ count, check }))
            events.on("error", (error: unknown) => {
              db.changesReader.stop()
              reject(error instanceof Error ? error : new Error(String(error)))
            })
          })
      }
    case "find":
      return {
        run: async (): Promise<Outcome> => {
          const { docs } = await db.find(findQuery(work.docs))
          let check = 0
          for (const doc of docs) check += numberField(doc, "n")
          return { count: docs.length, check }
        }
      }
    case "bulk":
      await couch.db.create(work.db)
      return {
        run: async (): Promise<Outcome> => {
          let check = 0
          for (let start = 1; start <= work.docs; start += work.batch) {
            const docs = []
            for (let i = start; i < start + work.batch && i <= work.docs; i++) docs.push(bulkDocument(i))
            const result = await db.bulk({ docs })
            if (!bulkResultOk(result, docs.length)) fail("a _bulk_docs write failed")
            check += docs.length
          }
          return { count: check, check }
        },
        cleanup: async () => {
          await couch.db.destroy(work.db)
        }
      }
    case "bulk-stream":
      return {
        run: async (): Promise<Outcome> => {
          // nano takes an array: every document is built, then the body is serialised whole.
          const docs = []
          for (let i = 1; i <= work.docs; i++) docs.push(bulkDocument(i))
          return bulkResultSum(await db.bulk({ docs }))
        }
      }
    case "att-down":
      return {
        run: async (): Promise<Outcome> => {
          let bytes = 0
          await consume(db.attachment.getAsStream(work.docId, work.attName), (chunk) => {
            bytes += chunk.length
          })
          return { count: bytes, check: bytes, bytes }
        }
      }
    case "att-up": {
      const block = attachmentBlock()
      return {
        run: async (): Promise<Outcome> => {
          const body = Readable.from(attachmentPieces(block, work.bytes))
          await db.attachment.insert(work.docId, work.attName, body, "application/octet-stream", { rev: work.rev })
          return { count: work.bytes, check: work.bytes, bytes: work.bytes }
        }
      }
    }
  }
}

/**
 * The IBM Cloudant Node SDK with its defaults (axios, keep-alive agents, gzip-compressed
 * request bodies) and Basic auth against the local server: `getDocument`, `postAllDocs`
 * (buffered), the `ChangesFollower` (one-off, 10,000 changes per request), `postBulkDocs`,
 * `getAttachment` (a stream), `putAttachment` and `postFind` (buffered).
 */
import { BasicAuthenticator, ChangesFollower, CloudantV1 } from "@ibm-cloud/cloudant"
import { Readable } from "node:stream"
import { attachmentBlock, attachmentPieces, bulkDocument, changeSeqN, docN, findQuery, numberField } from "../bodies.js"
import type { Outcome } from "../jobs.js"
import { pool } from "../lines.js"
import { bulkResultOk, bulkResultSum, consume, fail, type Prepare } from "./common.js"

export const prepare: Prepare = async ({ server, work }) => {
  const service = CloudantV1.newInstance({
    authenticator: new BasicAuthenticator({ username: server.username, password: server.password }),
    serviceUrl: server.url
  })
  const db = work.db
  switch (work.kind) {
    case "request":
      return {
        run: async (): Promise<Outcome> => {
          const { check, latencies } = await pool(
            work.requests,
            work.concurrency,
            async () => numberField((await service.getDocument({ db, docId: work.docId })).result, "n")
          )
          return { count: work.requests, check, latencies }
        }
      }
    case "view":
      return {
        run: async (): Promise<Outcome> => {
          const { result } = await service.postAllDocs({ db, includeDocs: true })
          let check = 0
          for (const row of result.rows) check += docN(row)
          return { count: result.rows.length, check }
        }
      }
    case "changes":
      return {
        run: async (): Promise<Outcome> => {
          // errorTolerance 0: fail on the first error instead of retrying forever.
          const follower = new ChangesFollower(service, { db, since: "0" }, 0)
          let count = 0
          let check = 0
          await consume(follower.startOneOff(), (change: unknown) => {
            count++
            check += changeSeqN(change)
          })
          return { count, check }
        }
      }
    case "find":
      return {
        run: async (): Promise<Outcome> => {
          const { result } = await service.postFind({ db, ...findQuery(work.docs) })
          let check = 0
          for (const doc of result.docs) check += numberField(doc, "n")
          return { count: result.docs.length, check }
        }
      }
    case "bulk":
      await service.putDatabase({ db })
      return {
        run: async (): Promise<Outcome> => {
          let check = 0
          for (let start = 1; start <= work.docs; start += work.batch) {
            const docs = []
            for (let i = start; i < start + work.batch && i <= work.docs; i++) docs.push(bulkDocument(i))
            const { result } = await service.postBulkDocs({ db, bulkDocs: { docs } })
            if (!bulkResultOk(result, docs.length)) fail("a _bulk_docs write failed")
            check += docs.length
          }
          return { count: check, check }
        },
        cleanup: async () => {
          await service.deleteDatabase({ db })
        }
      }
    case "bulk-stream":
      return {
        run: async (): Promise<Outcome> => {
          // The SDK takes an array, serialised whole (and gzip-compressed, its default).
          const docs = []
          for (let i = 1; i <= work.docs; i++) docs.push(bulkDocument(i))
          const { result } = await service.postBulkDocs({ db, bulkDocs: { docs } })
          return bulkResultSum(result)
        }
      }
    case "att-down":
      return {
        run: async (): Promise<Outcome> => {
          const { result } = await service.getAttachment({ db, docId: work.docId, attachmentName: work.attName })
          let bytes = 0
          await consume(result, (chunk) => {
            bytes += chunk.length
          })
          return { count: bytes, check: bytes, bytes }
        }
      }
    case "att-up": {
      const block = attachmentBlock()
      return {
        run: async (): Promise<Outcome> => {
          await service.putAttachment({
            db,
            docId: work.docId,
            attachmentName: work.attName,
            attachment: Readable.from(attachmentPieces(block, work.bytes)),
            contentType: "application/octet-stream",
            rev: work.rev
          })
          return { count: work.bytes, check: work.bytes, bytes: work.bytes }
        }
      }
    }
  }
}

/**
 * The physical baseline: raw `undici.request` (global dispatcher) with hand-written parsing —
 * line split + `JSON.parse` per row for row-per-line bodies, a whole-body `JSON.parse` for
 * single-line bodies.
 */
import { Readable } from "node:stream"
import { request } from "undici"
import { attachmentBlock, attachmentPieces, bulkDocument, findQuery, numberField } from "../bodies.js"
import type { Outcome } from "../jobs.js"
import { pool } from "../lines.js"
import { basicAuth, bulkResultOk, bulkResultSum, consume, fail, type Prepare } from "./common.js"
import { readContinuousChanges, readFind, readView } from "./rawBodies.js"

type Body = Awaited<ReturnType<typeof request>>["body"]

const expect = async (statusCode: number, body: Body, expected: ReadonlyArray<number>, what: string) => {
  if (!expected.includes(statusCode)) {
    const text = await body.text()
    fail(`${what}: HTTP ${statusCode} ${text.slice(0, 200)}`)
  }
}

export const prepare: Prepare = async ({ server, work }) => {
  const authorization = basicAuth(server)
  const headers = { authorization, accept: "application/json" }
  const base = `${server.url}/${encodeURIComponent(work.db)}`
  switch (work.kind) {
    case "request": {
      const url = `${base}/${encodeURIComponent(work.docId)}`
      return {
        run: async (): Promise<Outcome> => {
          const { check, latencies } = await pool(work.requests, work.concurrency, async () => {
            const { body, statusCode } = await request(url, { headers })
            await expect(statusCode, body, [200], "GET document")
            return numberField(await body.json(), "n")
          })
          return { count: work.requests, check, latencies }
        }
      }
    }
    case "view":
      return {
        run: async (): Promise<Outcome> => {
          const { body, statusCode } = await request(`${base}/_all_docs?include_docs=true`, { headers })
          await expect(statusCode, body, [200], "GET _all_docs")
          return readView(body, work.layout)
        }
      }
    case "changes":
      return {
        run: async (): Promise<Outcome> => {
          const { body, statusCode } = await request(`${base}/_changes?feed=continuous&since=0&heartbeat=10000`, {
            headers
          })
          await expect(statusCode, body, [200], "GET _changes")
          return readContinuousChanges(body)
        }
      }
    case "find":
      return {
        run: async (): Promise<Outcome> => {
          const { body, statusCode } = await request(`${base}/_find`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: JSON.stringify(findQuery(work.docs))
          })
          await expect(statusCode, body, [200], "POST _find")
          return readFind(body)
        }
      }
    case "bulk": {
      const created = await request(base, { method: "PUT", headers })
      await expect(created.statusCode, created.body, [201, 202], "PUT db")
      await created.body.dump()
      return {
        run: async (): Promise<Outcome> => {
          let check = 0
          for (let start = 1; start <= work.docs; start += work.batch) {
            const docs = []
            for (let i = start; i < start + work.batch && i <= work.docs; i++) docs.push(bulkDocument(i))
            const { body, statusCode } = await request(`${base}/_bulk_docs`, {
              method: "POST",
              headers: { ...headers, "content-type": "application/json" },
              body: JSON.stringify({ docs })
            })
            await expect(statusCode, body, [201], "POST _bulk_docs")
            const result = await body.json()
            if (!bulkResultOk(result, docs.length)) fail("a _bulk_docs write failed")
            check += docs.length
          }
          return { count: check, check }
        },
        cleanup: async () => {
          const { body } = await request(base, { method: "DELETE", headers })
          await body.dump()
        }
      }
    }
    case "bulk-stream":
      return {
        run: async (): Promise<Outcome> => {
          // The physical baseline: one JSON.stringify of the whole body, one JSON.parse of the answer.
          const docs = []
          for (let i = 1; i <= work.docs; i++) docs.push(bulkDocument(i))
          const { body, statusCode } = await request(`${base}/_bulk_docs`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: JSON.stringify({ docs })
          })
          await expect(statusCode, body, [201], "POST _bulk_docs")
          return bulkResultSum(await body.json())
        }
      }
    case "att-down":
      return {
        run: async (): Promise<Outcome> => {
          const url = `${base}/${encodeURIComponent(work.docId)}/${encodeURIComponent(work.attName)}`
          const { body, statusCode } = await request(url, { headers: { authorization } })
          await expect(statusCode, body, [200], "GET attachment")
          let bytes = 0
          await consume(body, (chunk) => {
            bytes += chunk.length
          })
          return { count: bytes, check: bytes, bytes }
        }
      }
    case "att-up": {
      const block = attachmentBlock()
      return {
        run: async (): Promise<Outcome> => {
          const url = `${base}/${encodeURIComponent(work.docId)}/${encodeURIComponent(work.attName)}?rev=${
            encodeURIComponent(work.rev)
          }`
          const { body, statusCode } = await request(url, {
            method: "PUT",
            headers: {
              authorization,
              accept: "application/json",
              "content-type": "application/octet-stream",
              "content-length": String(work.bytes)
            },
            body: Readable.from(attachmentPieces(block, work.bytes))
          })
          await expect(statusCode, body, [201], "PUT attachment")
          await body.json()
          return { count: work.bytes, check: work.bytes, bytes: work.bytes }
        }
      }
    }
  }
}

/**
 * A second raw reference: node:http (keep-alive agent) with the same hand-written parsing as
 * the baseline. The issue notes that node:http with a line splitter streams faster than
 * undici: the baseline is not the ceiling.
 */
import * as http from "node:http"
import { Readable } from "node:stream"
import { attachmentBlock, attachmentPieces, bulkDocument, findQuery, numberField } from "../bodies.js"
import type { Outcome } from "../jobs.js"
import { pool } from "../lines.js"
import { basicAuth, bulkResultOk, bulkResultSum, collect, consume, fail, type Prepare } from "./common.js"
import { readContinuousChanges, readFind, readView } from "./rawBodies.js"

const agent = new http.Agent({ keepAlive: true })

const send = (
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string | Readable
): Promise<http.IncomingMessage> =>
  new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, resolve)
    req.once("error", reject)
    if (body === undefined) req.end()
    else if (typeof body === "string") req.end(body)
    else body.pipe(req)
  })

const expect = async (response: http.IncomingMessage, expected: ReadonlyArray<number>, what: string) => {
  const status = response.statusCode ?? 0
  if (!expected.includes(status)) {
    const text = (await collect(response)).toString("utf8")
    fail(`${what}: HTTP ${status} ${text.slice(0, 200)}`)
  }
}

const json = async (response: http.IncomingMessage): Promise<unknown> =>
  JSON.parse((await collect(response)).toString())

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
            const response = await send(url, "GET", headers)
            await expect(response, [200], "GET document")
            return numberField(await json(response), "n")
          })
          return { count: work.requests, check, latencies }
        }
      }
    }
    case "view":
      return {
        run: async (): Promise<Outcome> => {
          const response = await send(`${base}/_all_docs?include_docs=true`, "GET", headers)
          await expect(response, [200], "GET _all_docs")
          return readView(response, work.layout)
        }
      }
    case "changes":
      return {
        run: async (): Promise<Outcome> => {
          const response = await send(`${base}/_changes?feed=continuous&since=0&heartbeat=10000`, "GET", headers)
          await expect(response, [200], "GET _changes")
          return readContinuousChanges(response)
        }
      }
    case "find":
      return {
        run: async (): Promise<Outcome> => {
          const response = await send(
            `${base}/_find`,
            "POST",
            { ...headers, "content-type": "application/json" },
            JSON.stringify(findQuery(work.docs))
          )
          await expect(response, [200], "POST _find")
          return readFind(response)
        }
      }
    case "bulk": {
      const created = await send(base, "PUT", headers)
      await expect(created, [201, 202], "PUT db")
      await collect(created)
      return {
        run: async (): Promise<Outcome> => {
          let check = 0
          for (let start = 1; start <= work.docs; start += work.batch) {
            const docs = []
            for (let i = start; i < start + work.batch && i <= work.docs; i++) docs.push(bulkDocument(i))
            const response = await send(
              `${base}/_bulk_docs`,
              "POST",
              { ...headers, "content-type": "application/json" },
              JSON.stringify({ docs })
            )
            await expect(response, [201], "POST _bulk_docs")
            if (!bulkResultOk(await json(response), docs.length)) fail("a _bulk_docs write failed")
            check += docs.length
          }
          return { count: check, check }
        },
        cleanup: async () => {
          await collect(await send(base, "DELETE", headers))
        }
      }
    }
    case "bulk-stream":
      return {
        run: async (): Promise<Outcome> => {
          const docs = []
          for (let i = 1; i <= work.docs; i++) docs.push(bulkDocument(i))
          const response = await send(
            `${base}/_bulk_docs`,
            "POST",
            { ...headers, "content-type": "application/json" },
            JSON.stringify({ docs })
          )
          await expect(response, [201], "POST _bulk_docs")
          return bulkResultSum(await json(response))
        }
      }
    case "att-down":
      return {
        run: async (): Promise<Outcome> => {
          const url = `${base}/${encodeURIComponent(work.docId)}/${encodeURIComponent(work.attName)}`
          const response = await send(url, "GET", { authorization })
          await expect(response, [200], "GET attachment")
          let bytes = 0
          await consume(response, (chunk) => {
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
          const response = await send(url, "PUT", {
            authorization,
            accept: "application/json",
            "content-type": "application/octet-stream",
            "content-length": String(work.bytes)
          }, Readable.from(attachmentPieces(block, work.bytes)))
          await expect(response, [201], "PUT attachment")
          await json(response)
          return { count: work.bytes, check: work.bytes, bytes: work.bytes }
        }
      }
    }
  }
}

import * as http from "node:http"
import { describe, expect, it } from "vitest"
import { allDocsRow, changeLine, documentJson, findBookmark, seqOf } from "../src/bodies.js"
import * as Canned from "../src/canned.js"
import * as Config from "../src/config.js"
import * as Harness from "../src/harness.js"
import { findDocs, lineSplitter } from "../src/lines.js"
import * as Report from "../src/report.js"

const get = (url: string): Promise<{ readonly headers: http.IncomingHttpHeaders; readonly body: string }> =>
  new Promise((resolve, reject) => {
    http.get(url, (res) => {
      const parts: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => parts.push(chunk))
      res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(parts).toString("utf8") }))
      res.on("error", reject)
    }).on("error", reject)
  })

const post = (
  url: string,
  body: string
): Promise<{ readonly status: number; readonly headers: http.IncomingHttpHeaders; readonly body: string }> =>
  new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      const parts: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => parts.push(chunk))
      res.on(
        "end",
        () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString("utf8") })
      )
      res.on("error", reject)
    })
    req.on("error", reject)
    req.end(body)
  })

describe("canned server", () => {
  it("serves CouchDB 3.x's exact byte layouts", async () => {
    const server = await Canned.start({ chunkBytes: 16, heartbeatEvery: 2, docBytes: 1024 })
    try {
      const rows = [1, 2, 3].map(allDocsRow)
      const view = await get(`${server.url}/v_lines_3/_all_docs?include_docs=true`)
      expect(view.headers["transfer-encoding"]).toBe("chunked")
      expect(view.body).toBe(`{"total_rows":3,"offset":0,"rows":[\r\n${rows.join(",\r\n")}\r\n]}\n`)
      const oneline = await get(`${server.url}/v_oneline_3/_all_docs`)
      expect(oneline.body).toBe(`{"total_rows":3,"offset":0,"rows":[${rows.join(",")}]}\n`)
      expect(JSON.parse(oneline.body)).toEqual(JSON.parse(view.body))
      const continuous = await get(`${server.url}/c_3/_changes?feed=continuous`)
      expect(continuous.body).toBe(
        `${changeLine(1)}\n${changeLine(2)}\n\n${changeLine(3)}\n{"last_seq":"${seqOf(3)}","pending":0}\n\n`
      )
      const normal = await get(`${server.url}/c_3/_changes?feed=longpoll&since=${seqOf(1)}&limit=1`)
      expect(normal.body).toBe(`{"results":[\n${changeLine(2)}\n],\n"last_seq":"${seqOf(2)}","pending":1}\n\n`)
      const find = await post(`${server.url}/f_3/_find`, `{"selector":{}}`)
      expect(find.headers["transfer-encoding"]).toBe("chunked")
      expect(find.body).toBe(
        `{"docs":[\r\n${[1, 2, 3].map(documentJson).join(",\r\n")}\r\n],\r\n"bookmark": "${findBookmark}"}\r\n\n`
      )
      expect((await post(`${server.url}/f_3/_find`, `{"fields":["_id"]}`)).status).toBe(400)
      const doc = await get(`${server.url}/s1/doc1k`)
      expect(Buffer.byteLength(doc.body)).toBe(1024)
      expect(JSON.parse(doc.body)).toMatchObject({ _id: "doc1k", n: 1 })
    } finally {
      await server.close()
    }
  })

  it("the baselines' line splitter survives chunk boundaries inside UTF-8 characters", () => {
    const lines: Array<string> = []
    const splitter = lineSplitter((line) => lines.push(line))
    const bytes = Buffer.from("{\"a\":\"é\"}\n\n{\"b\":\"日本\"}\n", "utf8")
    for (let i = 0; i < bytes.length; i++) splitter.push(bytes.subarray(i, i + 1))
    splitter.end()
    expect(lines).toEqual(["{\"a\":\"é\"}", "", "{\"b\":\"日本\"}"])
  })

  it("the baselines' _find reader: documents, then the bookmark; an empty result", () => {
    const read = (body: string) => {
      const docs: Array<unknown> = []
      const trailers: Array<unknown> = []
      const splitter = findDocs((doc) => docs.push(doc), (trailer) => trailers.push(trailer))
      const bytes = Buffer.from(body, "utf8")
      for (let i = 0; i < bytes.length; i += 7) splitter.push(bytes.subarray(i, i + 7))
      splitter.end()
      return { docs, trailers }
    }
    expect(read(`{"docs":[\r\n{"n":1},\r\n{"n":2}\r\n],\r\n"bookmark": "b",\r\n"warning": "w"}\r\n\n`)).toEqual({
      docs: [{ n: 1 }, { n: 2 }],
      trailers: [{ bookmark: "b", warning: "w" }]
    })
    expect(read(`{"docs":[\r\n],\r\n"bookmark": "b"}\r\n\n`)).toEqual({ docs: [], trailers: [{ bookmark: "b" }] })
  })
})

describe("benchmark harness", () => {
  // Every scenario for every client is \`pnpm bench:smoke\` (test/all.smoke.ts), a CI step of its own.
  it("runs the request scenario for the baseline and the lean client at tiny sizes", async () => {
    const options = Config.parse(["--smoke", "--scenarios=1", "--clients=effect-lean"], {})
    const result = await Harness.run(options)
    const summaries = Report.summarize(result)
    expect(summaries.map((s) => s.variant.id)).toEqual(["s1-seq", "s1-conc"])
    for (const s of summaries) {
      expect(s.clients.map((c) => [c.client, c.error, c.runs])).toEqual([
        ["baseline", undefined, 1],
        ["effect-lean", undefined, 1]
      ])
      for (const c of s.clients) expect(c.p99Ms).toBeGreaterThanOrEqual(c.p50Ms ?? Number.POSITIVE_INFINITY)
    }
  })
})

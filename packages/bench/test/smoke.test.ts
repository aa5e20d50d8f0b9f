import * as http from "node:http"
import { describe, expect, it } from "vitest"
import { allDocsRow, changeLine, seqOf } from "../src/bodies.js"
import * as Canned from "../src/canned.js"
import * as Config from "../src/config.js"
import * as Harness from "../src/harness.js"
import { clientIds } from "../src/jobs.js"
import { lineSplitter } from "../src/lines.js"
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
})

describe("benchmark harness", () => {
  it("runs every scenario for every client at tiny sizes", async () => {
    const options = Config.parse(["--smoke"], {})
    const result = await Harness.run(options)
    const summaries = Report.summarize(result)
    expect(summaries.map((s) => s.variant.id)).toEqual([
      "s1-seq",
      "s1-conc",
      "s2-lines",
      "s2-lines-large",
      "s2-oneline",
      "s2-oneline-large",
      "s3-continuous",
      "s4-bulk",
      "s4-streamed",
      "s5-down",
      "s5-down-small",
      "s5-up",
      "s5-up-small"
    ])
    for (const s of summaries) {
      expect(s.variant.skipped).toEqual([])
      expect(s.clients.map((c) => c.client)).toEqual(clientIds)
      for (const c of s.clients) {
        expect({ variant: s.variant.id, client: c.client, error: c.error }).toEqual({
          variant: s.variant.id,
          client: c.client,
          error: undefined
        })
        expect(c.runs).toBe(1)
        expect(c.rate).toBeGreaterThan(0)
        expect(c.workMs).toBeGreaterThan(0)
        expect(c.maxRssMB).toBeGreaterThan(0)
        if (s.variant.scenario === 1) expect(c.p99Ms).toBeGreaterThanOrEqual(c.p50Ms ?? Number.POSITIVE_INFINITY)
      }
    }
    const markdown = Report.markdown(result, summaries, { command: "smoke", chartPath: "chart.svg" })
    expect(markdown).toContain("## Targets")
    expect(markdown).not.toContain("failed:")
    expect(Report.svg(summaries)).toMatch(/^<svg [^]*<\/svg>\n$/)
  })
})

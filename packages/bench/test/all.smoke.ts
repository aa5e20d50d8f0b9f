/**
 * Every scenario for every client at tiny sizes: \`pnpm bench:smoke\`, run by CI as a step of its
 * own (84 child processes; about a minute idle, more on a busy machine).
 */
import { describe, expect, it } from "vitest"
import * as Config from "../src/config.js"
import * as Harness from "../src/harness.js"
import { clientIds } from "../src/jobs.js"
import * as Report from "../src/report.js"

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
      "s3-follow",
      "s4-bulk",
      "s4-streamed",
      "s5-down",
      "s5-down-small",
      "s5-up",
      "s5-up-small",
      "s6-find"
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

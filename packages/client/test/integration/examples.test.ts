/**
 * The examples (and the README snippets, which are the same files: `pnpm lint` checks that) run
 * as written, as scripts, against the test server: `COUCHDB_URL` with the admin's credentials.
 */
import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { inject } from "vitest"

const root = fileURLToPath(new URL("../../../../", import.meta.url))

const run = (file: string) =>
  new Promise<{ readonly code: number | null; readonly output: string }>((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", file],
      { cwd: root, env: { ...process.env, COUCHDB_URL: inject("couchUrl") }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, output: stdout + stderr })
    )
  })

describe("the examples run as written against the test server", () => {
  it("examples/quick-start.ts creates a todo and lists it", async () => {
    const { code, output } = await run("examples/quick-start.ts")
    expect(output).toContain("t1: try effect-couchdb")
    expect(code).toBe(0)
  }, 90_000)

  it("examples/orders-service.ts writes, updates, meets a conflict and reads a view", async () => {
    const { code, output } = await run("examples/orders-service.ts")
    expect(output).toContain("writing with the old revision fails with Conflict")
    expect(output).toMatch(/ada ordered \d+/)
    expect(code).toBe(0)
  }, 90_000)

  it("examples/changes-worker.ts mails what changed since its last run, from its checkpoint", async () => {
    const first = await run("examples/changes-worker.ts")
    expect(first.output).toMatch(/mailing ada about order o-\d+ \(42\)/)
    expect(first.code).toBe(0)
    // The second run starts from the checkpoint: only the order it wrote itself is new.
    const second = await run("examples/changes-worker.ts")
    expect(second.output).toContain("mailed 1 orders")
    expect(second.code).toBe(0)
  }, 120_000)

  it("examples/bulk-import.ts imports 2,000 records with Bulk.writer and reports the two refused", async () => {
    const { code, output } = await run("examples/bulk-import.ts")
    expect(output).toContain("record 1999 (sku-9) not imported: conflict")
    expect(output).toContain("record 2000 (sku-10) not imported: conflict")
    expect(output).toContain("imported 1998 products")
    expect(code).toBe(0)
  }, 90_000)
})

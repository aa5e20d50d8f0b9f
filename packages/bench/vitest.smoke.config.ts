import { defineProject } from "vitest/config"

// `pnpm bench:smoke`: the full smoke run, outside `pnpm test`, with its own time budget.
export default defineProject({
  test: {
    name: "bench-smoke",
    include: ["test/**/*.smoke.ts"],
    testTimeout: 600_000
  }
})

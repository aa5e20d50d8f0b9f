import { defineProject } from "vitest/config"

// `pnpm bench:smoke`: the full smoke run, outside `pnpm test`, with its own time budget (it took 402 s
// with a load average of 14 on 2 cores, 57 s idle).
export default defineProject({
  test: {
    name: "bench-smoke",
    include: ["test/**/*.smoke.ts"],
    testTimeout: 900_000
  }
})

import { defineProject } from "vitest/config"

// `pnpm test:faults`: the fault runs (a FaultProxy resetting connections, a server killed and
// restarted, mass interruption), outside `pnpm test`, one file at a time on a 2-core machine.
export default defineProject({
  test: {
    name: "client-faults",
    include: ["test/faults/**/*.test.ts"],
    fileParallelism: false,
    // `gc` for the heap figures of the report.
    poolOptions: { forks: { execArgv: ["--expose-gc"] } },
    testTimeout: 120_000
  }
})

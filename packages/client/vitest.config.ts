import { configDefaults, defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "client",
    include: ["test/**/*.test.ts"],
    // The fault runs are `pnpm test:faults` (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, "test/faults/**"],
    globalSetup: ["@effect-couchdb/embedded/globalSetup"],
    testTimeout: 20_000,
    // One module graph per worker instead of per file: collecting effect and the client once
    // instead of for each of ~70 files cuts the run's collect time about tenfold. The tests
    // keep no module-level state that another file could see.
    isolate: false
  }
})

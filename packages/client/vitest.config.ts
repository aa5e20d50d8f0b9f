import { configDefaults, defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "client",
    include: ["test/**/*.test.ts"],
    // The fault runs are `pnpm test:faults` (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, "test/faults/**"],
    globalSetup: ["@effect-couchdb/embedded/globalSetup"],
    testTimeout: 20_000
  }
})

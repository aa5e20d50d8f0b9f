import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "undici",
    include: ["test/**/*.test.ts"],
    globalSetup: ["@effect-couchdb/testing/globalSetup"],
    testTimeout: 30_000
  }
})

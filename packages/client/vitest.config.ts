import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "client",
    include: ["test/**/*.test.ts"],
    globalSetup: ["@effect-couchdb/embedded/globalSetup"],
    testTimeout: 20_000
  }
})

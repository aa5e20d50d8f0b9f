import { defineProject } from "vitest/config"

export default defineProject({
  test: {
    name: "embedded",
    include: ["test/**/*.test.ts"],
    // The package's own globalSetup, as users would list it, for the VitestCouch tests.
    globalSetup: ["./src/globalSetup.ts"],
    testTimeout: 30_000
  }
})

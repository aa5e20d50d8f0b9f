/**
 * `pnpm bench:size`: the minified size of a tiny consumer of the built client (`dist/esm`,
 * built first if missing) that makes a `CouchClient` layer with `CouchAuth.basic`, bundled by
 * esbuild for Node (one file, no code splitting), once with `effect` and `@effect/platform`
 * external (what the client adds to an app that has Effect already) and once with everything
 * included; each importing from the package's index (`import { CouchAuth } from
 * "@effect-couchdb/client"`) and from its modules (`import * as CouchAuth from
 * "@effect-couchdb/client/CouchAuth"`), which lets the bundler drop unused providers.
 *
 *   tsx src/bundleSize.ts [--baseline=<checkout>]
 *
 * `--baseline` names another checkout whose client is built (`packages/client/dist/esm`, e.g.
 * `git archive main` installed and built elsewhere): its bundles are measured in the same run,
 * with this checkout's size as a ratio of the baseline's.
 */
import * as esbuild from "esbuild"
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import * as Config from "./config.js"

const print = (line: string) => process.stdout.write(line + "\n")

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))

if (!existsSync(`${repoRoot}packages/client/dist/esm/index.js`)) {
  execFileSync(process.execPath, [`${repoRoot}node_modules/tsx/dist/cli.mjs`, `${repoRoot}scripts/build.ts`], {
    cwd: repoRoot,
    stdio: "inherit"
  })
}

const baselineRoot = Config.baselineRoot(process.argv, ["client"])

type ImportStyle = "index" | "modules"

const entry = (esm: string, style: ImportStyle) => `
${
  style === "index"
    ? `import { CouchAuth, CouchClient } from ${JSON.stringify(`${esm}/index.js`)}`
    : `import * as CouchAuth from ${JSON.stringify(`${esm}/CouchAuth.js`)}
import * as CouchClient from ${JSON.stringify(`${esm}/CouchClient.js`)}`
}
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

export const CouchLive = Layer.mergeAll(
  CouchClient.layer({ url: "http://127.0.0.1:5984" }),
  Layer.succeed(CouchAuth.CouchAuth, CouchAuth.basic({ username: "admin", password: Redacted.make("secret") }))
)`

const bundle = async (root: string, style: ImportStyle, external: ReadonlyArray<string>) => {
  const result = await esbuild.build({
    // Resolved from that checkout's client package, so its own dependencies are the ones bundled.
    stdin: {
      contents: entry(`${root}packages/client/dist/esm`, style),
      resolveDir: `${root}packages/client`,
      loader: "js"
    },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: [...external],
    write: false,
    logLevel: "warning"
  })
  const code = result.outputFiles[0]?.contents ?? new Uint8Array()
  return { bytes: code.length, gzip: gzipSync(code).length }
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
const ratio = (after: number, before: number) => `${(after / before).toFixed(2)}×`
const externals = ["effect", "effect/*", "@effect/platform", "@effect/platform/*"]
const cases = [
  ["index, effect and @effect/platform external", "index", externals],
  ["modules, effect and @effect/platform external", "modules", externals],
  ["index, everything included", "index", []],
  ["modules, everything included", "modules", []]
] as const

print("Bundle of CouchClient.layer + CouchAuth.basic (esbuild, minified, ESM for Node)\n")
if (baselineRoot === undefined) {
  print("| imports from the | minified | gzip |\n| --- | ---: | ---: |")
  for (const [name, style, external] of cases) {
    const size = await bundle(repoRoot, style, external)
    print(`| ${name} | ${kib(size.bytes)} | ${kib(size.gzip)} |`)
  }
} else {
  print(`baseline: ${baselineRoot}\n`)
  print("| imports from the | minified: baseline → this | ratio | gzip: baseline → this | ratio |")
  print("| --- | ---: | ---: | ---: | ---: |")
  for (const [name, style, external] of cases) {
    const before = await bundle(baselineRoot, style, external)
    const after = await bundle(repoRoot, style, external)
    const minified = `${kib(before.bytes)} → ${kib(after.bytes)} | ${ratio(after.bytes, before.bytes)}`
    print(`| ${name} | ${minified} | ${kib(before.gzip)} → ${kib(after.gzip)} | ${ratio(after.gzip, before.gzip)} |`)
  }
}

/**
 * `pnpm bench:size`: the minified size of a tiny consumer of the built client (`dist/esm`,
 * built first if missing) that makes a `CouchClient` layer with `CouchAuth.basic`, bundled by
 * esbuild for Node, once with `effect` and `@effect/platform` external (what the client adds to
 * an app that has Effect already) and once with everything included.
 */
import * as esbuild from "esbuild"
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"

const print = (line: string) => process.stdout.write(line + "\n")

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url))
const client = `${repoRoot}packages/client/dist/esm/index.js`

if (!existsSync(client)) {
  execFileSync(process.execPath, [`${repoRoot}node_modules/tsx/dist/cli.mjs`, `${repoRoot}scripts/build.ts`], {
    cwd: repoRoot,
    stdio: "inherit"
  })
}

const entry = `
import { CouchAuth, CouchClient } from ${JSON.stringify(client)}
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

export const CouchLive = Layer.mergeAll(
  CouchClient.layer({ url: "http://127.0.0.1:5984" }),
  Layer.succeed(CouchAuth.CouchAuth, CouchAuth.basic({ username: "admin", password: Redacted.make("secret") }))
)`

const bundle = async (external: ReadonlyArray<string>) => {
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: `${repoRoot}packages/client`, loader: "js" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: [...external],
    write: false,
    metafile: true,
    logLevel: "warning"
  })
  const code = result.outputFiles[0]?.contents ?? new Uint8Array()
  return { bytes: code.length, gzip: gzipSync(code).length }
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
const rows = [
  [
    "effect and @effect/platform external",
    await bundle(["effect", "effect/*", "@effect/platform", "@effect/platform/*"])
  ],
  ["everything included", await bundle([])]
] as const
print("Bundle of CouchClient.layer + CouchAuth.basic (esbuild, minified, ESM for Node)\n")
print("| | minified | gzip |\n| --- | ---: | ---: |")
for (const [name, size] of rows) print(`| ${name} | ${kib(size.bytes)} | ${kib(size.gzip)} |`)

/**
 * Keeps the README's code true: every ```ts block preceded by a `<!-- file: … -->` line must
 * be that file, character for character. The files are type-checked (`pnpm check`) and run
 * against the test server (packages/client/test/integration/examples.test.ts), so the README's
 * snippets are too.
 *
 *   pnpm readme-check
 */
import { readFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("..", import.meta.url))
const readme = readFileSync(path.join(root, "README.md"), "utf8")
const blocks = [...readme.matchAll(/<!-- file: (\S+) -->\n```ts\n([\s\S]*?)```/g)]
const problems: Array<string> = []
for (const [, file, code] of blocks) {
  if (file === undefined || code === undefined) continue
  const text = readFileSync(path.join(root, file), "utf8")
  if (text !== code) problems.push(`README.md: the snippet of ${file} differs from the file`)
}
const unmarked = [...readme.matchAll(/(?<!-->\n)```ts\n/g)].length
if (unmarked > 0) problems.push(`README.md: ${unmarked} ts block(s) without a <!-- file: … --> line`)
if (blocks.length === 0) problems.push("README.md: no snippet checked")
if (problems.length > 0) {
  for (const problem of problems) console.error(problem)
  process.exit(1)
}
console.log(`README.md: ${blocks.length} snippets match their files`)

/**
 * API docs from the JSDoc, with `@effect/docgen`, for every publishable package:
 *
 * 1. every export of a public module (`src/*.ts` but the barrel `index.ts`) must have
 *    `@since` and `@category` (docgen itself requires `@since` only);
 * 2. `docgen` writes `docs/modules/*.md`, after type-checking every `@example` and running it
 *    with tsx (so an example that would talk to a server uses `MockCouch`). The examples
 *    import the workspace packages by name, mapped onto their sources.
 *
 * Each package's `docgen.json` is written here (from the package list), so a new package
 * needs no config. Runs offline.
 *
 *   pnpm docgen
 */
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"
import { publishablePackages, type WorkspacePackage } from "./build.js"

const root = fileURLToPath(new URL("..", import.meta.url))

const isExported = (node: ts.Node) =>
  ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)

const nameOf = (node: ts.Statement): string =>
  ts.isVariableStatement(node)
    ? node.declarationList.declarations.map((d) => d.name.getText()).join(", ")
    : "name" in node && node.name !== undefined && ts.isIdentifier(node.name as ts.Node)
    ? (node.name as ts.Identifier).text
    : ts.SyntaxKind[node.kind]

/** Exports of the package's public modules without `@since` or `@category`. */
const missingTags = (p: WorkspacePackage): ReadonlyArray<string> => {
  const src = path.join(p.dir, "src")
  const problems: Array<string> = []
  for (const file of readdirSync(src).filter((f) => f.endsWith(".ts") && f !== "index.ts")) {
    const text = readFileSync(path.join(src, file), "utf8")
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
    const check = (node: ts.Node, name: string) => {
      const tags = ts.getJSDocTags(node).map((t) => t.tagName.text)
      const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1
      for (const tag of ["since", "category"]) {
        if (!tags.includes(tag)) problems.push(`${p.name}: src/${file}:${line} ${name} has no @${tag}`)
      }
    }
    const seen = new Set<string>()
    for (const statement of source.statements) {
      if (ts.isExportDeclaration(statement) && statement.exportClause !== undefined) {
        if (ts.isNamedExports(statement.exportClause)) {
          for (const element of statement.exportClause.elements) check(element, element.name.text)
        }
      } else if (isExported(statement)) {
        // An overloaded function is documented once, on its first signature (as docgen reads it).
        const name = nameOf(statement)
        if (!seen.has(name)) check(statement, name)
        seen.add(name)
      }
    }
  }
  return problems
}

const docgenConfig = (all: ReadonlyArray<WorkspacePackage>) => {
  // Examples are written to <package>/docs/examples, three levels below packages/.
  const paths: Record<string, Array<string>> = {}
  for (const p of all) {
    const src = `../../../${path.basename(p.dir)}/src`
    paths[p.name] = [`${src}/index.ts`]
    paths[`${p.name}/*`] = [`${src}/*.ts`]
  }
  return {
    $schema: "../../node_modules/@effect/docgen/schema.json",
    // VitestCouch imports vitest, which throws outside a vitest worker, so its example cannot
    // run under tsx; test/VitestCouch.test.ts runs that usage instead.
    exclude: ["src/internal/**/*.ts", "src/VitestCouch.ts"],
    examplesCompilerOptions: {
      noEmit: true,
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      moduleResolution: "Bundler",
      module: "ES2022",
      target: "ES2022",
      lib: ["ES2022", "DOM", "DOM.Iterable"],
      types: ["node"],
      paths
    }
  }
}

const all = publishablePackages()
const problems = all.flatMap(missingTags)
if (problems.length > 0) {
  console.error(problems.join("\n"))
  process.exit(1)
}
const docgen = path.join(root, "node_modules", ".bin", "docgen")
for (const p of all) {
  writeFileSync(path.join(p.dir, "docgen.json"), JSON.stringify(docgenConfig(all), null, 2) + "\n")
  console.log(`docgen ${p.name}`)
  // docgen runs `tsc` and `tsx` from PATH.
  const env = { ...process.env, PATH: `${path.join(root, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}` }
  execFileSync(docgen, [], { cwd: p.dir, stdio: "inherit", env })
}

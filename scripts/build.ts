/**
 * Builds the publishable packages (every `packages/*` whose package.json is not `private`)
 * into what their `publishConfig` points at:
 *
 * - `dist/esm`: ES modules, `.d.ts`, source and declaration maps (tsc; no `stripInternal`, as public
 *   declarations name types of internal modules, which `exports` keeps out of reach anyway);
 * - `dist/cjs`: the same modules as CommonJS (esbuild, one file per module, source maps to
 *   `src`), with a `package.json` saying `"type": "commonjs"` and a copy of the declarations,
 *   so that TypeScript reads them as CommonJS declarations for `require`;
 * - any other file in `src` (e.g. a `.cjs` script a module starts) copied into both.
 *
 *   tsx scripts/build.ts             # every publishable package
 *   tsx scripts/build.ts packages/x  # those packages (and the workspace packages they import, if not built)
 *
 * Modules and packages are found from the file system: a new `src/Foo.ts` or a new package
 * needs no change here.
 */
import * as esbuild from "esbuild"
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import ts from "typescript"

const root = fileURLToPath(new URL("..", import.meta.url))

export interface WorkspacePackage {
  readonly name: string
  readonly dir: string
  readonly private: boolean
  readonly json: Readonly<Record<string, unknown>>
}

const readJson = (file: string): Record<string, unknown> => {
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"))
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${file}: not a JSON object`)
  return { ...parsed }
}

/** Every package under packages/. */
export const workspacePackages = (): ReadonlyArray<WorkspacePackage> =>
  readdirSync(path.join(root, "packages"))
    .map((name) => path.join(root, "packages", name))
    .filter((dir) => existsSync(path.join(dir, "package.json")))
    .map((dir) => {
      const json = readJson(path.join(dir, "package.json"))
      return { name: String(json.name), dir, private: json.private === true, json }
    })

/** The publishable packages, each after the workspace packages it depends on. */
export const publishablePackages = (): ReadonlyArray<WorkspacePackage> => {
  const all = workspacePackages().filter((p) => !p.private)
  const ordered: Array<WorkspacePackage> = []
  const visit = (p: WorkspacePackage, trail: ReadonlyArray<string>) => {
    if (ordered.includes(p)) return
    if (trail.includes(p.name)) throw new Error(`dependency cycle: ${[...trail, p.name].join(" -> ")}`)
    for (const dep of workspaceDependencies(p, all)) visit(dep, [...trail, p.name])
    ordered.push(p)
  }
  for (const p of all) visit(p, [])
  return ordered
}

const workspaceDependencies = (p: WorkspacePackage, all: ReadonlyArray<WorkspacePackage>) => {
  const names = new Set<string>()
  for (const field of ["dependencies", "peerDependencies"]) {
    const deps = p.json[field]
    if (typeof deps === "object" && deps !== null) { for (const name of Object.keys(deps)) names.add(name) }
  }
  return all.filter((other) => names.has(other.name))
}

const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry)
    return statSync(file).isDirectory() ? filesUnder(file) : [file]
  })

const formatDiagnostics = (diagnostics: ReadonlyArray<ts.Diagnostic>) =>
  ts.formatDiagnosticsWithColorAndContext(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n"
  })

/** tsc: dist/esm (JavaScript, declarations, maps). Other workspace packages resolve to their built declarations. */
const emitEsm = (p: WorkspacePackage, others: ReadonlyArray<WorkspacePackage>) => {
  const paths: Record<string, Array<string>> = {}
  for (const other of others) {
    const esm = path.relative(p.dir, path.join(other.dir, "dist", "esm"))
    paths[other.name] = [`${esm}/index.d.ts`]
    paths[`${other.name}/*`] = [`${esm}/*.d.ts`]
  }
  const config = ts.parseJsonConfigFileContent(
    {
      extends: path.join(root, "tsconfig.base.json"),
      include: ["src/**/*.ts"],
      compilerOptions: {
        noEmit: false,
        rootDir: "src",
        outDir: "dist/esm",
        declaration: true,
        declarationMap: true,
        sourceMap: true,
        paths
      }
    },
    ts.sys,
    p.dir
  )
  if (config.errors.length > 0) throw new Error(formatDiagnostics(config.errors))
  const program = ts.createProgram(config.fileNames, config.options)
  const emitted = program.emit()
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics]
  if (diagnostics.length > 0 || emitted.emitSkipped) {
    throw new Error(`${p.name}: tsc failed\n${formatDiagnostics(diagnostics)}`)
  }
}

/** esbuild: dist/cjs, module by module (no bundling), from the same sources. */
const emitCjs = async (p: WorkspacePackage) => {
  const src = path.join(p.dir, "src")
  const outdir = path.join(p.dir, "dist", "cjs")
  const sources = filesUnder(src).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
  const usesImportMeta = sources.filter((f) => readFileSync(f, "utf8").includes("import.meta"))
  const common: esbuild.BuildOptions = {
    bundle: false,
    format: "cjs",
    platform: "node",
    target: "node20",
    outbase: src,
    outdir,
    sourcemap: true,
    logLevel: "warning"
  }
  await esbuild.build({ ...common, entryPoints: sources.filter((f) => !usesImportMeta.includes(f)) })
  if (usesImportMeta.length > 0) {
    // CommonJS has no import.meta: give `import.meta.url` the module's file URL.
    await esbuild.build({
      ...common,
      entryPoints: usesImportMeta,
      define: { "import.meta.url": "__importMetaUrl" },
      banner: { js: "const __importMetaUrl = require(\"node:url\").pathToFileURL(__filename).href;" }
    })
  }
  writeFileSync(path.join(outdir, "package.json"), JSON.stringify({ type: "commonjs" }, null, 2) + "\n")
  const esm = path.join(p.dir, "dist", "esm")
  for (const file of filesUnder(esm).filter((f) => f.endsWith(".d.ts") || f.endsWith(".d.ts.map"))) {
    const target = path.join(outdir, path.relative(esm, file))
    mkdirSync(path.dirname(target), { recursive: true })
    cpSync(file, target)
  }
}

/** Files in src that are not TypeScript (scripts, data) go next to the modules that use them. */
const copyAssets = (p: WorkspacePackage) => {
  const src = path.join(p.dir, "src")
  for (const file of filesUnder(src).filter((f) => !f.endsWith(".ts"))) {
    for (const format of ["esm", "cjs"]) {
      const target = path.join(p.dir, "dist", format, path.relative(src, file))
      mkdirSync(path.dirname(target), { recursive: true })
      cpSync(file, target)
    }
  }
}

/** Every subpath of `exports` needs a built counterpart in `publishConfig.exports`. */
const checkPublishConfig = (p: WorkspacePackage) => {
  const exportsOf = (value: unknown) => typeof value === "object" && value !== null ? Object.keys(value) : []
  const publishConfig = p.json.publishConfig
  const published = typeof publishConfig === "object" && publishConfig !== null
    ? exportsOf(Reflect.get(publishConfig, "exports"))
    : []
  const missing = exportsOf(p.json.exports).filter((key) => !published.includes(key))
  if (missing.length > 0) throw new Error(`${p.name}: publishConfig.exports lacks ${missing.join(", ")}`)
}

export const build = async (p: WorkspacePackage, all: ReadonlyArray<WorkspacePackage>) => {
  checkPublishConfig(p)
  const others = all.filter((o) => o !== p)
  for (const dep of workspaceDependencies(p, others)) {
    if (!existsSync(path.join(dep.dir, "dist", "esm", "index.d.ts"))) await build(dep, all)
  }
  const t0 = performance.now()
  rmSync(path.join(p.dir, "dist"), { recursive: true, force: true })
  emitEsm(p, others)
  await emitCjs(p)
  copyAssets(p)
  console.log(`built ${p.name} in ${Math.round(performance.now() - t0)} ms`)
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const all = publishablePackages()
  const wanted = process.argv.slice(2).map((dir) => path.resolve(dir))
  const selected = wanted.length === 0 ? all : all.filter((p) => wanted.includes(p.dir))
  if (selected.length < wanted.length) throw new Error(`not publishable packages among ${wanted.join(", ")}`)
  for (const p of selected) await build(p, all)
}

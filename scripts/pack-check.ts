/**
 * The packaging gate: checks the publishable packages the way a consumer gets them.
 *
 * 1. `pnpm pack` every publishable package (its `prepack` builds it) and look inside the
 *    tarball: built entry points, README, LICENSE, CHANGELOG, no tests, no `workspace:` ranges.
 * 2. `publint --strict` and `attw --profile node16` (dual ESM + CommonJS; node10 resolution,
 *    which has no `exports`, is not supported) on each tarball, every entry point named.
 * 3. A scratch npm project outside the checkout installs the tarballs, their peers and the
 *    consumer's tools, pinned to the versions the workspace locks. In it:
 *    - plain `node` imports and requires every entry point (the same exports either way,
 *      nothing on stderr), and runs `pack-check/smoke.{mjs,cjs}`;
 *    - `tsc` (strict, exactOptionalPropertyTypes, skipLibCheck off under nodenext,
 *      noPropertyAccessFromIndexSignature, noUncheckedIndexedAccess) under moduleResolution
 *      `node16`, `nodenext` and `bundler` checks a file importing every entry point and the
 *      example of every package README, as ES module and (node16/nodenext) as CommonJS;
 *    - vitest runs `pack-check/kit.test.ts` with the test kit's `globalSetup`.
 *
 * Entry points come from the packed `exports` and files, so new modules and packages are
 * checked without changing this script. The npm cache is `.pack-check/npm-cache`, inside
 * the checkout. `PACK_CHECK_NODES="/path/to/node22 /path/to/node24"` also runs the runtime
 * checks with those Node binaries; `PACK_CHECK_KEEP=1` keeps the scratch project.
 *
 *   pnpm pack-check
 */
import { execFile, execFileSync, type ExecFileSyncOptions } from "node:child_process"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { publishablePackages } from "./build.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const fixtures = path.join(root, "scripts", "pack-check")
const work = path.join(root, ".pack-check")
const tarballs = path.join(work, "tarballs")
const npmCache = path.join(work, "npm-cache")

const failures: Array<string> = []
const fail = (message: string) => {
  failures.push(message)
  console.error(`FAIL ${message}`)
}

const run = (command: string, args: ReadonlyArray<string>, options: ExecFileSyncOptions = {}): string => {
  try {
    const out = execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options })
    return out === null ? "" : out.toString()
  } catch (error) {
    const out = error instanceof Error ? [Reflect.get(error, "stdout"), Reflect.get(error, "stderr")].join("\n") : ""
    throw new Error(`${command} ${args.join(" ")} failed\n${out.trim()}`)
  }
}

/** Runs a check; a failure is recorded and the gate goes on with the next one. */
const check = (name: string, f: () => void) => {
  const t0 = performance.now()
  try {
    f()
    console.log(`ok   ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
  } catch (error) {
    fail(`${name}\n${error instanceof Error ? error.message : String(error)}`)
  }
}

/** `check` for a command that may run alongside others. */
const checkCommand = (name: string, command: string, args: ReadonlyArray<string>, cwd: string) =>
  new Promise<void>((resolve) => {
    const t0 = performance.now()
    execFile(command, args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) console.log(`ok   ${name} (${((performance.now() - t0) / 1000).toFixed(1)} s)`)
      else fail(`${name}\n${command} ${args.join(" ")} failed\n${stdout}${stderr}`.trim())
      resolve()
    })
  })

const filesUnder = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry)
    return statSync(file).isDirectory() ? filesUnder(file) : [file]
  })

type Json = Readonly<Record<string, unknown>>
const readJson = (file: string): Json => {
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"))
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${file}: not a JSON object`)
  return { ...parsed }
}
const record = (value: unknown): Json => typeof value === "object" && value !== null ? { ...value } : {}

/** The file an `exports` value gives for a condition, e.g. `import`. */
const target = (value: unknown, condition: string): string | undefined => {
  if (typeof value === "string") return value
  const conditions = record(value)
  for (const key of [condition, "default"]) {
    if (key in conditions) return target(conditions[key], condition)
  }
  return undefined
}

/** The `exports` value that a subpath matches: its own key, else the pattern that covers it. */
const exportsValue = (manifest: Json, subpath: string): unknown => {
  const exports = record(manifest.exports)
  if (subpath in exports) return exports[subpath]
  const pattern = Object.keys(exports).find((key) => {
    const [prefix = "", suffix = ""] = key.split("*")
    return key.includes("*") && subpath.startsWith(prefix) && subpath.endsWith(suffix)
  })
  return pattern === undefined ? undefined : exports[pattern]
}

/** The file a subpath resolves to for a condition (`import`, `require`), if any. */
const resolve = (manifest: Json, subpath: string, condition: string): string | undefined => {
  const exports = record(manifest.exports)
  const value = exportsValue(manifest, subpath)
  const file = target(value, condition)
  if (file === undefined || subpath in exports) return file
  const pattern = Object.keys(exports).find((key) => exports[key] === value) ?? ""
  const [prefix = "", suffix = ""] = pattern.split("*")
  return file.replace("*", subpath.slice(prefix.length, subpath.length - suffix.length))
}

/** Every subpath a consumer can import, from `exports`: patterns expanded over the packed files. */
const entryPoints = (packageDir: string, manifest: Json): ReadonlyArray<string> => {
  const exports = record(manifest.exports)
  const blocked = Object.keys(exports).filter((key) => exports[key] === null)
  const isBlocked = (subpath: string) =>
    blocked.some((key) => {
      const [prefix = "", suffix = ""] = key.split("*")
      return key.includes("*") ? subpath.startsWith(prefix) && subpath.endsWith(suffix) : subpath === key
    })
  const files = filesUnder(packageDir).map((f) => "./" + path.relative(packageDir, f).split(path.sep).join("/"))
  const found = new Set<string>()
  for (const [key, value] of Object.entries(exports)) {
    if (value === null || key === "./package.json") continue
    if (!key.includes("*")) {
      found.add(key)
      continue
    }
    const file = target(value, "import")
    if (file === undefined) continue
    const [filePrefix = "", fileSuffix = ""] = file.split("*")
    const [keyPrefix = "", keySuffix = ""] = key.split("*")
    for (const f of files) {
      if (!f.startsWith(filePrefix) || !f.endsWith(fileSuffix)) continue
      const subpath = keyPrefix + f.slice(filePrefix.length, f.length - fileSuffix.length) + keySuffix
      if (subpath !== "./index" && !isBlocked(subpath)) found.add(subpath)
    }
  }
  return [...found].sort()
}

const specifier = (name: string, subpath: string) => subpath === "." ? name : `${name}/${subpath.slice(2)}`

interface Packed {
  readonly name: string
  readonly tarball: string
  readonly manifest: Json
  /** Every entry point, and those that `require` reaches too (the rest are ES modules only). */
  readonly entryPoints: ReadonlyArray<string>
  readonly requirable: ReadonlyArray<string>
  readonly readme: string
}

// 1. Pack and look inside.
const pack = (): ReadonlyArray<Packed> => {
  rmSync(tarballs, { recursive: true, force: true })
  mkdirSync(tarballs, { recursive: true })
  const packed: Array<Packed> = []
  for (const p of publishablePackages()) {
    const before = new Set(readdirSync(tarballs))
    // Its prepack builds the package; the file list it prints is checked below instead.
    run("npx", ["-y", "pnpm@10.34.9", "pack", "--pack-destination", tarballs], { cwd: p.dir })
    const file = readdirSync(tarballs).find((f) => !before.has(f))
    if (file === undefined) throw new Error(`pnpm pack wrote no tarball for ${p.name}`)
    const tarball = path.join(tarballs, file)
    const unpacked = path.join(work, "unpacked", p.name)
    rmSync(unpacked, { recursive: true, force: true })
    mkdirSync(unpacked, { recursive: true })
    run("tar", ["-xzf", tarball, "-C", unpacked, "--strip-components=1"])
    const manifest = readJson(path.join(unpacked, "package.json"))
    const files = filesUnder(unpacked).map((f) => path.relative(unpacked, f))
    const entries = entryPoints(unpacked, manifest)
    const readme = path.join(unpacked, "README.md")
    packed.push({
      name: p.name,
      tarball,
      manifest,
      entryPoints: entries,
      requirable: entries.filter((e) => resolve(manifest, e, "require") !== undefined),
      readme: existsSync(readme) ? readFileSync(readme, "utf8") : ""
    })
    check(`${p.name}: tarball contents`, () => {
      const problems: Array<string> = []
      for (const required of ["README.md", "LICENSE", "CHANGELOG.md", "dist/esm/index.js", "dist/cjs/index.js"]) {
        if (!files.includes(required)) problems.push(`missing ${required}`)
      }
      for (const f of files) {
        if (/(^|\/)(test|tests|__tests__)\/|\.test\.|tsconfig|vitest\.config|\.tsbuildinfo$/.test(f)) {
          problems.push(`should not ship ${f}`)
        }
      }
      if (JSON.stringify(manifest).includes("workspace:")) problems.push("a workspace: range in package.json")
      for (const field of ["repository", "homepage", "engines", "sideEffects", "license"]) {
        if (!(field in manifest)) problems.push(`no ${field} in package.json`)
      }
      if (record(manifest.publishConfig).access !== "public") problems.push("publishConfig.access is not public")
      for (const subpath of entries) {
        for (const condition of ["import", "require"]) {
          const file = resolve(manifest, subpath, condition)
          if (file !== undefined && !files.includes(file.slice(2))) {
            problems.push(`${subpath} (${condition}): no ${file}`)
          }
        }
      }
      if (problems.length > 0) throw new Error(problems.join("\n"))
      const kb = statSync(tarball).size / 1024
      console.log(`     ${file}: ${kb.toFixed(1)} KiB packed, ${files.length} files`)
    })
  }
  return packed
}

// 2. publint and are-the-types-wrong.
const lint = (packed: ReadonlyArray<Packed>) => {
  const bin = (name: string) => path.join(root, "node_modules", ".bin", name)
  for (const p of packed) {
    check(`${p.name}: publint --strict`, () => {
      const out = run(bin("publint"), ["run", p.tarball, "--strict"])
      if (!out.includes("All good")) throw new Error(out)
    })
    const esmOnly = p.entryPoints.filter((e) => !p.requirable.includes(e))
    const profiles = [{ profile: "node16", entries: p.requirable }, { profile: "esm-only", entries: esmOnly }]
    for (const { entries, profile } of profiles.filter((x) => x.entries.length > 0)) {
      check(`${p.name}: attw --profile ${profile} (${entries.join(" ")})`, () => {
        run(bin("attw"), [
          p.tarball,
          "--profile",
          profile,
          "--no-definitely-typed",
          "--format",
          "ascii",
          "--entrypoints",
          ...entries
        ])
      })
    }
  }
}

/** The version the workspace has installed, so the scratch project gets what we test with. */
const workspaceVersion = (name: string): string => {
  const candidates = [root, ...publishablePackages().map((p) => p.dir)]
  for (const dir of candidates) {
    const file = path.join(dir, "node_modules", name, "package.json")
    if (existsSync(file)) return String(readJson(file).version)
  }
  throw new Error(`${name} is not installed in the workspace`)
}

// 3. The scratch consumer project.
const install = (packed: ReadonlyArray<Packed>, consumer: string) => {
  const dependencies: Record<string, string> = {}
  for (const p of packed) {
    for (const peer of Object.keys(record(p.manifest.peerDependencies))) dependencies[peer] = workspaceVersion(peer)
  }
  for (const tool of ["typescript", "@types/node", "vitest", "@effect/vitest"]) {
    dependencies[tool] = workspaceVersion(tool)
  }
  // vitest/node's declarations (behind the test kit's globalSetup) import `debug` without its types.
  dependencies["@types/debug"] = "4.1.12"
  for (const p of packed) dependencies[p.name] = `file:${p.tarball}`
  writeFileSync(
    path.join(consumer, "package.json"),
    JSON.stringify({ name: "consumer", version: "0.0.0", private: true, type: "module", dependencies }, null, 2)
  )
  const t0 = performance.now()
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", "--cache", npmCache], {
    cwd: consumer,
    stdio: "inherit",
    env: { ...process.env, npm_config_update_notifier: "false" }
  })
  console.log(`     npm install: ${((performance.now() - t0) / 1000).toFixed(1)} s`)
}

/** Entry points that import `vitest`, which throws outside a vitest worker: kit.test.ts runs them. */
const vitestOnly = new Set(["@effect-couchdb/embedded/VitestCouch"])
/** Entry points that declare types only, so plain node sees a module without exports. */
const typeOnly = new Set(["@effect-couchdb/client/Json"])

const runtime = (packed: ReadonlyArray<Packed>, consumer: string) => {
  const specifiers = packed.flatMap((p) => p.entryPoints.map((e) => specifier(p.name, e))).filter((s) =>
    !vitestOnly.has(s)
  )
  const requirable = packed.flatMap((p) => p.requirable.map((e) => specifier(p.name, e)))
  writeFileSync(
    path.join(consumer, "entries.mjs"),
    `const out = {}\nfor (const s of ${JSON.stringify(specifiers)}) out[s] = Object.keys(await import(s)).sort()\n` +
      `console.log(JSON.stringify(out))\n`
  )
  writeFileSync(
    path.join(consumer, "entries.cjs"),
    `const out = {}\nfor (const s of ${JSON.stringify(requirable)}) out[s] = Object.keys(require(s)).sort()\n` +
      `console.log(JSON.stringify(out))\n`
  )
  cpSync(path.join(fixtures, "smoke.mjs"), path.join(consumer, "smoke.mjs"))
  cpSync(path.join(fixtures, "smoke.cjs"), path.join(consumer, "smoke.cjs"))
  const nodes = [process.execPath, ...(process.env.PACK_CHECK_NODES ?? "").split(" ").filter((s) => s !== "")]
  for (const node of nodes) {
    const version = run(node, ["--version"]).trim()
    /** Runs `file` with plain node; anything on stderr (a warning) fails the check. */
    const plain = (file: string) => {
      try {
        return execFileSync(node, [file], { cwd: consumer, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
      } catch (error) {
        throw new Error(error instanceof Error ? String(Reflect.get(error, "stderr")) || error.message : String(error))
      }
    }
    check(`node ${version}: import ${specifiers.length} entry points, require ${requirable.length}`, () => {
      const esm = record(JSON.parse(plain("entries.mjs")))
      const cjs = record(JSON.parse(plain("entries.cjs")))
      const problems = specifiers.flatMap((s) => {
        const a = JSON.stringify(esm[s])
        const b = JSON.stringify(cjs[s])
        if (a === undefined || (a === "[]" && !typeOnly.has(s))) return [`${s}: no exports`]
        return a === b || !requirable.includes(s) ? [] : [`${s}: import gives ${a}, require gives ${b}`]
      })
      if (problems.length > 0) throw new Error(problems.join("\n"))
    })
    for (const file of ["smoke.mjs", "smoke.cjs"]) {
      check(`node ${version}: ${file}`, () => {
        const out = execFileSync(node, [file], { cwd: consumer, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })
        if (!out.includes("smoke: ok")) throw new Error(out)
      })
    }
  }
}

/** The first ```ts block of a README: the example a reader copies. */
const readmeExample = (readme: string): string | undefined => /```ts\n([^]*?)```/.exec(readme)?.[1]

const types = (packed: ReadonlyArray<Packed>, consumer: string): Promise<unknown> => {
  const dir = path.join(consumer, "types")
  mkdirSync(dir, { recursive: true })
  const importAll = (specifiers: ReadonlyArray<string>) =>
    specifiers.map((s, i) => `import * as e${i} from "${s}"`).join("\n") +
    `\nexport const all = [${specifiers.map((_, i) => `e${i}`).join(", ")}]\n`
  writeFileSync(
    path.join(dir, "entries.mts"),
    importAll(packed.flatMap((p) => p.entryPoints.map((e) => specifier(p.name, e))))
  )
  writeFileSync(
    path.join(dir, "entries.cts"),
    importAll(packed.flatMap((p) => p.requirable.map((e) => specifier(p.name, e))))
  )
  for (const p of packed) {
    const example = readmeExample(p.readme)
    if (example === undefined) {
      fail(`${p.name}: the README has no \`\`\`ts example`)
      continue
    }
    const base = `readme-${p.name.split("/").pop()}`
    // vitest is ESM-only: an example written for it is an ES module only, and is not checked
    // under node16, where @effect/vitest 0.30's own declarations (typed as CommonJS) fail to
    // import vitest (TS1479), whatever the package under test.
    if (example.includes("vitest")) writeFileSync(path.join(dir, `${base}.vitest.mts`), example + "\nexport {}\n")
    else {
      writeFileSync(path.join(dir, `${base}.mts`), example + "\nexport {}\n")
      writeFileSync(path.join(dir, `${base}.cts`), example + "\nexport {}\n")
    }
  }
  const strictness = {
    strict: true,
    exactOptionalPropertyTypes: true,
    noPropertyAccessFromIndexSignature: true,
    noUncheckedIndexedAccess: true,
    noEmit: true,
    target: "ES2022",
    // @effect/platform's declarations name DOM types (Transferable, MessagePort, Storage).
    lib: ["ES2022", "DOM", "DOM.Iterable"],
    types: ["node"]
  }
  // Our declarations are checked whole once (nodenext); the other two modes check the consumer's
  // files against them, and attw checks how each mode resolves them, at a third of the cost.
  const modes = [
    { name: "node16", module: "node16", include: ["*.mts", "*.cts"], exclude: ["*.vitest.mts"], skipLibCheck: true },
    { name: "nodenext", module: "nodenext", include: ["*.mts", "*.cts"], exclude: [], skipLibCheck: false },
    { name: "bundler", module: "preserve", include: ["*.mts"], exclude: [], skipLibCheck: true }
  ]
  // The three compilers run at once: each spends most of its time checking effect's declarations.
  return Promise.all(modes.map((mode) => {
    const config = `tsconfig.${mode.name}.json`
    writeFileSync(
      path.join(dir, config),
      JSON.stringify({
        compilerOptions: {
          ...strictness,
          module: mode.module,
          moduleResolution: mode.name,
          skipLibCheck: mode.skipLibCheck
        },
        include: mode.include,
        exclude: mode.exclude
      })
    )
    const tsc = path.join(consumer, "node_modules", "typescript", "bin", "tsc")
    return checkCommand(
      `tsc, moduleResolution ${mode.name}: every entry point and the README examples`,
      process.execPath,
      [tsc, "-p", config],
      dir
    )
  }))
}

const vitest = (packed: ReadonlyArray<Packed>, consumer: string) => {
  const globalSetup = packed.flatMap((p) =>
    p.entryPoints.includes("./globalSetup") ? [specifier(p.name, "./globalSetup")] : []
  )
  mkdirSync(path.join(consumer, "test"), { recursive: true })
  cpSync(path.join(fixtures, "kit.test.ts"), path.join(consumer, "test", "kit.test.ts"))
  writeFileSync(
    path.join(consumer, "vitest.config.mjs"),
    `export default { test: { include: ["test/**/*.test.ts"], globalSetup: ${JSON.stringify(globalSetup)} } }\n`
  )
  check("vitest: the consumer's test with the test kit", () => {
    const out = run(process.execPath, [path.join(consumer, "node_modules", "vitest", "vitest.mjs"), "run"], {
      cwd: consumer,
      env: { ...process.env, CI: "true", COUCHDB_URL: "", NO_COLOR: "1" }
    })
    if (!/Tests\s+\d+ passed/.test(out) || /failed/.test(out)) throw new Error(out)
  })
}

const t0 = performance.now()
mkdirSync(work, { recursive: true })
const packed = pack()
lint(packed)
const consumer = mkdtempSync(path.join(os.tmpdir(), "effect-couchdb-consumer-"))
try {
  install(packed, consumer)
  runtime(packed, consumer)
  await types(packed, consumer)
  vitest(packed, consumer)
} catch (error) {
  fail(error instanceof Error ? error.message : String(error))
} finally {
  if (process.env.PACK_CHECK_KEEP === "1") console.log(`kept the scratch project in ${consumer}`)
  else rmSync(consumer, { recursive: true, force: true })
}
const seconds = ((performance.now() - t0) / 1000).toFixed(0)
if (failures.length > 0) {
  console.error(`pack-check: ${failures.length} failed (${seconds} s)`)
  process.exit(1)
}
console.log(`pack-check: every check passed (${seconds} s)`)

// Runs pouchdb-server (express-pouchdb over PouchDB) and reports its URL to the parent over
// IPC. In memory by default; with a data directory, on disk (LevelDB), so that a restarted
// child finds its databases again. A child process, because a few requests crash
// pouchdb-server; as a child only the server dies, never the test runner.
"use strict"
const fs = require("node:fs")
const os = require("node:os")
const path = require("node:path")

const options = JSON.parse(process.env.EFFECT_COUCHDB_EMBEDDED || "{}")
const admin = { username: options.username || "admin", password: options.password || "secret" }
const onDisk = typeof options.dataDir === "string"
const dir = onDisk ? options.dataDir : fs.mkdtempSync(path.join(os.tmpdir(), "effect-couchdb-"))

const fail = (error) => {
  process.send({ error: String(error && error.message ? error.message : error) }, () => process.exit(1))
}

let adapter
try {
  adapter = onDisk ? require("pouchdb-adapter-leveldb") : require("pouchdb-adapter-memory")
} catch (error) {
  fail(onDisk ? `dataDir needs the optional peer dependency pouchdb-adapter-leveldb@7.3.1: ${error.message}` : error)
  return
}
if (onDisk) fs.mkdirSync(dir, { recursive: true })

const PouchDB = require("pouchdb-core")
  .plugin(require("pouchdb-adapter-http"))
  .plugin(adapter)
  .plugin(require("pouchdb-replication"))
  .plugin(require("pouchdb-mapreduce"))

// No `adapter` default: it would also capture http:// URLs given to _replicate.
const app = require("express-pouchdb")(PouchDB.defaults({ prefix: dir + path.sep }), {
  mode: "fullCouchDB",
  inMemoryConfig: true,
  logPath: path.join(dir, "log.txt"),
  overrideMode: { exclude: ["routes/fauxton"] }
})

if (!onDisk) process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }))
process.on("disconnect", () => process.exit(0))
process.on("SIGTERM", () => process.exit(0))

app.couchConfig.set("admins", admin.username, admin.password, (error) => {
  if (error) return fail(error)
  const server = require("express")().use(app)
    .listen(options.port || 0, "127.0.0.1", () => {
      process.send({ url: `http://127.0.0.1:${server.address().port}` })
    })
    .on("error", fail)
})

// Runs pouchdb-server (express-pouchdb over in-memory PouchDB) on an ephemeral port and
// reports its URL to the parent over IPC. A child process, because a few requests crash
// pouchdb-server; as a child only the server dies, never the test runner.
"use strict"
const fs = require("node:fs")
const os = require("node:os")
const path = require("node:path")

const admin = JSON.parse(process.env.EFFECT_COUCHDB_ADMIN || '{"username":"admin","password":"secret"}')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "effect-couchdb-"))

const PouchDB = require("pouchdb-core")
  .plugin(require("pouchdb-adapter-http"))
  .plugin(require("pouchdb-adapter-memory"))
  .plugin(require("pouchdb-replication"))
  .plugin(require("pouchdb-mapreduce"))

// No `adapter: "memory"` default: it would also capture http:// URLs given to _replicate.
const app = require("express-pouchdb")(PouchDB.defaults({ prefix: tmp + path.sep }), {
  mode: "fullCouchDB",
  inMemoryConfig: true,
  logPath: path.join(tmp, "log.txt"),
  overrideMode: { exclude: ["routes/fauxton"] }
})

const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true })
process.on("exit", cleanup)
process.on("disconnect", () => process.exit(0))
process.on("SIGTERM", () => process.exit(0))

app.couchConfig.set("admins", admin.username, admin.password, (error) => {
  if (error) {
    process.send({ error: String(error) })
    process.exit(1)
  }
  const server = require("express")().use(app).listen(0, "127.0.0.1", () => {
    process.send({ url: `http://127.0.0.1:${server.address().port}` })
  })
})

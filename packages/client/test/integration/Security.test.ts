import { Security } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))
const server = VitestCouch.server()

describe("Security on a real server", () => {
  it.scoped("get, put, and the helpers keep every other field", () =>
    Effect.gen(function*() {
      const db = yield* TestCouch.withDatabase("security")
      const initial = yield* Security.get(db)
      // pouchdb-server starts with {}, CouchDB 3 with admins-only members.
      if (server.kind === "embedded") expect(initial).toEqual({})
      yield* Security.put(db, {
        admins: { names: [], roles: ["ops"] },
        members: { names: [], roles: [] },
        keep: { a: 1 }
      })
      yield* Security.addMembers(db, { names: ["alice", "bob"], roles: ["readers"] })
      yield* Security.addAdmins(db, { names: ["carol"] })
      const after = yield* Security.removeMembers(db, { names: ["bob"] })
      expect(after).toEqual({
        admins: { names: ["carol"], roles: ["ops"] },
        members: { names: ["alice"], roles: ["readers"] },
        keep: { a: 1 }
      })
      expect(yield* Security.get(db)).toEqual(after)
    }).pipe(Effect.provide(AdminLive)))
})

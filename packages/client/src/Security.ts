/**
 * A database's security object (`/{db}/_security`): its admins and members, by name and by
 * role. Read and write it whole with `get`/`put`, or change it with the read-modify-write
 * helpers (`update`, `addMembers`, `removeAdmins`, …), which keep every other field.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import type { CouchAuth } from "./CouchAuth.js"
import { Conflict, type CouchError, InvalidRequest } from "./CouchError.js"
import { type Database, Ok } from "./Database.js"
import * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"

const Rest = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/**
 * Who is in a group: user names and roles. Other fields are kept as they are.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Group = Schema.Struct({
  names: Schema.optional(Schema.Array(Schema.String)),
  roles: Schema.optional(Schema.Array(Schema.String))
}, Rest)

/**
 * @since 0.2.0
 * @category models
 */
export interface Group extends Schema.Schema.Type<typeof Group> {}

/**
 * A security object. `admins` may change the database's design documents and security;
 * `members` may read and write its documents. With no member names or roles the database is
 * public. Other fields (e.g. `couchdb_auth_only`, or ones other tools set) are kept.
 * A new CouchDB 3 database has `{"members":{"roles":["_admin"]},"admins":{"roles":["_admin"]}}`
 * (admins only); pouchdb-server and CouchDB 1.x start with `{}`.
 *
 * @since 0.2.0
 * @category schemas
 */
export const SecurityObject = Schema.Struct({
  admins: Schema.optional(Group),
  members: Schema.optional(Group)
}, Rest)

/**
 * @since 0.2.0
 * @category models
 */
export interface SecurityObject extends Schema.Schema.Type<typeof SecurityObject> {}

/**
 * The database's security object (`GET /{db}/_security`). Database members may read it.
 *
 * @since 0.2.0
 * @category reads
 */
export const get = (self: Database): Effect.Effect<SecurityObject, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET", path: ["_security"] }), Endpoint.json(SecurityObject))

const encode = Schema.encodeEither(SecurityObject)

/**
 * Replaces the security object (`PUT /{db}/_security`). Needs a database admin: others get
 * `Unauthorized` or `Forbidden` (CouchDB 3.5 answered a member who is not an admin with a
 * 500 `no_majority`, recording 3.37). The object has no revision, so a `put` overwrites
 * whatever is there: to change part of it, use `update` or the helpers.
 *
 * @since 0.2.0
 * @category writes
 */
export const put: Handle.OperationWith<Database, SecurityObject, Ok> = Endpoint.makeWith(
  (_, security: SecurityObject) =>
    Either.match(encode(security), {
      onLeft: (error) =>
        Either.left(new InvalidRequest({ description: `Security.put: not a security object: ${error.message}` })),
      onRight: (json) => Either.right({ method: "PUT", path: ["_security"], json })
    }),
  Endpoint.json(Ok)
)

/** JSON equality: objects by their defined members in any order, arrays in order. */
const sameJson = (a: unknown, b: unknown): boolean => {
  if (a === b) return true
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
  if (!Predicate.isRecord(a) || !Predicate.isRecord(b)) return false
  const keys = (o: Record<string, unknown>) => Object.keys(o).filter((key) => o[key] !== undefined)
  const ka = keys(a)
  return ka.length === keys(b).length && ka.every((key) => b[key] !== undefined && sameJson(a[key], b[key]))
}

/**
 * How many times `update` writes before it gives up on a security object that keeps being
 * changed under it.
 */
const maxWrites = 5

/**
 * Changes the security object with `f`, keeping what `f` does not touch: reads it, writes
 * `f(current)` unless that changes nothing, then reads it back. Returns the object as stored.
 *
 * The security object has no revision, so CouchDB cannot report a concurrent change: a
 * `PUT` silently overwrites. What this can detect is a write that landed between its own
 * `PUT` and the read after it: when the object read back is not the one written and `f`
 * still has something to change in it, `f` is applied again to that object and written
 * again (up to 5 writes; then `Conflict`). So writers that all go through `update` with
 * idempotent changes (as the helpers are) converge, except when a concurrent write lands
 * after the read-back of the writer it undoes; a plain `put` elsewhere is never detected.
 * Serialise writers if a lost change matters.
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { CouchClient, Security } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * // Make the database readable by role "readers", keeping everything else.
 * const program = Effect.gen(function*() {
 *   const db = (yield* CouchClient.CouchClient).database("orders")
 *   return yield* Security.update(db, (security) => ({
 *     ...security,
 *     members: { ...security.members, roles: [...(security.members?.roles ?? []), "readers"] }
 *   }))
 * })
 * ```
 */
export const update: {
  (
    f: (current: SecurityObject) => SecurityObject
  ): (self: Database) => Effect.Effect<SecurityObject, CouchError, CouchAuth>
  (self: Database, f: (current: SecurityObject) => SecurityObject): Effect.Effect<SecurityObject, CouchError, CouchAuth>
} = dual(
  2,
  (self: Database, f: (current: SecurityObject) => SecurityObject) => {
    const attempt = (
      current: SecurityObject,
      writes: number
    ): Effect.Effect<SecurityObject, CouchError, CouchAuth> => {
      const next = f(current)
      if (sameJson(next, current)) return Effect.succeed(current)
      if (writes === maxWrites) {
        return Effect.fail(
          new Conflict({
            status: 409,
            method: "PUT",
            url: `${Handle.url(self)}/_security`,
            error: "conflict",
            reason:
              `the security object was changed by another writer after each of ${maxWrites} writes (detected by the client)`
          })
        )
      }
      return put(self, next).pipe(
        Effect.zipRight(get(self)),
        Effect.flatMap((stored) => sameJson(stored, next) ? Effect.succeed(stored) : attempt(stored, writes + 1))
      )
    }
    return Effect.flatMap(get(self), (current) => attempt(current, 0))
  }
)

/**
 * Names and roles to add to or remove from a group.
 *
 * @since 0.2.0
 * @category models
 */
export interface Change {
  readonly names?: ReadonlyArray<string> | undefined
  readonly roles?: ReadonlyArray<string> | undefined
}

const merge = (values: ReadonlyArray<string> | undefined, add: ReadonlyArray<string> | undefined) =>
  add === undefined || add.length === 0
    ? values
    : [...(values ?? []), ...add.filter((value, i) => !values?.includes(value) && add.indexOf(value) === i)]

const without = (values: ReadonlyArray<string> | undefined, remove: ReadonlyArray<string> | undefined) =>
  values === undefined || remove === undefined ? values : values.filter((value) => !remove.includes(value))

type Edit = (
  values: ReadonlyArray<string> | undefined,
  change: ReadonlyArray<string> | undefined
) => ReadonlyArray<string> | undefined

/** The group with its lists changed by `edit`; `undefined` when there was none and still is none. */
const editGroup = (group: Group | undefined, change: Change, edit: Edit): Group | undefined => {
  const names = edit(group?.names, change.names)
  const roles = edit(group?.roles, change.roles)
  if (group === undefined && names === undefined && roles === undefined) return undefined
  return { ...group, ...(names !== undefined ? { names } : {}), ...(roles !== undefined ? { roles } : {}) }
}

const editWith = (key: "admins" | "members", edit: Edit): {
  (change: Change): (self: Database) => Effect.Effect<SecurityObject, CouchError, CouchAuth>
  (self: Database, change: Change): Effect.Effect<SecurityObject, CouchError, CouchAuth>
} =>
  dual(2, (self: Database, change: Change) =>
    update(self, (security) => {
      const group = editGroup(security[key], change, edit)
      return group === undefined ? security : { ...security, [key]: group }
    }))

/**
 * Adds names and roles to the members (with `update`), keeping everything else. Members may
 * read and write documents; adding the first member closes a public database to everyone
 * else.
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { CouchClient, Security } from "@effect-couchdb/client"
 * import { Effect } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const db = (yield* CouchClient.CouchClient).database("orders")
 *   yield* Security.addMembers(db, { names: ["alice"], roles: ["readers"] })
 * })
 * ```
 */
export const addMembers = editWith("members", merge)

/**
 * Removes names and roles from the members (with `update`), keeping everything else. A
 * database left with no member names or roles is public.
 *
 * @since 0.2.0
 * @category writes
 */
export const removeMembers = editWith("members", without)

/**
 * Adds names and roles to the database admins (with `update`), keeping everything else.
 *
 * @since 0.2.0
 * @category writes
 */
export const addAdmins = editWith("admins", merge)

/**
 * Removes names and roles from the database admins (with `update`), keeping everything else.
 * Server admins stay admins of every database.
 *
 * @since 0.2.0
 * @category writes
 */
export const removeAdmins = editWith("admins", without)

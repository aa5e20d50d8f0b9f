/**
 * CouchDB's users: the documents of the `_users` database (`org.couchdb.user:{name}`, `type:
 * "user"`). Create one, read it, change its password or roles, delete it. Passwords are
 * `Redacted` from the caller to the request body, and a user read back never carries one:
 * the server keeps only its derived key.
 *
 * Every function takes the client (users in `_users`) or the handle of another
 * authentication database (`couch.database("my_users")`).
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { dual } from "effect/Function"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import type { CouchAuth } from "./CouchAuth.js"
import type { Service } from "./CouchClient.js"
import { type CouchError, InvalidRequest } from "./CouchError.js"
import type { Database } from "./Database.js"
import * as Document from "./Document.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"
import * as internalHandle from "./internal/handle.js"
import type { JsonObject } from "./Json.js"

/**
 * Where users live: the client (its server's `_users` database) or the handle of the
 * database the server is configured to authenticate against.
 *
 * @since 0.2.0
 * @category models
 */
export type Users = Service | Database

/**
 * The prefix of every user document's id.
 *
 * @since 0.2.0
 * @category constants
 */
export const idPrefix = "org.couchdb.user:"

/** A user name without the id prefix (either form is accepted). */
const bareName = (name: string): string => name.startsWith(idPrefix) ? name.slice(idPrefix.length) : name

/**
 * The document id of user `name`: `org.couchdb.user:{name}` (a name that already has the
 * prefix is kept as it is).
 *
 * @since 0.2.0
 * @category constructors
 */
export const userId = (name: string): string => `${idPrefix}${bareName(name)}`

/**
 * The database users live in: `_users`, or the one given.
 *
 * @since 0.2.0
 * @category handles
 */
export const database = (self: Users): Database => self._tag === "Server" ? self.database("_users") : self

/**
 * The handle of user `name`'s document. Sends nothing.
 *
 * @since 0.2.0
 * @category handles
 */
export const document: {
  (name: string): (self: Users) => Document.Document
  (self: Users, name: string): Document.Document
} = dual(2, (self: Users, name: string) => internalHandle.document(database(self), userId(name)))

/**
 * A user document as the server keeps it: the password is never there, only what is
 * derived from it (`derived_key`, `salt`, …). Fields other servers or older schemes use
 * are optional; fields of your own on the document are not decoded.
 *
 * @since 0.2.0
 * @category schemas
 */
export const User = Schema.Struct({
  ...Document.Meta.fields,
  name: Schema.String,
  roles: Schema.Array(Schema.String),
  type: Schema.Literal("user"),
  /** `pbkdf2` (CouchDB 3, PouchDB) or `simple` (CouchDB 1.x). */
  password_scheme: Schema.optional(Schema.String),
  /** The PBKDF2 hash function, e.g. `sha256` (CouchDB 3.3+). */
  pbkdf2_prf: Schema.optional(Schema.String),
  iterations: Schema.optional(Schema.Number),
  derived_key: Schema.optional(Schema.String),
  salt: Schema.optional(Schema.String),
  /** The `simple` scheme's hash (CouchDB 1.x). */
  password_sha: Schema.optional(Schema.String)
})

/**
 * @since 0.2.0
 * @category models
 */
export interface User extends Schema.Schema.Type<typeof User> {}

/**
 * A user to create.
 *
 * @since 0.2.0
 * @category models
 */
export interface NewUser {
  /** The user name (with or without `org.couchdb.user:`). */
  readonly name: string
  readonly password: Redacted.Redacted<string>
  readonly roles?: ReadonlyArray<string> | undefined
}

/**
 * Options of the functions that read a user document, change it and write it back.
 *
 * @since 0.2.0
 * @category models
 */
export interface UpdateOptions {
  /**
   * How many times to read the document again and retry when a concurrent write wins
   * (`Conflict`); default 3. The last `Conflict` is the result after that.
   */
  readonly retries?: number | undefined
}

const checkName = (name: string, what: string): Either.Either<string, InvalidRequest> => {
  const bare = bareName(name)
  return bare === ""
    ? Either.left(new InvalidRequest({ description: `Users.${what}: the user name is empty` }))
    : Either.right(bare)
}

/**
 * Creates a user (`PUT /_users/org.couchdb.user:{name}` with `type: "user"`). An existing
 * user fails with `Conflict`; a name the server refuses with `Forbidden`.
 *
 * @since 0.2.0
 * @category writes
 * @example
 * ```ts
 * import { CouchClient, Users } from "@effect-couchdb/client"
 * import { Effect, Redacted } from "effect"
 *
 * const program = Effect.gen(function*() {
 *   const couch = yield* CouchClient.CouchClient
 *   yield* Users.create(couch, { name: "alice", password: Redacted.make("apple123"), roles: ["readers"] })
 *   const alice = yield* Users.get(couch, "alice")
 *   yield* Users.setPassword(couch, "alice", Redacted.make("banana456"))
 *   return alice.roles
 * })
 * ```
 */
export const create: Handle.OperationWith<Users, NewUser, Document.WriteResult> = dual(
  Endpoint.isDataFirst,
  (self: Users, user: NewUser): Effect.Effect<Document.WriteResult, CouchError, CouchAuth> =>
    Effect.flatMap(checkName(user.name, "create"), (name) =>
      Effect.flatMap(
        Endpoint.send(document(self, name), {
          method: "PUT",
          json: { name, password: Redacted.value(user.password), roles: user.roles ?? [], type: "user" }
        }),
        Endpoint.json(Document.WriteResult)
      ))
)

/**
 * Reads user `name`. A missing user is `NotFound`; reading another user's document needs an
 * admin (CouchDB answers `Forbidden`).
 *
 * @since 0.2.0
 * @category reads
 */
export const get: Handle.OperationWith<Users, string, User> = dual(
  Endpoint.isDataFirst,
  (self: Users, name: string): Effect.Effect<User, CouchError, CouchAuth> =>
    Effect.flatMap(
      checkName(name, "get"),
      (name) => Effect.flatMap(Endpoint.send(document(self, name), { method: "GET" }), Endpoint.json(User))
    )
)

/** What the server derives from a password; dropped when a new password is set. */
const derivedFields = new Set(["password_scheme", "pbkdf2_prf", "iterations", "derived_key", "salt", "password_sha"])

/**
 * Reads user `name`'s document, changes it and writes it back with its revision; on
 * `Conflict`, reads it again and retries, `retries` times.
 */
const update = (
  self: Users,
  name: string,
  what: string,
  change: (doc: JsonObject) => JsonObject,
  options: UpdateOptions
): Effect.Effect<Document.WriteResult, CouchError, CouchAuth> =>
  Effect.flatMap(checkName(name, what), (name) => {
    const doc = document(self, name)
    const once = Effect.flatMap(Document.get(doc), (current) => Document.put(doc, change(current)))
    return Effect.retry(once, { times: options.retries ?? 3, while: (error) => error._tag === "Conflict" })
  })

/**
 * Sets user `name`'s password: the document is read and written back with the new
 * password, which the server replaces with a new salt and derived key. Other fields are
 * kept. A concurrent change is retried (see `UpdateOptions`).
 *
 * @since 0.2.0
 * @category writes
 */
export const setPassword: {
  (
    name: string,
    password: Redacted.Redacted<string>,
    options?: UpdateOptions
  ): (self: Users) => Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  (
    self: Users,
    name: string,
    password: Redacted.Redacted<string>,
    options?: UpdateOptions
  ): Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Users, name: string, password: Redacted.Redacted<string>, options: UpdateOptions = {}) =>
    update(self, name, "setPassword", (doc) => {
      const kept: Record<string, JsonObject[string]> = {}
      for (const [key, value] of Object.entries(doc)) if (!derivedFields.has(key)) kept[key] = value
      return { ...kept, password: Redacted.value(password) }
    }, options)
)

/**
 * Replaces user `name`'s roles. Other fields are kept. A concurrent change is retried (see
 * `UpdateOptions`).
 *
 * @since 0.2.0
 * @category writes
 */
export const setRoles: {
  (
    name: string,
    roles: ReadonlyArray<string>,
    options?: UpdateOptions
  ): (self: Users) => Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  (
    self: Users,
    name: string,
    roles: ReadonlyArray<string>,
    options?: UpdateOptions
  ): Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Users, name: string, roles: ReadonlyArray<string>, options: UpdateOptions = {}) =>
    update(self, name, "setRoles", (doc) => ({ ...doc, roles }), options)
)

/**
 * Options of `remove`.
 *
 * @since 0.2.0
 * @category models
 */
export interface RemoveOptions extends UpdateOptions {
  /** Delete this revision only (a stale one fails with `Conflict`); by default the current one. */
  readonly rev?: string | undefined
}

/**
 * Deletes user `name`: the given revision, or the current one (read first, and read again
 * when a concurrent change wins). A missing user is `NotFound`.
 *
 * @since 0.2.0
 * @category writes
 */
export const remove: {
  (name: string, options?: RemoveOptions): (self: Users) => Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
  (self: Users, name: string, options?: RemoveOptions): Effect.Effect<Document.WriteResult, CouchError, CouchAuth>
} = dual(
  Endpoint.isDataFirst,
  (self: Users, name: string, options: RemoveOptions = {}) =>
    Effect.flatMap(checkName(name, "remove"), (name) => {
      const doc = document(self, name)
      const rev = options.rev
      if (rev !== undefined) return Document.remove(doc, { rev })
      const once = Effect.flatMap(Document.get(doc), (current) => Document.remove(doc, { rev: current._rev }))
      return Effect.retry(once, { times: options.retries ?? 3, while: (error) => error._tag === "Conflict" })
    })
)

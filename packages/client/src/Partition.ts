/**
 * Partitions of a partitioned database (CouchDB 3): queries scoped to one partition key.
 * Mango queries take a partition as their target (`Mango.find(partition, query)`,
 * `Mango.explain`); `_all_docs` and views are handles here, queried with `View`.
 *
 * @since 0.2.0
 */
import * as Effect from "effect/Effect"
import { dual } from "effect/Function"
import * as Schema from "effect/Schema"
import type { CouchAuth } from "./CouchAuth.js"
import type { CouchError } from "./CouchError.js"
import type { Database } from "./Database.js"
import type * as Handle from "./Handle.js"
import * as Endpoint from "./internal/endpoint.js"
import * as internalHandle from "./internal/handle.js"
import type { AllDocs, View } from "./View.js"

/**
 * A partition (`/{db}/_partition/{name}`); its documents have ids `{name}:…`.
 *
 * @since 0.2.0
 * @category models
 */
export interface Partition extends Handle.Handle {
  readonly _tag: "Partition"
  readonly database: Database
  readonly name: string
}

/**
 * The handle of partition `name` of `database`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: {
  (name: string): (database: Database) => Partition
  (database: Database, name: string): Partition
} = dual(2, internalHandle.partition)

/**
 * The partition's `_all_docs`, to query with `View.stream`/`View.open`.
 *
 * @since 0.2.0
 * @category handles
 */
export const allDocs = (self: Partition): AllDocs => internalHandle.allDocs(self.database, "_all_docs", self)

/**
 * View `name` of design document `ddoc` (with or without `_design/`), queried within the
 * partition.
 *
 * @since 0.2.0
 * @category handles
 */
export const view: {
  (ddoc: string, name: string): (self: Partition) => View
  (self: Partition, ddoc: string, name: string): View
} = dual(
  3,
  (self: Partition, ddoc: string, name: string): View =>
    internalHandle.view(internalHandle.designDocument(self.database, ddoc), name, self)
)

/**
 * What `GET /{db}/_partition/{name}` says about a partition. A partition without documents
 * has zero counts.
 *
 * @since 0.2.0
 * @category schemas
 */
export const Info = Schema.Struct({
  db_name: Schema.String,
  partition: Schema.String,
  doc_count: Schema.Number,
  doc_del_count: Schema.Number,
  sizes: Schema.Struct({ active: Schema.Number, external: Schema.Number })
})

/**
 * @since 0.2.0
 * @category models
 */
export interface Info extends Schema.Schema.Type<typeof Info> {}

/**
 * The partition's information. On a database that is not partitioned this is a
 * `BadRequest` (`database is not partitioned`).
 *
 * @since 0.2.0
 * @category reads
 */
export const info = (self: Partition): Effect.Effect<Info, CouchError, CouchAuth> =>
  Effect.flatMap(Endpoint.send(self, { method: "GET" }), Endpoint.json(Info))

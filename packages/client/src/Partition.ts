/**
 * Partitions of a partitioned database (CouchDB 3): queries scoped to one partition key.
 *
 * @since 0.2.0
 */
import { dual } from "effect/Function"
import type { Database } from "./Database.js"
import type * as Handle from "./Handle.js"
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

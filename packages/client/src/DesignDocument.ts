/**
 * Design documents: views, and the functions that live beside them.
 *
 * @since 0.2.0
 */
import { dual } from "effect/Function"
import type { Database } from "./Database.js"
import type * as Handle from "./Handle.js"
import * as internalHandle from "./internal/handle.js"
import type { Partition } from "./Partition.js"
import type { View } from "./View.js"

/**
 * A design document of a database (`_design/{name}`).
 *
 * @since 0.2.0
 * @category models
 */
export interface DesignDocument extends Handle.Handle {
  readonly _tag: "DesignDocument"
  readonly database: Database
  /** The name, without `_design/`. */
  readonly name: string
  /** The document id, `_design/{name}`. */
  readonly id: string
}

/**
 * The handle of design document `name` (with or without `_design/`) in `database`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: {
  (name: string): (database: Database) => DesignDocument
  (database: Database, name: string): DesignDocument
} = dual(2, internalHandle.designDocument)

/**
 * The handle of view `name` of the design document, to query with `View.stream`/`View.open`.
 * With `partition`, the view is queried within that partition.
 *
 * @since 0.2.0
 * @category handles
 */
export const view: {
  (name: string, partition?: Partition): (self: DesignDocument) => View
  (self: DesignDocument, name: string, partition?: Partition): View
} = dual(
  (args) => typeof args[0] === "object",
  (self: DesignDocument, name: string, partition?: Partition): View => internalHandle.view(self, name, partition)
)

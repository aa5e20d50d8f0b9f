/**
 * JSON values, as CouchDB stores and returns them. Documents read without a Schema are
 * `JsonObject`s, never `any`.
 *
 * @since 0.2.0
 */

/**
 * Any JSON value.
 *
 * @since 0.2.0
 * @category models
 */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | JsonObject

/**
 * A JSON object.
 *
 * @since 0.2.0
 * @category models
 */
export interface JsonObject {
  readonly [key: string]: Json
}

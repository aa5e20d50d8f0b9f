/**
 * @since 0.1.0
 */
export * as EmbeddedCouch from "./EmbeddedCouch.js"

/**
 * @since 0.2.0
 */
export * as TestCouch from "./TestCouch.js"

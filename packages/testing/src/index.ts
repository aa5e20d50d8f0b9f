/**
 * @since 0.1.0
 */
export * as MockCouch from "./MockCouch.js"

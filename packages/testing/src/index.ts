/**
 * @since 0.2.0
 */
export * as FaultProxy from "./FaultProxy.js"

/**
 * @since 0.1.0
 */
export * as MockCouch from "./MockCouch.js"

/**
 * @since 0.2.0
 */
export * as Attachment from "./Attachment.js"

/**
 * @since 0.2.0
 */
export * as Bulk from "./Bulk.js"

/**
 * @since 0.1.0
 */
export * as Changes from "./Changes.js"

/**
 * @since 0.2.0
 */
export * as Checkpoint from "./Checkpoint.js"

/**
 * @since 0.2.0
 */
export * as Cluster from "./Cluster.js"

/**
 * @since 0.1.0
 */
export * as CouchAuth from "./CouchAuth.js"

/**
 * @since 0.1.0
 */
export * as CouchClient from "./CouchClient.js"

/**
 * @since 0.1.0
 */
export * as CouchError from "./CouchError.js"

/**
 * @since 0.1.0
 */
export * as CouchUrl from "./CouchUrl.js"

/**
 * @since 0.2.0
 */
export * as Database from "./Database.js"

/**
 * @since 0.1.0
 */
export * as DbUpdates from "./DbUpdates.js"

/**
 * @since 0.2.0
 */
export * as DesignDocument from "./DesignDocument.js"

/**
 * @since 0.2.0
 */
export * as Document from "./Document.js"

/**
 * @since 0.2.0
 */
export * as Follow from "./Follow.js"

/**
 * @since 0.2.0
 */
export * as Handle from "./Handle.js"

/**
 * @since 0.2.0
 */
export * as Json from "./Json.js"

/**
 * @since 0.2.0
 */
export * as Mango from "./Mango.js"

/**
 * @since 0.2.0
 */
export * as Node from "./Node.js"

/**
 * @since 0.2.0
 */
export * as Partition from "./Partition.js"

/**
 * @since 0.2.0
 */
export * as Replication from "./Replication.js"

/**
 * @since 0.1.0
 */
export * as Resource from "./Resource.js"

/**
 * @since 0.2.0
 */
export * as Security from "./Security.js"

/**
 * @since 0.2.0
 */
export * as Server from "./Server.js"

/**
 * @since 0.2.0
 */
export * as Session from "./Session.js"

/**
 * @since 0.2.0
 */
export * as Users from "./Users.js"

/**
 * @since 0.1.0
 */
export * as View from "./View.js"

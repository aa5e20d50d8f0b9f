/**
 * Attachments: binary content stored with a document.
 *
 * @since 0.2.0
 */
import { dual } from "effect/Function"
import type { Document } from "./Document.js"
import type * as Handle from "./Handle.js"
import * as internalHandle from "./internal/handle.js"

/**
 * An attachment of a document. Its name is one path segment (a `/` in it is escaped), so
 * every legal name is addressable.
 *
 * @since 0.2.0
 * @category models
 */
export interface Attachment extends Handle.Handle {
  readonly _tag: "Attachment"
  readonly document: Document
  readonly name: string
}

/**
 * The handle of attachment `name` of `document`.
 *
 * @since 0.2.0
 * @category constructors
 */
export const make: {
  (name: string): (document: Document) => Attachment
  (document: Document, name: string): Attachment
} = dual(2, internalHandle.attachment)

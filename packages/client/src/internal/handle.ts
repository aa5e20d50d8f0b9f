import * as Equal from "effect/Equal"
import * as Hash from "effect/Hash"
import * as Inspectable from "effect/Inspectable"
import { pipeArguments } from "effect/Pipeable"
import type { Attachment } from "../Attachment.js"
import type { Service } from "../CouchClient.js"
import * as CouchUrl from "../CouchUrl.js"
import type { Database } from "../Database.js"
import type { DesignDocument } from "../DesignDocument.js"
import type { Document } from "../Document.js"
import { type Handle, isHandle, TypeId, url } from "../Handle.js"
import type { Partition } from "../Partition.js"
import type { AllDocs, View } from "../View.js"

const Proto = {
  [TypeId]: TypeId,
  pipe() {
    // `pipe` takes any number of functions; Effect's own data types forward `arguments` this way.
    // eslint-disable-next-line prefer-rest-params
    return pipeArguments(this, arguments)
  },
  [Equal.symbol](this: Handle, that: unknown): boolean {
    return isHandle(that) && that._tag === this._tag && that.client === this.client &&
      that.segments.length === this.segments.length && that.segments.every((s, i) => s === this.segments[i])
  },
  [Hash.symbol](this: Handle): number {
    return Hash.cached(this, Hash.combine(Hash.string(this._tag))(Hash.array(this.segments)))
  },
  toJSON(this: Handle & Record<string, unknown>) {
    // The URL carries no credentials (the client took them out of its base URL).
    return { _id: this._tag, url: url(this) }
  },
  toString(this: Handle) {
    return Inspectable.format(this)
  },
  [Inspectable.NodeInspectSymbol](this: Handle) {
    return Reflect.apply(Proto.toJSON, this, [])
  }
}

/** The own fields of a handle: everything but what its prototype supplies. */
type Fields<H extends Handle> = Omit<
  H,
  | typeof TypeId
  | "pipe"
  | typeof Equal.symbol
  | typeof Hash.symbol
  | "toJSON"
  | "toString"
  | typeof Inspectable.NodeInspectSymbol
>

const make = <H extends Handle>(fields: Fields<H>): H =>
  // The prototype supplies the members `fields` lacks (TypeId, pipe, Equal, Hash, inspection).
  Object.assign(Object.create(Proto), fields) as H

/**
 * The client service as the handle of its server's root: `client` is the service itself.
 *
 * @internal
 */
export const server = (fields: Omit<Fields<Service>, "_tag" | "client" | "segments">): Service => {
  const service: object = Object.create(Proto)
  // Descriptors rather than a spread: `fields` has getters (e.g. `root`) that must stay lazy.
  Object.defineProperties(service, Object.getOwnPropertyDescriptors(fields))
  Object.defineProperties(service, {
    _tag: { value: "Server", enumerable: true },
    segments: { value: [], enumerable: true },
    // The root handle's client is itself.
    client: { value: service }
  })
  // It now has every field of a Service, and the prototype supplies the rest of a Handle.
  return service as Service
}

/** @internal */
export const database = (client: Service, name: string): Database =>
  make<Database>({ _tag: "Database", client, segments: [name], name })

/** @internal */
export const document = (database: Database, id: string): Document =>
  make<Document>({
    _tag: "Document",
    client: database.client,
    segments: [...database.segments, ...CouchUrl.documentSegments(id)],
    database,
    id
  })

/** @internal */
export const designDocument = (database: Database, name: string): DesignDocument => {
  const bare = name.startsWith("_design/") ? name.slice("_design/".length) : name
  return make<DesignDocument>({
    _tag: "DesignDocument",
    client: database.client,
    segments: [...database.segments, "_design", bare],
    database,
    name: bare,
    id: `_design/${bare}`
  })
}

/** @internal */
export const attachment = (document: Document, name: string): Attachment =>
  make<Attachment>({
    _tag: "Attachment",
    client: document.client,
    segments: [...document.segments, ...CouchUrl.attachmentSegments(name)],
    document,
    name
  })

/** @internal */
export const partition = (database: Database, name: string): Partition =>
  make<Partition>({
    _tag: "Partition",
    client: database.client,
    segments: [...database.segments, "_partition", name],
    database,
    name
  })

/** @internal */
export const view = (design: DesignDocument, name: string, partition?: Partition): View =>
  make<View>({
    _tag: "View",
    client: design.client,
    segments: [
      ...(partition === undefined ? design.database.segments : partition.segments),
      "_design",
      design.name,
      "_view",
      name
    ],
    design,
    name,
    partition
  })

/** @internal */
export const allDocs = (
  database: Database,
  kind: AllDocs["kind"],
  partition?: Partition
): AllDocs =>
  make<AllDocs>({
    _tag: "AllDocs",
    client: database.client,
    segments: [...(partition === undefined ? database.segments : partition.segments), kind],
    database,
    kind,
    partition
  })

// A user's test file: importing the kit types vitest's inject for the globalSetup's keys,
// with no declaration of its own.
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { inject } from "vitest"

export const url: string = inject("couchUrl")
export const kind: "embedded" | "external" = inject("couchKind")
// @ts-expect-error a key the globalSetup does not provide
export const other = inject("couchPassword")
export const server = VitestCouch.server()

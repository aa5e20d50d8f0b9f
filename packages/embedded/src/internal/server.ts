import * as Redacted from "effect/Redacted"
import type { Server } from "../EmbeddedCouch.js"

/** @internal */
export const withCredentials = (url: string, username: string, password: string): string => {
  const parsed = new URL(url)
  parsed.username = encodeURIComponent(username)
  parsed.password = encodeURIComponent(password)
  return parsed.href.replace(/\/$/, "")
}

/**
 * The server at a URL with the admin's credentials in it (`COUCHDB_URL`, the globalSetup's
 * `couchUrl`).
 *
 * @internal
 */
export const fromUrl = (input: string, kind: Server["kind"]): Server => {
  const parsed = new URL(input)
  const username = decodeURIComponent(parsed.username)
  const password = decodeURIComponent(parsed.password)
  parsed.username = ""
  parsed.password = ""
  const url = parsed.href.replace(/\/$/, "")
  return {
    url,
    username,
    password: Redacted.make(password),
    urlWithCredentials: Redacted.make(withCredentials(url, username, password)),
    kind
  }
}

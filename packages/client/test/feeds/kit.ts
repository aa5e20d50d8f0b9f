/**
 * Shared by the feed tests: the client over MockCouch, the body layouts CouchDB 3.x sends,
 * ways to cut a body into chunks, and a drain that keeps both the rows and the error.
 */
import { CouchAuth, CouchClient, type Database } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { Chunk, Effect, Either, Layer, Stream } from "effect"

export const base = "http://couch.test:5984"
export const encoder = new TextEncoder()

/** The client over MockCouch with `routes`, no auth. */
export const Couch = (...routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layer({ url: base }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

/** Database `db` of the client. */
export const database = Effect.map(CouchClient.CouchClient, (couch) => couch.database("db"))

/** Runs `f` on database `db` of a client over MockCouch answering with `routes`. */
export const withDb = <A, E, R>(
  routes: ReadonlyArray<MockCouch.Route>,
  f: (db: Database.Database) => Effect.Effect<A, E, R>
) => Effect.flatMap(database, f).pipe(Effect.provide(Couch(...routes)))

type Answer =
  | MockCouch.Reply
  | ((request: MockCouch.RecordedRequest) => MockCouch.Reply | Effect.Effect<MockCouch.Reply>)

export const allDocs = (reply: Answer) => MockCouch.route("*", "/db/_all_docs", reply)
export const changes = (reply: Answer) => MockCouch.route("*", "/db/_changes", reply)

export const eventStream = { "content-type": "text/event-stream", "cache-control": "must-revalidate" }

/** The first (only) request MockCouch received. */
export const sent = Effect.flatMap(
  MockCouch.requests,
  (requests) => requests[0] === undefined ? Effect.dieMessage("no request was sent") : Effect.succeed(requests[0])
)

/** `text` as UTF-8, cut at the given byte offsets. */
export const cutAt = (text: string | Uint8Array, offsets: ReadonlyArray<number>): ReadonlyArray<Uint8Array> => {
  const bytes = typeof text === "string" ? encoder.encode(text) : text
  const out: Array<Uint8Array> = []
  let from = 0
  for (const offset of [...offsets].sort((a, b) => a - b)) {
    if (offset <= from || offset >= bytes.length) continue
    out.push(bytes.slice(from, offset))
    from = offset
  }
  out.push(bytes.slice(from))
  return out
}

/** `text` as UTF-8, one byte per chunk. */
export const perByte = (text: string): ReadonlyArray<Uint8Array> =>
  Array.from(encoder.encode(text), (b) => Uint8Array.of(b))

/** Every offset that falls inside a multi-byte UTF-8 character (before each continuation byte). */
export const insideCharacters = (text: string): ReadonlyArray<number> =>
  Array.from(encoder.encode(text)).flatMap((byte, i) => (byte & 0xc0) === 0x80 ? [i] : [])

/** The offsets right before and right after every backslash and double quote. */
export const aroundEscapes = (text: string): ReadonlyArray<number> =>
  Array.from(encoder.encode(text)).flatMap((byte, i) => byte === 0x5c || byte === 0x22 ? [i, i + 1] : [])

/** Every way to cut `text` in two, as chunk lists. */
export const everyTwoWayCut = (text: string): ReadonlyArray<ReadonlyArray<Uint8Array>> => {
  const length = encoder.encode(text).length
  return Array.from({ length: length - 1 }, (_, i) => cutAt(text, [i + 1]))
}

/** A CouchDB 3.x map view body: meta line, rows joined by `,\r\n`, `\r\n]}` and a last `\n`. */
export const couchView = (rows: ReadonlyArray<unknown>, meta: string) =>
  `{${meta}"rows":[\r\n${rows.map((row) => JSON.stringify(row)).join(",\r\n")}\r\n]}\n`

/** A CouchDB 3.x normal `_changes` body. */
export const couchChanges = (rows: ReadonlyArray<unknown>, lastSeq: string, pending: number) =>
  `{"results":[\n${rows.map((row) => JSON.stringify(row)).join(",\r\n")}\n],\n"last_seq":${
    JSON.stringify(lastSeq)
  },"pending":${pending}}\n`

/** A change row. */
export const change = (seq: string | number | null, id: string, extra: Record<string, unknown> = {}) => ({
  seq,
  id,
  changes: [{ rev: `1-${id.length}` }],
  ...extra
})

/** A stream's elements, and the error it ended with, if any. */
export const drain = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(Stream.either(stream)), (chunk) => {
    const all = Chunk.toReadonlyArray(chunk)
    return {
      values: all.flatMap((e) => Either.isRight(e) ? [e.right] : []),
      errors: all.flatMap((e) => Either.isLeft(e) ? [e.left] : [])
    }
  })

export const rowsOf = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

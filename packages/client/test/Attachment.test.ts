import { Attachment, CouchAuth, CouchClient, Database } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Option, Stream } from "effect"

const mock = (routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://127.0.0.1:5985" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const attachment = (name: string) =>
  Effect.map(CouchClient.CouchClient, (c) => Database.attachment(c.database("api"), "att", name))

const json = (status: number, body: string, headers: Readonly<Record<string, string>> = {}) =>
  MockCouch.raw(status, body, { "content-type": "application/json", "cache-control": "must-revalidate", ...headers })

const bin = Uint8Array.of(0x00, 0x01, 0x02, 0x7f, 0x80, 0xfe, 0xff, 0x0d, 0x0a, 0x00)
const binHeaders = {
  "accept-ranges": "bytes",
  "content-security-policy": "sandbox",
  "content-type": "application/octet-stream",
  etag: "\"I186SUZRATj/8oTPibTIoQ==\""
}
const hello = "hello world, hello world, hello world\n"
const helloHeaders = {
  "accept-ranges": "none",
  "content-type": "text/plain",
  etag: "\"S+KVuJNKxtE83WrH6YQmTg==\""
}
const unsatisfiable = json(
  416,
  "{\"error\":\"requested_range_not_satisfiable\",\"reason\":\"Requested range not satisfiable\"}\n"
)
const missing = json(404, "{\"error\":\"not_found\",\"reason\":\"Document is missing attachment\"}\n")

/** The attachments `bin.dat` and `hello.txt` of doc `att`, answering as CouchDB 3.5 did (recordings 5.4–5.18). */
const server = mock([
  MockCouch.route("HEAD", "/api/att/bin.dat", MockCouch.raw(200, "", { ...binHeaders, "content-length": "10" })),
  MockCouch.route("HEAD", "/api/att/hello.txt", MockCouch.raw(200, "", { ...helloHeaders, "content-length": "38" })),
  MockCouch.route("HEAD", "/api/att/nope.txt", MockCouch.raw(404, "")),
  MockCouch.route("GET", "/api/att/bin.dat", (request) => {
    switch (request.headers["range"]) {
      case undefined:
        return MockCouch.raw(200, bin, binHeaders)
      case "bytes=0-4":
        return MockCouch.raw(206, bin.subarray(0, 5), { ...binHeaders, "content-range": "bytes 0-4/10" })
      case "bytes=-3":
        return MockCouch.raw(206, bin.subarray(7), { ...binHeaders, "content-range": "bytes 7-9/10" })
      default:
        return unsatisfiable
    }
  }),
  MockCouch.route(
    "GET",
    "/api/att/hello.txt",
    (request) =>
      request.headers["if-none-match"] === "\"S+KVuJNKxtE83WrH6YQmTg==\""
        ? MockCouch.raw(304, "", { etag: "\"S+KVuJNKxtE83WrH6YQmTg==\"", "content-length": "0" })
        : request.headers["range"] === "bytes=1000-2000"
        ? unsatisfiable
        : MockCouch.raw(200, hello, helloHeaders)
  ),
  MockCouch.route("GET", "/api/att/nope.txt", missing)
])

describe("Attachment reads (CouchDB 3.5 recordings 5.4–5.18)", () => {
  it.effect("info from HEAD: digest (md5- + ETag), length and type; none when missing (5.4, 5.5)", () =>
    Effect.gen(function*() {
      expect(yield* Attachment.info(yield* attachment("hello.txt"))).toEqual(Option.some({
        digest: "md5-S+KVuJNKxtE83WrH6YQmTg==",
        length: 38,
        content_type: "text/plain"
      }))
      expect(yield* Attachment.info(yield* attachment("bin.dat"))).toEqual(Option.some({
        digest: "md5-I186SUZRATj/8oTPibTIoQ==",
        length: 10,
        content_type: "application/octet-stream"
      }))
      expect(yield* Attachment.info(yield* attachment("nope.txt"))).toEqual(Option.none())
      expect(yield* Attachment.exists(yield* attachment("nope.txt"))).toBe(false)
      const requests = yield* MockCouch.requests
      expect(requests.every((request) => request.method === "HEAD")).toBe(true)
      expect(requests[0]?.headers["accept"]).toBe("*/*")
    }).pipe(Effect.provide(server)))

  it.effect("get gives the exact bytes; stream gives them too; missing is NotFound (5.6, 5.7, 5.18)", () =>
    Effect.gen(function*() {
      expect(yield* Attachment.get(yield* attachment("bin.dat"))).toEqual(bin)
      expect(new TextDecoder().decode(yield* Attachment.get(yield* attachment("hello.txt")))).toBe(hello)
      const streamed = yield* Attachment.stream(yield* attachment("bin.dat")).pipe(Stream.runCollect)
      expect(Chunk.toArray(streamed).flatMap((chunk) => [...chunk])).toEqual([...bin])
      expect(yield* Effect.flip(Attachment.get(yield* attachment("nope.txt")))).toMatchObject({
        _tag: "NotFound",
        reason: "Document is missing attachment"
      })
    }).pipe(Effect.provide(server)))

  it.effect("rev reads the attachment of an older revision", () =>
    Effect.gen(function*() {
      yield* Attachment.get(yield* attachment("bin.dat"), { rev: "2-58369a182b62400727c25bddc4180d48" })
      const [request] = yield* MockCouch.requests
      expect(request?.url.search).toBe("?rev=2-58369a182b62400727c25bddc4180d48")
    }).pipe(Effect.provide(server)))

  it.effect("getIfChanged: If-None-Match with the digest, 304 is none (5.16)", () =>
    Effect.gen(function*() {
      const att = yield* attachment("hello.txt")
      expect(yield* Attachment.getIfChanged(att, "md5-S+KVuJNKxtE83WrH6YQmTg==")).toEqual(Option.none())
      expect(yield* att.pipe(Attachment.getIfChanged("S+KVuJNKxtE83WrH6YQmTg=="))).toEqual(Option.none())
      const changed = yield* Attachment.getIfChanged(att, "md5-old")
      expect(Option.map(changed, (data) => new TextDecoder().decode(data))).toEqual(Option.some(hello))
      const sent = (yield* MockCouch.requests).map((request) => request.headers["if-none-match"])
      expect(sent).toEqual(["\"S+KVuJNKxtE83WrH6YQmTg==\"", "\"S+KVuJNKxtE83WrH6YQmTg==\"", "\"old\""])
    }).pipe(Effect.provide(server)))

  it.effect("getRange: 206 with Content-Range parsed, suffix ranges, 416 RangeNotSatisfiable (5.10–5.12)", () =>
    Effect.gen(function*() {
      const att = yield* attachment("bin.dat")
      expect(yield* Attachment.getRange(att, { start: 0, end: 4 })).toEqual({
        _tag: "Partial",
        data: bin.subarray(0, 5),
        start: 0,
        end: 4,
        total: 10
      })
      expect(yield* Attachment.getRange(att, { suffix: 3 })).toEqual({
        _tag: "Partial",
        data: Uint8Array.of(0x0d, 0x0a, 0x00),
        start: 7,
        end: 9,
        total: 10
      })
      const beyond = yield* Effect.flip(Attachment.getRange(att, { start: 1000, end: 2000 }))
      expect(beyond).toMatchObject({ _tag: "RangeNotSatisfiable", status: 416 })
      const ranges = (yield* MockCouch.requests).map((request) => request.headers["range"])
      expect(ranges).toEqual(["bytes=0-4", "bytes=-3", "bytes=1000-2000"])
    }).pipe(Effect.provide(server)))

  it.effect("a server that ignores Range answers Full: the whole content, not sliced (5.14, 5.15)", () =>
    Effect.gen(function*() {
      const att = yield* attachment("hello.txt")
      const full = yield* Attachment.getRange(att, { start: 0, end: 4 })
      expect(full._tag).toBe("Full")
      expect(new TextDecoder().decode(full.data)).toBe(hello)
      // CouchDB still checks the range against the length.
      expect((yield* Effect.flip(Attachment.getRange(att, { start: 1000, end: 2000 })))._tag).toBe(
        "RangeNotSatisfiable"
      )
    }).pipe(Effect.provide(server)))

  it.effect("an open range sends bytes=N-; invalid ranges are InvalidRequest before any I/O", () =>
    Effect.gen(function*() {
      const att = yield* attachment("bin.dat")
      for (const range of [{ start: -1 }, { start: 5, end: 4 }, { suffix: 0 }, { start: 1.5 }]) {
        expect((yield* Effect.flip(Attachment.getRange(att, range)))._tag).toBe("InvalidRequest")
      }
      expect(yield* MockCouch.requests).toEqual([])
      yield* Attachment.getRange(att, { start: 3 }).pipe(Effect.ignore)
      expect((yield* MockCouch.requests)[0]?.headers["range"]).toBe("bytes=3-")
    }).pipe(Effect.provide(server)))

  it.effect("a 206 without a Content-Range is a DecodeError", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Attachment.getRange(yield* attachment("bin.dat"), { start: 0, end: 1 }))
      expect(error._tag).toBe("DecodeError")
    }).pipe(Effect.provide(mock([MockCouch.route("GET", "/api/att/bin.dat", MockCouch.raw(206, "ab", {}))]))))
})

describe("Attachment writes (CouchDB 3.5 recordings 5.1–5.3, 5.19–5.23, 5.27, 5.29)", () => {
  const answer = (rev: string) => json(201, `{"ok":true,"id":"att","rev":"${rev}"}\n`)

  it.effect("put without rev creates the document; with rev sends it; exact bytes and content type (5.1, 5.3)", () =>
    Effect.gen(function*() {
      const created = yield* Attachment.put(yield* attachment("hello.txt"), new TextEncoder().encode(hello), {
        contentType: "text/plain"
      })
      expect(created).toEqual({ ok: true, id: "att", rev: "1-5e741aa9fde47241252ac995dce725ca" })
      const second = yield* Attachment.put(yield* attachment("bin.dat"), bin, {
        contentType: "application/octet-stream",
        rev: created.rev
      })
      expect(second.rev).toBe("2-58369a182b62400727c25bddc4180d48")
      const [one, two] = yield* MockCouch.requests
      expect(one?.url.search).toBe("")
      expect(one?.headers["content-type"]).toBe("text/plain")
      expect(two?.url.search).toBe("?rev=1-5e741aa9fde47241252ac995dce725ca")
      expect(two?.bodyBytes).toEqual(bin)
    }).pipe(Effect.provide(mock([
      MockCouch.route("PUT", "/api/att/hello.txt", answer("1-5e741aa9fde47241252ac995dce725ca")),
      MockCouch.route("PUT", "/api/att/bin.dat", answer("2-58369a182b62400727c25bddc4180d48"))
    ]))))

  it.effect("put from a stream: streamed with its Content-Length, or chunked without one", () =>
    Effect.gen(function*() {
      const att = yield* attachment("bin.dat")
      const chunks = Stream.make(bin.subarray(0, 3), bin.subarray(3))
      yield* Attachment.put(att, chunks, { contentType: "application/octet-stream", length: 10 })
      yield* Attachment.put(att, chunks, { contentType: "application/octet-stream" })
      const [sized, unsized] = yield* MockCouch.requests
      expect(sized?.headers["content-length"]).toBe("10")
      expect(sized?.bodyBytes).toEqual(bin)
      expect(unsized?.headers["content-length"]).toBeUndefined()
      expect(unsized?.bodyBytes).toEqual(bin)
    }).pipe(Effect.provide(mock([MockCouch.route("PUT", "/api/att/bin.dat", answer("2-x"))]))))

  it.effect("a put without rev on an existing document is Conflict; to a missing database NotFound (5.2, 5.29)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Attachment.put(yield* attachment("bin.dat"), bin, { contentType: "x/y" }))
      expect(error._tag).toBe("Conflict")
      const couch = yield* CouchClient.CouchClient
      const nope = Database.attachment(couch.database("api-nope"), "att", "x.txt")
      expect(yield* Effect.flip(Attachment.put(nope, Uint8Array.of(120), { contentType: "text/plain" }))).toMatchObject(
        {
          _tag: "NotFound",
          reason: "Database does not exist."
        }
      )
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "PUT",
        "/api/att/bin.dat",
        json(409, "{\"error\":\"conflict\",\"reason\":\"Document update conflict.\"}\n", { connection: "close" })
      ),
      MockCouch.route(
        "PUT",
        "/api-nope/att/x.txt",
        json(404, "{\"error\":\"not_found\",\"reason\":\"Database does not exist.\"}\n")
      )
    ]))))

  it.effect("a name with a slash is one escaped segment: a%2Fb (5.22)", () =>
    Effect.gen(function*() {
      yield* Attachment.put(yield* attachment("a/b"), new TextEncoder().encode("escaped slash\n"), {
        contentType: "text/plain",
        rev: "3-a4069c80c87bea6a5a4ceab385831f09"
      })
      expect((yield* MockCouch.requests)[0]?.path).toBe("/api/att/a%2Fb")
    }).pipe(
      Effect.provide(mock([MockCouch.route("PUT", "/api/att/a%2Fb", answer("4-b787cf11d1ab6542632192dc3f222fba"))]))
    ))

  it.effect("bad put input is an InvalidRequest before any I/O", () =>
    Effect.gen(function*() {
      const att = yield* attachment("bin.dat")
      const refusals = [
        Attachment.put(att, bin, { contentType: "" }),
        Attachment.put(att, bin, { contentType: "text/plain\nx: y" }),
        Attachment.put(att, bin, { contentType: "text/plain", length: 3 }),
        Attachment.put(att, Stream.make(bin), { contentType: "text/plain", length: -2 })
      ]
      for (const refused of refusals) expect((yield* Effect.flip(refused))._tag).toBe("InvalidRequest")
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(mock([MockCouch.route("PUT", "/api/att/bin.dat", answer("2-x"))]))))

  it.effect("remove sends the rev; a missing attachment is NotFound; an empty rev is refused (5.19, 5.20)", () =>
    Effect.gen(function*() {
      const removed = yield* Attachment.remove(yield* attachment("bin.dat"), {
        rev: "2-58369a182b62400727c25bddc4180d48"
      })
      expect(removed.rev).toBe("3-a4069c80c87bea6a5a4ceab385831f09")
      const error = yield* Effect.flip(
        Attachment.remove(yield* attachment("nope.txt"), { rev: "2-58369a182b62400727c25bddc4180d48" })
      )
      expect(error).toMatchObject({ _tag: "NotFound", reason: "Document is missing attachment" })
      expect((yield* Effect.flip(Attachment.remove(yield* attachment("bin.dat"), { rev: "" })))._tag).toBe(
        "InvalidRequest"
      )
      const sent = (yield* MockCouch.requests).map((request) =>
        `${request.method} ${request.path}${request.url.search}`
      )
      expect(sent).toEqual([
        "DELETE /api/att/bin.dat?rev=2-58369a182b62400727c25bddc4180d48",
        "DELETE /api/att/nope.txt?rev=2-58369a182b62400727c25bddc4180d48"
      ])
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "DELETE",
        "/api/att/bin.dat",
        json(200, "{\"ok\":true,\"id\":\"att\",\"rev\":\"3-a4069c80c87bea6a5a4ceab385831f09\"}\n")
      ),
      MockCouch.route("DELETE", "/api/att/nope.txt", missing)
    ]))))
})

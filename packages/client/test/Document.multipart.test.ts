import { CouchAuth, CouchClient, Database, Document } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"

const couch = (status: number, body: string | Uint8Array, headers: Readonly<Record<string, string>> = {}) =>
  MockCouch.raw(status, body, { "content-type": "application/json", ...headers })

const mock = (routes: ReadonlyArray<MockCouch.Route>) =>
  Layer.mergeAll(CouchClient.layerWithoutAuth({ url: "http://127.0.0.1:5985" }), CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer(routes))
  )

const apiDoc = (id: string) => Effect.map(CouchClient.CouchClient, (c) => Database.document(c.database("api"), id))

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0)) // Latin-1: one byte per char
const text = (data: Uint8Array | undefined) => new TextDecoder().decode(data)

const V = Schema.Struct({ v: Schema.String })

describe("Document.openRevs as JSON (CouchDB 3.5 recordings 4.22, 4.24, 4.26, 4.44)", () => {
  const route = MockCouch.route("GET", /^\/api\/(cdoc|deldoc)$/, (request) => {
    const openRevs = request.query.get("open_revs")
    if (request.path === "/api/deldoc") {
      return MockCouch.chunked(200, [
        "[",
        "{\"ok\":{\"_id\":\"deldoc\",\"_rev\":\"2-d0ae140c7f7cdb92dd85a3e31ae18f0c\",\"_deleted\":true}}",
        "]",
        "\n"
      ])
    }
    if (openRevs === "all" && request.query.get("revs") === "true") {
      return couch(
        200,
        "[{\"ok\":{\"_id\":\"cdoc\",\"_rev\":\"1-cccccccccccccccccccccccccccccccc\",\"v\":\"c\",\"_revisions\":{\"start\":1,\"ids\":[\"cccccccccccccccccccccccccccccccc\"]}}},{\"ok\":{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\",\"_revisions\":{\"start\":1,\"ids\":[\"cd6dcd82d939d5b6220025fbc573b36a\"]}}},{\"ok\":{\"_id\":\"cdoc\",\"_rev\":\"2-d57ce398f63417fd01c5c372e5e048e6\",\"_deleted\":true,\"_revisions\":{\"start\":2,\"ids\":[\"d57ce398f63417fd01c5c372e5e048e6\",\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"]}}}]\n"
      )
    }
    if (openRevs === "all") {
      // The recorded chunk framing of 4.22.
      return MockCouch.chunked(200, [
        "[",
        "{\"ok\":{\"_id\":\"cdoc\",\"_rev\":\"1-cccccccccccccccccccccccccccccccc\",\"v\":\"c\"}}",
        ",{\"ok\":{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\"}}",
        ",{\"ok\":{\"_id\":\"cdoc\",\"_rev\":\"2-d57ce398f63417fd01c5c372e5e048e6\",\"_deleted\":true}}",
        "]",
        "\n"
      ])
    }
    return couch(
      200,
      "[{\"ok\":{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\"}},{\"missing\":\"5-55555555555555555555555555555555\"}]\n"
    )
  })

  it.effect("open_revs=all: live leaves decoded with the Schema, the deleted leaf a tombstone (4.22)", () =>
    Effect.gen(function*() {
      const leaves = yield* Document.openRevs(yield* apiDoc("cdoc"), { open_revs: "all", schema: V })
      expect(leaves).toEqual([
        { _tag: "Ok", ok: { _id: "cdoc", _rev: "1-cccccccccccccccccccccccccccccccc", v: "c" } },
        { _tag: "Ok", ok: { _id: "cdoc", _rev: "1-cd6dcd82d939d5b6220025fbc573b36a", v: "a" } },
        { _tag: "Deleted", ok: { _id: "cdoc", _rev: "2-d57ce398f63417fd01c5c372e5e048e6", _deleted: true } }
      ])
      const [request] = yield* MockCouch.requests
      expect(request?.url.search).toBe("?open_revs=all")
      expect(request?.headers["accept"]).toBe("application/json")
    }).pipe(Effect.provide(mock([route]))))

  it.effect("a list of revisions is sent as JSON; an unknown one is Missing (4.24)", () =>
    Effect.gen(function*() {
      const leaves = yield* Document.openRevs(yield* apiDoc("cdoc"), {
        open_revs: ["1-cd6dcd82d939d5b6220025fbc573b36a", "5-55555555555555555555555555555555"]
      })
      expect(leaves).toEqual([
        { _tag: "Ok", ok: { _id: "cdoc", _rev: "1-cd6dcd82d939d5b6220025fbc573b36a", v: "a" } },
        { _tag: "Missing", missing: "5-55555555555555555555555555555555" }
      ])
      const [request] = yield* MockCouch.requests
      expect(request?.url.search).toBe(
        "?open_revs=%5B%221-cd6dcd82d939d5b6220025fbc573b36a%22%2C%225-55555555555555555555555555555555%22%5D"
      )
    }).pipe(Effect.provide(mock([route]))))

  it.effect("revs=true adds each leaf's history, the tombstone's too (4.26); a deleted document's leaf (4.44)", () =>
    Effect.gen(function*() {
      const leaves = yield* Document.openRevs(yield* apiDoc("cdoc"), { open_revs: "all", revs: true, latest: true })
      expect(leaves.map((leaf) => leaf._tag === "Missing" ? undefined : leaf.ok._revisions?.start)).toEqual([1, 1, 2])
      const [request] = yield* MockCouch.requests
      expect(request?.url.search).toBe("?open_revs=all&revs=true&latest=true")
      const deleted = yield* Document.openRevs(yield* apiDoc("deldoc"), { open_revs: "all" })
      expect(deleted).toEqual([{
        _tag: "Deleted",
        ok: { _id: "deldoc", _rev: "2-d0ae140c7f7cdb92dd85a3e31ae18f0c", _deleted: true }
      }])
    }).pipe(Effect.provide(mock([route]))))

  it.effect("a live leaf that does not match the Schema is a DecodeError naming the document", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Document.openRevs(yield* apiDoc("cdoc"), { open_revs: "all", schema: Schema.Struct({ v: Schema.Number }) })
      )
      expect(error).toMatchObject({ _tag: "DecodeError", documentId: "cdoc", path: ["v"] })
    }).pipe(Effect.provide(mock([route]))))
})

describe("Document.streamOpenRevs from multipart/mixed (CouchDB 3.5 recordings 4.23, 4.25)", () => {
  const boundary23 = "d39b2073dc2bd7c3d609f1b25de93a13"
  const boundary25 = "4ae881601d1d43e33ff70acd72de0f8e"
  const route = MockCouch.route("GET", "/api/cdoc", (request) =>
    request.query.get("open_revs") === "all"
      ? MockCouch.chunked(200, [
        // The recorded chunk framing of 4.23, chunk by chunk.
        `--${boundary23}`,
        "\r\nContent-Type: application/json\r\n\r\n",
        "{\"_id\":\"cdoc\",\"_rev\":\"1-cccccccccccccccccccccccccccccccc\",\"v\":\"c\"}",
        `\r\n--${boundary23}`,
        "\r\nContent-Type: application/json\r\n\r\n",
        "{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\"}",
        `\r\n--${boundary23}`,
        "\r\nContent-Type: application/json\r\n\r\n",
        "{\"_id\":\"cdoc\",\"_rev\":\"2-d57ce398f63417fd01c5c372e5e048e6\",\"_deleted\":true}",
        `\r\n--${boundary23}`,
        "--"
      ], { headers: { "content-type": `multipart/mixed; boundary="${boundary23}"` } })
      : MockCouch.chunked(200, [
        `--${boundary25}`,
        "\r\nContent-Type: application/json\r\n\r\n",
        "{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\"}",
        `\r\n--${boundary25}`,
        "\r\nContent-Type: application/json; error=\"true\"\r\n\r\n{\"missing\":\"5-55555555555555555555555555555555\"}\r\n--4ae881601d1d43e33ff70acd72de0f8e",
        "--"
      ], { headers: { "content-type": `multipart/mixed; boundary="${boundary25}"` } }))

  it.effect("every leaf, one part at a time, with Accept: multipart/mixed (4.23)", () =>
    Effect.gen(function*() {
      const leaves = yield* Document.streamOpenRevs(yield* apiDoc("cdoc"), { open_revs: "all", schema: V }).pipe(
        Stream.runCollect
      )
      expect(Chunk.toArray(leaves).map((leaf) => leaf._tag === "Missing" ? leaf.missing : leaf.ok._rev)).toEqual([
        "1-cccccccccccccccccccccccccccccccc",
        "1-cd6dcd82d939d5b6220025fbc573b36a",
        "2-d57ce398f63417fd01c5c372e5e048e6"
      ])
      expect(Chunk.toArray(leaves).map((leaf) => leaf._tag)).toEqual(["Ok", "Ok", "Deleted"])
      const [request] = yield* MockCouch.requests
      expect(request?.headers["accept"]).toBe("multipart/mixed")
    }).pipe(Effect.provide(mock([route]))))

  it.effect("an error=\"true\" part is Missing (4.25)", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("cdoc")
      const leaves = yield* Document.streamOpenRevs(doc, {
        open_revs: ["1-cd6dcd82d939d5b6220025fbc573b36a", "5-55555555555555555555555555555555"]
      }).pipe(Stream.runCollect)
      expect(Chunk.toArray(leaves)).toEqual([
        { _tag: "Ok", ok: { _id: "cdoc", _rev: "1-cd6dcd82d939d5b6220025fbc573b36a", v: "a" } },
        { _tag: "Missing", missing: "5-55555555555555555555555555555555" }
      ])
    }).pipe(Effect.provide(mock([route]))))

  it.effect(
    "a leaf with attachments comes as a multipart/related part: its attachments as bytes (CouchDB API reference, not recorded)",
    () =>
      Effect.gen(function*() {
        const leaves = yield* Document.streamOpenRevs(yield* apiDoc("attdoc"), { open_revs: "all", attachments: true })
          .pipe(Stream.runCollect)
        const [leaf] = Chunk.toArray(leaves)
        expect(leaf?._tag).toBe("Ok")
        if (leaf?._tag === "Ok") {
          expect(leaf.ok._id).toBe("attdoc")
          expect(text(leaf.attachments?.get("a.txt"))).toBe("hello attachment a\n")
        }
        const [request] = yield* MockCouch.requests
        expect(request?.url.search).toBe("?open_revs=all&attachments=true")
      }).pipe(Effect.provide(mock([
        MockCouch.route(
          "GET",
          "/api/attdoc",
          MockCouch.raw(
            200,
            bytes(
              "--outer\r\nContent-Type: multipart/related; boundary=\"inner\"\r\n\r\n--inner\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"attdoc\",\"_rev\":\"1-fb508acdf141741ca4ffadadf080e972\",\"_attachments\":{\"a.txt\":{\"content_type\":\"text/plain\",\"revpos\":1,\"digest\":\"md5-KMymw51HMa9xVSVW0qZhyQ==\",\"length\":19,\"follows\":true}}}\r\n--inner\r\nContent-Disposition: attachment; filename=\"a.txt\"\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n\r\nhello attachment a\n\r\n--inner--\r\n--outer--"
            ),
            { "content-type": "multipart/mixed; boundary=\"outer\"" }
          )
        )
      ])))
  )

  it.effect("leaves are read part by part as the stream is pulled: taking one reads no further", () =>
    Effect.gen(function*() {
      const leaf = (n: number) =>
        `--b\r\nContent-Type: application/json\r\n\r\n{"_id":"cdoc","_rev":"${n + 1}-${"a".repeat(32)}","v":"${n}"}\r\n`
      let produced = 0
      const first = yield* Effect.gen(function*() {
        const doc = yield* apiDoc("cdoc")
        return yield* Document.streamOpenRevs(doc, { open_revs: "all", schema: V }).pipe(
          Stream.take(1),
          Stream.runCollect
        )
      }).pipe(Effect.provide(mock([
        // An endless body, each part produced only when the client reads it.
        MockCouch.route(
          "GET",
          "/api/cdoc",
          MockCouch.lazy(200, (n) => {
            produced = n + 1
            return leaf(n)
          }, { "content-type": "multipart/mixed; boundary=b" })
        )
      ])))
      expect(Chunk.toArray(first).map((l) => l._tag === "Ok" ? l.ok.v : undefined)).toEqual(["0"])
      // The first leaf ends where the second part's boundary begins: a couple of chunks, not the endless rest.
      expect(produced).toBeLessThan(5)
    }))

  it.effect("a truncated multipart body is a DecodeError, after the leaves that arrived whole", () =>
    Effect.gen(function*() {
      const seen: Array<string> = []
      const error = yield* Document.streamOpenRevs(yield* apiDoc("cdoc"), { open_revs: "all" }).pipe(
        Stream.runForEach((leaf) => Effect.sync(() => seen.push(leaf._tag))),
        Effect.flip
      )
      expect(seen).toEqual(["Ok"])
      expect(error).toMatchObject({ _tag: "DecodeError", description: expect.stringContaining("closing boundary") })
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "GET",
        "/api/cdoc",
        MockCouch.raw(
          200,
          "--b\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"cdoc\",\"_rev\":\"1-a\"}\r\n--b\r\nContent-Ty",
          {
            "content-type": "multipart/mixed; boundary=b"
          }
        )
      )
    ]))))
})

const attdoc = bytes(
  "--dc2490721aa89422d7d97d8be0f8a05d\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"attdoc\",\"_rev\":\"2-7a9aaa9e9b4a007aa2a7ce2a70a79c4c\",\"title\":\"with attachment\",\"_attachments\":{\"a.txt\":{\"content_type\":\"text/plain\",\"revpos\":1,\"digest\":\"md5-KMymw51HMa9xVSVW0qZhyQ==\",\"length\":19,\"follows\":true,\"encoding\":\"gzip\",\"encoded_length\":39},\"b.bin\":{\"content_type\":\"application/octet-stream\",\"revpos\":2,\"digest\":\"md5-OOx4u8Gk1j7aJfR0uZpU7w==\",\"length\":5,\"follows\":true}}}\r\n--dc2490721aa89422d7d97d8be0f8a05d\r\nContent-Disposition: attachment; filename=\"a.txt\"\r\nContent-Type: text/plain\r\nContent-Length: 39\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcbH\xcd\xc9\xc9WH,)IL\xce\xc8M\xcd+QH\xe4\x02\x00\xe416.\x13\x00\x00\x00\r\n--dc2490721aa89422d7d97d8be0f8a05d\r\nContent-Disposition: attachment; filename=\"b.bin\"\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n\x00\x01\x02\xff\xfe\r\n--dc2490721aa89422d7d97d8be0f8a05d--"
)

describe("Document.getWithAttachments (CouchDB 3.5 recordings 4.31, 4.32)", () => {
  const Titled = Schema.Struct({ title: Schema.String })

  it.effect("reads multipart/related: the gzip part decompressed, the binary part exact (4.31)", () =>
    Effect.gen(function*() {
      const { attachments, doc } = yield* Document.getWithAttachments(yield* apiDoc("attdoc"), { schema: Titled })
      expect(doc.title).toBe("with attachment")
      expect(doc._attachments?.["a.txt"]).toMatchObject({ follows: true, encoding: "gzip", length: 19 })
      expect(text(attachments.get("a.txt"))).toBe("hello attachment a\n")
      expect(attachments.get("b.bin")).toEqual(Uint8Array.of(0, 1, 2, 0xff, 0xfe))
      const [request] = yield* MockCouch.requests
      expect(request?.url.search).toBe("?attachments=true")
      expect(request?.headers["accept"]).toBe("multipart/related")
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "GET",
        "/api/attdoc",
        couch(200, attdoc, { "content-type": "multipart/related; boundary=\"dc2490721aa89422d7d97d8be0f8a05d\"" })
      )
    ]))))

  it.effect("atts_since and rev reach the server", () =>
    Effect.gen(function*() {
      yield* Document.getWithAttachments(yield* apiDoc("attdoc"), {
        rev: "2-7a9aaa9e9b4a007aa2a7ce2a70a79c4c",
        atts_since: ["1-fb508acdf141741ca4ffadadf080e972"]
      })
      const [request] = yield* MockCouch.requests
      expect(request?.url.search).toBe(
        "?rev=2-7a9aaa9e9b4a007aa2a7ce2a70a79c4c&attachments=true&atts_since=%5B%221-fb508acdf141741ca4ffadadf080e972%22%5D"
      )
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "GET",
        "/api/attdoc",
        couch(200, attdoc, { "content-type": "multipart/related; boundary=\"dc2490721aa89422d7d97d8be0f8a05d\"" })
      )
    ]))))

  it.effect("a server answering JSON is read from the inline base64 (4.32)", () =>
    Effect.gen(function*() {
      const { attachments } = yield* Document.getWithAttachments(yield* apiDoc("attdoc"))
      expect(text(attachments.get("a.txt"))).toBe("hello attachment a\n")
      expect(attachments.get("b.bin")).toEqual(Uint8Array.of(0, 1, 2, 0xff, 0xfe))
    }).pipe(Effect.provide(mock([
      MockCouch.route(
        "GET",
        "/api/attdoc",
        couch(
          200,
          "{\"_id\":\"attdoc\",\"_rev\":\"2-7a9aaa9e9b4a007aa2a7ce2a70a79c4c\",\"title\":\"with attachment\",\"_attachments\":{\"a.txt\":{\"content_type\":\"text/plain\",\"revpos\":1,\"digest\":\"md5-KMymw51HMa9xVSVW0qZhyQ==\",\"data\":\"aGVsbG8gYXR0YWNobWVudCBhCg==\"},\"b.bin\":{\"content_type\":\"application/octet-stream\",\"revpos\":2,\"digest\":\"md5-OOx4u8Gk1j7aJfR0uZpU7w==\",\"data\":\"AAEC//4=\"}}}\n"
        )
      )
    ]))))

  it.effect("fewer attachment parts than stubs that say follows is a DecodeError", () =>
    Effect.gen(function*() {
      const cut = String.fromCharCode(...attdoc).indexOf(
        "\r\n--dc2490721aa89422d7d97d8be0f8a05d\r\nContent-Disposition: attachment; filename=\"b.bin\""
      )
      const body = new Uint8Array([...attdoc.subarray(0, cut), ...bytes("\r\n--dc2490721aa89422d7d97d8be0f8a05d--")])
      const error = yield* Effect.flip(
        Effect.flatMap(apiDoc("attdoc"), Document.getWithAttachments).pipe(
          Effect.provide(mock([
            MockCouch.route(
              "GET",
              "/api/attdoc",
              couch(200, body, { "content-type": "multipart/related; boundary=\"dc2490721aa89422d7d97d8be0f8a05d\"" })
            )
          ]))
        )
      )
      expect(error).toMatchObject({
        _tag: "DecodeError",
        description: "2 attachments follow the document, but 1 parts do"
      })
    }))
})

describe("Document.putWithAttachments (CouchDB 3.5 recording 4.35)", () => {
  const answer = couch(201, "{\"ok\":true,\"id\":\"mpdoc\",\"rev\":\"1-bdcfc6cf0f87fca688dac3e6871f714f\"}\n")

  it.effect("sends the recorded multipart/related layout with an exact Content-Length, the stream streamed", () =>
    Effect.gen(function*() {
      const result = yield* Document.putWithAttachments(yield* apiDoc("mpdoc"), { title: "multipart" }, {
        "m.txt": {
          contentType: "text/plain",
          data: Stream.make("multipart ", "attachment body\n").pipe(Stream.encodeText),
          length: 26
        }
      })
      expect(result.rev).toBe("1-bdcfc6cf0f87fca688dac3e6871f714f")
      const [request] = yield* MockCouch.requests
      const boundary = /boundary="([0-9a-f]{32})"$/.exec(request?.headers["content-type"] ?? "")?.[1]
      expect(boundary).toBeDefined()
      expect(request?.body?.replaceAll(boundary ?? "", "abc123")).toBe(
        "--abc123\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"mpdoc\",\"title\":\"multipart\",\"_attachments\":{\"m.txt\":{\"follows\":true,\"content_type\":\"text/plain\",\"length\":26}}}\r\n--abc123\r\nContent-Disposition: attachment; filename=\"m.txt\"\r\nContent-Type: text/plain\r\n\r\nmultipart attachment body\n\r\n--abc123--\r\n"
      )
      expect(Number(request?.headers["content-length"])).toBe(request?.bodyBytes?.length)
    }).pipe(Effect.provide(mock([MockCouch.route("PUT", "/api/mpdoc", answer)]))))

  it.effect("keeps the value's stubs, sends parts in the stubs' order, and rev / new_edits as query options", () =>
    Effect.gen(function*() {
      const binary = Uint8Array.of(0, 0xff, 13, 10, 45, 45)
      yield* Document.putWithAttachments(
        yield* apiDoc("mpdoc"),
        {
          _rev: "1-bdcfc6cf0f87fca688dac3e6871f714f",
          title: "t",
          _attachments: { "old.txt": { content_type: "text/plain", stub: true } }
        },
        new Map([["2", { contentType: "application/octet-stream", data: binary }], ["1", {
          contentType: "text/plain",
          data: new TextEncoder().encode("one")
        }]]),
        { new_edits: true }
      )
      const [request] = yield* MockCouch.requests
      expect(request?.url.search).toBe("?new_edits=true")
      const body = request?.bodyBytes ?? new Uint8Array()
      const latin1 = String.fromCharCode(...body)
      const json = JSON.parse(latin1.split("\r\n\r\n")[1]?.split("\r\n--")[0] ?? "")
      // Integer-like names come first in a JSON object: the parts follow that order.
      expect(Object.keys(json._attachments)).toEqual(["1", "2", "old.txt"])
      expect(latin1.indexOf("filename=\"1\"")).toBeLessThan(latin1.indexOf("filename=\"2\""))
      expect(latin1).toContain(`filename="2"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\xff\r\n--\r\n`)
    }).pipe(Effect.provide(mock([MockCouch.route("PUT", "/api/mpdoc", answer)]))))

  it.effect("bad input is an InvalidRequest before any I/O", () =>
    Effect.gen(function*() {
      const doc = yield* apiDoc("mpdoc")
      const refuse = (attachments: Record<string, Document.AttachmentUpload>) =>
        Effect.flip(Document.putWithAttachments(doc, { title: "t" }, attachments))
      const data = new Uint8Array(3)
      for (
        const bad of [
          { "": { contentType: "text/plain", data } },
          { a: { contentType: "text/plain\r\nX-Evil: 1", data } },
          { a: { contentType: "", data } },
          { a: { contentType: "text/plain", data, length: 4 } },
          { a: { contentType: "text/plain", data: Stream.empty, length: -1 } }
        ]
      ) expect((yield* refuse(bad))._tag).toBe("InvalidRequest")
      expect(yield* MockCouch.requests).toEqual([])
    }).pipe(Effect.provide(mock([MockCouch.route("PUT", "/api/mpdoc", answer)]))))
})

import { CouchError } from "@effect-couchdb/client"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, FastCheck as fc, Stream } from "effect"
import * as Multipart from "../src/internal/multipart.js"

const encoder = new TextEncoder()
const decoder = new TextDecoder()
const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0)) // Latin-1: one byte per char

/** Recorded bodies (CouchDB 3.5): content type, body, and what the parts hold. */
const recordings = {
  "4.23": {
    contentType: "multipart/mixed; boundary=\"d39b2073dc2bd7c3d609f1b25de93a13\"",
    body: bytes(
      "--d39b2073dc2bd7c3d609f1b25de93a13\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"cdoc\",\"_rev\":\"1-cccccccccccccccccccccccccccccccc\",\"v\":\"c\"}\r\n--d39b2073dc2bd7c3d609f1b25de93a13\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\"}\r\n--d39b2073dc2bd7c3d609f1b25de93a13\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"cdoc\",\"_rev\":\"2-d57ce398f63417fd01c5c372e5e048e6\",\"_deleted\":true}\r\n--d39b2073dc2bd7c3d609f1b25de93a13--"
    ),
    parts: 3
  },
  "4.25": {
    contentType: "multipart/mixed; boundary=\"4ae881601d1d43e33ff70acd72de0f8e\"",
    body: bytes(
      "--4ae881601d1d43e33ff70acd72de0f8e\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\"}\r\n--4ae881601d1d43e33ff70acd72de0f8e\r\nContent-Type: application/json; error=\"true\"\r\n\r\n{\"missing\":\"5-55555555555555555555555555555555\"}\r\n--4ae881601d1d43e33ff70acd72de0f8e--"
    ),
    parts: 2
  },
  "3.20": {
    contentType: "multipart/mixed; boundary=\"--7228ba66f19932825738a744e4092cab\"",
    body: bytes(
      "\r\n----7228ba66f19932825738a744e4092cab\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"b1\",\"_rev\":\"1-7a7e4b29f3af401e69b6f86e4c26b727\",\"v\":1}\r\n----7228ba66f19932825738a744e4092cab\r\nContent-Type: application/json; error=\"true\"\r\n\r\n{\"rev\":\"undefined\",\"reason\":\"missing\",\"id\":\"nope\",\"error\":\"not_found\"}\r\n----7228ba66f19932825738a744e4092cab\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"b2\",\"_rev\":\"1-b8f97323e7f26909d5e0c8d2764a765f\",\"v\":2}\r\n----7228ba66f19932825738a744e4092cab--\r\n"
    ),
    parts: 3
  },
  "4.31": {
    contentType: "multipart/related; boundary=\"dc2490721aa89422d7d97d8be0f8a05d\"",
    body: bytes(
      "--dc2490721aa89422d7d97d8be0f8a05d\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"attdoc\",\"_rev\":\"2-7a9aaa9e9b4a007aa2a7ce2a70a79c4c\",\"title\":\"with attachment\",\"_attachments\":{\"a.txt\":{\"content_type\":\"text/plain\",\"revpos\":1,\"digest\":\"md5-KMymw51HMa9xVSVW0qZhyQ==\",\"length\":19,\"follows\":true,\"encoding\":\"gzip\",\"encoded_length\":39},\"b.bin\":{\"content_type\":\"application/octet-stream\",\"revpos\":2,\"digest\":\"md5-OOx4u8Gk1j7aJfR0uZpU7w==\",\"length\":5,\"follows\":true}}}\r\n--dc2490721aa89422d7d97d8be0f8a05d\r\nContent-Disposition: attachment; filename=\"a.txt\"\r\nContent-Type: text/plain\r\nContent-Length: 39\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xcbH\xcd\xc9\xc9WH,)IL\xce\xc8M\xcd+QH\xe4\x02\x00\xe416.\x13\x00\x00\x00\r\n--dc2490721aa89422d7d97d8be0f8a05d\r\nContent-Disposition: attachment; filename=\"b.bin\"\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n\x00\x01\x02\xff\xfe\r\n--dc2490721aa89422d7d97d8be0f8a05d--"
    ),
    parts: 3
  },
  "5.13": {
    contentType: "multipart/byteranges; boundary=\"124593436c06c623c1c839eb4def3cd0\"",
    body: bytes(
      "--124593436c06c623c1c839eb4def3cd0\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 0-1/10\r\n\r\n\x00\x01\r\n--124593436c06c623c1c839eb4def3cd0\r\nContent-Type: application/octet-stream\r\nContent-Range: bytes 4-5/10\r\n\r\n\x80\xfe\r\n--124593436c06c623c1c839eb4def3cd0--"
    ),
    parts: 2
  }
} as const

type Parsed = Either.Either<ReadonlyArray<{ headers: Multipart.PartHeaders; body: Array<number> }>, string>

/** Parses `body` written in the given pieces, synchronously. */
const parse = (contentType: string, body: Uint8Array, cuts: ReadonlyArray<number>): Parsed => {
  const parts: Array<{ headers: Multipart.PartHeaders; body: Array<number> }> = []
  const parser = Multipart.parser(Multipart.parameter(contentType, "boundary") ?? "", (event) => {
    if (event._tag === "Headers") parts.push({ headers: { ...event.headers }, body: [] })
    else if (event._tag === "Body") parts[parts.length - 1]?.body.push(...event.bytes)
  })
  let from = 0
  for (const cut of [...cuts, body.length]) {
    parser.write(body.subarray(from, cut))
    from = cut
  }
  parser.end()
  const failure = parser.failure()
  return failure === undefined ? Either.right(parts) : Either.left(failure)
}

describe("multipart parser on recorded bodies (CouchDB 3.5 recordings 4.23, 4.25, 3.20, 4.31, 5.13)", () => {
  it("reads each part's headers and exact bytes", () => {
    const parsed = parse(recordings["4.25"].contentType, recordings["4.25"].body, [])
    expect(parsed).toEqual(Either.right([
      {
        headers: { "content-type": "application/json" },
        body: [...encoder.encode("{\"_id\":\"cdoc\",\"_rev\":\"1-cd6dcd82d939d5b6220025fbc573b36a\",\"v\":\"a\"}")]
      },
      {
        headers: { "content-type": "application/json; error=\"true\"" },
        body: [...encoder.encode("{\"missing\":\"5-55555555555555555555555555555555\"}")]
      }
    ]))
    const related = Either.getOrThrow(parse(recordings["4.31"].contentType, recordings["4.31"].body, []))
    expect(related.map((part) => part.headers["content-disposition"])).toEqual([
      undefined,
      "attachment; filename=\"a.txt\"",
      "attachment; filename=\"b.bin\""
    ])
    expect(related[2]?.body).toEqual([0, 1, 2, 0xff, 0xfe])
    expect(related[1]?.body.length).toBe(39)
    // 3.20: a preamble (CRLF) before the first boundary, an epilogue after the last.
    const bulk = Either.getOrThrow(parse(recordings["3.20"].contentType, recordings["3.20"].body, []))
    expect(bulk.map((part) => JSON.parse(decoder.decode(Uint8Array.from(part.body))).id ?? "doc")).toEqual([
      "doc",
      "nope",
      "doc"
    ])
  })

  it("gives the same parts for every way of cutting a recorded body in two or three, and byte by byte", () => {
    for (const [name, recording] of Object.entries(recordings)) {
      const whole = parse(recording.contentType, recording.body, [])
      expect(Either.map(whole, (parts) => parts.length), name).toEqual(Either.right(recording.parts))
      const n = recording.body.length
      for (let i = 0; i <= n; i++) {
        expect(parse(recording.contentType, recording.body, [i]), `${name} cut at ${i}`).toEqual(whole)
      }
      expect(parse(recording.contentType, recording.body, Array.from({ length: n }, (_, i) => i))).toEqual(whole)
      fc.assert(
        fc.property(
          fc.uniqueArray(fc.integer({ min: 0, max: n }), { maxLength: 6 }).map((cuts) => cuts.sort((a, b) => a - b)),
          (cuts) => {
            expect(parse(recording.contentType, recording.body, cuts)).toEqual(whole)
          }
        ),
        { numRuns: 200 }
      )
    }
  })

  it("a body cut short anywhere before its closing delimiter is an error, never fewer parts", () => {
    for (const [name, recording] of Object.entries(recordings)) {
      const closing = String.fromCharCode(...recording.body).lastIndexOf("--") + 2 // Latin-1: one char per byte
      for (let end = 0; end < closing; end++) {
        const cut = parse(recording.contentType, recording.body.subarray(0, end), [Math.floor(end / 2)])
        expect(Either.isLeft(cut), `${name} cut at ${end}`).toBe(true)
      }
    }
  })

  it("malformed parts are errors: headers without a blank line, bad header names, junk after a boundary", () => {
    const mixed = "multipart/mixed; boundary=b"
    expect(parse(mixed, bytes("--b\r\nContent-Type: x\r\n--b--"), [])).toEqual(
      Either.left("a part ends before the blank line after its headers")
    )
    expect(parse(mixed, bytes("--b\r\nBad Header: x\r\n\r\nbody\r\n--b--"), [])).toEqual(
      Either.left("a part's headers are malformed (InvalidHeaderName)")
    )
    expect(parse(mixed, bytes("--bxyz\r\n\r\nbody\r\n--b--"), [])).toEqual(
      Either.left("a boundary is not followed by a line break")
    )
    // A part without headers is allowed (RFC 2046).
    expect(parse(mixed, bytes("--b\r\n\r\nbody\r\n--b--"), [])).toEqual(
      Either.right([{ headers: {}, body: [...encoder.encode("body")] }])
    )
  })

  it("reads a Content-Type's parameters, quoted or not", () => {
    expect(Multipart.parameter("multipart/mixed; boundary=\"--7228\"", "boundary")).toBe("--7228")
    expect(Multipart.parameter("multipart/related;boundary=abc; x=1", "boundary")).toBe("abc")
    expect(Multipart.parameter("application/json; error=\"true\"", "error")).toBe("true")
    expect(Multipart.parameter("text/plain; a=\"q\\\"uote\"", "a")).toBe("q\"uote")
    expect(Multipart.parameter("text/plain", "boundary")).toBeUndefined()
    expect(Multipart.mediaType("Multipart/Mixed; boundary=x")).toBe("multipart/mixed")
  })
})

describe("multipart event stream", () => {
  it.effect("streams a part's body as it arrives: events come out before the body ends", () =>
    Effect.gen(function*() {
      const recording = recordings["4.31"]
      const boundary = Multipart.parameter(recording.contentType, "boundary") ?? ""
      // The body arrives one byte at a time; take the first attachment's headers and some of its body.
      const head = yield* Multipart.events(
        Stream.fromIterable(Array.from(recording.body, (b) => Uint8Array.of(b))),
        boundary,
        (description) => new CouchError.InvalidRequest({ description })
      ).pipe(Stream.take(4), Stream.runCollect)
      const tags = Chunk.toArray(head).map((event) => event._tag)
      expect(tags[0]).toBe("Headers")
      expect(tags).toContain("Body")
    }))

  it.effect("a truncated stream fails with the given error", () =>
    Effect.gen(function*() {
      const recording = recordings["4.25"]
      const error = yield* Multipart.events(
        Stream.make(recording.body.subarray(0, recording.body.length - 2)),
        Multipart.parameter(recording.contentType, "boundary") ?? "",
        (description) => new CouchError.InvalidRequest({ description })
      ).pipe(Stream.runDrain, Effect.flip)
      expect(error.description).toBe("the body ends before its closing boundary")
    }))
})

describe("multipart/related upload body (CouchDB 3.5 recording 4.35)", () => {
  it.effect("has the recorded layout and an exact Content-Length", () =>
    Effect.gen(function*() {
      const body = Multipart.related(
        "{\"title\":\"multipart\",\"_attachments\":{\"m.txt\":{\"follows\":true,\"content_type\":\"text/plain\",\"length\":26}}}",
        [{
          name: "m.txt",
          contentType: "text/plain",
          length: 26,
          data: Stream.make(encoder.encode("multipart "), encoder.encode("attachment body\n"))
        }],
        "abc123"
      )
      const sent = Multipart.joinBytes(Chunk.toArray(yield* Stream.runCollect(body.body)))
      expect(decoder.decode(sent)).toBe(
        "--abc123\r\nContent-Type: application/json\r\n\r\n{\"title\":\"multipart\",\"_attachments\":{\"m.txt\":{\"follows\":true,\"content_type\":\"text/plain\",\"length\":26}}}\r\n--abc123\r\nContent-Disposition: attachment; filename=\"m.txt\"\r\nContent-Type: text/plain\r\n\r\nmultipart attachment body\n\r\n--abc123--\r\n"
      )
      expect(body.contentLength).toBe(sent.length)
      expect(body.contentType).toBe("multipart/related; boundary=\"abc123\"")
      // And it parses back.
      expect(Either.map(parse(body.contentType, sent, []), (parts) => parts.length)).toEqual(Either.right(2))
    }))

  it.effect("a stream that gives fewer or more bytes than announced fails with InvalidRequest", () =>
    Effect.gen(function*() {
      const upload = (data: Stream.Stream<Uint8Array>, length: number) =>
        Multipart.related("{}", [{ name: "x", contentType: "text/plain", length, data }], "b").body.pipe(
          Stream.runDrain,
          Effect.flip
        )
      const short = yield* upload(Stream.make(encoder.encode("abc")), 4)
      expect(short).toMatchObject({ _tag: "InvalidRequest", description: expect.stringContaining("gave 3") })
      const long = yield* upload(Stream.make(encoder.encode("abcde")), 4)
      expect(long).toMatchObject({ _tag: "InvalidRequest", description: expect.stringContaining("gave more") })
    }))

  it("names that are not plain ASCII go percent-encoded in filename*", () => {
    const head = (name: string) =>
      decoder.decode(
        Multipart.related("{}", [{ name, contentType: "text/plain", length: 0, data: new Uint8Array(0) }], "b").body
          .pipe(Stream.runCollect, Effect.map((c) => Multipart.joinBytes(Chunk.toArray(c))), Effect.runSync)
      )
    expect(head("a b.txt")).toContain("filename=\"a b.txt\"")
    expect(head("é/\"x\"\r\n")).toContain("filename*=UTF-8''%C3%A9%2F%22x%22%0D%0A\r\n")
  })
})

import { CouchUrl } from "@effect-couchdb/client"
import { describe, expect, it } from "@effect/vitest"
import { Either, Redacted } from "effect"

const credentialsOf = (input: string) => {
  const { credentials } = Either.getOrThrow(CouchUrl.extractCredentials(input))
  if (credentials === undefined) throw new Error(`no credentials in ${input}`)
  return { username: Redacted.value(credentials.username), password: Redacted.value(credentials.password), credentials }
}

describe("CouchUrl", () => {
  it("escapes every reserved character of a segment", () => {
    expect(CouchUrl.escapeSegment("a/b?c#d%e+f&g=h i")).toBe("a%2Fb%3Fc%23d%25e%2Bf%26g%3Dh%20i")
    expect(CouchUrl.escapeSegment("!'()*:@$,;")).toBe("%21%27%28%29%2A%3A%40%24%2C%3B")
    expect(CouchUrl.escapeSegment("ü😀")).toBe("%C3%BC%F0%9F%98%80")
    expect(CouchUrl.escapeSegment("_all_docs")).toBe("_all_docs")
  })

  it("joins segments onto a base URL the way aiocouchdb's urljoin did", () => {
    expect(CouchUrl.join("http://example.org", "_all_dbs")).toBe("http://example.org/_all_dbs")
    expect(CouchUrl.join("http://example.org/", "_all_dbs")).toBe("http://example.org/_all_dbs")
    expect(CouchUrl.join("http://example.org/", "foo", "bar")).toBe("http://example.org/foo/bar")
    expect(CouchUrl.join("http://example.org/", "foo/bar")).toBe("http://example.org/foo%2Fbar")
    expect(CouchUrl.join("http://example.org/", "foo", "/bar/")).toBe("http://example.org/foo/%2Fbar%2F")
    expect(CouchUrl.join("http://example.org/prefix/", "db")).toBe("http://example.org/prefix/db")
    expect(CouchUrl.join("http://example.org/")).toBe("http://example.org")
  })

  it("keeps one literal slash for _design and _local ids only", () => {
    expect(CouchUrl.documentSegments("_design/app")).toEqual(["_design", "app"])
    expect(CouchUrl.documentSegments("_design/a/b")).toEqual(["_design", "a/b"])
    expect(CouchUrl.documentSegments("_local/x")).toEqual(["_local", "x"])
    expect(CouchUrl.documentSegments("a/b")).toEqual(["a/b"])
    expect(CouchUrl.documentSegments("_design/")).toEqual(["_design", ""])
    expect(CouchUrl.join("http://h", "db", ...CouchUrl.documentSegments("_design/a/b"))).toBe(
      "http://h/db/_design/a%2Fb"
    )
  })

  it("keeps an attachment name in one segment, slashes escaped", () => {
    expect(CouchUrl.attachmentSegments("dir/my file.txt")).toEqual(["dir/my file.txt"])
    expect(CouchUrl.join("http://h", "db", "doc", ...CouchUrl.attachmentSegments("dir/my file.txt")))
      .toBe("http://h/db/doc/dir%2Fmy%20file.txt")
    expect(CouchUrl.join("http://h", "db", "doc", ...CouchUrl.attachmentSegments("a//b"))).toBe(
      "http://h/db/doc/a%2F%2Fb"
    )
  })

  it("extracts percent-decoded credentials as Redacted values", () => {
    const plain = Either.getOrThrow(CouchUrl.extractCredentials("http://localhost:5984/_config/"))
    expect(plain).toEqual({ url: "http://localhost:5984/_config/", credentials: undefined })

    const joe = Either.getOrThrow(CouchUrl.extractCredentials("http://joe:secret@localhost:5984/_config/"))
    expect(joe.url).toBe("http://localhost:5984/_config/")
    expect(credentialsOf("http://joe:secret@localhost:5984/_config/")).toMatchObject({
      username: "joe",
      password: "secret"
    })

    const email = credentialsOf("http://joe%40example.com:s%3Ac%40r%2Fet@localhost:5984/")
    expect(email.username).toBe("joe@example.com")
    expect(email.password).toBe("s:c@r/et")
    expect(String(email.credentials.password)).not.toContain("s:c@r/et")
    expect(JSON.stringify(email.credentials)).not.toContain("c@r")
  })

  it("accepts an unescaped @ in the password (the last @ ends the userinfo)", () => {
    expect(Either.getOrThrow(CouchUrl.extractCredentials("http://joe:p@ss@localhost:5984")).url)
      .toBe("http://localhost:5984/")
    expect(credentialsOf("http://joe:p@ss@localhost:5984").password).toBe("p@ss")
  })

  it("rejects an invalid URL without repeating it", () => {
    const error = Either.flip(CouchUrl.extractCredentials("http://joe:hunter2@[bad")).pipe(Either.getOrThrow)
    expect(error._tag).toBe("InvalidRequest")
    expect(error.message).not.toContain("hunter2")
    const scheme = Either.flip(CouchUrl.extractCredentials("ftp://joe:hunter2@host")).pipe(Either.getOrThrow)
    expect(scheme.message).toContain("ftp:")
    expect(scheme.message).not.toContain("hunter2")
  })
})

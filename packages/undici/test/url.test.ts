import { HttpClientRequest } from "@effect/platform"
import { describe, expect, it } from "@effect/vitest"
import { split, target } from "../src/internal/url.js"

// What `new URL` makes of a URL: the reference the fast path must agree with.
const viaUrl = (url: string) => {
  const parsed = new URL(url)
  return { origin: parsed.origin, path: parsed.pathname + parsed.search }
}

const splittable = [
  "http://127.0.0.1:5984/db/doc",
  "http://localhost:5984/",
  "http://couch.example.com/db/_all_docs?include_docs=true&startkey=%22a%22",
  "https://couch.example.com:6984/db",
  "http://couch",
  "http://couch?x=1",
  "http://couch/db#fragment",
  "http://couch/a/b%2Fc/_design%2Fx?q=a+b&r=%20",
  "http://10.0.0.255:8080/x",
  "http://a-b.c-d.example/x.y/z.",
  "http://couch/db/doc?rev=1-abc&attachments=true&atts_since=[%221-a%22]",
  "http://couch/path?a=./b&c=/../d",
  "http://h/?"
]

const notSplittable = [
  "HTTP://couch/",
  "http://Couch/",
  "http://user:pass@couch/",
  "http://[::1]:5984/",
  "http://127.1/",
  "http://0x7f.0.0.1/",
  "http://010.0.0.1/",
  "http://couch:80/",
  "https://couch:443/",
  "http://couch:0080/",
  "http://couch:/",
  "http://couch:99999/",
  "http://127./",
  "http://couch./",
  "http://1.2.3/",
  "http://couch/a/./b",
  "http://couch/a/../b",
  "http://couch/a/%2e%2E/b",
  "http://couch/a b",
  "http://couch/é",
  "http://couch/a\\b",
  "http://couch/a?b='c'",
  "http://couch/{x}",
  "http://café.example/",
  "ftp://couch/",
  "/relative",
  "http://"
]

describe("URL fast path", () => {
  it("splits plain URLs exactly as URL would", () => {
    for (const url of splittable) {
      expect(split(url), url).toEqual(viaUrl(url))
    }
  })

  it("leaves everything URL would normalise to URL", () => {
    for (const url of notSplittable) {
      expect(split(url), url).toBeUndefined()
    }
  })

  it("agrees with URL on every prefix of the splittable URLs", () => {
    for (const url of splittable) {
      for (let i = 8; i <= url.length; i++) {
        const prefix = url.slice(0, i)
        const fast = split(prefix)
        if (fast !== undefined) expect(fast, prefix).toEqual(viaUrl(prefix))
      }
    }
  })

  it("agrees with URL on random URLs made of tricky characters", () => {
    // A fixed-seed generator (mulberry32), so a failure can be replayed.
    let seed = 42
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
    const hostParts = [
      "a",
      "b",
      "couch",
      "db",
      "x.y",
      "0",
      "1",
      "9",
      "255",
      "256",
      "0x1",
      ".",
      "-",
      ":",
      "80",
      "443",
      "A",
      "%41",
      "@"
    ]
    const pathParts = [
      "/",
      "a",
      ".",
      "..",
      "%2e",
      "%2E",
      "%41",
      "%",
      "?",
      "#",
      "=",
      "&",
      "+",
      " ",
      "é",
      "'",
      "\\",
      "|",
      "~"
    ]
    const pick = (parts: ReadonlyArray<string>) => parts[Math.floor(random() * parts.length)] ?? ""
    let checked = 0
    for (let n = 0; n < 50_000; n++) {
      const scheme = random() < 0.5 ? "http://" : "https://"
      const host = Array.from({ length: 1 + Math.floor(random() * 6) }, () => pick(hostParts)).join("")
      const path = Array.from({ length: Math.floor(random() * 8) }, () => pick(pathParts)).join("")
      const url = scheme + host + path
      const fast = split(url)
      if (fast === undefined) continue
      checked++
      expect(fast, url).toEqual(viaUrl(url))
    }
    expect(checked).toBeGreaterThan(1000)
  })

  it("builds the target from the URL and its parameters, or says why it cannot", () => {
    expect(target(HttpClientRequest.get("http://couch/db", { urlParams: { a: "1", b: "x y" } })))
      .toEqual({ origin: "http://couch", path: "/db?a=1&b=x+y" })
    expect(target(HttpClientRequest.get("http://couch/db?k=%20", { urlParams: { a: "1" } })))
      .toEqual({ origin: "http://couch", path: "/db?k=+&a=1" })
    expect(target(HttpClientRequest.get("http://Couch:80/x/../db#h")))
      .toEqual({ origin: "http://couch", path: "/db" })
    expect(target(HttpClientRequest.get("file:///etc/passwd"))).toBeInstanceOf(TypeError)
    expect(target(HttpClientRequest.get("nope"))).toBeInstanceOf(Error)
  })
})

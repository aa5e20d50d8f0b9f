/**
 * The EventSource parser, through `feed=eventsource` (the aiocouchdb §3.4 cases).
 */
import { Changes } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { change, changes, drain, eventStream, perByte, rowsOf, withDb } from "./kit.js"

describe("EventSource parsing (aiocouchdb §3.4 cases, through feed=eventsource)", () => {
  const a = JSON.stringify(change("1-a", "a"))
  const b = JSON.stringify(change("2-b", "b"))

  /** The changes read from an eventsource body made of `parts`, sent one byte per chunk too. */
  const read = (...parts: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const body = parts.join("")
      const results: Array<ReadonlyArray<unknown>> = []
      for (const chunks of [[body], perByte(body)]) {
        results.push(
          yield* withDb(
            [changes(MockCouch.chunked(200, chunks, { headers: eventStream }))],
            (db) => rowsOf(Changes.stream(db, { feed: "eventsource" }))
          )
        )
      }
      expect(results[1]).toEqual(results[0])
      return results[0] ?? []
    })

  it.effect("a heartbeat event (`event: heartbeat` with empty data) is not a change", () =>
    Effect.gen(function*() {
      expect(yield* read(`event: heartbeat\ndata: \n\n`)).toEqual([])
      expect(yield* read(`data: ${a}\n\n`, `event: heartbeat\ndata: \n\n`, `data: ${b}\n\n`)).toEqual([
        change("1-a", "a"),
        change("2-b", "b")
      ])
    }))

  it.effect("multi-line data is joined with newlines; one space after the colon is optional", () =>
    Effect.gen(function*() {
      expect(
        yield* read(`data: {"seq":"1-a",\ndata:"id":"a",\ndata:  "changes":[\ndata: {"rev":"1-1"}]}\nid: 1-a\n\n`)
      ).toEqual([change("1-a", "a")])
      // Joined with "\n", never glued: `1` and `2` on two lines are not the number 12.
      const glued = yield* withDb(
        [changes(MockCouch.chunked(200, [`data: {"seq":"1-a","id":"a","changes":[],"n":1\ndata: 2}\n\n`], {
          headers: eventStream
        }))],
        (db) => drain(Changes.stream(db, { feed: "eventsource" }))
      )
      expect(glued.values).toEqual([])
      expect(glued.errors.map((e) => e._tag)).toEqual(["DecodeError"])
    }))

  it.effect("`id` without a colon is a field with an empty value, not data", () =>
    Effect.gen(function*() {
      expect(yield* read(`id\n\n`)).toEqual([])
      expect(yield* read(`data: {"seq":"1-a",\nid\ndata: "id":"a","changes":[{"rev":"1-1"}]}\n\n`)).toEqual([
        change("1-a", "a")
      ])
      expect(yield* read(`data: ${a}\nid\n\n`, `id\n\n`, `data: ${b}\nid: 2-b\n\n`)).toEqual([
        change("1-a", "a"),
        change("2-b", "b")
      ])
    }))

  it.effect("comments (lines starting with `:`) are ignored, even between data lines", () =>
    Effect.gen(function*() {
      expect(yield* read(`:id\n\n`)).toEqual([])
      expect(
        yield* read(
          `: keep-alive\n\n`,
          `data: {"seq":"1-a",\n:data: "bogus"\ndata: "id":"a","changes":[{"rev":"1-1"}]}\n\n`
        )
      )
        .toEqual([change("1-a", "a")])
    }))

  it.effect("`retry` is not data, numeric or not", () =>
    Effect.gen(function*() {
      expect(yield* read(`retry: 10\n\n`)).toEqual([])
      expect(yield* read(`retry: soon\n\n`, `data: ${a}\nretry: 10\n\n`)).toEqual([change("1-a", "a")])
    }))

  it.effect("unknown fields are ignored", () =>
    Effect.gen(function*() {
      expect(yield* read(`data: ${a}\nfoo: bar\n\n`)).toEqual([change("1-a", "a")])
      expect(yield* read(`foo: bar\n\n`, `data: ${b}\nfoo\n\n`)).toEqual([change("2-b", "b")])
    }))

  it.effect("CRLF line endings, split between CR and LF", () =>
    Effect.gen(function*() {
      expect(yield* read(`data: ${a}\r\nid: 1-a\r\n\r\n`, `event: heartbeat\r\ndata: \r\n\r\n`, `data: ${b}\r\n\r\n`))
        .toEqual([change("1-a", "a"), change("2-b", "b")])
    }))
})

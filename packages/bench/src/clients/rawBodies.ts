/**
 * The hand-written body parsing both raw references (undici and node:http) do: line split
 * + `JSON.parse` per row for row-per-line bodies, a whole-body `JSON.parse` for single-line
 * bodies (which cannot be split into rows by lines).
 */
import type { EventEmitter } from "node:events"
import { changeSeqN, docN, numberField } from "../bodies.js"
import type { Outcome } from "../jobs.js"
import { continuousChanges, findDocs, type LineSplitter, viewRows } from "../lines.js"
import { collect, consume, fail } from "./common.js"

type Body = Pick<EventEmitter, "on" | "once">

const split = async (body: Body, splitter: LineSplitter, counted: () => Omit<Outcome, "bytes">): Promise<Outcome> => {
  let bytes = 0
  await consume(body, (chunk: Buffer) => {
    bytes += chunk.length
    splitter.push(chunk)
  })
  splitter.end()
  return { ...counted(), bytes }
}

/** Counts the rows of an `_all_docs?include_docs=true` body and sums their documents' `n`. */
export const readView = async (body: Body, layout: "lines" | "oneline"): Promise<Outcome> => {
  let count = 0
  let check = 0
  const onRow = (row: unknown) => {
    count++
    check += docN(row)
  }
  if (layout === "lines") return split(body, viewRows(onRow), () => ({ count, check }))
  const text = (await collect(body)).toString("utf8")
  const parsed: unknown = JSON.parse(text)
  const rows: unknown = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "rows") : []
  if (!Array.isArray(rows)) return fail("no rows")
  rows.forEach(onRow)
  return { count, check, bytes: Buffer.byteLength(text) }
}

/** Counts the changes of a continuous `_changes` body and sums their sequence numbers. */
export const readContinuousChanges = (body: Body): Promise<Outcome> => {
  let count = 0
  let check = 0
  return split(
    body,
    continuousChanges((change) => {
      count++
      check += changeSeqN(change)
    }),
    () => ({ count, check })
  )
}

/** Counts the documents of a `_find` body and sums their `n`; reads the bookmark after them. */
export const readFind = (body: Body): Promise<Outcome> => {
  let count = 0
  let check = 0
  let bookmark: unknown
  return split(
    body,
    findDocs((doc) => {
      count++
      check += numberField(doc, "n")
    }, (trailer) => {
      bookmark = typeof trailer === "object" && trailer !== null ? Reflect.get(trailer, "bookmark") : undefined
    }),
    () => typeof bookmark === "string" ? { count, check } : fail("no bookmark after the documents")
  )
}

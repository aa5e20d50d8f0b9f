/**
 * Views and `_all_docs` on the embedded server: paging by key against a single query, keys
 * written with their key Schema, typed reduce results and stored documents. (Multi-queries
 * and partitions are tested on CouchDB 3.5's bytes in ../View.test.ts: pouchdb-server has
 * neither, see test-server.md; here, only that its refusal of `/queries` is a typed error.)
 */
import { Database, DesignDocument, Resource, View } from "@effect-couchdb/client"
import { TestCouch } from "@effect-couchdb/embedded"
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { NodeHttpClient } from "@effect/platform-node"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Layer, Schema, Stream } from "effect"
import { recordingAdmin } from "./recordingClient.js"

const AdminLive = VitestCouch.layerClient.pipe(Layer.provide(NodeHttpClient.layerUndici))

const Order = Schema.Struct({ customer: Schema.String, total: Schema.Number, placed: Schema.Date })

const customers = ["c1", "c2", "c3"] as const

/** 24 orders, 8 per customer, with ids that do not sort the way they were written. */
const orders = Array.from({ length: 24 }, (_, i) => ({
  _id: `order-${String((i * 7) % 24).padStart(2, "0")}`,
  customer: customers[i % 3] ?? "c1",
  total: i + 1,
  placed: new Date(Date.UTC(2024, 0, 1 + i * 9)).toISOString()
}))

const seed = Effect.gen(function*() {
  const db = yield* TestCouch.withDatabase("test/views")
  yield* Resource.of(db).resource("_bulk_docs").post({ json: { docs: orders } })
  const ddoc = Database.designDocument(db, "orders")
  yield* DesignDocument.put(ddoc, {
    views: {
      by_customer: { map: "function (doc) { if (doc.customer) emit(doc.customer, doc.total) }" },
      // Documents emit their key 0 to 3 times: rows that share the key and the document id.
      repeats: { map: "function (doc) { for (var i = 0; i < doc.total % 4; i++) emit(doc.customer, i) }" },
      by_placed: { map: "function (doc) { if (doc.placed) emit(doc.placed, null) }" },
      by_customer_placed: {
        map: "function (doc) { if (doc.customer) emit([doc.customer, doc.placed], doc.total) }",
        reduce: "_sum"
      }
    }
  })
  return { db, view: (name: string) => DesignDocument.view(ddoc, name) }
})

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** What identifies a row and its order: key, document id and value. */
const shape = (
  rows: ReadonlyArray<{ readonly id?: string | undefined; readonly key: unknown; readonly value: unknown }>
) => rows.map((row) => [row.key, row.id, row.value])

describe("View.pages on a real server", () => {
  it.scoped("a view with many duplicate keys, paged with small pages, gives exactly the rows of one query, in order", () =>
    Effect.gen(function*() {
      const { view } = yield* seed
      const byCustomer = view("by_customer")
      // 8 rows per key in pages of 3: most pages start inside a key.
      for (const descending of [false, true]) {
        const whole = shape(yield* collect(View.stream(byCustomer, { descending, valueSchema: Schema.Number })))
        expect(whole).toHaveLength(24)
        const paged = yield* collect(View.pages(byCustomer, { pageSize: 3, descending, valueSchema: Schema.Number }))
        expect(shape(paged)).toEqual(whole)
      }
      // Within a range, each page keeps the caller's end.
      const c2 = yield* collect(View.stream(byCustomer, { startkey: "c2", endkey: "c2" }))
      expect(c2).toHaveLength(8)
      expect(shape(yield* collect(View.pages(byCustomer, { pageSize: 3, startkey: "c2", endkey: "c2" }))))
        .toEqual(shape(c2))
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("documents that emit the same key several times: their rows are neither lost nor repeated", () =>
    Effect.gen(function*() {
      const { view } = yield* seed
      const whole = shape(yield* collect(View.stream(view("repeats"))))
      expect(whole).toHaveLength(36)
      for (const pageSize of [1, 2, 3, 4, 5]) {
        expect(shape(yield* collect(View.pages(view("repeats"), { pageSize })))).toEqual(whole)
      }
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("the next page is asked for only when the stream is pulled past the current one", () => {
    const { layer, sent } = recordingAdmin()
    return Effect.gen(function*() {
      const { view } = yield* seed
      const pages = View.pages(view("by_customer"), { pageSize: 3 })
      const viewRequests = () => sent.filter((request) => request.includes("/_view/by_customer"))
      const before = viewRequests().length
      expect(yield* collect(Stream.take(pages, 3))).toHaveLength(3)
      expect(viewRequests().length - before).toBe(1)
      expect(yield* collect(Stream.take(pages, 4))).toHaveLength(4)
      // The first page again, then the second; pouchdb-server ignores `startkey_docid`, so the second
      // page is asked for once more, with `skip` (see View.pages).
      const second = viewRequests().slice(before + 2)
      expect(second).toHaveLength(VitestCouch.server().kind === "embedded" ? 2 : 1)
      expect(second.every((request) => request.includes("startkey=%22c1%22"))).toBe(true)
    }).pipe(Effect.provide(layer))
  })

  it.scoped("_all_docs paged by id gives the rows and documents of one query", () =>
    Effect.gen(function*() {
      const { db } = yield* seed
      const options = { include_docs: true, startkey: "order-", endkey: "order-\ufff0", schema: Order } as const
      const whole = yield* collect(View.stream(Database.allDocs(db), options))
      expect(whole).toHaveLength(24)
      const paged = yield* collect(View.pages(Database.allDocs(db), { ...options, pageSize: 7 }))
      expect(paged.map((row) => [row.id, row.doc?._rev, row.doc?.placed])).toEqual(
        whole.map((row) => [row.id, row.doc?._rev, row.doc?.placed])
      )
    }).pipe(Effect.provide(AdminLive)))
})

describe("keys written with their key Schema, on a real server", () => {
  const placedOf = (id: string) => new Date(orders.find((order) => order._id === id)?.placed ?? Number.NaN)

  it.scoped("Schema.Date keys: key, keys and a range of Dates select the rows whose keys decode to them", () =>
    Effect.gen(function*() {
      const { view } = yield* seed
      const byPlaced = view("by_placed")
      const from = new Date(Date.UTC(2024, 2, 1))
      const to = new Date(Date.UTC(2024, 5, 1))
      const inRange = yield* collect(View.stream(byPlaced, { startkey: from, endkey: to, keySchema: Schema.Date }))
      const expected = orders.filter((order) => order.placed >= from.toISOString() && order.placed <= to.toISOString())
      expect(inRange.map((row) => row.id)).toEqual(expected.map((order) => order._id))
      expect(inRange.every((row) => row.key instanceof Date && row.key.getTime() === placedOf(row.id ?? "").getTime()))
        .toBe(true)

      const first = orders[0]
      const last = orders[23]
      const one = yield* collect(View.stream(byPlaced, { key: new Date(first?.placed ?? ""), keySchema: Schema.Date }))
      expect(one.map((row) => row.id)).toEqual([first?._id])
      const two = yield* collect(View.stream(byPlaced, {
        keys: [new Date(last?.placed ?? ""), new Date(first?.placed ?? "")],
        keySchema: Schema.Date
      }))
      expect(two.map((row) => View.isErrorRow(row) ? row.error : row.id)).toEqual([last?._id, first?._id])

      // Paging re-encodes each page's start the same way.
      const paged = yield* collect(View.pages(byPlaced, { pageSize: 4, startkey: from, keySchema: Schema.Date }))
      const whole = yield* collect(View.stream(byPlaced, { startkey: from, keySchema: Schema.Date }))
      expect(shape(paged)).toEqual(shape(whole))
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("tuple keys: a typed start, and a raw [\"c1\", {}] end sent as it is", () =>
    Effect.gen(function*() {
      const { view } = yield* seed
      const Key = Schema.Tuple(Schema.String, Schema.Date)
      const c1 = yield* collect(View.stream(view("by_customer_placed"), {
        reduce: false,
        startkey: ["c1"],
        endkey: ["c1", {}],
        keySchema: Key,
        valueSchema: Schema.Number
      }))
      expect(c1).toHaveLength(8)
      expect(c1.every(({ key: [customer, placed] }) => customer === "c1" && placed instanceof Date)).toBe(true)
      const since = c1[5]?.key[1] ?? new Date(0)
      const later = yield* collect(View.stream(view("by_customer_placed"), {
        reduce: false,
        startkey: ["c1", since],
        endkey: ["c1", {}],
        keySchema: Key
      }))
      expect(later.map((row) => row.id)).toEqual(c1.slice(5).map((row) => row.id))
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("reduce and group queries typed with the value Schema", () =>
    Effect.gen(function*() {
      const { view } = yield* seed
      const perCustomer = yield* collect(View.stream(view("by_customer_placed"), {
        group_level: 1,
        keySchema: Schema.Tuple(Schema.String),
        valueSchema: Schema.Number
      }))
      const sum = (customer: string) =>
        orders.filter((order) => order.customer === customer).reduce((n, order) => n + order.total, 0)
      expect(perCustomer).toEqual(customers.map((customer) => ({ key: [customer], value: sum(customer) })))
      const total = yield* collect(
        View.stream(view("by_customer_placed"), { keySchema: Schema.Null, valueSchema: Schema.Number })
      )
      expect(total).toEqual([{ key: null, value: (24 * 25) / 2 }])
    }).pipe(Effect.provide(AdminLive)))

  it.scoped("documents decoded with `schema` are stored documents: _id and _rev added, fields decoded", () =>
    Effect.gen(function*() {
      const { view } = yield* seed
      const rows = yield* collect(
        View.stream(view("by_customer"), { key: "c3", include_docs: true, limit: 3, schema: Order })
      )
      expect(rows).toHaveLength(3)
      for (const row of rows) {
        expect(row.doc?._id).toBe(row.id)
        expect(row.doc?._rev).toMatch(/^1-/)
        expect(row.doc?.customer).toBe("c3")
        expect(row.doc?.placed).toEqual(placedOf(row.id ?? ""))
      }
    }).pipe(Effect.provide(AdminLive)))
})

describe("View.queries on the embedded server", () => {
  it.scoped("pouchdb-server has no /queries: its 400 is a typed BadRequest, not a defect or zero results", () =>
    Effect.gen(function*() {
      const { db, view } = yield* seed
      for (const target of [view("by_customer"), Database.allDocs(db)]) {
        const error = yield* Effect.flip(View.queries(target, [{ key: "c1" }, { limit: 1 }]))
        expect(error).toMatchObject({ _tag: "BadRequest", status: 400 })
      }
    }).pipe(Effect.provide(AdminLive)))
})

/**
 * The view exchanges the View tests answer with: Apache CouchDB 3.5.0's responses from
 * /work/shared/reference/couchdb-3.5-api.md (records 3.44–3.47, 6.4–6.23, 8.9 and 8.12–8.15),
 * keyed by record number, with the body in the chunks it was framed in on the wire; and the
 * handles the recordings were made on.
 */
import { CouchClient, Database, DesignDocument } from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { Chunk, Effect, Schema, Stream } from "effect"

export interface Recording {
  /** The request body, when there was one. */
  readonly request?: string
  readonly status: number
  /** A chunked body, chunk by chunk as framed. */
  readonly chunks?: ReadonlyArray<string>
  /** A body sent with a Content-Length. */
  readonly body?: string
}

export const recorded = {
  /** 3.44 _all_docs with keys: existing, missing, deleted: `POST /api/_all_docs` */
  "3.44": {
    request: `{"keys":["doc1","nope","gone"]}`,
    status: 200,
    chunks: [
      `{"total_rows":29,"offset":null,"rows":[\r\n{"id":"doc1","key":"doc1","value":{"rev":"2-38f064b504692898a80b77edb1d030f1"}},\r\n{"key":"nope","error":"not_found"},\r\n{"id":"gone","key":"gone","value":{"rev":"2-d0ae140c7f7cdb92dd85a3e31ae18f0c","deleted":true}}\r\n]}`,
      `\n`
    ]
  },
  /** 3.45 _all_docs with keys and include_docs=true: `POST /api/_all_docs?include_docs=true` */
  "3.45": {
    request: `{"keys":["b1","gone"]}`,
    status: 200,
    chunks: [
      `{"total_rows":29,"offset":null,"rows":[\r\n{"id":"b1","key":"b1","value":{"rev":"1-7a7e4b29f3af401e69b6f86e4c26b727"},"doc":{"_id":"b1","_rev":"1-7a7e4b29f3af401e69b6f86e4c26b727","v":1}},\r\n{"id":"gone","key":"gone","value":{"rev":"2-d0ae140c7f7cdb92dd85a3e31ae18f0c","deleted":true},"doc":null}\r\n]}`,
      `\n`
    ]
  },
  /** 3.46 _all_docs multi-query: `POST /api/_all_docs/queries` */
  "3.46": {
    request: `{"queries":[{"keys":["b1","b2"]},{"startkey":"d1","endkey":"d3","limit":2},{"limit":0}]}`,
    status: 200,
    chunks: [
      `{"results":[`,
      `\r\n{"total_rows":29,"offset":null,"rows":[\r\n{"id":"b1","key":"b1","value":{"rev":"1-7a7e4b29f3af401e69b6f86e4c26b727"}},\r\n{"id":"b2","key":"b2","value":{"rev":"1-b8f97323e7f26909d5e0c8d2764a765f"}}\r\n]}`,
      `,\r\n{"total_rows":29,"offset":15,"rows":[\r\n{"id":"d1","key":"d1","value":{"rev":"2-84e598f2bd33aad49744b38eb31fefad"}},\r\n{"id":"d2","key":"d2","value":{"rev":"1-334ada071c81674beb0eca6a67ef010c"}}\r\n]}`,
      `,\r\n{"total_rows":29,"offset":0,"rows":[\r\n\r\n]}`,
      `\r\n]}`,
      `\n`
    ]
  },
  /** 3.47 _all_docs with a range and limit: `GET /api/_all_docs?startkey=%22b%22&endkey=%22b%EF%BF%B0%22&limit=2` */
  "3.47": {
    status: 200,
    chunks: [
      `{"total_rows":29,"offset":8,"rows":[\r\n{"id":"b1","key":"b1","value":{"rev":"1-7a7e4b29f3af401e69b6f86e4c26b727"}},\r\n{"id":"b2","key":"b2","value":{"rev":"1-b8f97323e7f26909d5e0c8d2764a765f"}}\r\n]}`,
      `\n`
    ]
  },
  /** 6.4 map view, all rows: `GET /api/_design/app/_view/v` */
  "6.4": {
    status: 200,
    chunks: [
      `{"total_rows":5,"offset":0,"rows":[\r\n{"id":"d1","key":"apple","value":3},\r\n{"id":"d2","key":"banana","value":5},\r\n{"id":"d3","key":"carrot","value":2},\r\n{"id":"d4","key":"daikon","value":7},\r\n{"id":"d5","key":"elderberry","value":1}\r\n]}`,
      `\n`
    ]
  },
  /** 6.5 view with key: `GET /api/_design/app/_view/v?key=%22banana%22` */
  "6.5": {
    status: 200,
    chunks: [
      `{"total_rows":5,"offset":1,"rows":[\r\n{"id":"d2","key":"banana","value":5}\r\n]}`,
      `\n`
    ]
  },
  /** 6.6 view with keys (POST), one missing: `POST /api/_design/app/_view/v` */
  "6.6": {
    request: `{"keys":["banana","nope","apple"]}`,
    status: 200,
    chunks: [
      `{"total_rows":5,"offset":0,"rows":[\r\n{"id":"d2","key":"banana","value":5},\r\n{"id":"d1","key":"apple","value":3}\r\n]}`,
      `\n`
    ]
  },
  /** 6.7 view with startkey/endkey arrays, reduce=false: `GET /api/_design/app/_view/sum?reduce=false&startkey=%5B2024%2C1%5D&endkey=%5B2024%2C12%2C%7…` */
  "6.7": {
    status: 200,
    chunks: [
      `{"total_rows":5,"offset":0,"rows":[\r\n{"id":"d1","key":[2024,1,5],"value":3},\r\n{"id":"d2","key":[2024,1,20],"value":5},\r\n{"id":"d3","key":[2024,2,1],"value":2}\r\n]}`,
      `\n`
    ]
  },
  /** 6.8 _sum reduce, no grouping: `GET /api/_design/app/_view/sum` */
  "6.8": {
    status: 200,
    chunks: [
      `{"rows":[\r\n{"key":null,"value":18}\r\n]}`,
      `\n`
    ]
  },
  /** 6.9 _sum reduce, group_level=1: `GET /api/_design/app/_view/sum?group_level=1` */
  "6.9": {
    status: 200,
    chunks: [
      `{"rows":[\r\n{"key":[2024],"value":10},\r\n{"key":[2025],"value":8}\r\n]}`,
      `\n`
    ]
  },
  /** 6.12 _stats reduce, group=true: `GET /api/_design/app/_view/stats?group=true` */
  "6.12": {
    status: 200,
    chunks: [
      `{"rows":[\r\n{"key":"fruit","value":{"sum":9,"count":3,"min":1,"max":5,"sumsqr":35}},\r\n{"key":"veg","value":{"sum":9,"count":2,"min":2,"max":7,"sumsqr":53}}\r\n]}`,
      `\n`
    ]
  },
  /** 6.13 include_docs=true with limit=2: `GET /api/_design/app/_view/v?include_docs=true&limit=2` */
  "6.13": {
    status: 200,
    chunks: [
      `{"total_rows":5,"offset":0,"rows":[\r\n{"id":"d1","key":"apple","value":3,"doc":{"_id":"d1","_rev":"1-402df42fe385525c2800502e5e3f02d2","type":"fruit","name":"apple","n":3,"date":[2024,1,5]}},\r\n{"id":"d2","key":"banana","value":5,"doc":{"_id":"d2","_rev":"1-334ada071c81674beb0eca6a67ef010c","type":"fruit","name":"banana","n":5,"date":[2024,1,20]}}\r\n]}`,
      `\n`
    ]
  },
  /** 6.14 descending=true: `GET /api/_design/app/_view/v?descending=true` */
  "6.14": {
    status: 200,
    chunks: [
      `{"total_rows":5,"offset":0,"rows":[\r\n{"id":"d5","key":"elderberry","value":1},\r\n{"id":"d4","key":"daikon","value":7},\r\n{"id":"d3","key":"carrot","value":2},\r\n{"id":"d2","key":"banana","value":5},\r\n{"id":"d1","key":"apple","value":3}\r\n]}`,
      `\n`
    ]
  },
  /** 6.18 update_seq=true: `GET /api/_design/app/_view/v?update_seq=true&limit=1` */
  "6.18": {
    status: 200,
    chunks: [
      `{"total_rows":5,"offset":0,"update_seq":"47-g1AAAABXeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVB4LkGRoAFL_gSArURyP2kSGpHqwIoksALiZGHM","rows":[\r\n{"id":"d1","key":"apple","value":3}\r\n]}`,
      `\n`
    ]
  },
  /** 6.19 multi-query: `POST /api/_design/app/_view/v/queries` */
  "6.19": {
    request: `{"queries":[{"keys":["apple","elderberry"]},{"skip":1,"limit":1},{"startkey":"c","endkey":"d\\ufff0"}]}`,
    status: 200,
    chunks: [
      `{"results":[`,
      `\r\n{"total_rows":5,"offset":2,"rows":[\r\n{"id":"d1","key":"apple","value":3},\r\n{"id":"d5","key":"elderberry","value":1}\r\n]}`,
      `,\r\n{"total_rows":5,"offset":1,"rows":[\r\n{"id":"d2","key":"banana","value":5}\r\n]}`,
      `,\r\n{"total_rows":5,"offset":2,"rows":[\r\n{"id":"d3","key":"carrot","value":2},\r\n{"id":"d4","key":"daikon","value":7}\r\n]}`,
      `\r\n]}`,
      `\n`
    ]
  },
  /** 6.20 group=true on a map-only view: `GET /api/_design/app/_view/v?group=true` */
  "6.20": {
    status: 400,
    body: `{"error":"query_parse_error","reason":"Invalid use of grouping on a map view."}\n`
  },
  /** 6.21 include_docs=true on a reduce view: `GET /api/_design/app/_view/sum?include_docs=true` */
  "6.21": {
    status: 400,
    body: `{"error":"query_parse_error","reason":"\`include_docs\` is invalid for reduce"}\n`
  },
  /** 6.22 view on a missing design doc: `GET /api/_design/nope/_view/v` */
  "6.22": {
    status: 404,
    body: `{"error":"not_found","reason":"missing"}\n`
  },
  /** 6.23 missing view in an existing design doc: `GET /api/_design/app/_view/nope` */
  "6.23": {
    status: 404,
    body: `{"error":"not_found","reason":"missing_named_view"}\n`
  },
  /** 8.9 partition _all_docs: `GET /api-part/_partition/p1/_all_docs` */
  "8.9": {
    status: 200,
    chunks: [
      `{"total_rows":4,"offset":2,"rows":[\r\n{"id":"p1:a","key":"p1:a","value":{"rev":"1-ddbddb483f4be61784a7393dc6d98914"}},\r\n{"id":"p1:b","key":"p1:b","value":{"rev":"1-816eefe21eadf1b0557b044d1eb006b9"}}\r\n]}`,
      `\n`
    ]
  },
  /** 8.12 partitioned view query: `GET /api-part/_partition/p1/_design/pd/_view/by_n` */
  "8.12": {
    status: 200,
    chunks: [
      `{"total_rows":2,"offset":0,"rows":[\r\n{"id":"p1:a","key":1,"value":"x"},\r\n{"id":"p1:b","key":2,"value":"y"}\r\n]}`,
      `\n`
    ]
  },
  /** 8.13 partitioned view queried globally: `GET /api-part/_design/pd/_view/by_n` */
  "8.13": {
    status: 400,
    body: `{"error":"query_parse_error","reason":"\`partition\` parameter is mandatory for queries to this view."}\n`
  },
  /** 8.14 global view queried in a partition: `GET /api-part/_partition/p1/_design/global/_view/by_n` */
  "8.14": {
    status: 400,
    body: `{"error":"query_parse_error","reason":"\`partition\` parameter is not supported in this design doc"}\n`
  },
  /** 8.15 global view queried globally: `GET /api-part/_design/global/_view/by_n` */
  "8.15": {
    status: 200,
    chunks: [
      `{"total_rows":3,"offset":0,"rows":[\r\n{"id":"p1:a","key":1,"value":null},\r\n{"id":"p1:b","key":2,"value":null},\r\n{"id":"p2:c","key":3,"value":null}\r\n]}`,
      `\n`
    ]
  }
} satisfies Record<string, Recording>

/** A recording as a MockCouch reply: the recorded status, body and chunk framing. */
export const reply = (recording: Recording): MockCouch.Reply =>
  recording.chunks !== undefined
    ? MockCouch.chunked(recording.status, recording.chunks)
    : MockCouch.raw(recording.status, recording.body ?? "", { "content-type": "application/json" })

/** The whole body of a recording. */
export const bodyOf = (recording: Recording): string => recording.chunks?.join("") ?? recording.body ?? ""

/** Database `api`, where the recordings were made. */
export const api = Effect.map(CouchClient.CouchClient, (couch) => couch.database("api"))

/** View `name` of the design document `app` of database `api` (recordings §6). */
export const appView = (name: string) =>
  Effect.map(api, (db) => DesignDocument.view(Database.designDocument(db, "app"), name))

export const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

/** The recordings' dates (`[year, month, day]` keys of view `sum`) as `Date`s, written back the same way. */
export const DayKey = Schema.transform(
  Schema.Tuple(Schema.Number, Schema.Number, Schema.Number),
  Schema.DateFromSelf,
  {
    strict: true,
    decode: ([year, month, day]) => new Date(Date.UTC(year, month - 1, day)),
    encode: (date) => [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()] as const
  }
)

export const day = (iso: string) => new Date(`${iso}T00:00:00.000Z`)

/** The fields of the recordings' documents (6.1) that a caller types. */
export const Fruit = Schema.Struct({ type: Schema.String, name: Schema.String, n: Schema.Number })

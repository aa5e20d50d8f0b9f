/**
 * Recorded-fixture tests: exact Apache CouchDB 3.5.0 responses (bodies, headers and HTTP/1.1
 * chunk framing, from /work/shared/reference/couchdb-3.5-wire.md) served through MockCouch,
 * once as recorded and once re-chunked at awkward places, and read through the public API.
 * The eventsource fixtures follow the CouchDB 3.x layout of test-server.md §2.7.
 */
import {
  Changes,
  CouchAuth,
  CouchClient,
  CouchError,
  Database,
  DesignDocument,
  Resource,
  View
} from "@effect-couchdb/client"
import { MockCouch } from "@effect-couchdb/testing"
import { describe, expect, it } from "@effect/vitest"
import { Chunk, Effect, Either, Layer, Option, Redacted, Schema, Stream } from "effect"

// Captured bytes, copied from the Python reprs of couchdb-3.5-wire.md (`headers`, `body`, and
// `raw`: the `--raw` capture of a separate identical request, chunked framing kept).
const captures = {
  /** 01-root: `GET /` (curl rc=0) */
  root: {
    request: "GET /",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Length: 255\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:21 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nX-Couch-Request-ID: 7c94827c81\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body:
      `{"couchdb":"Welcome","version":"3.5.0","git_sha":"11f0d36","uuid":"a02b81c8c1e4b3378c79ad9e6e322fb0","features":["quickjs","access-ready","partitioned","pluggable-storage-engines","reshard","scheduler"],"vendor":{"name":"The Apache Software Foundation"}}\n`,
    raw:
      `{"couchdb":"Welcome","version":"3.5.0","git_sha":"11f0d36","uuid":"a02b81c8c1e4b3378c79ad9e6e322fb0","features":["quickjs","access-ready","partitioned","pluggable-storage-engines","reshard","scheduler"],"vendor":{"name":"The Apache Software Foundation"}}\n`
  },
  /** 04-alldocs-empty: `GET /measure/_all_docs` (curl rc=0) */
  alldocsEmpty: {
    request: "GET /measure/_all_docs",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:28 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 8d2724e0a9\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body: `{"total_rows":0,"offset":0,"rows":[\r\n\r\n]}\n`,
    raw: `29\r\n{"total_rows":0,"offset":0,"rows":[\r\n\r\n]}\r\n1\r\n\n\r\n0\r\n\r\n`
  },
  /** 07-getdoc: `GET /measure/doc1` (curl rc=0) */
  getdoc: {
    request: "GET /measure/doc1",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Length: 80\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:28 GMT\r\nETag: "1-3a7088c7ae00bcaecfe683af287586ca"\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nX-Couch-Request-ID: c4b7dd38ef\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body: `{"_id":"doc1","_rev":"1-3a7088c7ae00bcaecfe683af287586ca","name":"alpha","n":1}\n`,
    raw: `{"_id":"doc1","_rev":"1-3a7088c7ae00bcaecfe683af287586ca","name":"alpha","n":1}\n`
  },
  /** 09-alldocs: `GET /measure/_all_docs` (curl rc=0) */
  alldocs: {
    request: "GET /measure/_all_docs",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:29 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 4364c2cf77\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body:
      `{"total_rows":3,"offset":0,"rows":[\r\n{"id":"_design/d","key":"_design/d","value":{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}},\r\n{"id":"doc1","key":"doc1","value":{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}},\r\n{"id":"doc2","key":"doc2","value":{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}}\r\n]}\n`,
    raw:
      `126\r\n{"total_rows":3,"offset":0,"rows":[\r\n{"id":"_design/d","key":"_design/d","value":{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}},\r\n{"id":"doc1","key":"doc1","value":{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}},\r\n{"id":"doc2","key":"doc2","value":{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}}\r\n]}\r\n1\r\n\n\r\n0\r\n\r\n`
  },
  /** 10-alldocs-include: `GET /measure/_all_docs?include_docs=true` (curl rc=0) */
  alldocsInclude: {
    request: "GET /measure/_all_docs?include_docs=true",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:29 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 36e29225da\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body:
      `{"total_rows":3,"offset":0,"rows":[\r\n{"id":"_design/d","key":"_design/d","value":{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"},"doc":{"_id":"_design/d","_rev":"1-c91abf2c91a3e4bbc61073abc638fb9a","views":{"by_n":{"map":"function(doc){ if (doc.n) { emit(doc.n, doc.name); } }"},"count":{"map":"function(doc){ if (doc.n) { emit(doc.n, 1); } }","reduce":"_count"}}}},\r\n{"id":"doc1","key":"doc1","value":{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"},"doc":{"_id":"doc1","_rev":"1-3a7088c7ae00bcaecfe683af287586ca","name":"alpha","n":1}},\r\n{"id":"doc2","key":"doc2","value":{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"},"doc":{"_id":"doc2","_rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c","name":"beta","n":2}}\r\n]}\n`,
    raw:
      `2bd\r\n{"total_rows":3,"offset":0,"rows":[\r\n{"id":"_design/d","key":"_design/d","value":{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"},"doc":{"_id":"_design/d","_rev":"1-c91abf2c91a3e4bbc61073abc638fb9a","views":{"by_n":{"map":"function(doc){ if (doc.n) { emit(doc.n, doc.name); } }"},"count":{"map":"function(doc){ if (doc.n) { emit(doc.n, 1); } }","reduce":"_count"}}}},\r\n{"id":"doc1","key":"doc1","value":{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"},"doc":{"_id":"doc1","_rev":"1-3a7088c7ae00bcaecfe683af287586ca","name":"alpha","n":1}},\r\n{"id":"doc2","key":"doc2","value":{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"},"doc":{"_id":"doc2","_rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c","name":"beta","n":2}}\r\n]}\r\n1\r\n\n\r\n0\r\n\r\n`
  },
  /** 11-view: `GET /measure/_design/d/_view/by_n` (curl rc=0) */
  view: {
    request: "GET /measure/_design/d/_view/by_n",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:29 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 25015ad7c5\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body:
      `{"total_rows":2,"offset":0,"rows":[\r\n{"id":"doc1","key":1,"value":"alpha"},\r\n{"id":"doc2","key":2,"value":"beta"}\r\n]}\n`,
    raw:
      `75\r\n{"total_rows":2,"offset":0,"rows":[\r\n{"id":"doc1","key":1,"value":"alpha"},\r\n{"id":"doc2","key":2,"value":"beta"}\r\n]}\r\n1\r\n\n\r\n0\r\n\r\n`
  },
  /** 12-view-reduce: `GET /measure/_design/d/_view/count` (curl rc=0) */
  viewReduce: {
    request: "GET /measure/_design/d/_view/count",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:29 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: e3080ec7e4\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body: `{"rows":[\r\n{"key":null,"value":2}\r\n]}\n`,
    raw: `25\r\n{"rows":[\r\n{"key":null,"value":2}\r\n]}\r\n1\r\n\n\r\n0\r\n\r\n`
  },
  /** 13-view-noreduce: `GET /measure/_design/d/_view/count?reduce=false` (curl rc=0) */
  viewNoreduce: {
    request: "GET /measure/_design/d/_view/count?reduce=false",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:29 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 04bed17910\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body:
      `{"total_rows":2,"offset":0,"rows":[\r\n{"id":"doc1","key":1,"value":1},\r\n{"id":"doc2","key":2,"value":1}\r\n]}\n`,
    raw:
      `6a\r\n{"total_rows":2,"offset":0,"rows":[\r\n{"id":"doc1","key":1,"value":1},\r\n{"id":"doc2","key":2,"value":1}\r\n]}\r\n1\r\n\n\r\n0\r\n\r\n`
  },
  /** 14-getdoc-missing: `GET /measure/nope` (curl rc=0) */
  getdocMissing: {
    request: "GET /measure/nope",
    headers:
      `HTTP/1.1 404 Object Not Found\r\nCache-Control: must-revalidate\r\nContent-Length: 41\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:29 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nX-Couch-Request-ID: a8e383d520\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body: `{"error":"not_found","reason":"missing"}\n`,
    raw: `{"error":"not_found","reason":"missing"}\n`
  },
  /** 15-root-badauth: `GET /` (curl rc=0) */
  rootBadauth: {
    request: "GET /",
    headers:
      `HTTP/1.1 401 Unauthorized\r\nCache-Control: must-revalidate\r\nContent-Length: 67\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:29 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nX-Couch-Request-ID: e43a904211\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body: `{"error":"unauthorized","reason":"Name or password is incorrect."}\n`,
    raw: `{"error":"unauthorized","reason":"Name or password is incorrect."}\n`
  },
  /** 16-changes-normal: `GET /measure/_changes` (curl rc=0) */
  changesNormal: {
    request: "GET /measure/_changes",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:29 GMT\r\nETag: "9RLJKAIC5RIZ8SCZ29G828QHE"\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 0b37117397\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body:
      `{"results":[\n{"seq":"1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGcfIJo","id":"doc2","changes":[{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}]},\r\n{"seq":"2-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGdtIJs","id":"_design/d","changes":[{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}]},\r\n{"seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","id":"doc1","changes":[{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}]}\n],\n"last_seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","pending":0}\n\n`,
    raw:
      `d\r\n{"results":[\n\r\n2f9\r\n{"seq":"1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGcfIJo","id":"doc2","changes":[{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}]},\r\n{"seq":"2-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGdtIJs","id":"_design/d","changes":[{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}]},\r\n{"seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","id":"doc1","changes":[{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}]}\n],\n"last_seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","pending":0}\n\r\n1\r\n\n\r\n0\r\n\r\n`
  },
  /** 17-changes-continuous: `GET /measure/_changes?feed=continuous` (curl rc=28) */
  changesContinuous: {
    request: "GET /measure/_changes?feed=continuous",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:29 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 138a4b6fe3\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body:
      `{"seq":"1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zEhnwKMpjAZIMDUDqP0htBnMiYy5QgD3ZPDXRwjIVm74sAJrIIJw","id":"doc1","changes":[{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}]}\n{"seq":"2-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yimJZunJlpYpmLTlwUARDwo8g","id":"doc2","changes":[{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}]}\n{"seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","id":"_design/d","changes":[{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}]}\n`,
    raw:
      `257\r\n{"seq":"1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGcfIJo","id":"doc2","changes":[{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}]}\n{"seq":"2-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGdtIJs","id":"_design/d","changes":[{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}]}\n{"seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","id":"doc1","changes":[{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}]}\n\r\n`
  },
  /** 18-changes-continuous-hb: `GET /measure/_changes?feed=continuous&heartbeat=500` (curl rc=28) */
  changesContinuousHeartbeat: {
    request: "GET /measure/_changes?feed=continuous&heartbeat=500",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:33 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 26bc268c29\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body:
      `{"seq":"1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGcfIJo","id":"doc2","changes":[{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}]}\n{"seq":"2-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGdtIJs","id":"_design/d","changes":[{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}]}\n{"seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","id":"doc1","changes":[{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}]}\n\n\n\n`,
    raw:
      `262\r\n{"seq":"1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGcfIJo","id":"doc2","changes":[{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}]}\n{"seq":"2-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yimJZunJlpYpmLTlwUARDwo8g","id":"doc1","changes":[{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}]}\n{"seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","id":"_design/d","changes":[{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}]}\n\r\n1\r\n\n\r\n1\r\n\n\r\n1\r\n\n\r\n`
  },
  /** 19-changes-continuous-since-now: `GET /measure/_changes?feed=continuous&since=now&timeout=1000` (curl rc=0) */
  changesContinuousSinceNow: {
    request: "GET /measure/_changes?feed=continuous&since=now&timeout=1000",
    headers:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:37 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 83990de052\r\nX-CouchDB-Body-Time: 0\r\n\r\n`,
    body:
      `\n{"last_seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","pending":0}\n\n`,
    raw:
      `1\r\n\n\r\n9c\r\n{"last_seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","pending":0}\n\r\n1\r\n\n\r\n0\r\n\r\n`
  }
}

/** The single-connection captures (`wire.py`): whole HTTP/1.1 responses, head and chunked body. */
const wireCaptures = [
  {
    request: "GET /measure/_all_docs",
    length: 574,
    ids: ["_design/d", "doc1", "doc2"],
    bytes:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nConnection: close\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:46 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 26d2f7e42e\r\nX-CouchDB-Body-Time: 0\r\n\r\n126\r\n{"total_rows":3,"offset":0,"rows":[\r\n{"id":"_design/d","key":"_design/d","value":{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}},\r\n{"id":"doc1","key":"doc1","value":{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}},\r\n{"id":"doc2","key":"doc2","value":{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}}\r\n]}\r\n1\r\n\n\r\n0\r\n\r\n`
  },
  {
    request: "GET /measure/_design/d/_view/by_n",
    length: 396,
    ids: ["doc1", "doc2"],
    bytes:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nConnection: close\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:46 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: 34a0013f55\r\nX-CouchDB-Body-Time: 0\r\n\r\n75\r\n{"total_rows":2,"offset":0,"rows":[\r\n{"id":"doc1","key":1,"value":"alpha"},\r\n{"id":"doc2","key":2,"value":"beta"}\r\n]}\r\n1\r\n\n\r\n0\r\n\r\n`
  },
  {
    request: "GET /measure/_changes?feed=continuous",
    length: 868,
    ids: ["doc2", "_design/d", "doc1"],
    bytes:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nConnection: close\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:46 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: c5610db745\r\nX-CouchDB-Body-Time: 0\r\n\r\n257\r\n{"seq":"1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGcfIJo","id":"doc2","changes":[{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}]}\n{"seq":"2-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGdtIJs","id":"_design/d","changes":[{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}]}\n{"seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","id":"doc1","changes":[{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}]}\n\r\n`
  },
  {
    request: "GET /measure/_changes?feed=continuous&heartbeat=500",
    length: 903,
    ids: ["doc1", "doc2", "_design/d"],
    bytes:
      `HTTP/1.1 200 OK\r\nCache-Control: must-revalidate\r\nConnection: close\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 12:04:48 GMT\r\nServer: CouchDB/3.5.0 (Erlang OTP/25)\r\nTransfer-Encoding: chunked\r\nX-Couch-Request-ID: a221beace0\r\nX-CouchDB-Body-Time: 0\r\n\r\n262\r\n{"seq":"1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zEhnwKMpjAZIMDUDqP0htBnMiYy5QgD3ZPDXRwjIVm74sAJrIIJw","id":"doc1","changes":[{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}]}\n{"seq":"2-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yimJZunJlpYpmLTlwUARDwo8g","id":"doc2","changes":[{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}]}\n{"seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","id":"_design/d","changes":[{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}]}\n\r\n1\r\n\n\r\n1\r\n\n\r\n1\r\n\n\r\n1\r\n\n\r\n`
  }
]

/**
 * Eventsource (`feed=eventsource`) in the CouchDB 3.x layout of test-server.md §2.7, with the
 * three changes of capture 16: `data: <change>\nid: <seq>\n\n` per change, one event per
 * chunk, and heartbeat events before the first change and between the first two.
 */
const eventsourceChunks = [
  `event: heartbeat\ndata: \n\n`,
  `data: {"seq":"1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGcfIJo","id":"doc2","changes":[{"rev":"1-d0a49d7ce73a008d235e7ebc30e58d7c"}]}\nid: 1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGcfIJo\n\n`,
  `event: heartbeat\ndata: \n\n`,
  `data: {"seq":"2-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGdtIJs","id":"_design/d","changes":[{"rev":"1-c91abf2c91a3e4bbc61073abc638fb9a"}]}\nid: 2-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGdtIJs\n\n`,
  `data: {"seq":"3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w","id":"doc1","changes":[{"rev":"1-3a7088c7ae00bcaecfe683af287586ca"}]}\nid: 3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w\n\n`
]

interface Capture {
  readonly request: string
  readonly headers: string
  readonly body: string
  readonly raw: string
}

const encoder = new TextEncoder()
const utf8 = new TextDecoder()
const base = "http://127.0.0.1:5985"

/** The status and lower-cased headers of a captured response head. */
const parseHead = (head: string): { readonly status: number; readonly headers: Record<string, string> } => {
  const [statusLine = "", ...lines] = head.split("\r\n").filter((line) => line !== "")
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
  }
  return { status: Number(statusLine.split(" ")[1]), headers }
}

const indexOfCrlf = (bytes: Uint8Array, from: number): number => {
  for (let i = from; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a) return i
  }
  return -1
}

/**
 * Undoes HTTP/1.1 chunked transfer coding: the chunks exactly as the server framed them, and
 * whether the final 0-length chunk arrived (curl timed out on the open continuous feeds).
 */
const dechunk = (raw: Uint8Array): { readonly chunks: ReadonlyArray<Uint8Array>; readonly terminated: boolean } => {
  const chunks: Array<Uint8Array> = []
  let at = 0
  while (at < raw.length) {
    const lineEnd = indexOfCrlf(raw, at)
    if (lineEnd === -1) throw new Error(`no chunk-size line at byte ${at}`)
    const size = Number.parseInt(utf8.decode(raw.subarray(at, lineEnd)), 16)
    if (!Number.isInteger(size)) throw new Error(`bad chunk size at byte ${at}`)
    at = lineEnd + 2
    if (size === 0) return { chunks, terminated: true }
    chunks.push(raw.slice(at, at + size))
    at += size
    if (indexOfCrlf(raw, at) !== at) throw new Error(`chunk data not followed by CRLF at byte ${at}`)
    at += 2
  }
  return { chunks, terminated: false }
}

const concat = (parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}

/** The body of a capture as the server framed it. */
const recordedChunks = (capture: Capture): ReadonlyArray<Uint8Array> =>
  parseHead(capture.headers).headers["transfer-encoding"] === "chunked"
    ? dechunk(encoder.encode(capture.raw)).chunks
    : [encoder.encode(capture.raw)]

/** Cuts `bytes` into pieces of the given sizes, cycling through them. */
const cutSizes = (bytes: Uint8Array, sizes: ReadonlyArray<number>): ReadonlyArray<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let at = 0
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length] ?? 1
    out.push(bytes.slice(at, at + size))
    at += size
  }
  return out
}

/** Cuts `bytes` right after every `,` and `\r`, so `,\r\n` and `\r\n]}` are split across chunks. */
const cutInsideSeparators = (bytes: Uint8Array): ReadonlyArray<Uint8Array> => {
  const out: Array<Uint8Array> = []
  let from = 0
  bytes.forEach((byte, i) => {
    if (byte === 0x2c || byte === 0x0d) {
      out.push(bytes.slice(from, i + 1))
      from = i + 1
    }
  })
  if (from < bytes.length) out.push(bytes.slice(from))
  return out
}

/** The recorded framing, and the same bytes re-chunked at every byte and at awkward offsets. */
const framings = (chunks: ReadonlyArray<Uint8Array>) => {
  const all = concat(chunks)
  return [
    { name: "recorded chunk framing", chunks },
    { name: "one byte per chunk", chunks: cutSizes(all, [1]) },
    { name: "awkward offsets", chunks: cutSizes(all, [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]) },
    { name: "split inside the separators", chunks: cutInsideSeparators(all) }
  ]
}

const methodAndPath = (capture: { readonly request: string }) => {
  const [method = "", target = ""] = capture.request.split(" ")
  return { method, url: new URL(target, base) }
}

/** The client over MockCouch, answering the capture's request with its status, headers and `chunks`. */
const serve = (
  capture: Capture,
  chunks: ReadonlyArray<Uint8Array>,
  options: { readonly failAfter?: string; readonly auth?: Layer.Layer<CouchAuth.CouchAuth> } = {}
) => {
  const { status, headers } = parseHead(capture.headers)
  const { method, url } = methodAndPath(capture)
  return Layer.mergeAll(CouchClient.layer({ url: base }), options.auth ?? CouchAuth.layerNone).pipe(
    Layer.provideMerge(MockCouch.layer([
      MockCouch.route(
        method,
        url.pathname,
        MockCouch.chunked(status, chunks, { headers, failAfter: options.failAfter })
      )
    ]))
  )
}

const measure = Effect.map(CouchClient.CouchClient, (couch) => couch.database("measure"))

/** The one request sent had the capture's method, path and query parameters. */
const expectSent = (capture: { readonly request: string }) =>
  Effect.gen(function*() {
    const requests = yield* MockCouch.requests
    const { method, url } = methodAndPath(capture)
    expect(requests).toHaveLength(1)
    expect(requests[0]?.method).toBe(method)
    expect(requests[0]?.path).toBe(url.pathname)
    expect(Object.fromEntries(requests[0]?.query ?? [])).toEqual(Object.fromEntries(url.searchParams))
  })

/** The rows of a view capture, parsed independently of the client. */
const parsedRows = (capture: Capture): unknown => {
  const body: unknown = JSON.parse(capture.body)
  return Reflect.get(Object(body), "rows")
}

/** The change lines of a continuous body, parsed independently of the client. */
const continuousLines = (chunks: ReadonlyArray<Uint8Array>): ReadonlyArray<unknown> =>
  utf8.decode(concat(chunks)).split("\n").filter((line) => line !== "").map((line): unknown => JSON.parse(line))

const seqs = {
  one:
    "1-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTGXOBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGcfIJo",
  two:
    "2-g1AAAAB5eJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_yDTEhmyAGdtIJs",
  three:
    "3-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTmXKBAuyWlokWqcmJ2DTgMSaPBUgyNACp_1DTGMGmJZunJlpYpmLTlwUARKwo8w"
}

const Rev = Schema.Struct({ rev: Schema.String })

describe("the captures themselves", () => {
  it("the --raw chunk framing of each view capture carries exactly the captured body", () => {
    for (
      const capture of [
        captures.alldocsEmpty,
        captures.alldocs,
        captures.alldocsInclude,
        captures.view,
        captures.viewReduce,
        captures.viewNoreduce
      ]
    ) {
      const { chunks, terminated } = dechunk(encoder.encode(capture.raw))
      expect(terminated).toBe(true)
      expect(utf8.decode(concat(chunks))).toBe(capture.body)
      // CouchDB sends the closing newline as a separate 1-byte chunk.
      expect(utf8.decode(chunks.at(-1))).toBe("\n")
    }
  })

  it("the open continuous feeds (curl rc=28) have no final 0-length chunk", () => {
    expect(dechunk(encoder.encode(captures.changesContinuous.raw)).terminated).toBe(false)
    expect(dechunk(encoder.encode(captures.changesContinuousHeartbeat.raw)).chunks.map((c) => c.length).slice(1))
      .toEqual([1, 1, 1])
    expect(dechunk(encoder.encode(captures.changesContinuousSinceNow.raw)).terminated).toBe(true)
  })
})

describe("04 alldocs-empty", () => {
  for (const { chunks, name } of framings(recordedChunks(captures.alldocsEmpty))) {
    it.scoped(`no rows, with total_rows 0 and offset 0 (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* View.open(Database.allDocs(yield* measure))
        expect(yield* feed.meta).toEqual({
          totalRows: Option.some(0),
          offset: Option.some(0),
          updateSeq: Option.none()
        })
        expect(Chunk.toReadonlyArray(yield* Stream.runCollect(feed.rows))).toEqual([])
        yield* expectSent(captures.alldocsEmpty)
      }).pipe(Effect.provide(serve(captures.alldocsEmpty, chunks))))
  }
})

describe("09 alldocs", () => {
  for (const { chunks, name } of framings(recordedChunks(captures.alldocs))) {
    it.scoped(`three rows with their revs, total_rows 3 (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* View.open(Database.allDocs(yield* measure), { keySchema: Schema.String, valueSchema: Rev })
        expect(yield* feed.meta).toEqual({
          totalRows: Option.some(3),
          offset: Option.some(0),
          updateSeq: Option.none()
        })
        const rows = Chunk.toReadonlyArray(yield* Stream.runCollect(feed.rows))
        expect(rows).toEqual([
          { id: "_design/d", key: "_design/d", value: { rev: "1-c91abf2c91a3e4bbc61073abc638fb9a" } },
          { id: "doc1", key: "doc1", value: { rev: "1-3a7088c7ae00bcaecfe683af287586ca" } },
          { id: "doc2", key: "doc2", value: { rev: "1-d0a49d7ce73a008d235e7ebc30e58d7c" } }
        ])
        expect(rows).toEqual(parsedRows(captures.alldocs))
        yield* expectSent(captures.alldocs)
      }).pipe(Effect.provide(serve(captures.alldocs, chunks))))
  }
})

const Doc = Schema.Struct({
  _id: Schema.String,
  _rev: Schema.String,
  name: Schema.optional(Schema.String),
  n: Schema.optional(Schema.Number),
  views: Schema.optional(
    Schema.Record({
      key: Schema.String,
      value: Schema.Struct({ map: Schema.String, reduce: Schema.optional(Schema.String) })
    })
  )
})

describe("10 alldocs-include", () => {
  for (const { chunks, name } of framings(recordedChunks(captures.alldocsInclude))) {
    it.scoped(`rows with their documents decoded by the doc schema (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* View.open(Database.allDocs(yield* measure), {
          include_docs: true,
          valueSchema: Rev,
          schema: Doc
        })
        expect(Option.getOrNull((yield* feed.meta).totalRows)).toBe(3)
        const rows = Chunk.toReadonlyArray(yield* Stream.runCollect(feed.rows))
        expect(rows.map((row) => row.doc?._id)).toEqual(["_design/d", "doc1", "doc2"])
        expect(rows[0]?.doc?.views?.count).toEqual({
          map: "function(doc){ if (doc.n) { emit(doc.n, 1); } }",
          reduce: "_count"
        })
        expect(rows[1]?.doc).toEqual({ _id: "doc1", _rev: "1-3a7088c7ae00bcaecfe683af287586ca", name: "alpha", n: 1 })
        expect(rows[2]?.doc).toEqual({ _id: "doc2", _rev: "1-d0a49d7ce73a008d235e7ebc30e58d7c", name: "beta", n: 2 })
        expect(rows).toEqual(parsedRows(captures.alldocsInclude))
        yield* expectSent(captures.alldocsInclude)
      }).pipe(Effect.provide(serve(captures.alldocsInclude, chunks))))
  }
})

describe("11 view", () => {
  for (const { chunks, name } of framings(recordedChunks(captures.view))) {
    it.scoped(`map rows with number keys and string values (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* View.open(DesignDocument.view(Database.designDocument(yield* measure, "d"), "by_n"), {
          keySchema: Schema.Number,
          valueSchema: Schema.String
        })
        expect(yield* feed.meta).toEqual({
          totalRows: Option.some(2),
          offset: Option.some(0),
          updateSeq: Option.none()
        })
        const rows = Chunk.toReadonlyArray(yield* Stream.runCollect(feed.rows))
        expect(rows).toEqual([{ id: "doc1", key: 1, value: "alpha" }, { id: "doc2", key: 2, value: "beta" }])
        yield* expectSent(captures.view)
      }).pipe(Effect.provide(serve(captures.view, chunks))))
  }
})

describe("12 view-reduce", () => {
  for (const { chunks, name } of framings(recordedChunks(captures.viewReduce))) {
    it.scoped(`one reduced row without id, and no total_rows or offset (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* View.open(
          DesignDocument.view(Database.designDocument(yield* measure, "_design/d"), "count"),
          { keySchema: Schema.Null, valueSchema: Schema.Number }
        )
        expect(yield* feed.meta).toEqual({ totalRows: Option.none(), offset: Option.none(), updateSeq: Option.none() })
        const rows = Chunk.toReadonlyArray(yield* Stream.runCollect(feed.rows))
        expect(rows).toEqual([{ key: null, value: 2 }])
        expect(rows[0] !== undefined && "id" in rows[0]).toBe(false)
        yield* expectSent(captures.viewReduce)
      }).pipe(Effect.provide(serve(captures.viewReduce, chunks))))
  }
})

describe("13 view-noreduce", () => {
  for (const { chunks, name } of framings(recordedChunks(captures.viewNoreduce))) {
    it.scoped(`the map rows of a reduce view with reduce=false (${name})`, () =>
      Effect.gen(function*() {
        const rows = yield* View.stream(DesignDocument.view(Database.designDocument(yield* measure, "d"), "count"), {
          reduce: false,
          keySchema: Schema.Number,
          valueSchema: Schema.Number
        }).pipe(Stream.runCollect)
        expect(Chunk.toReadonlyArray(rows)).toEqual([{ id: "doc1", key: 1, value: 1 }, {
          id: "doc2",
          key: 2,
          value: 1
        }])
        yield* expectSent(captures.viewNoreduce)
      }).pipe(Effect.provide(serve(captures.viewNoreduce, chunks))))
  }
})

describe("01 root, 07 getdoc, 14 getdoc-missing and 15 root-badauth", () => {
  it.effect("01: the server root read through Resource.getJson", () =>
    Effect.gen(function*() {
      const couch = yield* CouchClient.CouchClient
      const welcome = yield* couch.root.getJson(Schema.Struct({
        couchdb: Schema.String,
        version: Schema.String,
        features: Schema.Array(Schema.String),
        vendor: Schema.Struct({ name: Schema.String })
      }))
      expect(welcome).toEqual({
        couchdb: "Welcome",
        version: "3.5.0",
        features: ["quickjs", "access-ready", "partitioned", "pluggable-storage-engines", "reshard", "scheduler"],
        vendor: { name: "The Apache Software Foundation" }
      })
      yield* expectSent(captures.root)
    }).pipe(Effect.provide(serve(captures.root, recordedChunks(captures.root)))))

  it.effect("07: a document read through Resource.getJson and Resource.get", () =>
    Effect.gen(function*() {
      const doc = Resource.of(yield* measure).document("doc1")
      expect(yield* doc.getJson(Doc)).toEqual({
        _id: "doc1",
        _rev: "1-3a7088c7ae00bcaecfe683af287586ca",
        name: "alpha",
        n: 1
      })
      const response = yield* doc.get()
      expect(response.status).toBe(200)
      expect(response.headers.etag).toBe("\"1-3a7088c7ae00bcaecfe683af287586ca\"")
      expect(response.headers["x-couch-request-id"]).toBe("c4b7dd38ef")
      expect(yield* response.text).toBe(captures.getdoc.body)
    }).pipe(Effect.provide(serve(captures.getdoc, recordedChunks(captures.getdoc)))))

  for (const { chunks, name } of framings(recordedChunks(captures.getdocMissing))) {
    it.effect(`14: NotFound with error, reason and X-Couch-Request-ID (${name})`, () =>
      Effect.gen(function*() {
        const doc = Resource.of(yield* measure).document("nope")
        const error = yield* Effect.flip(doc.get())
        expect(error).toBeInstanceOf(CouchError.NotFound)
        expect(error).toMatchObject({
          _tag: "NotFound",
          status: 404,
          method: "GET",
          url: `${base}/measure/nope`,
          error: "not_found",
          reason: "missing",
          requestId: "a8e383d520"
        })
        const caught = yield* doc.getJson(Doc).pipe(
          Effect.as("found"),
          Effect.catchTag("NotFound", (e) => Effect.succeed(`${e.error}/${e.reason}/${e.requestId}`))
        )
        expect(caught).toBe("not_found/missing/a8e383d520")
      }).pipe(Effect.provide(serve(captures.getdocMissing, chunks))))
  }

  for (const { chunks, name } of framings(recordedChunks(captures.rootBadauth))) {
    it.effect(`15: Unauthorized for a wrong password, without the password in the error (${name})`, () =>
      Effect.gen(function*() {
        const couch = yield* CouchClient.CouchClient
        const error = yield* Effect.flip(couch.root.get())
        expect(error).toBeInstanceOf(CouchError.Unauthorized)
        expect(error).toMatchObject({
          _tag: "Unauthorized",
          status: 401,
          method: "GET",
          error: "unauthorized",
          reason: "Name or password is incorrect.",
          requestId: "e43a904211"
        })
        expect(JSON.stringify(error)).not.toContain("d3Jvbmc")
        expect(error.message).not.toContain("wrong")
        const [request] = yield* MockCouch.requests
        expect(request?.headers.authorization).toBe(`Basic ${btoa("admin:wrong")}`)
      }).pipe(Effect.provide(
        serve(captures.rootBadauth, chunks, {
          auth: CouchAuth.layerBasic({ username: "admin", password: Redacted.make("wrong") })
        })
      )))
  }
})

/**
 * Checks how `lastSeq` moved while a feed was read: at each change it is the seq of that
 * change or of a later one (rows are emitted a network chunk at a time), never none, and
 * never a seq the feed has not delivered.
 */
const expectTracked = (read: ReadonlyArray<{ readonly seq: unknown; readonly lastSeq: Option.Option<unknown> }>) => {
  const seqsRead = read.map(({ seq }) => seq)
  read.forEach(({ lastSeq }, i) => {
    expect(Option.isSome(lastSeq)).toBe(true)
    if (Option.isSome(lastSeq)) expect(seqsRead.slice(i)).toContain(lastSeq.value)
  })
}

describe("16 changes-normal", () => {
  for (const { chunks, name } of framings(recordedChunks(captures.changesNormal))) {
    it.scoped(`three changes with string seqs, then last_seq and pending (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* Changes.open(yield* measure)
        expect(yield* feed.lastSeq).toEqual(Option.none())
        const read = yield* feed.changes.pipe(
          Stream.mapEffect((change) => Effect.map(feed.lastSeq, (lastSeq) => ({ change, lastSeq }))),
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray)
        )
        expect(read.map(({ change }) => change)).toEqual([
          { seq: seqs.one, id: "doc2", changes: [{ rev: "1-d0a49d7ce73a008d235e7ebc30e58d7c" }] },
          { seq: seqs.two, id: "_design/d", changes: [{ rev: "1-c91abf2c91a3e4bbc61073abc638fb9a" }] },
          { seq: seqs.three, id: "doc1", changes: [{ rev: "1-3a7088c7ae00bcaecfe683af287586ca" }] }
        ])
        // While reading, lastSeq is the seq of a change the stream has emitted (a network
        // chunk at a time): the change just read or a later one of the same chunk.
        expectTracked(read.map(({ change, lastSeq }) => ({ seq: change.seq, lastSeq })))
        expect(yield* feed.lastSeq).toEqual(Option.some(seqs.three))
        expect(yield* feed.pending).toEqual(Option.some(0))
        yield* expectSent(captures.changesNormal)
      }).pipe(Effect.provide(serve(captures.changesNormal, chunks))))
  }
})

describe("17 changes-continuous (feed left open, no heartbeat)", () => {
  const recorded = recordedChunks(captures.changesContinuous)
  for (const { chunks, name } of framings(recorded)) {
    it.scoped(`three changes; take(3) ends the feed before the connection breaks (${name})`, () =>
      Effect.gen(function*() {
        const changes = yield* Changes.stream(yield* measure, { feed: "continuous", heartbeat: false }).pipe(
          Stream.take(3),
          Stream.runCollect
        )
        expect(Chunk.toReadonlyArray(changes)).toEqual(continuousLines(recorded))
        expect(Chunk.toReadonlyArray(changes).map((c) => c.id)).toEqual(["doc2", "_design/d", "doc1"])
        expect(Chunk.toReadonlyArray(changes).every((c) => typeof c.seq === "string")).toBe(true)
        yield* expectSent(captures.changesContinuous)
      }).pipe(Effect.provide(serve(captures.changesContinuous, chunks, { failAfter: "ETIMEDOUT" }))))

    it.scoped(`three changes, then the broken connection as a TransportError (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* Changes.open(yield* measure, { feed: "continuous", heartbeat: false })
        const read = Chunk.toReadonlyArray(yield* Stream.runCollect(Stream.either(feed.changes)))
        expect(read.slice(0, 3).map((e) => Either.isRight(e) ? e.right.id : e.left._tag))
          .toEqual(["doc2", "_design/d", "doc1"])
        expect(read.slice(3).map((e) => Either.isLeft(e) ? e.left._tag : e.right.id)).toEqual(["TransportError"])
        expect(yield* feed.lastSeq).toEqual(Option.some(seqs.three))
        expect(yield* feed.pending).toEqual(Option.none())
      }).pipe(Effect.provide(serve(captures.changesContinuous, chunks, { failAfter: "ECONNRESET" }))))
  }
})

describe("18 changes-continuous-hb", () => {
  const recorded = recordedChunks(captures.changesContinuousHeartbeat)
  for (const { chunks, name } of framings(recorded)) {
    it.scoped(`three changes, the heartbeat newlines dropped (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* Changes.open(yield* measure, { feed: "continuous", heartbeat: 500 })
        const read = yield* feed.changes.pipe(
          Stream.mapEffect((change) =>
            Effect.map(feed.lastSeq, (lastSeq) => ({ id: change.id, seq: change.seq, lastSeq }))
          ),
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray)
        )
        expect(read.map(({ id }) => id)).toEqual(["doc2", "doc1", "_design/d"])
        expectTracked(read.map(({ lastSeq, seq }) => ({ seq, lastSeq })))
        expect(read.map(({ seq }) => seq)).toEqual(
          continuousLines(recorded).map((line) => Reflect.get(Object(line), "seq"))
        )
        expect(yield* feed.pending).toEqual(Option.none())
        yield* expectSent(captures.changesContinuousHeartbeat)
      }).pipe(Effect.provide(serve(captures.changesContinuousHeartbeat, chunks))))
  }

  it.scoped("an open feed that keeps sending heartbeats: take(3) returns and aborts the request", () =>
    Effect.gen(function*() {
      const changes = yield* Changes.stream(yield* measure, { feed: "continuous", heartbeat: 500 }).pipe(
        Stream.take(3),
        Stream.runCollect
      )
      expect(Chunk.size(changes)).toBe(3)
      const [request] = yield* MockCouch.requests
      expect(request?.aborted()).toBe(true)
    }).pipe(Effect.provide(
      Layer.mergeAll(CouchClient.layer({ url: base }), CouchAuth.layerNone).pipe(
        Layer.provideMerge(MockCouch.layer([
          MockCouch.route(
            "GET",
            "/measure/_changes",
            MockCouch.lazy(
              200,
              (n) => recorded[n] ?? "\n",
              parseHead(captures.changesContinuousHeartbeat.headers).headers
            )
          )
        ]))
      )
    )))
})

describe("19 changes-continuous-since-now", () => {
  for (const { chunks, name } of framings(recordedChunks(captures.changesContinuousSinceNow))) {
    it.scoped(`no changes; the final line gives last_seq (a string) and pending (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* Changes.open(yield* measure, {
          feed: "continuous",
          since: "now",
          timeout: 1000,
          heartbeat: false
        })
        expect(Chunk.toReadonlyArray(yield* Stream.runCollect(feed.changes))).toEqual([])
        expect(yield* feed.lastSeq).toEqual(Option.some(seqs.three))
        expect(yield* feed.pending).toEqual(Option.some(0))
        yield* expectSent(captures.changesContinuousSinceNow)
      }).pipe(Effect.provide(serve(captures.changesContinuousSinceNow, chunks))))
  }
})

describe("single-connection wire captures (whole HTTP/1.1 responses)", () => {
  for (const wire of wireCaptures) {
    it.scoped(`${wire.request}: served with its own head and chunk framing`, () => {
      const bytes = encoder.encode(wire.bytes)
      const split = utf8.decode(bytes).indexOf("\r\n\r\n") + 4
      const headers = utf8.decode(bytes.subarray(0, split))
      const { chunks } = dechunk(bytes.subarray(split))
      const capture: Capture = { request: wire.request, headers, body: "", raw: "" }
      const isChanges = wire.request.includes("_changes")
      return Effect.gen(function*() {
        expect(bytes.length).toBe(wire.length)
        const db = yield* measure
        const { url } = methodAndPath(wire)
        const ids = isChanges
          ? yield* Changes.stream(db, {
            feed: "continuous",
            heartbeat: url.searchParams.has("heartbeat") ? Number(url.searchParams.get("heartbeat")) : false
          }).pipe(Stream.map((change) => change.id), Stream.runCollect)
          : yield* View.stream(
            url.pathname.includes("_view")
              ? DesignDocument.view(Database.designDocument(db, "d"), "by_n")
              : Database.allDocs(db)
          ).pipe(
            Stream.map((row) => row.id),
            Stream.runCollect
          )
        expect(Chunk.toReadonlyArray(ids)).toEqual(wire.ids)
        yield* expectSent(wire)
      }).pipe(Effect.provide(serve(capture, chunks)))
    })
  }
})

describe("eventsource (CouchDB 3.x layout)", () => {
  const serveEvents = (chunks: ReadonlyArray<Uint8Array | string>) =>
    Layer.mergeAll(CouchClient.layer({ url: base }), CouchAuth.layerNone).pipe(
      Layer.provideMerge(MockCouch.layer([
        MockCouch.route(
          "GET",
          "/measure/_changes",
          MockCouch.chunked(200, chunks, {
            headers: {
              "content-type": "text/event-stream",
              "cache-control": "must-revalidate",
              "transfer-encoding": "chunked"
            }
          })
        )
      ]))
    )

  for (const { chunks, name } of framings(eventsourceChunks.map((chunk) => encoder.encode(chunk)))) {
    it.scoped(`changes with string seqs, heartbeat events skipped, lastSeq = the event id (${name})`, () =>
      Effect.gen(function*() {
        const feed = yield* Changes.open(yield* measure, { feed: "eventsource", heartbeat: false })
        const read = yield* feed.changes.pipe(
          Stream.mapEffect((change) => Effect.map(feed.lastSeq, (lastSeq) => ({ change, lastSeq }))),
          Stream.runCollect,
          Effect.map(Chunk.toReadonlyArray)
        )
        expect(read.map(({ change }) => change.id)).toEqual(["doc2", "_design/d", "doc1"])
        expect(read.map(({ change }) => change.seq)).toEqual([seqs.one, seqs.two, seqs.three])
        // The `id:` of each event, as sent: a string, never parsed as an integer.
        const eventIds = eventsourceChunks.flatMap((chunk) => /\nid: (.*)\n/.exec(chunk)?.[1] ?? [])
        expect(read.map(({ lastSeq }) => lastSeq)).toEqual(eventIds.map(Option.some))
        expect(yield* feed.lastSeq).toEqual(Option.some(seqs.three))
        const [request] = yield* MockCouch.requests
        expect(request?.query.get("feed")).toBe("eventsource")
        expect(request?.headers.accept).toBe("text/event-stream")
        expect(request?.headers["last-event-id"]).toBeUndefined()
      }).pipe(Effect.provide(serveEvents(chunks))))
  }

  it.scoped("resumes with Last-Event-ID: the header carries the id given, unchanged", () =>
    Effect.gen(function*() {
      const changes = yield* Changes.stream(yield* measure, {
        feed: "eventsource",
        lastEventId: seqs.one,
        heartbeat: false
      }).pipe(
        Stream.runCollect
      )
      expect(Chunk.toReadonlyArray(changes).map((c) => c.id)).toEqual(["_design/d", "doc1"])
      const [request] = yield* MockCouch.requests
      expect(request?.headers["last-event-id"]).toBe(seqs.one)
      expect(request?.headers.accept).toBe("text/event-stream")
      expect(request?.query.get("feed")).toBe("eventsource")
      expect(request?.query.has("since")).toBe(false)
    }).pipe(Effect.provide(serveEvents(eventsourceChunks.slice(3)))))
})

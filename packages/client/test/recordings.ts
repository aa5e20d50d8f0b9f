import { MockCouch } from "@effect-couchdb/testing"

/**
 * Exchanges recorded with Apache CouchDB 3.5.0 (/work/shared/reference/couchdb-3.5-api.md:
 * the records of sections 1, 9 and 10 the tests use; 1.13's body is cut there), keyed by
 * record number: the response status, the exact body bytes, and the request body if any.
 */
export const recordings = {
  /** versions: `GET /_node/_local/_versions` */
  "1.11": {
    status: 200,
    body:
      `{"javascript_engine":{"name":"quickjs"},"erlang":{"version":"25.2.3","supported_hashes":["blake2s","blake2b","sha3_512","sha3_384","sha3_256","sha3_224","sha512","sha384","sha256","sha224","sha","ripemd160","md5","md4"]},"collation_driver":{"name":"libicu","library_version":"72.1","collator_version":"153.120","collation_algorithm_version":"15"}}\n`
  },
  /** one stats metric: `GET /_node/_local/_stats/couchdb/request_time` */
  "1.12": {
    status: 200,
    body:
      `{"value":{"n":6,"min":0.8125,"max":2.4999999999999996,"arithmetic_mean":1.4375,"geometric_mean":1.354690266444767,"harmonic_mean":1.2796873032025382,"median":1.375,"variance":0.2548828125,"standard_deviation":0.5048592006688597,"skewness":0.6804085890548685,"kurtosis":-0.5648772037991212,"percentile":[[50,1.375],[75,1.6875],[90,2.35],[95,2.4249999999999994],[99,2.4849999999999994],[999,2.4984999999999995]],"histogram":[[0,0]]},"type":"histogram","desc":"length of a request inside CouchDB without MochiWeb"}\n`
  },
  /** config section: `GET /_node/_local/_config/couchdb` */
  "1.14": {
    status: 200,
    body:
      `{"database_dir":"./data","js_engine":"quickjs","single_node":"true","uuid":"70e7b61aabb505fb1ba6dbe45b22b7ab","view_index_dir":"./data"}\n`
  },
  /** config key that is not set: `GET /_node/_local/_config/couchdb/max_document_size` */
  "1.15": {
    status: 404,
    body: `{"error":"not_found","reason":"unknown_config_value"}\n`
  },
  /** config key that is set: `GET /_node/_local/_config/couchdb/single_node` */
  "1.16": {
    status: 200,
    body: `"true"\n`
  },
  /** config PUT new key (old value ""): `PUT /_node/_local/_config/api_test/greeting` */
  "1.17": {
    status: 200,
    request: `"hello"`,
    body: `""\n`
  },
  /** config PUT same key again (returns old value): `PUT /_node/_local/_config/api_test/greeting` */
  "1.18": {
    status: 200,
    request: `"world"`,
    body: `"hello"\n`
  },
  /** config PUT with non-JSON body: `PUT /_node/_local/_config/api_test/greeting` */
  "1.19": {
    status: 400,
    request: `world`,
    body: `{"error":"bad_request","reason":"invalid UTF-8 JSON"}\n`
  },
  /** config DELETE test key (returns old value): `DELETE /_node/_local/_config/api_test/greeting` */
  "1.20": {
    status: 200,
    body: `"world"\n`
  },
  /** config DELETE missing key: `DELETE /_node/_local/_config/api_test/greeting` */
  "1.21": {
    status: 404,
    body: `{"error":"not_found","reason":"unknown_config_value"}\n`
  },
  /** config PUT of a real key (old value "" = not set): `PUT /_node/_local/_config/couchdb/max_document_size` */
  "1.22": {
    status: 200,
    request: `"200"`,
    body: `""\n`
  },
  /** config DELETE restores the default (returns the value removed): `DELETE /_node/_local/_config/couchdb/max_document_size` */
  "1.23": {
    status: 200,
    body: `"200"\n`
  },
  /** config key after restore: `GET /_node/_local/_config/couchdb/max_document_size` */
  "1.24": {
    status: 404,
    body: `{"error":"not_found","reason":"unknown_config_value"}\n`
  },
  /** cluster setup state: `GET /_cluster_setup` */
  "1.25": {
    status: 200,
    body: `{"state":"single_node_enabled"}\n`
  },
  /** resharding summary: `GET /_reshard` */
  "1.26": {
    status: 200,
    body: `{"state":"running","state_reason":null,"completed":0,"failed":0,"running":0,"stopped":0,"total":0}\n`
  },
  /** scheduler jobs (idle): `GET /_scheduler/jobs` */
  "1.27": {
    status: 200,
    body: `{"total_rows":0,"offset":0,"jobs":[]}\n`
  },
  /** scheduler docs (idle): `GET /_scheduler/docs` */
  "1.28": {
    status: 200,
    body: `{"total_rows":0,"offset":0,"docs":[\r\n\r\n]}\n`
  },
  /** scheduler docs with one completed _replicator doc: `GET /_scheduler/docs` */
  "1.29": {
    status: 200,
    body:
      `{"total_rows":1,"offset":0,"docs":[\r\n{"database":"_replicator","doc_id":"api-rep-doc","id":null,"source":"http://127.0.0.1:5985/api/","target":"http://127.0.0.1:5985/api-rep2/","state":"completed","error_count":0,"info":{"revisions_checked":30,"missing_revisions_found":30,"docs_read":30,"docs_written":30,"changes_pending":null,"doc_write_failures":0,"bulk_get_docs":23,"bulk_get_attempts":26,"checkpointed_source_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja"},"start_time":"2026-11-30T23:35:16Z","last_updated":"2026-11-30T23:35:20Z"}\r\n]}\n`
  },
  /** create user alice: `PUT /_users/org.couchdb.user:alice` */
  "9.2": {
    status: 201,
    request: `{"name":"alice","password":"apple123","roles":["api_readers"],"type":"user"}`,
    body: `{"ok":true,"id":"org.couchdb.user:alice","rev":"10-3047865a54cbea5f926ab446445f1bbf"}\n`
  },
  /** GET user doc as admin (derived fields): `GET /_users/org.couchdb.user:alice` */
  "9.3": {
    status: 200,
    body:
      `{"_id":"org.couchdb.user:alice","_rev":"10-3047865a54cbea5f926ab446445f1bbf","password_scheme":"pbkdf2","pbkdf2_prf":"sha256","salt":"af7b79f0662eaa31c1459f64d1e64c02","iterations":600000,"derived_key":"2528530529511b60bc1473f32110e352358cc7950d70a80ac00956c6fe921710","name":"alice","roles":["api_readers"],"type":"user"}\n`
  },
  /** GET own user doc as alice: `GET /_users/org.couchdb.user:alice` */
  "9.4": {
    status: 403,
    body: `{"error":"forbidden","reason":"You are not allowed to access this db."}\n`
  },
  /** create user whose _id does not match name: `PUT /_users/org.couchdb.user:bob` */
  "9.6": {
    status: 403,
    request: `{"name":"robert","password":"x","roles":[],"type":"user"}`,
    body: `{"error":"forbidden","reason":"Doc ID must be of the form org.couchdb.user:name"}\n`
  },
  /** create user without type: `PUT /_users/org.couchdb.user:bob` */
  "9.7": {
    status: 403,
    request: `{"name":"bob","password":"x","roles":[]}`,
    body: `{"error":"forbidden","reason":"doc.type must be user"}\n`
  },
  /** change password (PUT with rev): `PUT /_users/org.couchdb.user:alice` */
  "9.8": {
    status: 201,
    request: `{"name":"alice","password":"banana456","roles":["api_readers"],"type":"user"}`,
    body: `{"ok":true,"id":"org.couchdb.user:alice","rev":"11-c646048eaf58928c1125ac148df50026"}\n`
  },
  /** delete user: `DELETE /_users/org.couchdb.user:alice?rev=11-c646048eaf58928c1125ac148df50026` */
  "9.14": {
    status: 200,
    body: `{"ok":true,"id":"org.couchdb.user:alice","rev":"12-397d163913f1e6697e6827608f93b27a"}\n`
  },
  /** one-shot replication with create_target: `POST /_replicate` */
  "10.1": {
    status: 200,
    request:
      `{"source":"http://admin:secret@127.0.0.1:5985/api","target":"http://admin:secret@127.0.0.1:5985/api-rep","create_target":true}`,
    body:
      `{"ok":true,"session_id":"b6beb62544447d36ef70c85733dabb4d","source_last_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","replication_id_version":4,"history":[{"session_id":"b6beb62544447d36ef70c85733dabb4d","start_time":"Mon, 30 Nov 2026 23:34:57 GMT","end_time":"Mon, 30 Nov 2026 23:34:59 GMT","start_last_seq":0,"end_last_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","recorded_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","missing_checked":30,"missing_found":30,"docs_read":30,"docs_written":30,"doc_write_failures":0,"bulk_get_docs":23,"bulk_get_attempts":26}]}\n`
  },
  /** one-shot replication again (nothing to do): `POST /_replicate` */
  "10.2": {
    status: 200,
    request:
      `{"source":"http://admin:secret@127.0.0.1:5985/api","target":"http://admin:secret@127.0.0.1:5985/api-rep"}`,
    body:
      `{"ok":true,"no_changes":true,"session_id":"b6beb62544447d36ef70c85733dabb4d","source_last_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","replication_id_version":4,"history":[{"session_id":"b6beb62544447d36ef70c85733dabb4d","start_time":"Mon, 30 Nov 2026 23:34:57 GMT","end_time":"Mon, 30 Nov 2026 23:34:59 GMT","start_last_seq":0,"end_last_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","recorded_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","missing_checked":30,"missing_found":30,"docs_read":30,"docs_written":30,"doc_write_failures":0,"bulk_get_docs":23,"bulk_get_attempts":26}]}\n`
  },
  /** replication to a missing target without create_target: `POST /_replicate` */
  "10.3": {
    status: 500,
    request:
      `{"source":"http://admin:secret@127.0.0.1:5985/api","target":"http://admin:secret@127.0.0.1:5985/api-missing"}`,
    body: `{"error":"db_not_found","reason":"could not open http://127.0.0.1:5985/api-missing/"}\n`
  },
  /** replication with local db names (not URLs): `POST /_replicate` */
  "10.5": {
    status: 200,
    request: `{"source":"api","target":"api-rep"}`,
    body:
      `{"ok":true,"session_id":"b007d00d8dd3e194841a2a098380dd51","source_last_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","replication_id_version":4,"history":[{"session_id":"b007d00d8dd3e194841a2a098380dd51","start_time":"Mon, 30 Nov 2026 23:35:11 GMT","end_time":"Mon, 30 Nov 2026 23:35:14 GMT","start_last_seq":0,"end_last_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","recorded_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","missing_checked":30,"missing_found":0,"docs_read":0,"docs_written":0,"doc_write_failures":0,"bulk_get_docs":0,"bulk_get_attempts":0}]}\n`
  },
  /** start a continuous replication: `POST /_replicate` */
  "10.6": {
    status: 202,
    request:
      `{"source":"http://admin:secret@127.0.0.1:5985/api","target":"http://admin:secret@127.0.0.1:5985/api-rep","continuous":true}`,
    body: `{"ok":true,"_local_id":"3ba6424330c6adfb159715b201b102a6+continuous"}\n`
  },
  /** scheduler jobs while a continuous replication runs: `GET /_scheduler/jobs` */
  "10.7": {
    status: 200,
    body:
      `{"total_rows":1,"offset":0,"jobs":[{"database":null,"id":"3ba6424330c6adfb159715b201b102a6+continuous","pid":"<0.10328.1>","source":"http://127.0.0.1:5985/api/","target":"http://127.0.0.1:5985/api-rep/","user":"admin","doc_id":null,"info":null,"history":[{"timestamp":"2026-11-30T23:35:14Z","type":"started"},{"timestamp":"2026-11-30T23:35:14Z","type":"added"}],"node":"couchdb@127.0.0.1","start_time":"2026-11-30T23:35:14Z"}]}\n`
  },
  /** cancel the continuous replication: `POST /_replicate` */
  "10.8": {
    status: 200,
    request:
      `{"source":"http://admin:secret@127.0.0.1:5985/api","target":"http://admin:secret@127.0.0.1:5985/api-rep","continuous":true,"cancel":true}`,
    body: `{"ok":true,"_local_id":"3ba6424330c6adfb159715b201b102a6+continuous"}\n`
  },
  /** cancel it again: `POST /_replicate` */
  "10.9": {
    status: 404,
    request:
      `{"source":"http://admin:secret@127.0.0.1:5985/api","target":"http://admin:secret@127.0.0.1:5985/api-rep","continuous":true,"cancel":true}`,
    body: `{"error":"not_found","reason":"missing"}\n`
  },
  /** create a _replicator doc: `PUT /_replicator/api-rep-doc` */
  "10.10": {
    status: 201,
    request:
      `{"source":"http://admin:secret@127.0.0.1:5985/api","target":"http://admin:secret@127.0.0.1:5985/api-rep2","create_target":true}`,
    body: `{"ok":true,"id":"api-rep-doc","rev":"4-97a394e216ccf443ae7a76856f81f2bb"}\n`
  },
  /** scheduler doc state (first poll): `GET /_scheduler/docs/_replicator/api-rep-doc` */
  "10.11": {
    status: 200,
    body:
      `{"database":"_replicator","doc_id":"api-rep-doc","id":"eca155397b3c3081d6cc29670343586c+create_target","node":"couchdb@127.0.0.1","source":"http://127.0.0.1:5985/api/","target":"http://127.0.0.1:5985/api-rep2/","state":"running","info":null,"error_count":0,"last_updated":"2026-11-30T23:35:16Z","start_time":"2026-11-30T23:35:16Z","source_proxy":null,"target_proxy":null}\n`
  },
  /** scheduler doc state (completed): `GET /_scheduler/docs/_replicator/api-rep-doc` */
  "10.12": {
    status: 200,
    body:
      `{"database":"_replicator","doc_id":"api-rep-doc","id":null,"source":"http://127.0.0.1:5985/api/","target":"http://127.0.0.1:5985/api-rep2/","state":"completed","error_count":0,"info":{"revisions_checked":30,"missing_revisions_found":30,"docs_read":30,"docs_written":30,"changes_pending":null,"doc_write_failures":0,"bulk_get_docs":23,"bulk_get_attempts":26,"checkpointed_source_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja"},"start_time":"2026-11-30T23:35:16Z","last_updated":"2026-11-30T23:35:20Z"}\n`
  },
  /** GET the _replicator doc after completion: `GET /_replicator/api-rep-doc` */
  "10.13": {
    status: 200,
    body:
      `{"_id":"api-rep-doc","_rev":"5-9f74956520c6a4b290a2f6a5ec9aeed8","source":"http://admin:secret@127.0.0.1:5985/api","target":"http://admin:secret@127.0.0.1:5985/api-rep2","create_target":true,"owner":"admin","_replication_state":"completed","_replication_state_time":"2026-11-30T23:35:20Z","_replication_stats":{"revisions_checked":30,"missing_revisions_found":30,"docs_read":30,"docs_written":30,"changes_pending":null,"doc_write_failures":0,"bulk_get_docs":23,"bulk_get_attempts":26,"checkpointed_source_seq":"53-g1AAAACbeJzLYWBgYMpgTmEQTM4vTc5ISXIwNDLXMwBCwxyQVCJDUv3___-zMpgTZXKBAuzJyckpZkbG2DTgMSaPBUgyNACp_1DTJCGmGZqkJBpZYNOXBQBKXyja","start_time":"2026-11-30T23:35:16Z"}}\n`
  },
  /** scheduler doc for a missing doc id: `GET /_scheduler/docs/_replicator/nope` */
  "10.14": {
    status: 404,
    body: `{"error":"not_found","reason":"missing"}\n`
  },
  /** delete the _replicator doc: `DELETE /_replicator/api-rep-doc?rev=5-9f74956520c6a4b290a2f6a5ec9aeed8` */
  "10.15": {
    status: 200,
    body: `{"ok":true,"id":"api-rep-doc","rev":"6-3a0b27dce923bc06824fbaca7299ea43"}\n`
  }
} as const

/** A record number of `recordings`. */
export type RecordNumber = keyof typeof recordings

/** The recorded response of record `n`: its status and exact body bytes, as JSON. */
export const reply = (n: RecordNumber): MockCouch.Reply =>
  MockCouch.raw(recordings[n].status, recordings[n].body, { "content-type": "application/json" })

/** The recorded request body of record `n`, parsed. */
export const requestBody = (n: RecordNumber): unknown => {
  const record = recordings[n]
  return "request" in record ? JSON.parse(record.request) : undefined
}

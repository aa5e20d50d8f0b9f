import type { ChangesOptions } from "../Changes.js"
import type { QueryValue } from "../CouchClient.js"
import type * as Endpoint from "./endpoint.js"

/**
 * The `_changes` request for `options`: CouchDB's parameters in the query, a `POST` with the
 * `doc_ids` or `selector` body (and its filter), `Accept` and `Last-Event-ID` for
 * eventsource. `heartbeat` is the query value already resolved (see `SeqFeed.liveness`).
 *
 * @internal
 */
export const request = (
  options: ChangesOptions<unknown, unknown>,
  heartbeat: number | string | undefined
): Endpoint.Request => {
  const {
    doc_ids,
    filter,
    filterParams,
    heartbeat: _heartbeat,
    idleTimeout: _idle,
    lastEventId,
    schema: _schema,
    selector,
    view,
    ...rest
  } = options
  const body = doc_ids !== undefined
    ? { doc_ids }
    : selector !== undefined
    ? { selector }
    : undefined
  const effectiveFilter = doc_ids !== undefined
    ? "_doc_ids"
    : selector !== undefined
    ? "_selector"
    : view !== undefined
    ? "_view"
    : filter
  const query: Record<string, QueryValue> = { ...filterParams }
  for (const [key, value] of Object.entries(rest)) query[key] = value
  query.filter = effectiveFilter
  query.view = view
  query.heartbeat = heartbeat
  const headers: Record<string, string> = {}
  if (options.feed === "eventsource") headers.accept = "text/event-stream"
  if (lastEventId !== undefined) headers["last-event-id"] = lastEventId
  return {
    method: body !== undefined ? "POST" : "GET",
    path: ["_changes"],
    query,
    headers,
    // A POST with `doc_ids` or a selector only reads.
    ...(body !== undefined ? { json: body, idempotent: true } : {})
  }
}

/**
 * The route template of a path, for span names and `db.operation.name`: identifiers are
 * replaced by the placeholders CouchDB's API reference writes (`/{db}/{docid}`,
 * `/{db}/_design/{ddoc}/_view/{view}`, …), so spans group by operation, not by document.
 *
 * @internal
 */
export const operationName = (method: string, segments: ReadonlyArray<string>): string =>
  `${method} /${template(segments).join("/")}`

/** What follows a design document's function kind: `_view/{view}`, `_show/{func}`, … */
const designFunctions: Readonly<Record<string, string>> = {
  _view: "{view}",
  _show: "{func}",
  _list: "{func}",
  _update: "{func}",
  _rewrite: "{path}",
  _search: "{index}",
  _search_info: "{index}",
  _nouveau: "{index}",
  _nouveau_info: "{index}"
}

const template = (segments: ReadonlyArray<string>): ReadonlyArray<string> => {
  const [first, ...rest] = segments
  if (first === undefined) return []
  if (first.startsWith("_")) return [first, ...serverRoute(first, rest)]
  return ["{db}", ...databaseRoute(rest)]
}

const serverRoute = (first: string, rest: ReadonlyArray<string>): ReadonlyArray<string> => {
  switch (first) {
    case "_node":
      // /_node/{node-name}/_config/{section}/{key}, /_node/{node-name}/_stats/…
      return rest.map((s, i) => i === 0 ? "{node-name}" : s.startsWith("_") ? s : i === 2 ? "{section}" : "{key}")
    case "_scheduler":
      // /_scheduler/docs/{replicator_db}/{docid}
      return rest.map((s, i) => i === 0 ? s : i === 1 ? "{replicator_db}" : "{docid}")
    case "_reshard":
      // /_reshard/jobs/{jobid}/state
      return rest.map((s, i) => i === 1 && rest[0] === "jobs" ? "{jobid}" : s)
    default:
      // System databases (`_users`, `_replicator`) route like any database.
      return first === "_users" || first === "_replicator" || first === "_global_changes"
        ? databaseRoute(rest)
        : rest
  }
}

const databaseRoute = (rest: ReadonlyArray<string>): ReadonlyArray<string> => {
  const [head, ...tail] = rest
  if (head === undefined) return []
  switch (head) {
    case "_design":
      return ["_design", ...designRoute(tail)]
    case "_local":
      return ["_local", ...tail.map((s, i) => i === 0 ? "{docid}" : s)]
    case "_partition": {
      const [partition, ...after] = tail
      return ["_partition", ...(partition === undefined ? [] : ["{partition_id}"]), ...partitionRest(after)]
    }
    case "_index":
      // /{db}/_index/{designdoc}/json/{name}
      return ["_index", ...tail.map((s, i) => i === 0 ? "{designdoc}" : i === 1 ? s : "{name}")]
    case "_compact":
      return ["_compact", ...tail.map(() => "{ddoc}")]
    default:
      if (head.startsWith("_")) return rest
      // /{db}/{docid}/{attname}
      return ["{docid}", ...tail.map(() => "{attname}")]
  }
}

const partitionRest = (rest: ReadonlyArray<string>): ReadonlyArray<string> =>
  rest[0] === "_design" ? ["_design", ...designRoute(rest.slice(1))] : rest

const designRoute = (rest: ReadonlyArray<string>): ReadonlyArray<string> => {
  const [ddoc, kind, ...more] = rest
  if (ddoc === undefined) return []
  if (kind === undefined) return ["{ddoc}"]
  const placeholder = designFunctions[kind]
  if (placeholder !== undefined) {
    // `_list/{func}/{view}` (or `{other-ddoc}/{view}`); `_show/{func}/{docid}`; `_update/{func}/{docid}`.
    const after = more.slice(1).map((_, i, all) =>
      kind === "_list" ? (all.length === 2 && i === 0 ? "{other-ddoc}" : "{view}") : "{docid}"
    )
    return ["{ddoc}", kind, ...(more.length > 0 ? [placeholder] : []), ...after]
  }
  // `_info`, or an attachment of the design document.
  return ["{ddoc}", kind.startsWith("_") ? kind : "{attname}", ...more.map(() => "{attname}")]
}

/**
 * The route template of a path, for span names and `db.operation.name`: identifiers are
 * replaced by placeholders so spans group by operation, not by document.
 *
 * @internal
 */
export const operationName = (method: string, segments: ReadonlyArray<string>): string => {
  const template: Array<string> = []
  let previous: string | undefined
  for (const [i, segment] of segments.entries()) {
    template.push(placeholder(i, segment, previous, template))
    previous = segment
  }
  return `${method} /${template.join("/")}`
}

const functionKinds = new Set(["_view", "_show", "_list", "_update", "_rewrite", "_search", "_nouveau", "_index"])

const placeholder = (
  index: number,
  segment: string,
  previous: string | undefined,
  template: ReadonlyArray<string>
): string => {
  if (index === 0) return segment.startsWith("_") ? segment : "{db}"
  if (previous === "_design") return "{ddoc}"
  if (previous === "_local") return "{docid}"
  if (previous !== undefined && functionKinds.has(previous)) return "{name}"
  if (segment.startsWith("_")) return segment
  if (index === 1) return "{docid}"
  return template[template.length - 1] === "{docid}" || template[template.length - 1] === "{attname}"
    ? "{attname}"
    : "{name}"
}

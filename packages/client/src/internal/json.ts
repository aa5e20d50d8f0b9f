import * as Either from "effect/Either"
import { InvalidRequest } from "../CouchError.js"

/**
 * Why `value` cannot be sent as JSON without changing it, or `undefined` when it can.
 * `JSON.stringify` would throw on a BigInt or a cycle, and silently drop or alter a
 * function, a symbol, `NaN` or `±Infinity`: all of them are refused here instead.
 */
const unsendable = (value: unknown): string | undefined => {
  switch (typeof value) {
    case "bigint":
      return "a BigInt"
    case "function":
      return "a function"
    case "symbol":
      return "a symbol"
    case "number":
      return Number.isFinite(value) ? undefined : `the number ${value}`
    default:
      return undefined
  }
}

/**
 * Serialises `value` as JSON, failing with `InvalidRequest` (naming `what` and the path to
 * the bad value) instead of throwing or silently changing the value. `undefined` object
 * members are left out, as JSON does; a top-level `undefined` is refused.
 *
 * @internal
 */
export const stringify = (value: unknown, what: string): Either.Either<string, InvalidRequest> => {
  let problem: string | undefined
  // The objects being serialised, outermost first, each with the key it sits under.
  const stack: Array<{ readonly holder: unknown; readonly key: string }> = []
  const replacer = function(this: unknown, key: string, member: unknown): unknown {
    if (problem !== undefined) return undefined
    // JSON.stringify calls the replacer with the member's holder as `this`: unwind to it.
    while (stack.length > 0 && stack[stack.length - 1]?.holder !== this) stack.pop()
    const at = () => {
      const path = [...stack.slice(1).map((entry) => entry.key), ...(stack.length > 0 ? [key] : [])]
      return path.length === 0 ? "the top level" : path.join(".")
    }
    const bad = unsendable(member)
    if (bad !== undefined) {
      problem = `${bad} at ${at()}`
      return undefined
    }
    if (typeof member === "object" && member !== null) {
      if (stack.some((entry) => entry.holder === member)) {
        problem = `a circular reference at ${at()}`
        return undefined
      }
      stack.push({ holder: member, key })
    }
    return member
  }
  let text: string | undefined
  try {
    text = JSON.stringify(value, replacer)
  } catch (error) {
    // A throwing `toJSON` or getter: report it rather than die.
    return Either.left(new InvalidRequest({ description: `${what} cannot be serialised as JSON: ${String(error)}` }))
  }
  if (problem !== undefined) {
    return Either.left(new InvalidRequest({ description: `${what} cannot be sent as JSON: it holds ${problem}` }))
  }
  if (text === undefined) {
    return Either.left(new InvalidRequest({ description: `${what} cannot be sent as JSON: it is undefined` }))
  }
  return Either.right(text)
}

/**
 * True when `text` has an unpaired UTF-16 surrogate, which has no UTF-8 encoding (and makes
 * `encodeURIComponent` throw).
 *
 * @internal
 */
export const hasLoneSurrogate = (text: string): boolean => {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    if (code < 0xd800 || code > 0xdfff) continue
    if (code >= 0xdc00) return true
    const next = text.charCodeAt(i + 1)
    if (!(next >= 0xdc00 && next <= 0xdfff)) return true
    i++
  }
  return false
}

/**
 * What every client implementation provides, and small helpers shared by the raw baselines.
 */
import type { EventEmitter } from "node:events"
import { docNumber } from "../bodies.js"
import type { Job, Outcome, Server } from "../jobs.js"

/** A client set up for one job: `run` is the measured work, `cleanup` runs after it. */
export interface Prepared {
  readonly run: () => Promise<Outcome>
  readonly cleanup?: (() => Promise<void>) | undefined
}

export type Prepare = (job: Job) => Promise<Prepared>

export const basicAuth = (server: Server): string =>
  "Basic " + Buffer.from(`${server.username}:${server.password}`, "utf8").toString("base64")

/** Reads a Node readable to its end, handing each chunk (or object, in object mode) to `onChunk`. */
export const consume = <T = Buffer>(
  readable: Pick<EventEmitter, "on" | "once">,
  onChunk: (chunk: T) => void
): Promise<void> =>
  new Promise((resolve, reject) => {
    readable.on("data", onChunk)
    readable.once("end", resolve)
    readable.once("error", reject)
  })

/** Checks a `_bulk_docs` answer: one successful result per document. */
export const bulkResultOk = (result: unknown, expected: number): boolean =>
  Array.isArray(result) && result.length === expected &&
  result.every((item: unknown) => typeof item === "object" && item !== null && Reflect.get(item, "ok") === true)

/**
 * Reads a whole-batch `_bulk_docs` answer: the successful results, and Σ of their ids'
 * numbers (which also checks that every document came back, in any order).
 */
export const bulkResultSum = (result: unknown): Outcome => {
  if (!Array.isArray(result)) return { count: 0, check: 0 }
  let count = 0
  let check = 0
  for (const item of result) {
    if (typeof item !== "object" || item === null || Reflect.get(item, "ok") !== true) continue
    count++
    check += docNumber(Reflect.get(item, "id"))
  }
  return { count, check }
}

/** Concatenates the body of a buffered request. */
export const collect = async (readable: Pick<EventEmitter, "on" | "once">): Promise<Buffer> => {
  const parts: Array<Buffer> = []
  await consume(readable, (chunk) => parts.push(chunk))
  return Buffer.concat(parts)
}

export class BenchError extends Error {}

export const fail = (message: string): never => {
  throw new BenchError(message)
}

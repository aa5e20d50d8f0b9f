import * as Data from "effect/Data"
import type { RecordedRequest } from "../MockCouch.js"

/** @internal */
export class UnexpectedRequest extends Data.TaggedError("UnexpectedRequest")<{
  readonly request: RecordedRequest
  readonly message: string
}> {}

/** @internal */
export class ExpectationsNotMet extends Data.TaggedError("ExpectationsNotMet")<{
  readonly unmet: ReadonlyArray<string>
  readonly unexpected: ReadonlyArray<string>
}> {
  override get message() {
    const parts = [
      ...(this.unmet.length === 0 ? [] : [`expected requests that never came:`, ...this.unmet.map((e) => `  - ${e}`)]),
      ...(this.unexpected.length === 0 ? [] : [`unexpected requests:`, ...this.unexpected.map((r) => `  - ${r}`)])
    ]
    return `MockCouch: expectations not met\n${parts.join("\n")}`
  }
}

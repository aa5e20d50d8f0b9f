// Without the kit in the program, vitest does not know the globalSetup's keys: this is what
// `inject-with-kit` shows the kit fixes (if vitest ever accepted any key, this check fails).
import { inject } from "vitest"

// @ts-expect-error "couchUrl" is not a key of vitest's ProvidedContext without the kit
export const url: string = inject("couchUrl")

import * as Effect from "effect/Effect"
import type { HmacAlgorithm } from "../CouchAuth.js"
import { InvalidRequest } from "../CouchError.js"

const hashes = {
  sha1: { name: "SHA-1", blockBytes: 64 },
  sha256: { name: "SHA-256", blockBytes: 64 },
  sha512: { name: "SHA-512", blockBytes: 128 }
} as const

const encoder = new TextEncoder()

/**
 * A function giving the HMAC of a message keyed by `key` (both sent as UTF-8), with WebCrypto
 * (`crypto.subtle`): Node, Deno, Bun, workers and browsers (in secure contexts) all have it, so
 * the client needs no hash library. The key is imported once, on first use: importing it per
 * message added 24–45 µs to the ~45 µs of signing (Node 20). `who` names the provider in the
 * error when the platform has none.
 *
 * @internal
 */
export const hmacWith = (
  algorithm: HmacAlgorithm,
  key: string,
  who: string
): (message: string) => Effect.Effect<Uint8Array, InvalidRequest> => {
  const hash = hashes[algorithm]
  let imported: Promise<CryptoKey> | undefined
  return (message) =>
    Effect.suspend(() => {
      const subtle = globalThis.crypto?.subtle
      if (subtle === undefined) {
        return Effect.fail(
          new InvalidRequest({ description: `${who}: this platform has no WebCrypto (crypto.subtle) for the HMAC` })
        )
      }
      return Effect.tryPromise({
        try: async () => {
          if (imported === undefined) {
            const keyBytes = encoder.encode(key)
            // WebCrypto refuses an empty key; HMAC pads short keys with zero bytes to the hash's
            // block size, so a block of zeros is the same key.
            const raw = keyBytes.length === 0 ? new Uint8Array(hash.blockBytes) : keyBytes
            imported = subtle.importKey("raw", raw, { name: "HMAC", hash: hash.name }, false, ["sign"])
          }
          return new Uint8Array(await subtle.sign("HMAC", await imported, encoder.encode(message)))
        },
        catch: () => new InvalidRequest({ description: `${who}: the HMAC (${hash.name}) could not be computed` })
      })
    })
}

/**
 * The embedded server's admin client over undici, recording every request that leaves it
 * (`METHOD url`): for tests that assert what was sent, or that nothing was.
 */
import * as VitestCouch from "@effect-couchdb/embedded/VitestCouch"
import { HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"

export const recordingAdmin = () => {
  const sent: Array<string> = []
  const layer = VitestCouch.layerClient.pipe(
    Layer.provide(
      Layer.effect(
        HttpClient.HttpClient,
        Effect.map(
          HttpClient.HttpClient,
          HttpClient.tapRequest((request) => Effect.sync(() => sent.push(`${request.method} ${request.url}`)))
        )
      ).pipe(Layer.provide(NodeHttpClient.layerUndici))
    )
  )
  return { layer, sent }
}

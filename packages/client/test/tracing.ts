import { Effect, Tracer } from "effect"

/**
 * Runs `effect` with a tracer that keeps every span it creates (delegating to Effect's
 * native tracer), and returns them with the result.
 */
export const recordingSpans = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const native = yield* Effect.tracer
    const spans: Array<Tracer.Span> = []
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind, options) => {
        const span = native.span(name, parent, context, links, startTime, kind, options)
        spans.push(span)
        return span
      },
      context: (f, fiber) => native.context(f, fiber)
    })
    const result = yield* Effect.exit(Effect.withTracer(effect, tracer))
    return { result, spans }
  })

import { Effect, Tracer } from "effect"

/** An event recorded on a span. */
export interface RecordedEvent {
  readonly name: string
  readonly attributes: Record<string, unknown> | undefined
}

/**
 * Runs `effect` with a tracer that keeps every span it creates (delegating to Effect's
 * native tracer) and the events recorded on each, and returns them with the result.
 */
export const recordingSpans = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const native = yield* Effect.tracer
    const spans: Array<Tracer.Span & { readonly recordedEvents: ReadonlyArray<RecordedEvent> }> = []
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind, options) => {
        const span = native.span(name, parent, context, links, startTime, kind, options)
        const events: Array<RecordedEvent> = []
        const event = span.event.bind(span)
        span.event = (name, startTime, attributes) => {
          events.push({ name, attributes })
          event(name, startTime, attributes)
        }
        spans.push(Object.assign(span, { recordedEvents: events }))
        return span
      },
      context: (f, fiber) => native.context(f, fiber)
    })
    const result = yield* Effect.exit(Effect.withTracer(effect, tracer))
    return { result, spans }
  })

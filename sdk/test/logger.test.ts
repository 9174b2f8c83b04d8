import { Writable } from 'node:stream'
import { context, trace } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { traceMixin, traceStreamWrite } from '../src/logger.js'

// A real pino logger writing into memory, and a real tracer with AsyncLocalStorage context,
// so the mixin is exercised exactly as pino calls it in an application.
function capture(options: pino.LoggerOptions) {
  const lines: Record<string, unknown>[] = []
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()))
      cb()
    },
  })
  return { logger: pino(options, sink), lines }
}

const tracer = new BasicTracerProvider().getTracer('test')
const contextManager = new AsyncLocalStorageContextManager()

beforeAll(() => {
  context.setGlobalContextManager(contextManager.enable())
})
afterAll(() => {
  context.disable()
})

describe('traceMixin', () => {
  it('adds trace_id, span_id and trace_flags of the active span to a line written inside it', () => {
    const { logger, lines } = capture({ mixin: traceMixin() })
    const ids = tracer.startActiveSpan('work', (span) => {
      logger.info('inside')
      span.end()
      return span.spanContext()
    })
    expect(lines[0]).toMatchObject({
      msg: 'inside',
      trace_id: ids.traceId,
      span_id: ids.spanId,
      trace_flags: '01',
    })
    expect(lines[0].trace_id).toMatch(/^[0-9a-f]{32}$/)
    expect(lines[0].span_id).toMatch(/^[0-9a-f]{16}$/)
  })

  it('adds no trace field to a line written outside any span', () => {
    const { logger, lines } = capture({ mixin: traceMixin() })
    logger.info('outside')
    expect(lines[0]).not.toHaveProperty('trace_id')
    expect(lines[0]).not.toHaveProperty('span_id')
    expect(lines[0]).not.toHaveProperty('trace_flags')
  })

  it('uses the innermost active span, and the outer one again once the inner has returned', () => {
    const { logger, lines } = capture({ mixin: traceMixin() })
    const [outer, inner] = tracer.startActiveSpan('outer', (o) => {
      const i = tracer.startActiveSpan('inner', (s) => {
        logger.info('in inner')
        s.end()
        return s.spanContext()
      })
      logger.info('back in outer')
      o.end()
      return [o.spanContext(), i]
    })
    expect(lines.map((l) => l.span_id)).toEqual([inner.spanId, outer.spanId])
    expect(inner.traceId).toBe(outer.traceId)
  })

  it('follows the span across an await', async () => {
    const { logger, lines } = capture({ mixin: traceMixin() })
    const ids = await tracer.startActiveSpan('async', async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      logger.info('after await')
      span.end()
      return span.spanContext()
    })
    expect(lines[0].span_id).toBe(ids.spanId)
  })

  it('does not leak fields of one line into the next (pino assigns into the object a mixin returns)', () => {
    const { logger, lines } = capture({ mixin: traceMixin() })
    logger.info({ orderId: 1 }, 'first')
    logger.info('second')
    expect(lines[1]).not.toHaveProperty('orderId')
  })

  it('merges with the application’s own mixin: both sets of fields, trace fields win on a clash', () => {
    const appMixin = () => ({ tenant: 'acme', span_id: 'from-app' })
    const { logger, lines } = capture({ mixin: traceMixin(appMixin) })
    logger.info('outside')
    const ids = tracer.startActiveSpan('work', (span) => {
      logger.info('inside')
      span.end()
      return span.spanContext()
    })
    expect(lines[0]).toMatchObject({ tenant: 'acme', span_id: 'from-app' })
    expect(lines[0]).not.toHaveProperty('trace_id')
    expect(lines[1]).toMatchObject({ tenant: 'acme', trace_id: ids.traceId, span_id: ids.spanId })
  })

  it('passes pino’s arguments to the application’s mixin', () => {
    const seen: unknown[] = []
    const { logger } = capture({
      mixin: traceMixin((merge, level) => {
        seen.push([merge, level])
        return {}
      }),
    })
    logger.warn({ a: 1 }, 'x')
    expect(seen).toEqual([[{ a: 1 }, 40]])
  })

  it('marks an unsampled span with trace_flags 00', () => {
    const { logger, lines } = capture({ mixin: traceMixin() })
    const unsampled = trace.wrapSpanContext({
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      traceFlags: 0,
    })
    context.with(trace.setSpan(context.active(), unsampled), () => logger.info('unsampled'))
    expect(lines[0]).toMatchObject({ trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16), trace_flags: '00' })
  })
})

describe('traceStreamWrite (the SDK logger’s hook)', () => {
  const hooked = (next?: (s: string) => string) => capture({ hooks: { streamWrite: traceStreamWrite(next) } })

  it('appends trace_id, span_id and trace_flags of the active span, and the line stays valid JSON', () => {
    const { logger, lines } = hooked()
    tracer.startActiveSpan('op', (span) => {
      logger.info({ orderId: 'o-1' }, 'order "created"')
      const ctx = span.spanContext()
      expect(lines[0]).toMatchObject({
        orderId: 'o-1',
        msg: 'order "created"',
        trace_id: ctx.traceId,
        span_id: ctx.spanId,
        trace_flags: '01',
      })
      span.end()
    })
  })

  it('adds nothing outside a span', () => {
    const { logger, lines } = hooked()
    logger.info('outside')
    expect(lines[0]).not.toHaveProperty('trace_id')
  })

  it('wins a clash with a field of the same name, as the mixin does', () => {
    const { logger, lines } = hooked()
    tracer.startActiveSpan('op', (span) => {
      logger.info({ trace_id: 'mine' }, 'x')
      expect(lines[0].trace_id).toBe(span.spanContext().traceId)
      span.end()
    })
  })

  it('runs the application’s own streamWrite hook first', () => {
    const { logger, lines } = hooked((s) => s.replace('"secret"', '"[redacted]"'))
    tracer.startActiveSpan('op', (span) => {
      logger.info({ password: 'secret' }, 'login')
      expect(lines[0]).toMatchObject({ password: '[redacted]', span_id: span.spanContext().spanId })
      span.end()
    })
  })
})

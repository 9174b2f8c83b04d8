/**
 * Logs from real clients — pino with the pino-loki transport (worker thread), and the OpenTelemetry JS
 * OTLP log exporters — land in otel_logs with their trace context, and come back with their trace and
 * through /api/v1/logs with levels, message and attributes intact.
 */
import { SeverityNumber } from '@opentelemetry/api-logs'
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc'
import { OTLPLogExporter as HttpLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { LoggerProvider, type LogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import pino from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, getJson, type RunningCollector, startCollector } from '../helpers/collector.js'

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector?.stop()
})

const randomHex = (n: number) =>
  Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(Math.random() * 16)]).join('')

/** A root span for the logs to hang on, sent as OTLP/JSON so the trace endpoint finds the trace. */
async function sendSpan(traceId: string, spanId: string, service: string) {
  const now = BigInt(Date.now()) * 1_000_000n
  const res = await fetch(`${collector.ingestUrl}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId,
                  spanId,
                  name: 'handle',
                  kind: 2,
                  startTimeUnixNano: `${now}`,
                  endTimeUnixNano: `${now + 1_000_000n}`,
                },
              ],
            },
          ],
        },
      ],
    }),
  })
  expect(res.status).toBe(200)
}

/**
 * A pino logger writing through the real pino-loki transport; `end()` resolves when the worker is done.
 * Every line goes in the one push made at `end()`: pino-loki (3.0) does not await the pushes its batching
 * interval starts, and its worker exits once the push at close is answered, so a line taken by an interval
 * push still in flight then never reaches the collector (seen on a loaded machine: 0 of 10,000 lines
 * received, none refused: the interval had taken them all and close had nothing left to push). The SDK's
 * transport (sdk/src/transport.ts) waits for those pushes; plain pino-loki is what is tested here.
 */
function lokiLogger(service: string) {
  const transport = pino.transport({
    target: 'pino-loki',
    options: {
      host: collector.ingestUrl,
      labels: { service_name: service, env: 'test' },
      batching: { interval: 3600, maxBufferSize: 50_000 },
      silenceErrors: false,
    },
  })
  const logger = pino({ level: 'trace' }, transport)
  return {
    logger,
    end: () =>
      new Promise<void>((resolve) => {
        transport.on('close', () => resolve())
        logger.flush()
        transport.end()
      }),
  }
}

describe('pino logs sent through pino-loki', () => {
  it('come back with their trace, with level, message, ids and attributes intact', async () => {
    const traceId = randomHex(32)
    const spanId = randomHex(16)
    await sendSpan(traceId, spanId, 'checkout')
    const { logger, end } = lokiLogger('checkout')
    const ctx = { trace_id: traceId, span_id: spanId, trace_flags: '01' }
    logger.info({ ...ctx, orderId: 'o-1', cart: { items: 3, total: 42.5 } }, 'order created')
    logger.warn({ ...ctx }, 'payment slow')
    logger.error({ ...ctx, err: { type: 'Error', message: 'card declined' } }, 'payment failed')
    logger.info('no trace here')
    await end()

    const t = await eventually(async () => {
      const r = await getJson(`${collector.apiUrl}/api/v1/traces/${traceId}`)
      return r.status === 200 && r.body.logs.length === 3 ? r : undefined
    })
    const logs = t.body.logs
    expect(logs.map((l: any) => [l.severityText, l.severityNumber, l.body])).toEqual([
      ['INFO', 9, 'order created'],
      ['WARN', 13, 'payment slow'],
      ['ERROR', 17, 'payment failed'],
    ])
    for (const l of logs) {
      expect(l).toMatchObject({ traceId, spanId, service: 'checkout' })
      expect(BigInt(l.timestampNs)).toBeGreaterThan(0n)
    }
    expect(logs[0].attributes).toMatchObject({ orderId: 'o-1', 'cart.items': '3', 'cart.total': '42.5' })
    expect(logs[0].attributes).not.toHaveProperty('msg')
    expect(logs[0].attributes).not.toHaveProperty('trace_id')
    expect(logs[2].attributes).toMatchObject({ 'err.message': 'card declined' })
  })

  it('are found through /api/v1/logs by service and level', async () => {
    const { logger, end } = lokiLogger('inventory')
    logger.debug('stock checked')
    logger.warn({ sku: 'X-1' }, 'stock low')
    await end()
    const r = await eventually(async () => {
      const x = await getJson(`${collector.apiUrl}/api/v1/logs?service=inventory&level=warn&lookback=15m`)
      return x.status === 200 && x.body.logs.length > 0 ? x : undefined
    })
    expect(r.body.logs.map((l: any) => l.body)).toEqual(['stock low'])
    expect(r.body.logs[0].attributes.sku).toBe('X-1')
  })

  it('stores every one of 10,000 lines sent at once (exact count)', async () => {
    const traceId = randomHex(32)
    const spanId = randomHex(16)
    await sendSpan(traceId, spanId, 'bulk')
    const { logger, end } = lokiLogger('bulk')
    for (let i = 0; i < 10_000; i++) logger.info({ trace_id: traceId, span_id: spanId, i }, `line ${i}`)
    await end()
    const t = await eventually(
      async () => {
        const r = await getJson(`${collector.apiUrl}/api/v1/traces/${traceId}`)
        return r.status === 200 && r.body.logs.length >= 10_000 ? r : undefined
      },
      30_000,
      250,
    )
    expect(t.body.logs).toHaveLength(10_000)
    const seen = new Set(t.body.logs.map((l: any) => l.attributes.i))
    expect(seen.size).toBe(10_000)
  })
})

describe.each([
  ['grpc', () => new GrpcLogExporter({ url: collector.grpcUrl })],
  ['http-json', () => new HttpLogExporter({ url: `${collector.ingestUrl}/v1/logs` })],
  ['http-proto', () => new ProtoLogExporter({ url: `${collector.ingestUrl}/v1/logs` })],
] as [string, () => LogRecordExporter][])('OTLP logs sent with the %s exporter', (label, make) => {
  it('come back with their trace context, severity, body and attributes', async () => {
    const traceId = randomHex(32)
    const spanId = randomHex(16)
    const service = `otlp-logs-${label}`
    await sendSpan(traceId, spanId, service)
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': service }),
      processors: [new SimpleLogRecordProcessor({ exporter: make() })],
    })
    const { trace, context } = await import('@opentelemetry/api')
    const ctx = trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: 1 })
    provider.getLogger('test-logger', '1.0').emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'disk almost full',
      attributes: { 'disk.free': 12, mount: '/var' },
      context: ctx,
    })
    await provider.forceFlush()
    await provider.shutdown()
    const t = await eventually(async () => {
      const r = await getJson(`${collector.apiUrl}/api/v1/traces/${traceId}`)
      return r.status === 200 && r.body.logs.length === 1 ? r : undefined
    })
    expect(t.body.logs[0]).toMatchObject({
      traceId,
      spanId,
      service,
      severityText: 'WARN',
      severityNumber: 13,
      body: 'disk almost full',
      traceFlags: 1,
      attributes: { 'disk.free': '12', mount: '/var' },
    })
  })
})

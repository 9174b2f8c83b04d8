import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { getTrace, startService } from './services.js'

let collector: RunningCollector
beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector?.stop()
})

describe('node --import @skein/sdk/register', () => {
  it('traces an ES module app and ships its logs, configured by environment variables only', async () => {
    const app = await startService(
      'register-app.mjs',
      {
        OTEL_SERVICE_NAME: 'svc-register',
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl,
        SKEIN_LOGS_ENDPOINT: collector.ingestUrl,
      },
      ['--import', '@skein/sdk/register'],
    )
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'
    const callerSpanId = '00f067aa0ba902b7'
    const res = await fetch(`http://127.0.0.1:${app.port}/hello`, {
      headers: { traceparent: `00-${traceId}-${callerSpanId}-01` },
    })
    expect(await res.text()).toBe('hello')
    // no handler in the app: register flushes on SIGTERM, then lets the signal end the process
    expect(await app.stop()).toBe('SIGTERM')

    const trace = await getTrace(collector, traceId)
    expect(trace.spans).toHaveLength(1)
    const [server] = trace.spans
    expect(server).toMatchObject({ service: 'svc-register', kind: 'Server', parentSpanId: callerSpanId })
    expect(trace.logs).toHaveLength(1)
    expect(trace.logs[0]).toMatchObject({
      service: 'svc-register',
      body: 'register-app: hello',
      traceId,
      spanId: server.spanId,
    })
  })
})

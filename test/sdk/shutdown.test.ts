import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { getTrace, runFixture } from './services.js'

let collector: RunningCollector
beforeAll(async () => {
  collector = await startCollector()
})
afterAll(async () => {
  await collector?.stop()
})

describe('shutdown()', () => {
  it('delivers every span and every log line written up to the moment it is called', async () => {
    const result = await runFixture('burst.mjs', {
      TRACES: '20',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl,
      SKEIN_LOGS_ENDPOINT: collector.ingestUrl,
    })
    expect(result.code, result.stderr).toBe(0)
    const traceIds: string[] = JSON.parse(result.stdout)
    expect(traceIds).toHaveLength(20)
    for (const traceId of traceIds) {
      const trace = await getTrace(collector, traceId)
      expect(trace.spans).toHaveLength(5)
      expect(trace.logs).toHaveLength(25)
      expect(new Set(trace.logs.map((l) => l.spanId)).size).toBe(5)
    }
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { getTrace, runFixture } from './services.js'

// OTEL_EXPORTER_OTLP_PROTOCOL, as platforms that only let HTTP out set it, against a real collector.
let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
})

afterAll(async () => {
  await collector?.stop()
})

describe('the span exporter’s protocol', () => {
  it.each([
    ['grpc', () => collector.grpcUrl],
    ['http/protobuf', () => collector.ingestUrl],
    ['http/json', () => collector.ingestUrl],
  ])('delivers spans over %s to OTEL_EXPORTER_OTLP_ENDPOINT', async (protocol, endpoint) => {
    const service = `proto-${protocol.replace('/', '-')}`
    const { code, stdout, stderr } = await runFixture('one-span.mjs', {
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint(),
      SERVICE_NAME: service,
    })
    expect(code, stderr).toBe(0)
    expect(stderr).toBe('')
    const traceId = /^trace ([0-9a-f]{32})$/m.exec(stdout)?.[1] ?? ''
    const trace = await getTrace(collector, traceId)
    expect(trace.spans.map((s) => [s.service, s.name])).toEqual([[service, 'one span']])
  })

  it('warns once about a protocol it does not know and uses gRPC', async () => {
    const { code, stderr } = await runFixture('one-span.mjs', {
      OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl,
      SERVICE_NAME: 'proto-unknown',
    })
    expect(code).toBe(0)
    expect(stderr).toBe(
      '[skein] OTEL_EXPORTER_OTLP_PROTOCOL=thrift is not one of grpc, http/protobuf, http/json; using grpc\n',
    )
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningCollector, startCollector } from '../helpers/collector.js'
import { type ApiSpan, getTrace, type Service, startService } from './services.js'

// A (HTTP, CommonJS, init) --fetch--> B (HTTP, ESM, --import register) --gRPC--> C (gRPC, CommonJS, init),
// three real processes sending to one real collector.
let collector: RunningCollector
const services: Service[] = []

beforeAll(async () => {
  collector = await startCollector()
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: collector.grpcUrl, SKEIN_LOGS_ENDPOINT: collector.ingestUrl }
  const c = await startService('c.cjs', env)
  const b = await startService(
    'b.mjs',
    { ...env, OTEL_SERVICE_NAME: 'svc-b', C_ADDR: `127.0.0.1:${c.port}` },
    ['--import', '@skein/sdk/register'],
  )
  const a = await startService('a.cjs', { ...env, B_URL: `http://127.0.0.1:${b.port}` })
  services.push(a, b, c)
})

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()))
  await collector?.stop()
})

describe('one request through three services', () => {
  it('is one trace linking parent to child across the processes, with each service’s logs under its active span', async () => {
    const [a] = services
    const res = await fetch(`http://127.0.0.1:${a.port}/checkout`)
    expect(res.status).toBe(200)
    const answer = await res.json()
    expect(answer.price).toEqual({ sku: 'tea', amount: 42 })
    const traceId: string = answer.trace_id

    // Every service flushes on SIGTERM; after that, all it sent is stored (the collector acks after insert).
    const exits = await Promise.all(services.map((s) => s.stop()))
    expect(exits, services.map((s) => s.output()).join('\n')).toEqual([0, 'SIGTERM', 0])

    const trace = await getTrace(collector, traceId)
    const find = (service: string, kind: string) => {
      const found = trace.spans.filter((s) => s.service === service && s.kind === kind)
      expect(found, `${service} ${kind} in ${JSON.stringify(trace.spans)}`).toHaveLength(1)
      return found[0] as ApiSpan
    }
    const aServer = find('svc-a', 'Server')
    const aClient = find('svc-a', 'Client')
    const bServer = find('svc-b', 'Server')
    const bClient = find('svc-b', 'Client')
    const cServer = find('svc-c', 'Server')

    expect(aServer.parentSpanId).toBe('')
    expect(aClient.parentSpanId).toBe(aServer.spanId)
    expect(bServer.parentSpanId).toBe(aClient.spanId)
    expect(bClient.parentSpanId).toBe(bServer.spanId)
    expect(cServer.parentSpanId).toBe(bClient.spanId)
    expect(cServer.name).toBe('grpc.skein.test.Prices/Get')
    expect(trace.spans).toHaveLength(5)
    expect(answer.span_id).toBe(aServer.spanId)

    const logsOf = (service: string) => trace.logs.filter((l) => l.service === service)
    expect(trace.logs).toHaveLength(6)
    expect(logsOf('svc-a').map((l) => l.body)).toEqual(['a: checkout received', 'a: price from b'])
    expect(logsOf('svc-b').map((l) => l.body)).toEqual(['b: price requested', 'b: price from c'])
    expect(logsOf('svc-c').map((l) => l.body)).toEqual(['c: pricing', 'c: priced'])
    for (const log of trace.logs) expect(log.traceId).toBe(traceId)
    expect(logsOf('svc-a').map((l) => l.spanId)).toEqual([aServer.spanId, aServer.spanId])
    // B's second line is written in the gRPC callback, which runs in the client call's span
    expect(logsOf('svc-b').map((l) => l.spanId)).toEqual([bServer.spanId, bClient.spanId])
    expect(logsOf('svc-c').map((l) => l.spanId)).toEqual([cServer.spanId, cServer.spanId])
  })
})

import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api'
import { SamplingDecision } from '@opentelemetry/sdk-trace-base'
import { describe, expect, it } from 'vitest'
import { resolveOptions } from '../src/options.js'
import { buildResource, buildSampler } from '../src/tracing.js'

const sampledParent = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '1'.repeat(32),
  spanId: '2'.repeat(16),
  traceFlags: 1,
  isRemote: true,
})

function decide(ratio: number, ctx = ROOT_CONTEXT, traceId = 'f'.repeat(32)) {
  return buildSampler({ parentBased: true, ratio }).shouldSample(ctx, traceId, 'op', SpanKind.SERVER, {}, [])
    .decision
}

describe('buildSampler', () => {
  it('drops new traces at ratio 0 but keeps a request whose caller sampled it', () => {
    expect(decide(0)).toBe(SamplingDecision.NOT_RECORD)
    expect(decide(0, sampledParent)).toBe(SamplingDecision.RECORD_AND_SAMPLED)
  })

  it('samples by trace id at a fractional ratio', () => {
    // TraceIdRatioBased compares the low 32 bits of the trace id with ratio * 2^32
    expect(decide(0.5, ROOT_CONTEXT, `${'0'.repeat(24)}00000001`)).toBe(SamplingDecision.RECORD_AND_SAMPLED)
    expect(decide(0.5, ROOT_CONTEXT, `${'0'.repeat(24)}ffffffff`)).toBe(SamplingDecision.NOT_RECORD)
  })
})

describe('buildResource', () => {
  it('names the service and carries host and process attributes', () => {
    const resource = buildResource(resolveOptions({ serviceName: 'orders', serviceVersion: '2.0.0' }, {}))
    expect(resource.attributes['service.name']).toBe('orders')
    expect(resource.attributes['service.version']).toBe('2.0.0')
    expect(resource.attributes['host.name']).toBeTypeOf('string')
    expect(resource.attributes['process.pid']).toBe(process.pid)
    expect(resource.attributes['process.runtime.name']).toBe('nodejs')
  })
})

import { describe, expect, it } from 'vitest'
import { DEFAULT_ENDPOINT, DEFAULT_LOGS_ENDPOINT, resolveOptions } from '../src/options.js'

describe('resolveOptions', () => {
  it('defaults to the local collector, full sampling and unknown_service:node with an empty environment', () => {
    const o = resolveOptions({}, {})
    expect(o.endpoint).toBe(DEFAULT_ENDPOINT)
    expect(DEFAULT_ENDPOINT).toBe('http://127.0.0.1:4317')
    expect(o.logsEndpoint).toBe(DEFAULT_LOGS_ENDPOINT)
    expect(DEFAULT_LOGS_ENDPOINT).toBe('http://127.0.0.1:4318')
    expect(o.serviceName).toBe('unknown_service:node')
    expect(o.sampler).toEqual({ parentBased: true, ratio: 1 })
    expect(o.logLevel).toBe('info')
    expect(o).toMatchObject({ stdout: true, shipLogs: true, warnings: [] })
  })

  it('takes endpoints and service from the standard environment variables', () => {
    const o = resolveOptions(
      {},
      {
        OTEL_SERVICE_NAME: 'orders',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
        SKEIN_LOGS_ENDPOINT: 'http://collector:4318/',
        OTEL_SERVICE_VERSION: '1.2.3',
        LOG_LEVEL: 'debug',
      },
    )
    expect(o).toMatchObject({
      serviceName: 'orders',
      serviceVersion: '1.2.3',
      endpoint: 'http://collector:4317',
      logsEndpoint: 'http://collector:4318',
      logLevel: 'debug',
    })
  })

  it('prefers the traces-specific endpoint variable over the generic one', () => {
    const o = resolveOptions(
      {},
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://generic:4317',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4317',
      },
    )
    expect(o.endpoint).toBe('http://traces:4317')
  })

  it('prefers explicit options over the environment', () => {
    const o = resolveOptions(
      { serviceName: 'explicit', endpoint: 'http://a:1', logsEndpoint: 'http://b:2', sampleRatio: 0.5 },
      {
        OTEL_SERVICE_NAME: 'env',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4317',
        SKEIN_LOGS_ENDPOINT: 'http://env:4318',
      },
    )
    expect(o).toMatchObject({ serviceName: 'explicit', endpoint: 'http://a:1', logsEndpoint: 'http://b:2' })
    expect(o.sampler).toEqual({ parentBased: true, ratio: 0.5 })
  })

  it('finds service.name in OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is unset', () => {
    expect(resolveOptions({}, { OTEL_RESOURCE_ATTRIBUTES: 'team=x,service.name=billing' }).serviceName).toBe(
      'billing',
    )
  })

  it.each([
    ['always_on', undefined, { parentBased: false, ratio: 1 }],
    ['always_off', undefined, { parentBased: false, ratio: 0 }],
    ['traceidratio', '0.25', { parentBased: false, ratio: 0.25 }],
    ['parentbased_always_off', undefined, { parentBased: true, ratio: 0 }],
    ['parentbased_traceidratio', '0.1', { parentBased: true, ratio: 0.1 }],
  ])('reads OTEL_TRACES_SAMPLER=%s (arg %s)', (sampler, arg, expected) => {
    expect(
      resolveOptions({}, { OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: arg }).sampler,
    ).toEqual(expected)
  })

  it('replaces invalid values by their defaults and says why, instead of throwing', () => {
    const o = resolveOptions(
      { sampleRatio: 2, logsBatchIntervalSeconds: -1 },
      { OTEL_TRACES_SAMPLER: 'nonsense', OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' },
    )
    expect(o.sampler).toEqual({ parentBased: true, ratio: 1 })
    expect(o.logsBatchIntervalSeconds).toBe(1)
    expect(o.exportTimeoutMillis).toBe(5000)
    expect(o.warnings).toHaveLength(4)
    expect(o.warnings.join('\n')).toMatch(/sampleRatio=2/)
  })

  it('turns log shipping off with SKEIN_LOGS=off', () => {
    expect(resolveOptions({}, { SKEIN_LOGS: 'off' }).shipLogs).toBe(false)
  })
})

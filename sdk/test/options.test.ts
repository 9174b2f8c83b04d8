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

  describe('the OTLP protocol for spans', () => {
    it('is gRPC unless asked otherwise', () => {
      expect(resolveOptions({}, {}).protocol).toBe('grpc')
    })

    it('honours OTEL_EXPORTER_OTLP_TRACES_PROTOCOL over OTEL_EXPORTER_OTLP_PROTOCOL, and the option over both', () => {
      const env = {
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }
      expect(resolveOptions({}, env).protocol).toBe('http/protobuf')
      expect(resolveOptions({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol).toBe('http/json')
      expect(resolveOptions({ protocol: 'grpc' }, env).protocol).toBe('grpc')
    })

    it('sends HTTP to the base endpoint plus /v1/traces, and takes the traces-specific endpoint whole', () => {
      const http = { OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' }
      expect(resolveOptions({}, http).endpoint).toBe('http://127.0.0.1:4318/v1/traces')
      expect(
        resolveOptions({}, { ...http, OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example/' }).endpoint,
      ).toBe('https://otel.example/v1/traces')
      expect(
        resolveOptions({}, { ...http, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://otel.example/custom' })
          .endpoint,
      ).toBe('https://otel.example/custom')
      expect(resolveOptions({ endpoint: 'http://c:4318/v1/traces' }, http).endpoint).toBe(
        'http://c:4318/v1/traces',
      )
    })

    it('warns about an unknown protocol and uses gRPC', () => {
      const o = resolveOptions({}, { OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' })
      expect(o.protocol).toBe('grpc')
      expect(o.warnings).toEqual([
        'OTEL_EXPORTER_OTLP_PROTOCOL=thrift is not one of grpc, http/protobuf, http/json; using grpc',
      ])
    })
  })

  it('captures the console and crashes unless SKEIN_CONSOLE=off / SKEIN_CRASHES=off or the options say no', () => {
    expect(resolveOptions({}, {})).toMatchObject({ captureConsole: true, captureCrashes: true })
    expect(resolveOptions({}, { SKEIN_CONSOLE: 'off', SKEIN_CRASHES: 'false' })).toMatchObject({
      captureConsole: false,
      captureCrashes: false,
    })
    expect(resolveOptions({ captureConsole: false }, {}).captureConsole).toBe(false)
  })

  it('takes an array of instrumentations as extra ones, as before, and a map as settings of the built-in ones', () => {
    const mine = { instrumentationName: 'mine' } as never
    expect(resolveOptions({ instrumentations: [mine] }, {}).extraInstrumentations).toEqual([mine])
    const o = resolveOptions({ instrumentations: { pg: { enabled: false } } }, {})
    expect(o.instrumentations.map((p) => p.entry.name)).not.toContain('pg')
    expect(o.extraInstrumentations).toEqual([])
  })
})

import type { Attributes } from '@opentelemetry/api'
import type { Instrumentation } from '@opentelemetry/instrumentation'
import type { LoggerOptions } from 'pino'
import type { Protocol } from './exporter.js'
import { PROTOCOLS } from './exporter.js'
import type { InstrumentationPlan, InstrumentationSettingsMap } from './instrumentations.js'
import { planInstrumentations } from './instrumentations.js'

/** Options of {@link init}. Every field is optional; environment variables fill the gaps. */
export interface SkeinOptions {
  /** `service.name` of spans and the `service_name` label of logs. Default `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `unknown_service:node`. */
  serviceName?: string
  /** `service.version`. Default `OTEL_SERVICE_VERSION`, else `npm_package_version` when npm started the app. */
  serviceVersion?: string
  /**
   * Where spans go. With gRPC, the collector's URL: default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else
   * `OTEL_EXPORTER_OTLP_ENDPOINT`, else `http://127.0.0.1:4317`. With HTTP, a base URL to which
   * `/v1/traces` is added (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is taken whole), default
   * `http://127.0.0.1:4318`.
   */
  endpoint?: string
  /** OTLP protocol for spans: `grpc`, `http/protobuf` or `http/json`. Default `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else `grpc`. */
  protocol?: Protocol
  /** The collector's ingest base URL; logs go to `${logsEndpoint}/loki/api/v1/push`. Default `SKEIN_LOGS_ENDPOINT`, else `http://127.0.0.1:4318`. */
  logsEndpoint?: string
  /**
   * Fraction (0..1) of new traces to record. The sampler is always parent-based: a request that
   * arrives with a sampled `traceparent` is recorded whatever the ratio. Default from
   * `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`, else 1.
   */
  sampleRatio?: number
  /** Extra resource attributes for every span. */
  resourceAttributes?: Attributes
  /** Minimum pino level. Default `LOG_LEVEL`, else `info`. */
  logLevel?: string
  /** Also write log lines to stdout (default true). */
  stdout?: boolean
  /** Ship log lines to the collector (default true; `SKEIN_LOGS=off` disables). */
  shipLogs?: boolean
  /** Extra pino options; a `mixin` given here is merged with the trace mixin. */
  logger?: Omit<LoggerOptions, 'transport'>
  /** Seconds between two log pushes (default 1). */
  logsBatchIntervalSeconds?: number
  /** Log lines held while the collector cannot be reached; the oldest are dropped beyond this (default 10000). */
  logsMaxBuffer?: number
  /**
   * Bearer token the collector requires on its ingest ports (`skein serve --ingest-token`); default
   * `SKEIN_INGEST_TOKEN`. Sent with spans (gRPC metadata) and log pushes (HTTP header).
   */
  ingestToken?: string
  /** Milliseconds one export (spans or logs) may take before it is abandoned (default `OTEL_EXPORTER_OTLP_TIMEOUT`, else 5000). */
  exportTimeoutMillis?: number
  /**
   * Settings of the built-in instrumentations, by short name (`pg`) or package name
   * (`@opentelemetry/instrumentation-pg`): `{ pg: { enhancedDatabaseReporting: true }, express: { enabled: false } }`.
   * An array is taken as extra instrumentations (as `extraInstrumentations`).
   */
  instrumentations?: InstrumentationSettingsMap | Instrumentation[]
  /** Instrumentations of your own, run beside the built-in ones. */
  extraInstrumentations?: Instrumentation[]
  /** Ship `console.log/info/warn/error/debug` lines to the collector too (they still print). Default true; `SKEIN_CONSOLE=off` disables. */
  captureConsole?: boolean
  /**
   * Log an uncaught exception or unhandled rejection (`fatal`, with its stack and trace ids), end the
   * open spans with the error, flush, then let the process fail as it would have. Default true;
   * `SKEIN_CRASHES=off` disables.
   */
  captureCrashes?: boolean
}

/** How new traces are sampled; always parent-based unless `parentBased` is false (`traceidratio`, `always_*`). */
export interface SamplerSpec {
  parentBased: boolean
  ratio: number
}

/** {@link SkeinOptions} with every default applied: what the SDK actually runs with. */
export interface ResolvedOptions {
  serviceName: string
  serviceVersion: string | undefined
  /** The URL the exporter sends to (for HTTP, with `/v1/traces`). */
  endpoint: string
  protocol: Protocol
  logsEndpoint: string
  sampler: SamplerSpec
  resourceAttributes: Attributes
  logLevel: string
  stdout: boolean
  shipLogs: boolean
  logger: Omit<LoggerOptions, 'transport'>
  logsBatchIntervalSeconds: number
  logsMaxBuffer: number
  exportTimeoutMillis: number
  ingestToken: string | undefined
  /** The built-in instrumentations wanted, before checking what the app has installed. */
  instrumentations: InstrumentationPlan[]
  extraInstrumentations: Instrumentation[]
  captureConsole: boolean
  captureCrashes: boolean
  /** Problems found while resolving; the SDK warns about each and uses the default instead. */
  warnings: string[]
}

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4317'
export const DEFAULT_HTTP_ENDPOINT = 'http://127.0.0.1:4318'
export const DEFAULT_LOGS_ENDPOINT = 'http://127.0.0.1:4318'

type Env = Record<string, string | undefined>

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim()
  return trimmed ? trimmed : undefined
}

function serviceNameFromResourceAttributes(env: Env): string | undefined {
  const raw = nonEmpty(env.OTEL_RESOURCE_ATTRIBUTES)
  if (!raw) return undefined
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=')
    if (eq > 0 && pair.slice(0, eq).trim() === 'service.name') {
      try {
        return nonEmpty(decodeURIComponent(pair.slice(eq + 1)))
      } catch {
        return nonEmpty(pair.slice(eq + 1))
      }
    }
  }
  return undefined
}

function validRatio(value: number): boolean {
  return Number.isFinite(value) && value >= 0 && value <= 1
}

function samplerFromEnv(env: Env, warnings: string[]): SamplerSpec {
  const name = nonEmpty(env.OTEL_TRACES_SAMPLER)?.toLowerCase() ?? 'parentbased_always_on'
  const argRaw = nonEmpty(env.OTEL_TRACES_SAMPLER_ARG)
  let ratio = 1
  if (argRaw !== undefined) {
    const arg = Number(argRaw)
    if (validRatio(arg)) ratio = arg
    else warnings.push(`OTEL_TRACES_SAMPLER_ARG=${argRaw} is not a number in 0..1; using 1`)
  }
  switch (name) {
    case 'always_on':
      return { parentBased: false, ratio: 1 }
    case 'always_off':
      return { parentBased: false, ratio: 0 }
    case 'traceidratio':
      return { parentBased: false, ratio }
    case 'parentbased_always_on':
      return { parentBased: true, ratio: 1 }
    case 'parentbased_always_off':
      return { parentBased: true, ratio: 0 }
    case 'parentbased_traceidratio':
      return { parentBased: true, ratio }
    default:
      warnings.push(`OTEL_TRACES_SAMPLER=${name} is not supported; using parentbased_always_on`)
      return { parentBased: true, ratio: 1 }
  }
}

function positiveNumber(
  value: number | undefined,
  envValue: string | undefined,
  name: string,
  fallback: number,
  warnings: string[],
): number {
  if (value !== undefined) {
    if (Number.isFinite(value) && value > 0) return value
    warnings.push(`${name}=${value} must be a positive number; using ${fallback}`)
    return fallback
  }
  const raw = nonEmpty(envValue)
  if (raw === undefined) return fallback
  const parsed = Number(raw)
  if (Number.isFinite(parsed) && parsed > 0) return parsed
  warnings.push(`${name}=${raw} must be a positive number; using ${fallback}`)
  return fallback
}

function isOff(value: string | undefined): boolean {
  return ['off', 'false', '0', 'no'].includes(nonEmpty(value)?.toLowerCase() ?? '')
}

function protocolFrom(options: SkeinOptions, env: Env, warnings: string[]): Protocol {
  const [name, raw] =
    options.protocol !== undefined
      ? ['protocol', options.protocol]
      : nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL) !== undefined
        ? ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL)]
        : ['OTEL_EXPORTER_OTLP_PROTOCOL', nonEmpty(env.OTEL_EXPORTER_OTLP_PROTOCOL)]
  if (raw === undefined) return 'grpc'
  const value = String(raw).trim().toLowerCase()
  if ((PROTOCOLS as readonly string[]).includes(value)) return value as Protocol
  warnings.push(`${name}=${raw} is not one of ${PROTOCOLS.join(', ')}; using grpc`)
  return 'grpc'
}

/** The URL spans are sent to: as given for gRPC; for HTTP, base URLs gain `/v1/traces` (the OTLP spec's rule). */
function endpointFor(protocol: Protocol, options: SkeinOptions, env: Env): string {
  const perSignal = nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)
  if (protocol === 'grpc') {
    return (
      nonEmpty(options.endpoint) ?? perSignal ?? nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? DEFAULT_ENDPOINT
    )
  }
  const withPath = (base: string) =>
    /\/v1\/traces\/?$/.test(base) ? base : `${base.replace(/\/+$/, '')}/v1/traces`
  const own = nonEmpty(options.endpoint)
  if (own) return withPath(own)
  if (perSignal) return perSignal
  return withPath(nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? DEFAULT_HTTP_ENDPOINT)
}

/**
 * Applies defaults and environment variables to {@link SkeinOptions}. Pure: reads only `env`.
 * Never throws; an invalid value is replaced by its default and reported in `warnings`.
 */
export function resolveOptions(options: SkeinOptions = {}, env: Env = process.env): ResolvedOptions {
  const warnings: string[] = []
  let sampler = samplerFromEnv(env, warnings)
  const protocol = protocolFrom(options, env, warnings)
  const settings = Array.isArray(options.instrumentations) ? {} : (options.instrumentations ?? {})
  const extras = [
    ...(Array.isArray(options.instrumentations) ? options.instrumentations : []),
    ...(options.extraInstrumentations ?? []),
  ]
  if (options.sampleRatio !== undefined) {
    if (validRatio(options.sampleRatio)) sampler = { parentBased: true, ratio: options.sampleRatio }
    else warnings.push(`sampleRatio=${options.sampleRatio} is not in 0..1; using ${sampler.ratio}`)
  }
  return {
    serviceName:
      nonEmpty(options.serviceName) ??
      nonEmpty(env.OTEL_SERVICE_NAME) ??
      serviceNameFromResourceAttributes(env) ??
      'unknown_service:node',
    serviceVersion:
      nonEmpty(options.serviceVersion) ??
      nonEmpty(env.OTEL_SERVICE_VERSION) ??
      nonEmpty(env.npm_package_version),
    endpoint: endpointFor(protocol, options, env),
    protocol,
    ingestToken: nonEmpty(options.ingestToken) ?? nonEmpty(env.SKEIN_INGEST_TOKEN),
    logsEndpoint: (
      nonEmpty(options.logsEndpoint) ??
      nonEmpty(env.SKEIN_LOGS_ENDPOINT) ??
      DEFAULT_LOGS_ENDPOINT
    ).replace(/\/+$/, ''),
    sampler,
    resourceAttributes: options.resourceAttributes ?? {},
    logLevel:
      nonEmpty(options.logLevel) ?? nonEmpty(options.logger?.level) ?? nonEmpty(env.LOG_LEVEL) ?? 'info',
    stdout: options.stdout ?? true,
    shipLogs: options.shipLogs ?? !isOff(env.SKEIN_LOGS),
    logger: options.logger ?? {},
    logsBatchIntervalSeconds: positiveNumber(
      options.logsBatchIntervalSeconds,
      undefined,
      'logsBatchIntervalSeconds',
      1,
      warnings,
    ),
    logsMaxBuffer: Math.floor(
      positiveNumber(options.logsMaxBuffer, undefined, 'logsMaxBuffer', 10_000, warnings),
    ),
    exportTimeoutMillis: positiveNumber(
      options.exportTimeoutMillis,
      env.OTEL_EXPORTER_OTLP_TIMEOUT,
      'exportTimeoutMillis',
      5000,
      warnings,
    ),
    instrumentations: planInstrumentations(settings, env, warnings),
    extraInstrumentations: extras,
    captureConsole: options.captureConsole ?? !isOff(env.SKEIN_CONSOLE),
    captureCrashes: options.captureCrashes ?? !isOff(env.SKEIN_CRASHES),
    warnings,
  }
}

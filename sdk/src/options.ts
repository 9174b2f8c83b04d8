import type { Attributes } from '@opentelemetry/api'
import type { Instrumentation } from '@opentelemetry/instrumentation'
import type { LoggerOptions } from 'pino'

/** Options of {@link init}. Every field is optional; environment variables fill the gaps. */
export interface SkeinOptions {
  /** `service.name` of spans and the `service_name` label of logs. Default `OTEL_SERVICE_NAME`, else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else `unknown_service:node`. */
  serviceName?: string
  /** `service.version`. Default `OTEL_SERVICE_VERSION`, else `npm_package_version` when npm started the app. */
  serviceVersion?: string
  /** OTLP gRPC URL for spans. Default `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, else `OTEL_EXPORTER_OTLP_ENDPOINT`, else `http://127.0.0.1:4317`. */
  endpoint?: string
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
  /** Instrumentations added to the built-in http/https, undici/fetch and @grpc/grpc-js ones. */
  instrumentations?: Instrumentation[]
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
  endpoint: string
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
  instrumentations: Instrumentation[]
  /** Problems found while resolving; the SDK warns about each and uses the default instead. */
  warnings: string[]
}

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4317'
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

/**
 * Applies defaults and environment variables to {@link SkeinOptions}. Pure: reads only `env`.
 * Never throws; an invalid value is replaced by its default and reported in `warnings`.
 */
export function resolveOptions(options: SkeinOptions = {}, env: Env = process.env): ResolvedOptions {
  const warnings: string[] = []
  let sampler = samplerFromEnv(env, warnings)
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
    endpoint:
      nonEmpty(options.endpoint) ??
      nonEmpty(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) ??
      nonEmpty(env.OTEL_EXPORTER_OTLP_ENDPOINT) ??
      DEFAULT_ENDPOINT,
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
    instrumentations: options.instrumentations ?? [],
    warnings,
  }
}

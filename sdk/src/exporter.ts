/**
 * The OTLP span exporter for the configured protocol: gRPC (Skein's default), or HTTP with protobuf
 * or JSON bodies for platforms that only let HTTP out. Only the chosen exporter is loaded, so an
 * HTTP setup never loads `@grpc/grpc-js`.
 */
import { createRequire } from 'node:module'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'
import type { ResolvedOptions } from './options.js'

/** The values of `OTEL_EXPORTER_OTLP_PROTOCOL` the SDK supports. */
export const PROTOCOLS = ['grpc', 'http/protobuf', 'http/json'] as const
export type Protocol = (typeof PROTOCOLS)[number]

const require = createRequire(import.meta.url)

type ExporterClass = new (config: Record<string, unknown>) => SpanExporter

export function createSpanExporter(options: ResolvedOptions): SpanExporter {
  if (options.protocol === 'grpc') {
    const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc') as {
      OTLPTraceExporter: ExporterClass
    }
    let metadata: unknown
    if (options.ingestToken) {
      const { Metadata } = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js')
      const m = new Metadata()
      m.set('authorization', `Bearer ${options.ingestToken}`)
      metadata = m
    }
    return new OTLPTraceExporter({
      url: options.endpoint,
      timeoutMillis: options.exportTimeoutMillis,
      metadata,
    })
  }
  const pkg =
    options.protocol === 'http/protobuf'
      ? '@opentelemetry/exporter-trace-otlp-proto'
      : '@opentelemetry/exporter-trace-otlp-http'
  const { OTLPTraceExporter } = require(pkg) as { OTLPTraceExporter: ExporterClass }
  return new OTLPTraceExporter({
    url: options.endpoint,
    timeoutMillis: options.exportTimeoutMillis,
    headers: options.ingestToken ? { authorization: `Bearer ${options.ingestToken}` } : undefined,
  })
}

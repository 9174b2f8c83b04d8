/**
 * Sends known telemetry through the real ingestion path: spans with the official OpenTelemetry JS
 * SDK and OTLP exporters (HTTP/protobuf or HTTP/JSON) with explicit start and end times, so durations
 * are known to the nanosecond; log lines as Loki push JSON, as pino-loki sends them.
 */
import { type Attributes, context, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api'
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { stored } from './collector.js'

export interface SpanSpec {
  service: string
  name: string
  /** Start, in ms after the trace's base time. */
  at: number
  /** Length in ms (fractions allowed, down to the nanosecond). */
  ms: number
  kind?: SpanKind
  status?: 'error' | 'ok' | 'unset'
  statusMessage?: string
  attributes?: Attributes
  children?: SpanSpec[]
}

export interface SentSpan {
  spec: SpanSpec
  traceId: string
  spanId: string
  parentSpanId: string
  startNs: string
}

export interface SentTrace {
  traceId: string
  baseMs: number
  spans: SentSpan[]
  /** The span of a given name (first if several). */
  span(name: string): SentSpan
}

export interface TraceSender {
  /** Builds one trace (root + children) starting at `baseMs`; sent on `flush()`. */
  trace(baseMs: number, root: SpanSpec): SentTrace
  /** Exports everything built so far; resolves once the collector has stored it. */
  flush(): Promise<void>
  shutdown(): Promise<void>
}

const hr = (ns: bigint): [number, number] => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)]
const msToNsBig = (ms: number) => BigInt(Math.round(ms * 1e6))

/**
 * One tracer provider (so one resource) per service, as in real services. `resource` adds resource
 * attributes to every service's resource.
 */
export function traceSender(
  ingestUrl: string,
  opts: { protocol?: 'proto' | 'json'; resource?: Attributes } = {},
): TraceSender {
  const providers = new Map<string, BasicTracerProvider>()
  const tracerOf = (service: string) => {
    let provider = providers.get(service)
    if (!provider) {
      const url = `${ingestUrl}/v1/traces`
      const exporter = opts.protocol === 'json' ? new HttpJsonExporter({ url }) : new ProtoExporter({ url })
      provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': service, ...opts.resource }),
        // Large batches, exported on flush(): one request per service rather than one per span.
        spanProcessors: [
          new BatchSpanProcessor(exporter, {
            maxQueueSize: 100_000,
            maxExportBatchSize: 5000,
            scheduledDelayMillis: 60_000,
          }),
        ],
      })
      providers.set(service, provider)
    }
    return provider.getTracer('skein-query-test', '1.0.0')
  }
  return {
    trace(baseMs, root) {
      const spans: SentSpan[] = []
      const base = msToNsBig(baseMs)
      const start = (spec: SpanSpec, parent: Span | undefined) => {
        const startNs = base + msToNsBig(spec.at)
        const ctx = parent ? trace.setSpan(context.active(), parent) : context.active()
        const span = tracerOf(spec.service).startSpan(
          spec.name,
          {
            kind: spec.kind ?? SpanKind.INTERNAL,
            startTime: hr(startNs),
            attributes: spec.attributes,
            root: !parent,
          },
          ctx,
        )
        if (spec.status === 'error')
          span.setStatus({ code: SpanStatusCode.ERROR, message: spec.statusMessage })
        if (spec.status === 'ok') span.setStatus({ code: SpanStatusCode.OK })
        const sc = span.spanContext()
        spans.push({
          spec,
          traceId: sc.traceId,
          spanId: sc.spanId,
          parentSpanId: parent?.spanContext().spanId ?? '',
          startNs: startNs.toString(),
        })
        for (const c of spec.children ?? []) start(c, span)
        span.end(hr(startNs + msToNsBig(spec.ms)))
      }
      start(root, undefined)
      return {
        traceId: spans[0].traceId,
        baseMs,
        spans,
        span(name) {
          const s = spans.find((x) => x.spec.name === name)
          if (!s) throw new Error(`no span named ${name}`)
          return s
        },
      }
    },
    async flush() {
      await Promise.all([...providers.values()].map((p) => p.forceFlush()))
      await stored(ingestUrl)
    },
    async shutdown() {
      await Promise.all([...providers.values()].map((p) => p.shutdown()))
    },
  }
}

export interface LogSpec {
  service: string
  /** Unix ns as a decimal string. */
  tsNs: string
  msg: string
  /** pino level name. */
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal'
  traceId?: string
  spanId?: string
  fields?: Record<string, unknown>
}

const PINO_LEVEL = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const

/** POSTs lines as Loki push JSON, one stream per line like pino-loki; throws unless acknowledged (204); resolves once stored. */
export async function pushLogs(ingestUrl: string, lines: readonly LogSpec[]): Promise<void> {
  const streams = lines.map((l) => {
    const level = l.level ?? 'info'
    const record = {
      level: PINO_LEVEL[level],
      time: Number(BigInt(l.tsNs) / 1_000_000n),
      msg: l.msg,
      ...(l.traceId ? { trace_id: l.traceId, span_id: l.spanId, trace_flags: '01' } : {}),
      ...l.fields,
    }
    return {
      stream: { service_name: l.service, level, hostname: 'test-box' },
      values: [[l.tsNs, JSON.stringify(record)]],
    }
  })
  const res = await fetch(`${ingestUrl}/loki/api/v1/push`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ streams }),
  })
  if (res.status !== 204) throw new Error(`Loki push answered ${res.status}: ${await res.text()}`)
  await stored(ingestUrl)
}

/** ms since the epoch → ns decimal string, exact for whole ms plus an optional ns part. */
export function nsAt(ms: number, extraNs = 0): string {
  return (BigInt(Math.floor(ms)) * 1_000_000n + BigInt(extraNs)).toString()
}

/** An OTLP/JSON request of one trace whose spans (`op 0`, `op 1`, …) start at the given nanoseconds and last 1 µs. */
export function traceRequest(service: string, traceId: string, starts: bigint[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            spans: starts.map((start, i) => ({
              traceId,
              spanId: (i + 1).toString(16).padStart(16, '0'),
              name: `op ${i}`,
              kind: 2,
              startTimeUnixNano: `${start}`,
              endTimeUnixNano: `${start + 1000n}`,
            })),
          },
        ],
      },
    ],
  })
}

/** POSTs a JSON body; the status and the parsed answer (undefined when empty). */
export async function postJson(url: string, body: string): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const text = await r.text()
  return { status: r.status, body: text ? JSON.parse(text) : undefined }
}

import { createRequire, syncBuiltinESMExports } from 'node:module'
import { join } from 'node:path'
import { context, propagation, trace } from '@opentelemetry/api'
import type { ExportResult } from '@opentelemetry/core'
import {
  CompositePropagator,
  ExportResultCode,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core'
import { registerInstrumentations } from '@opentelemetry/instrumentation'
import type { Resource } from '@opentelemetry/resources'
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources'
import type { ReadableSpan, Sampler, SpanExporter } from '@opentelemetry/sdk-trace-base'
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  NodeTracerProvider,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-node'
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions'
import { createSpanExporter } from './exporter.js'
import { appDeclares, buildInstrumentations, shortName } from './instrumentations.js'
import type { ResolvedOptions, SamplerSpec } from './options.js'
import { OpenSpans, SanitizeStatements } from './processors.js'
import { describeError, rearmWarning, warnOnce } from './warn.js'

/** Spans held in memory while the collector is slow or down; beyond this new spans are dropped. */
const MAX_QUEUED_SPANS = 2048

/** The running tracing half of the SDK. */
export interface Tracing {
  readonly tracerProvider: NodeTracerProvider
  /** Spans started and not yet ended (a crash ends them with its error). */
  readonly openSpans: OpenSpans
  /** Short names of the instrumentations running (those enabled whose module the app has). */
  readonly instrumentations: readonly string[]
  /** Exports every span ended so far. Resolves (never rejects) once the exporter answered or gave up. */
  forceFlush(): Promise<void>
  /** Flushes, stops the instrumentations and unregisters the global provider. Safe to call twice. */
  shutdown(): Promise<void>
}

export function buildSampler(spec: SamplerSpec): Sampler {
  const root =
    spec.ratio >= 1
      ? new AlwaysOnSampler()
      : spec.ratio <= 0
        ? new AlwaysOffSampler()
        : new TraceIdRatioBasedSampler(spec.ratio)
  return spec.parentBased ? new ParentBasedSampler({ root }) : root
}

export function buildResource(options: ResolvedOptions): Resource {
  const own: Record<string, unknown> = {
    ...options.resourceAttributes,
    [ATTR_SERVICE_NAME]: options.serviceName,
  }
  if (options.serviceVersion) own[ATTR_SERVICE_VERSION] = options.serviceVersion
  return defaultResource()
    .merge(detectResources({ detectors: [envDetector, hostDetector, processDetector] }))
    .merge(resourceFromAttributes(own as Record<string, string>))
}

/**
 * Wraps the OTLP exporter so that a failing collector produces one warning per outage
 * (not one per batch) and a recovery re-arms it.
 */
class WarnOnFailureExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly endpoint: string,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    try {
      this.inner.export(spans, (result) => {
        if (result.code === ExportResultCode.SUCCESS) rearmWarning('spans')
        else
          warnOnce(
            'spans',
            `cannot export spans to ${this.endpoint} (${describeError(result.error)}); dropping them until it answers`,
          )
        resultCallback(result)
      })
    } catch (err) {
      warnOnce('spans', `cannot export spans to ${this.endpoint} (${describeError(err)})`)
      resultCallback({ code: ExportResultCode.FAILED, error: err as Error })
    }
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve()
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown()
  }
}

function withTimeout(promise: Promise<unknown>, ms: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      warnOnce(`timeout:${what}`, `${what} did not finish within ${ms} ms; giving up`)
      resolve()
    }, ms)
  })
  const done = promise.then(
    () => undefined,
    (err) => {
      // the exporter already warned once for this outage
      warnOnce('spans', `${what} failed: ${describeError(err)}`)
    },
  )
  return Promise.race([done, timeout]).finally(() => clearTimeout(timer))
}

/**
 * An ES module app gets modules through the ESM loader, which require-in-the-middle never sees:
 * - builtins: requiring `node:http(s)` here lets the instrumentation patch them now, and syncing
 *   copies the patched functions into their ESM named exports (`import { request } from 'node:http'`);
 * - `@grpc/grpc-js` (CommonJS): import-in-the-middle patches only the ESM namespace, so
 *   `import grpc from '@grpc/grpc-js'` would hand out an unpatched `makeGenericClientConstructor`.
 *   Requiring it here patches `module.exports` itself, which a later ESM import then reuses from the
 *   CommonJS cache. Only when the app itself depends on it (its package.json says so): the SDK's own
 *   copy is hoisted beside the app's modules, and an app that never uses gRPC (spans over HTTP) must
 *   not pay for loading it. A library that loads it with `require` is patched then, as any CommonJS.
 */
function patchForESM(grpc: boolean): void {
  try {
    const require = createRequire(import.meta.url)
    require('node:http')
    require('node:https')
    syncBuiltinESMExports()
  } catch (err) {
    warnOnce('builtins', `http may not be traced: ${describeError(err)}`)
  }
  if (!grpc) return
  try {
    const appRequire = createRequire(join(process.cwd(), 'noop.js'))
    const main = process.argv[1] ? createRequire(process.argv[1]) : appRequire
    let resolved: string | undefined
    for (const req of [main, appRequire]) {
      try {
        resolved = req.resolve('@grpc/grpc-js')
        break
      } catch {
        // not installed for the app: nothing to patch
      }
    }
    if (resolved) main(resolved)
  } catch (err) {
    warnOnce('grpc-preload', `@grpc/grpc-js may not be traced: ${describeError(err)}`)
  }
}

/**
 * Starts tracing: provider, span processors, OTLP exporter, W3C propagators, AsyncLocalStorage
 * context and the instrumentations of what the app has installed (see instrumentations.ts).
 * Registers everything globally, so it must run once, before the app loads what it instruments.
 */
export function startTracing(options: ResolvedOptions): Tracing {
  const exporter = new WarnOnFailureExporter(createSpanExporter(options), options.endpoint)
  const openSpans = new OpenSpans()
  const tracerProvider = new NodeTracerProvider({
    resource: buildResource(options),
    sampler: buildSampler(options.sampler),
    spanProcessors: [
      new SanitizeStatements(),
      openSpans,
      new BatchSpanProcessor(exporter, {
        maxQueueSize: MAX_QUEUED_SPANS,
        maxExportBatchSize: 512,
        scheduledDelayMillis: 500,
        exportTimeoutMillis: options.exportTimeoutMillis,
      }),
    ],
  })
  tracerProvider.register({
    propagator: new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  })
  const problems: string[] = []
  const builtIn = buildInstrumentations(options.instrumentations, problems)
  for (const problem of problems) warnOnce(`instrumentation:${problem}`, problem)
  const disableInstrumentations = registerInstrumentations({
    tracerProvider,
    instrumentations: [...builtIn, ...options.extraInstrumentations],
  })
  const running = builtIn.map((i) => shortName(i.instrumentationName))

  patchForESM(running.includes('grpc') && appDeclares('@grpc/grpc-js'))

  let shuttingDown: Promise<void> | undefined
  // Flushing and exporting are bounded by the export timeout; the margin covers gRPC's own deadline.
  const limit = options.exportTimeoutMillis + 2000
  return {
    tracerProvider,
    openSpans,
    instrumentations: running,
    forceFlush: () => withTimeout(tracerProvider.forceFlush(), limit, 'flushing spans'),
    shutdown() {
      shuttingDown ??= (async () => {
        await withTimeout(tracerProvider.shutdown(), limit, 'shutting down tracing')
        try {
          disableInstrumentations()
        } catch {
          // an instrumentation that cannot unpatch only leaves its (now no-op) wrappers behind
        }
        trace.disable()
        context.disable()
        propagation.disable()
      })()
      return shuttingDown
    },
  }
}

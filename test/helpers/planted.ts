/**
 * A checkout service's requests with planted causes, sent through the real ingestion path (OTLP/HTTP
 * protobuf exporter, Loki push), for the tests of "what is different about slow or failing requests":
 *
 * - slow: every request paid through `payment.provider=slowpay` (one in five) waits ~800 ms on its
 *   provider call (20 ms for the others) and makes a retry call that only it makes, and payments logs
 *   `provider slowpay timeout after <n> ms, retrying` for it;
 * - failing: one request in six fails (before paying, so fast), and all of them run
 *   `service.version=2.0.1` (a third of the requests run it; the others 1.9.0);
 * - noise: a random `user.id` per request and a `region` spread evenly over four values.
 *
 * Values are spread by the request's index, so that each planted attribute is independent of the others
 * over the whole set (e.g. region is exactly uniform within slowpay requests).
 */
import { randomUUID } from 'node:crypto'
import { SpanKind } from '@opentelemetry/api'
import { type LogSpec, nsAt, pushLogs, type SentTrace, type SpanSpec, traceSender } from './telemetry.js'

const { SERVER, CLIENT, INTERNAL } = SpanKind

export const PLANTED = {
  service: 'checkout',
  operation: 'POST /checkout',
  slowProvider: 'slowpay',
  slowCall: 'call provider',
  retry: 'retry provider',
  retryPattern: 'provider slowpay timeout after <*> ms, retrying',
  badVersion: '2.0.1',
  errorMessage: 'stock lock timeout',
  /** Every slow request lasts more than this; every other one less. */
  slowAboveMs: 500,
} as const

export interface PlantedRequest {
  trace: SentTrace
  provider: string
  version: string
  failing: boolean
  slow: boolean
}

const PROVIDERS = ['slowpay', 'fastpay', 'fastpay', 'cardco', 'cardco']
const REGIONS = ['eu-west', 'us-east', 'ap-south', 'sa-east']

/**
 * Sends `n` requests spread evenly over the `spreadMs` before `endMs` (by default the 40 minutes up to
 * a minute ago); resolves once they are stored.
 */
export async function sendPlanted(
  ingestUrl: string,
  opts: { n?: number; endMs?: number; spreadMs?: number } = {},
): Promise<PlantedRequest[]> {
  const n = opts.n ?? 240
  const endMs = opts.endMs ?? Date.now() - 60_000
  const spreadMs = opts.spreadMs ?? 40 * 60_000
  const senders = {
    '1.9.0': traceSender(ingestUrl, { resource: { 'service.version': '1.9.0' } }),
    '2.0.1': traceSender(ingestUrl, { resource: { 'service.version': PLANTED.badVersion } }),
  }
  const requests: PlantedRequest[] = []
  const logs: LogSpec[] = []
  for (let i = 0; i < n; i++) {
    const base = endMs - spreadMs + Math.floor((i * spreadMs) / n)
    const provider = PROVIDERS[i % 5]
    const version = i % 3 === 0 ? PLANTED.badVersion : '1.9.0'
    const failing = i % 6 === 0
    const slow = provider === PLANTED.slowProvider && !failing
    const jitter = (i * 37) % 13
    const attributes = {
      'payment.provider': provider,
      region: REGIONS[i % 4],
      'user.id': `user-${randomUUID()}`,
    }
    const children: SpanSpec[] = [
      { service: 'checkout', name: 'validate cart', kind: INTERNAL, at: 1, ms: 4 },
    ]
    let end = 6
    if (failing) {
      children.push({
        service: 'checkout',
        name: 'reserve stock',
        kind: CLIENT,
        at: 6,
        ms: 10 + jitter,
        status: 'error',
        statusMessage: PLANTED.errorMessage,
      })
      end = 17 + jitter
    } else {
      const callMs = slow ? 780 + jitter : 20 + jitter
      const payments: SpanSpec[] = [
        { service: 'payments', name: PLANTED.slowCall, kind: CLIENT, at: 8, ms: callMs },
      ]
      if (slow)
        payments.push({ service: 'payments', name: PLANTED.retry, kind: CLIENT, at: 9 + callMs, ms: 40 })
      const chargeMs = callMs + (slow ? 44 : 3)
      children.push({
        service: 'checkout',
        name: 'POST /charge',
        kind: CLIENT,
        at: 6,
        ms: chargeMs + 2,
        children: [
          {
            service: 'payments',
            name: 'POST /charge',
            kind: SERVER,
            at: 7,
            ms: chargeMs,
            children: payments,
          },
        ],
      })
      end = 9 + chargeMs
    }
    const trace = senders[version].trace(base, {
      service: 'checkout',
      name: PLANTED.operation,
      kind: SERVER,
      at: 0,
      ms: end + 1,
      attributes,
      children,
      ...(failing ? { status: 'error' as const, statusMessage: PLANTED.errorMessage } : {}),
    })
    requests.push({ trace, provider, version, failing, slow })
    const root = trace.spans[0]
    logs.push({
      service: 'checkout',
      tsNs: nsAt(base + 2),
      msg: `cart ${1000 + i} validated`,
      traceId: trace.traceId,
      spanId: root.spanId,
    })
    if (slow)
      logs.push({
        service: 'payments',
        tsNs: nsAt(base + 800),
        level: 'warn',
        msg: `provider slowpay timeout after ${790 + jitter} ms, retrying`,
        traceId: trace.traceId,
        spanId: trace.span(PLANTED.slowCall).spanId,
      })
    if (failing)
      logs.push({
        service: 'checkout',
        tsNs: nsAt(base + 16),
        level: 'error',
        msg: `checkout failed: ${PLANTED.errorMessage} on sku-${i}`,
        traceId: trace.traceId,
        spanId: root.spanId,
      })
  }
  await Promise.all([senders['1.9.0'].flush(), senders['2.0.1'].flush()])
  await Promise.all([senders['1.9.0'].shutdown(), senders['2.0.1'].shutdown()])
  for (let i = 0; i < logs.length; i += 200) await pushLogs(ingestUrl, logs.slice(i, i + 200))
  return requests
}

/**
 * GET /api/v1/logs/volume on lines sent by Loki push and OTLP/HTTP: lines per bucket and level, with
 * empty buckets present, the step chosen from the range unless asked for, and the filters of log search,
 * whose answer it must agree with. A line without a severity number counts under the level its text
 * names, as @skein/model's `severityLevel` (and so the UI's badge) has it.
 */
import { type SeverityLevel, severityLevel } from '@skein/model'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { type LogSpec, nsAt, pushLogs } from '../../../test/helpers/telemetry.js'

let collector: RunningCollector
const MIN = 60_000
const base = Math.floor((Date.now() - 30 * MIN) / MIN) * MIN

/** Minute 0: 3 info, 1 error; minute 1: nothing; minute 2: 2 warn, 1 debug, 1 fatal (other service). */
const lines: LogSpec[] = [
  { service: 'api', tsNs: nsAt(base + 1000), msg: 'order 1 loaded', level: 'info' },
  { service: 'api', tsNs: nsAt(base + 2000), msg: 'order 2 loaded', level: 'info' },
  { service: 'api', tsNs: nsAt(base + 3000), msg: 'order 3 loaded', level: 'info' },
  { service: 'api', tsNs: nsAt(base + 4000), msg: 'payment failed', level: 'error' },
  { service: 'api', tsNs: nsAt(base + 2 * MIN), msg: 'slow query 120ms', level: 'warn' },
  { service: 'api', tsNs: nsAt(base + 2 * MIN + 59_999), msg: 'slow query 90ms', level: 'warn' },
  { service: 'api', tsNs: nsAt(base + 2 * MIN + 500), msg: 'cache state', level: 'debug' },
  { service: 'batch', tsNs: nsAt(base + 2 * MIN + 1), msg: 'disk full', level: 'fatal' },
]

/** OTLP log records with a severity text and no number (0), as some SDKs send them. */
async function sendOtlpText(texts: string[]): Promise<void> {
  const res = await fetch(`${collector.ingestUrl}/v1/logs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'otel' } }] },
          scopeLogs: [
            {
              logRecords: texts.map((severityText, i) => ({
                timeUnixNano: nsAt(base + 5 * MIN + i),
                severityText,
                body: { stringValue: `by text ${i}` },
              })),
            },
          ],
        },
      ],
    }),
  })
  expect(res.status).toBe(200)
}

beforeAll(async () => {
  collector = await startCollector()
  await pushLogs(collector.ingestUrl, lines)
  await sendOtlpText(['WARNING', 'Err', 'notice', 'verbose'])
})
afterAll(async () => {
  await collector?.stop()
})

async function volume(params: Record<string, string>): Promise<any> {
  const { status, body } = await getJson(
    `${collector.apiUrl}/api/v1/logs/volume?${new URLSearchParams(params)}`,
  )
  expect(status, JSON.stringify(body)).toBe(200)
  return body
}

const zero = { trace: 0, debug: 0, info: 0, warn: 0, error: 0, fatal: 0, unknown: 0 }
const range = { start: String(base), end: String(base + 3 * MIN) }

describe('log volume', () => {
  it('counts lines per bucket and level, empty buckets included', async () => {
    const body = await volume({ ...range, service: 'api', step: '1m' })
    expect(body.step).toBe('1m')
    expect(body.stepMs).toBe(MIN)
    expect(body.buckets.map((b: any) => [b.t, b.total, b.counts])).toEqual([
      [new Date(base).toISOString(), 4, { ...zero, info: 3, error: 1 }],
      [new Date(base + MIN).toISOString(), 0, zero],
      [new Date(base + 2 * MIN).toISOString(), 3, { ...zero, warn: 2, debug: 1 }],
    ])
    expect(body.buckets[0].tMs).toBe(base)
    expect(body.totals).toEqual({ ...zero, info: 3, error: 1, warn: 2, debug: 1 })
    expect(body.total).toBe(7)
  })

  it('chooses the smallest step that gives at most 200 buckets when none is asked for', async () => {
    expect((await volume(range)).step).toBe('10s')
    expect((await volume({ lookback: '1h' })).step).toBe('30s')
    expect((await volume({ lookback: '6h' })).step).toBe('5m')
    expect((await volume({ lookback: '7d' })).step).toBe('1h')
  })

  it('counts a line without a severity number under the level its text names', async () => {
    const body = await volume({ service: 'otel', lookback: '1h' })
    expect(body.totals).toEqual({ ...zero, warn: 1, error: 1, info: 1, unknown: 1 })
    const { logs } = (await getJson(`${collector.apiUrl}/api/v1/logs?service=otel`)).body
    const byLevel = (ls: any[]) => ls.map((l) => severityLevel(l.severityNumber, l.severityText)).sort()
    expect(byLevel(logs)).toEqual(['error', 'info', 'unknown', 'warn'])
  })

  it('agrees with log search, level by level, under every filter', async () => {
    const filters: Record<string, string>[] = [
      {},
      { service: 'api' },
      { level: 'warn' },
      { q: 'order' },
      { q: 'ORDER', ignoreCase: 'true' },
      { pattern: 'slow query <*>' },
      { service: 'batch', level: 'error' },
    ]
    for (const f of filters) {
      const { logs } = (
        await getJson(
          `${collector.apiUrl}/api/v1/logs?${new URLSearchParams({ ...f, ...range, limit: '1000' })}`,
        )
      ).body
      const counted: Record<SeverityLevel, number> = { ...zero }
      for (const l of logs) counted[severityLevel(l.severityNumber, l.severityText)]++
      const body = await volume({ ...f, ...range })
      expect(body.totals, JSON.stringify(f)).toEqual(counted)
      expect(body.total).toBe(logs.length)
      expect(body.buckets.reduce((n: number, b: any) => n + b.total, 0)).toBe(logs.length)
    }
  })

  it.each([
    ['step=10s&lookback=30d', 'step'],
    ['step=1w', 'step'],
    ['level=loud', 'level'],
    ['lookback=20000d', 'start'],
  ])('answers 400 naming the parameter for %s', async (params, name) => {
    const { status, body } = await getJson(`${collector.apiUrl}/api/v1/logs/volume?${params}`)
    expect(status).toBe(400)
    expect(body.error.code).toBe('SKEIN_ERR_BAD_PARAM')
    expect(body.error.message).toContain(name)
  })
})

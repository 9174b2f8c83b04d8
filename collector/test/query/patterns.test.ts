/**
 * GET /api/v1/logs/patterns, and /api/v1/logs?pattern=, on lines sent by Loki push: each line's template
 * is what @skein/model's `logPattern` makes of it (the ClickHouse expression and the JS function agree,
 * on hostile lines and on a few hundred random ones), with exact counts, a series per bucket and the
 * newest line as example; a pattern filters the search to exactly its lines. Then, on a chDB of our own
 * with more lines than the bound, the sample: counts scaled up, close to the truth, and said to be so.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { logPattern, PATTERN_CUT } from '@skein/model'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { type LogSpec, nsAt, pushLogs } from '../../../test/helpers/telemetry.js'
import { loadConfig } from '../../src/config.js'
import { createDb } from '../../src/query/db.js'
import { logPatterns, parseLogPatternsParams } from '../../src/query/patterns.js'
import { openStorage, type Storage } from '../../src/storage/storage.js'

const HOSTILE = [
  'order 42 loaded',
  'order 7 loaded',
  'order 1000000 loaded',
  'query "SELECT * FROM t WHERE a = \\"x\\"" failed',
  'query "" failed',
  "can't find table 'users'",
  "can't find table 'orders'",
  "it's Bob's",
  'заказ 42 загружен',
  '注文42件 🎉 x9',
  'emoji 😀 7 \u{1F9D1}\u200D\u{1F4BB}',
  '1234567890',
  '42',
  '0',
  `${'x'.repeat(5000)} 1`,
  `${'x'.repeat(5000)} 2`,
  `${'"\\"'.repeat(3000)}`,
  '<img src=x onerror="alert(1)"><script>alert(2)</script>',
  'path C:\\temp\\1\\out.txt',
  'nul\u0000here 5 \u202eevil\r\nnext line 6',
  'trailing backslash \\',
  'quote at the end "',
  "quote at the end '",
  'literal <*> mask 5',
  'user 7c9e6679-7425-40de-944b-e07fc1f90ae7 logged in',
  'user CAFEBABE-CAFE-4ACE-BEEF-FACADEFACADE logged in',
  "%_\\ {p0:String} '; DROP TABLE otel_logs; --",
  ' ',
]

/** Random lines from an alphabet of what trips regular expressions up (deterministic). */
function randomLines(n: number): string[] {
  const alphabet = [
    'a',
    'Z',
    '_',
    '0',
    '7',
    '-',
    '.',
    ' ',
    '"',
    "'",
    '\\',
    'é',
    '😀',
    '\n',
    '\t',
    'f',
    '<',
    '*',
  ]
  let seed = 20
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed
  }
  return Array.from({ length: n }, () =>
    Array.from({ length: 1 + (next() % 40) }, () => alphabet[next() % alphabet.length]).join(''),
  )
}

const MIN = 60_000
const base = Math.floor((Date.now() - 40 * MIN) / MIN) * MIN
const lines: LogSpec[] = [...HOSTILE, ...randomLines(300)].map((msg, i) => ({
  service: i % 3 === 0 ? 'api' : 'worker',
  // One line a second from base: 328 lines over five and a half minutes.
  tsNs: nsAt(base + i * 1000),
  msg,
  level: i % 5 === 0 ? 'warn' : 'info',
}))

let collector: RunningCollector

beforeAll(async () => {
  collector = await startCollector()
  await pushLogs(collector.ingestUrl, lines)
})
afterAll(async () => {
  await collector?.stop()
})

async function get(path: string, params: Record<string, string>): Promise<any> {
  const { status, body } = await getJson(`${collector.apiUrl}${path}?${new URLSearchParams(params)}`)
  expect(status, JSON.stringify(body).slice(0, 500)).toBe(200)
  return body
}

/** Every line's template counted in JS. */
function expectedCounts(bodies: readonly string[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const b of bodies) out.set(logPattern(b), (out.get(logPattern(b)) ?? 0) + 1)
  return out
}

describe('log patterns', () => {
  it('groups every line under the template logPattern gives it, with exact counts', async () => {
    const { logs } = await get('/api/v1/logs', { limit: '1000' })
    expect(logs).toHaveLength(lines.length)
    const body = await get('/api/v1/logs/patterns', { limit: '500' })
    const expected = expectedCounts(logs.map((l: any) => l.body))
    expect(body.patterns.length).toBe(expected.size)
    expect(body.patternCount).toBe(expected.size)
    expect(new Map(body.patterns.map((p: any) => [p.pattern, p.count]))).toEqual(expected)
    expect(body).toMatchObject({ lines: lines.length, sampled: false, sampleRate: 1 })
  })

  it('gives hostile lines the templates they have in JS', async () => {
    const { patterns } = await get('/api/v1/logs/patterns', { limit: '500' })
    const byPattern = new Map(patterns.map((p: any) => [p.pattern, p]))
    for (const line of HOSTILE) expect(byPattern.has(logPattern(line)), JSON.stringify(line)).toBe(true)
    expect(byPattern.get('order <*> loaded')).toMatchObject({ count: 3 })
    expect(byPattern.get(`${'x'.repeat(1024)}${PATTERN_CUT}`)).toMatchObject({ count: 2 })
    // The three lines of digits, and random lines of digits and underscores.
    expect((byPattern.get('<*>') as any).count).toBeGreaterThanOrEqual(3)
    expect(byPattern.get("can't find table '<*>'")).toMatchObject({ count: 2 })
    expect(byPattern.get('user <*> logged in')).toMatchObject({ count: 2 })
    for (const p of patterns) expect(logPattern(p.example.body)).toBe(p.pattern)
  })

  it('puts the most frequent first, each with its share, services and newest line', async () => {
    const { patterns } = await get('/api/v1/logs/patterns', { limit: '3' })
    expect(patterns).toHaveLength(3)
    expect(patterns[0].count).toBeGreaterThanOrEqual(patterns[1].count)
    expect(patterns[1].count).toBeGreaterThanOrEqual(patterns[2].count)
    const { patterns: all } = await get('/api/v1/logs/patterns', { limit: '500' })
    const order = all.find((p: any) => p.pattern === 'order <*> loaded')
    expect(order.share).toBeCloseTo(3 / lines.length)
    expect(order.example).toMatchObject({
      body: 'order 1000000 loaded',
      timestampNs: lines[2].tsNs,
      timestamp: new Date(base + 2000).toISOString(),
      severityText: 'INFO',
      severityNumber: 9,
    })
    expect(order.services).toEqual(['api', 'worker'])
  })

  it('counts each pattern per bucket of a step chosen from the range', async () => {
    const body = await get('/api/v1/logs/patterns', {
      start: String(base),
      end: String(base + 10 * MIN),
      limit: '500',
    })
    expect(body.step).toBe('10s')
    expect(body.stepMs).toBe(10_000)
    expect(body.bucketsMs).toHaveLength(60)
    expect(body.bucketsMs[0]).toBe(base)
    for (const p of body.patterns) {
      expect(p.series).toHaveLength(60)
      expect(p.series.reduce((a: number, b: number) => a + b, 0)).toBe(p.count)
    }
    // 'order 42 loaded', 'order 7 loaded', 'order 1000000 loaded': seconds 0, 1 and 2.
    const order = body.patterns.find((p: any) => p.pattern === 'order <*> loaded')
    expect(order.series.slice(0, 2)).toEqual([3, 0])
    const minute = await get('/api/v1/logs/patterns', { lookback: '1h', step: '1m', limit: '1' })
    expect(minute.step).toBe('1m')
    expect(minute.bucketsMs.length).toBeGreaterThanOrEqual(60)
  })

  it('takes the filters of log search', async () => {
    const api = await get('/api/v1/logs/patterns', { service: 'api', limit: '500' })
    expect(api.lines).toBe(lines.filter((l) => l.service === 'api').length)
    const warn = await get('/api/v1/logs/patterns', { level: 'warn', q: 'order', limit: '500' })
    expect(warn.patterns.map((p: any) => [p.pattern, p.count])).toEqual([['order <*> loaded', 1]])
  })
})

describe('log search by pattern', () => {
  it('finds exactly the lines of a pattern, for every pattern there is', async () => {
    const { patterns } = await get('/api/v1/logs/patterns', { limit: '500' })
    for (const p of patterns) {
      const { logs } = await get('/api/v1/logs', { pattern: p.pattern, limit: '1000' })
      expect(logs.length, p.pattern).toBe(p.count)
      for (const l of logs) expect(logPattern(l.body)).toBe(p.pattern)
    }
  })

  it('finds nothing for a template no line has, and the volume agrees', async () => {
    expect((await get('/api/v1/logs', { pattern: 'order <*> shipped' })).logs).toEqual([])
    expect((await get('/api/v1/logs/volume', { pattern: 'order <*> shipped' })).total).toBe(0)
    expect((await get('/api/v1/logs/volume', { pattern: 'order <*> loaded' })).total).toBe(3)
  })

  it.each([
    [`pattern=${'x'.repeat(4097)}`, 'pattern'],
    ['step=10s&lookback=30d', 'step'],
    ['step=2m', 'step'],
    ['limit=0', 'limit'],
  ])('answers 400 naming the parameter for %.30s', async (params, name) => {
    const { status, body } = await getJson(`${collector.apiUrl}/api/v1/logs/patterns?${params}`)
    expect(status).toBe(400)
    expect(body.error.code).toBe('SKEIN_ERR_BAD_PARAM')
    expect(body.error.message).toContain(name)
  })
})

describe('log patterns past the bound of lines masked at once', () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'skein-patterns-')), 'data')
  let storage: Storage
  const now = Date.now()

  beforeAll(async () => {
    storage = await openStorage(loadConfig({ dataDir }, {}))
    // 30,000 lines over the last 20 minutes: two thirds 'order N loaded', the rest 'user N left'.
    await storage.ingest.command({
      query: `INSERT INTO ${storage.table('otel_logs')} (Timestamp, ServiceName, SeverityNumber, SeverityText, Body)
        SELECT fromUnixTimestamp64Milli(toInt64(${now} - 1000 - number * 40)), 'svc', 9, 'INFO',
          if(number % 3 = 2, concat('user ', toString(number), ' left'), concat('order ', toString(number), ' loaded'))
        FROM numbers(30000)`,
    })
  })
  afterAll(async () => {
    await storage?.close()
  })

  it('masks a uniform sample, scales the counts up and says so', async () => {
    const db = createDb(storage.queryClients, storage.table, 30_000, { sessionSettings: true })
    const params = parseLogPatternsParams({ start: String(now - 30 * MIN), end: String(now) })
    const exact = await logPatterns(db, params)
    expect(exact).toMatchObject({ sampled: false, sampleRate: 1, lines: 30_000 })
    expect(exact.patterns.map((p) => [p.pattern, p.count])).toEqual([
      ['order <*> loaded', 20_000],
      ['user <*> left', 10_000],
    ])
    const sampled = await logPatterns(db, params, 5000)
    expect(sampled).toMatchObject({ sampled: true, sampleRate: 1 / 6 })
    expect(sampled.lines % 6).toBe(0)
    expect(Math.abs(sampled.lines - 30_000)).toBeLessThan(1500)
    const [order, user] = sampled.patterns
    expect(order.pattern).toBe('order <*> loaded')
    expect(Math.abs(order.count - 20_000)).toBeLessThan(1200)
    expect(Math.abs(user.count - 10_000)).toBeLessThan(900)
    expect(order.series.reduce((a, b) => a + b, 0)).toBe(order.count)
  })
})

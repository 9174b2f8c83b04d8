/**
 * GET /api/v1/compare on a checkout service's requests with planted causes (test/helpers/planted.ts),
 * sent through the real ingestion path to a real collector: the slow requests are those of one payment
 * provider, which waits on a slow call and retries, with its own log line; the failing ones all run one
 * service.version; user ids and regions are noise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getJson, type RunningCollector, startCollector } from '../../../test/helpers/collector.js'
import { PLANTED, type PlantedRequest, sendPlanted } from '../../../test/helpers/planted.js'
import { loadConfig } from '../../src/config.js'
import {
  compareRequests,
  parseCompareParams,
  rankAttributes,
  twoProportionZ,
  welchT,
} from '../../src/query/compare.js'
import { createDb } from '../../src/query/db.js'
import { openStorage, type Storage } from '../../src/storage/storage.js'

let collector: RunningCollector
let requests: PlantedRequest[]

beforeAll(async () => {
  collector = await startCollector()
  requests = await sendPlanted(collector.ingestUrl)
})
afterAll(async () => {
  await collector?.stop()
})

async function compare(params: string): Promise<any> {
  const { status, body } = await getJson(
    `${collector.apiUrl}/api/v1/compare?service=${PLANTED.service}&${params}`,
  )
  expect(status, JSON.stringify(body)).toBe(200)
  return body
}
const attr = (a: any) => `${a.key}=${a.value}`
const path = (o: any) => o.path.join(' > ')

describe('comparing slow requests with the others', () => {
  it('ranks the planted provider first, its retry, slowed call and log line in the top three, noise nowhere near', async () => {
    const c = await compare(`minDurationMs=${PLANTED.slowAboveMs}`)
    const slow = requests.filter((r) => r.slow).length
    expect(c.selection.count).toBe(slow)
    expect(c.baseline.count).toBe(requests.length - slow)
    expect(c.selection.p50Ms).toBeGreaterThan(PLANTED.slowAboveMs)
    expect(c.baseline.p95Ms).toBeLessThan(PLANTED.slowAboveMs)

    expect(attr(c.attributes[0])).toBe(`payment.provider=${PLANTED.slowProvider}`)
    // Slowpay requests that failed early were fast: they are the provider's share of the baseline.
    const failedSlowpay = requests.filter((r) => r.provider === PLANTED.slowProvider && r.failing).length
    expect(c.attributes[0]).toEqual(
      expect.objectContaining({
        scope: 'span',
        selectionShare: 1,
        baselineShare: failedSlowpay / (requests.length - slow),
      }),
    )
    const top3 = c.attributes.slice(0, 3).map(attr)
    expect(top3.some((a: string) => a.startsWith('user.id=') || a.startsWith('region='))).toBe(false)

    const ops = c.operations.slice(0, 3)
    const retry = ops.find((o: any) => o.name === PLANTED.retry)
    expect(retry, JSON.stringify(c.operations)).toBeDefined()
    expect(path(retry)).toBe(
      'checkout: POST /checkout > checkout: POST /charge > payments: POST /charge > payments: retry provider',
    )
    expect(retry).toEqual(
      expect.objectContaining({
        selectionShare: 1,
        baselineShare: 0,
        baselineMeanMs: null,
        reason: 'occurs',
      }),
    )
    const call = ops.find((o: any) => o.name === PLANTED.slowCall)
    expect(call, JSON.stringify(c.operations)).toBeDefined()
    expect(call.reason).toBe('slower')
    expect(call.selectionMeanMs).toBeGreaterThan(700)
    expect(call.baselineMeanMs).toBeLessThan(40)

    const patterns = c.logs.slice(0, 3).map((l: any) => l.pattern)
    expect(patterns).toContain(PLANTED.retryPattern)
    const line = c.logs.find((l: any) => l.pattern === PLANTED.retryPattern)
    expect(line).toEqual(
      expect.objectContaining({ selectionCount: slow, baselineCount: 0, severityText: 'WARN' }),
    )
    expect(line.example).toMatch(/^provider slowpay timeout after \d+ ms, retrying$/)

    const slowIds = new Set(requests.filter((r) => r.slow).map((r) => r.trace.traceId))
    expect(c.exampleTraceIds.selection.length).toBeGreaterThan(0)
    for (const id of c.exampleTraceIds.selection) expect(slowIds.has(id)).toBe(true)
    for (const id of c.exampleTraceIds.baseline) expect(slowIds.has(id)).toBe(false)
    expect(c.sample).toEqual({
      sampled: false,
      spans: { selection: slow, baseline: requests.length - slow },
      traces: { selection: slow, baseline: requests.length - slow },
    })
  })

  it('sorts every list by score, highest first', async () => {
    const c = await compare(`minDurationMs=${PLANTED.slowAboveMs}&limit=50`)
    for (const list of [c.attributes, c.operations, c.logs]) {
      const scores = list.map((x: any) => x.score)
      expect(scores).toEqual([...scores].sort((a, b) => b - a))
    }
  })
})

describe('comparing failing requests with the others', () => {
  it('ranks the version that fails first and the failure log line first', async () => {
    const c = await compare('status=error')
    expect(c.selection.count).toBe(requests.filter((r) => r.failing).length)
    expect(c.selection.errorRate).toBe(1)
    expect(c.baseline.errorRate).toBe(0)
    expect(c.attributes[0]).toEqual(
      expect.objectContaining({
        key: 'service.version',
        value: PLANTED.badVersion,
        scope: 'resource',
        selectionShare: 1,
      }),
    )
    expect(c.logs[0].pattern).toBe(`checkout failed: ${PLANTED.errorMessage} on sku-<*>`)
    expect(c.operations[0].name).toBe('reserve stock')
  })

  it('leaves out the attributes the selection is made of, and can compare with every request', async () => {
    const c = await compare('attr=payment.provider%3Dslowpay&baseline=all')
    expect(c.attributes.map(attr)).not.toContain('payment.provider=slowpay')
    expect(c.baseline.count).toBe(requests.length)
  })
})

describe('refusals', () => {
  it('answers 400 naming the parameter for a missing service, no selection, or bounds the wrong way round', async () => {
    const cases: [string, string][] = [
      ['minDurationMs=5', 'service'],
      [`service=${PLANTED.service}`, 'minDurationMs'],
      [`service=${PLANTED.service}&minDurationMs=9&maxDurationMs=3`, 'maxDurationMs'],
      [`service=${PLANTED.service}&status=broken`, 'status'],
      [`service=${PLANTED.service}&attr=novalue`, 'attr'],
    ]
    for (const [q, name] of cases) {
      const { status, body } = await getJson(`${collector.apiUrl}/api/v1/compare?${q}`)
      expect(status, q).toBe(400)
      expect(body.error.code).toBe('SKEIN_ERR_BAD_PARAM')
      expect(body.error.message).toContain(name)
    }
  })

  it('takes hostile text as literal values: an empty answer, never a 5xx', async () => {
    const hostile = ["x' OR 1=1 --", '{p0:String}', '\\', 'é😀\u0000', '%_*']
    for (const h of hostile) {
      const q = new URLSearchParams({ service: h, operation: h, attr: `${h}=${h}`, minDurationMs: '1' })
      const { status, body } = await getJson(`${collector.apiUrl}/api/v1/compare?${q}`)
      expect(status, `${h}: ${JSON.stringify(body)}`).toBe(200)
      expect(body.selection.count).toBe(0)
      const as = new URLSearchParams({ service: PLANTED.service, attr: `${h}=${h}` })
      const other = await getJson(`${collector.apiUrl}/api/v1/compare?${as}`)
      expect(other.status, h).toBe(200)
      expect(other.body.selection.count).toBe(0)
    }
  })

  it('answers empty lists when nothing is selected', async () => {
    const c = await compare('minDurationMs=100000')
    expect(c.selection.count).toBe(0)
    expect([c.attributes, c.operations, c.logs]).toEqual([[], [], []])
  })
})

describe('the statistics', () => {
  it('z grows with the support of the same difference, and is 0 where undefined', () => {
    expect(twoProportionZ(30, 100, 10, 100)).toBeGreaterThan(twoProportionZ(3, 10, 1, 10))
    expect(twoProportionZ(3, 10, 1, 10)).toBeGreaterThan(0)
    expect(twoProportionZ(1, 10, 3, 10)).toBeLessThan(0)
    expect(twoProportionZ(5, 5, 7, 7)).toBe(0)
    expect(twoProportionZ(1, 0, 1, 1)).toBe(0)
  })

  it("Welch's t compares means with their spread", () => {
    const m = (xs: number[]) => ({
      n: xs.length,
      sum: xs.reduce((a, b) => a + b, 0),
      sumSq: xs.reduce((a, b) => a + b * b, 0),
    })
    expect(welchT(m([10, 11, 12]), m([1, 2, 3]))).toBeCloseTo(11.02, 1)
    expect(welchT(m([1]), m([1, 2]))).toBe(0)
  })

  it('a pair seen in fewer than five selection spans does not rank, however different', () => {
    const rows = [
      { key: 'user.id', value: 'u1', scope: 'span' as const, a: '4', bb: '0' },
      { key: 'tier', value: 'gold', scope: 'span' as const, a: '40', bb: '0' },
    ]
    expect(rankAttributes(rows, 40, 400).map((r) => r.key)).toEqual(['tier'])
  })
})

// Last: it stops the collector to read its data directory in-process, with small sample sizes.
describe('past the sample sizes', () => {
  let storage: Storage
  beforeAll(async () => {
    await collector.stop({ keepData: true })
    storage = await openStorage(loadConfig({ dataDir: collector.dataDir, logLevel: 'silent' }, {}))
  })
  afterAll(async () => {
    await storage?.close()
  })

  it('samples each side by trace, says how many it used, and still ranks the planted causes first', async () => {
    const db = createDb(storage.queryClients, storage.table, 30_000, { sessionSettings: true })
    const params = parseCompareParams({
      service: PLANTED.service,
      minDurationMs: String(PLANTED.slowAboveMs),
      lookback: '2h',
    })
    const slow = requests.filter((r) => r.slow).length
    const rest = requests.length - slow
    const c = await compareRequests(db, params, { spans: 100, traces: 60 })
    expect(c.selection.count).toBe(slow)
    expect(c.baseline.count).toBe(rest)
    expect(c.sample.sampled).toBe(true)
    expect(c.sample.spans).toEqual({ selection: slow, baseline: Math.round(rest / Math.ceil(rest / 100)) })
    expect(c.sample.traces.selection).toBe(slow)
    // About one baseline trace in ceil(rest / 60), by a hash of the id.
    const expected = rest / Math.ceil(rest / 60)
    expect(c.sample.traces.baseline).toBeGreaterThan(expected / 2)
    expect(c.sample.traces.baseline).toBeLessThan(expected * 2)
    expect(`${c.attributes[0].key}=${c.attributes[0].value}`).toBe(`payment.provider=${PLANTED.slowProvider}`)
    expect(c.operations.slice(0, 3).map((o) => o.name)).toContain(PLANTED.retry)
    expect(c.logs[0].pattern).toBe(PLANTED.retryPattern)
  })
})

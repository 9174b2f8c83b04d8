/**
 * Skein as Loki for Grafana's Loki data source: requests shaped as Grafana's Go data source sends them
 * (`start`/`end` in Unix ns, `step` in ms, `direction`, `limit`) on a real collector holding a shop's log
 * lines sent as Loki pushes (as pino-loki sends them), and the same through Perses' published Loki client
 * (test/clients). Answers are compared with the lines sent: their text and order, volume counts per level,
 * the trace → logs query Grafana writes, and hostile text in selectors and filters matched literally.
 */
import { parser } from '@grafana/lezer-logql'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loki as perses } from '../../../test/clients/perses.js'
import { getJson, type RunningCollector, startCollector, stored } from '../../../test/helpers/collector.js'
import { nsAt, pushLogs } from '../../../test/helpers/telemetry.js'
import { type Shop, sendShop } from '../query/shop-fixture.js'
import { parsesWith } from './queries.js'

let collector: RunningCollector
let shop: Shop
let loki: string
let range: string
const HOSTILE = "x'); DROP TABLE otel_logs; --"

beforeAll(async () => {
  collector = await startCollector()
  shop = await sendShop(collector.ingestUrl)
  await pushLogs(collector.ingestUrl, [
    {
      service: 'api',
      tsNs: nsAt(shop.base + 16 * 60_000),
      level: 'error',
      msg: 'upstream answered 503',
      fields: { status: 503, method: 'GET' },
    },
    {
      service: 'api',
      tsNs: nsAt(shop.base + 17 * 60_000),
      level: 'info',
      msg: 'upstream answered 200',
      fields: { status: 200, method: 'POST' },
    },
    { service: HOSTILE, tsNs: nsAt(shop.base + 18 * 60_000), level: 'info', msg: `said ${HOSTILE}` },
  ])
  loki = `${collector.apiUrl}/loki/api/v1`
  // Grafana's Go data source: nanosecond start and end.
  range = `start=${BigInt(shop.base - 60_000) * 1_000_000n}&end=${BigInt(Date.now()) * 1_000_000n}`
  await stored(collector.ingestUrl)
})
afterAll(async () => {
  await collector?.stop()
})

const parses = (q: string) => parsesWith(parser, q)

async function queryRange(q: string, extra = ''): Promise<any> {
  const url = `${loki}/query_range?query=${encodeURIComponent(parses(q))}&${range}&limit=1000${extra}`
  const { status, body } = await getJson(url)
  expect(status, JSON.stringify(body)).toBe(200)
  expect(body.status).toBe('success')
  return body.data
}

/** All lines of a streams answer, in time order as the direction gives them. */
function lines(data: any, forward = false): string[] {
  expect(data.resultType).toBe('streams')
  const all = data.result.flatMap((s: any) => s.values.map((v: [string, string]) => v))
  all.sort(
    (a: [string, string], b: [string, string]) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1) * (forward ? 1 : -1),
  )
  return all.map((v: [string, string]) => v[1])
}

describe('Loki API: log queries', () => {
  it('answers a stream selector with the lines sent, newest first, each stream with its labels', async () => {
    const data = await queryRange('{service_name="orders"}', '&direction=backward')
    expect(lines(data)).toEqual(['stock low for sku-9', 'payment failed: card declined', 'order 42 loaded'])
    const failed = data.result.find((s: any) => s.values.some((v: any) => v[1].startsWith('payment failed')))
    expect(failed.stream).toMatchObject({
      service_name: 'orders',
      level: 'error',
      trace_id: shop.failedOrder.traceId,
      span_id: shop.failedOrder.span('GET /orders/:id').spanId,
    })
    const [line] = failed.values
    expect(line[0]).toBe(nsAt(shop.base + 10 * 60_000 + 100))
  })

  it('gives the oldest first with direction=forward, and no more than limit lines', async () => {
    const data = await queryRange('{service_name="orders"}', '&direction=forward')
    expect(lines(data, true)).toEqual([
      'order 42 loaded',
      'payment failed: card declined',
      'stock low for sku-9',
    ])
    const url = `${loki}/query_range?query=${encodeURIComponent('{service_name="gateway"}')}&${range}&limit=2`
    const { body } = await getJson(url)
    expect(lines(body.data)).toEqual(['wrote C:\\temp\\out.txt', 'progress 1000 doneXok'])
  })

  it('applies line filters |= != |~ !~, literally for substrings', async () => {
    expect(lines(await queryRange('{service_name="gateway"} |= "100%"'))).toEqual(['progress 100% done_ok'])
    expect(lines(await queryRange('{service_name="gateway"} |= "done_ok"'))).toEqual([
      'progress 100% done_ok',
    ])
    expect(lines(await queryRange('{service_name="gateway"} |= "C:\\\\temp"'))).toEqual([
      'wrote C:\\temp\\out.txt',
    ])
    expect(lines(await queryRange('{service_name="gateway"} != "progress"'))).toEqual([
      'wrote C:\\temp\\out.txt',
    ])
    expect(lines(await queryRange('{service_name=~"orders|db"} |~ "order[s ]"'))).toEqual([
      'query SELECT * FROM orders',
      'order 42 loaded',
    ])
    expect(lines(await queryRange('{service_name="orders"} !~ "(order|stock).*"'))).toEqual([
      'payment failed: card declined',
    ])
  })

  it('selects by level and filters on fields after | json or | logfmt', async () => {
    expect(lines(await queryRange('{level="error"}'))).toEqual([
      'upstream answered 503',
      'payment failed: card declined',
    ])
    expect(lines(await queryRange('{service_name="api"} | json | status >= 500'))).toEqual([
      'upstream answered 503',
    ])
    expect(lines(await queryRange('{service_name="api"} | json code="status" | code >= 500'))).toEqual([
      'upstream answered 503',
    ])
    expect(lines(await queryRange('{service_name="api"} | logfmt | method="POST" or status=503'))).toEqual([
      'upstream answered 200',
      'upstream answered 503',
    ])
    expect(
      lines(
        await queryRange(
          '{service_name="api"} | json | drop __error__ | line_format "{{.msg}}" | method!="GET"',
        ),
      ),
    ).toEqual(['upstream answered 200'])
  })

  it('matches hostile text in selectors and filters literally', async () => {
    expect(lines(await queryRange(`{service_name=${JSON.stringify(HOSTILE)}}`))).toEqual([`said ${HOSTILE}`])
    expect(lines(await queryRange(`{service_name=~".+"} |= ${JSON.stringify(HOSTILE)}`))).toEqual([
      `said ${HOSTILE}`,
    ])
    expect(lines(await queryRange('{service_name="{p0:String}"}'))).toEqual([])
    // The table still has every line.
    expect(lines(await queryRange('{service_name=~".+"}')).length).toBe(10)
  })

  it('answers the trace → logs query Grafana writes with the trace’s lines, within the trace’s own bounds', async () => {
    const id = shop.orders.traceId
    const q = `{service_name=~"orders|db"} | label_format log_line_contains_trace_id=\`{{ contains "${id}" __line__  }}\` | log_line_contains_trace_id="true" or trace_id="${id}"`
    // A range that misses the trace (the last minute): its lines are read from the trace's bounds.
    const now = BigInt(Date.now()) * 1_000_000n
    const url = `${loki}/query_range?query=${encodeURIComponent(parses(q))}&start=${now - 60_000_000_000n}&end=${now}&limit=100&direction=forward`
    const { status, body } = await getJson(url)
    expect(status, JSON.stringify(body)).toBe(200)
    expect(lines(body.data, true)).toEqual(['order 42 loaded', 'query SELECT * FROM orders'])
  })
})

describe('Loki API: metric queries', () => {
  it('counts lines per level for the log volume (sum by level of count_over_time), at each step', async () => {
    const q = 'sum by (level, detected_level) (count_over_time({service_name=~".+"} | drop __error__ [1h]))'
    const step = 3_600_000
    const end = BigInt(shop.base + 60 * 60_000) * 1_000_000n
    const url = `${loki}/query_range?query=${encodeURIComponent(parses(q))}&start=${end}&end=${end}&step=${step}ms`
    const { status, body } = await getJson(url)
    expect(status, JSON.stringify(body)).toBe(200)
    expect(body.data.resultType).toBe('matrix')
    const count = (level: string) =>
      Number(body.data.result.find((s: any) => s.metric.level === level)?.values[0][1] ?? 0)
    expect({
      info: count('info'),
      error: count('error'),
      warn: count('warn'),
      debug: count('debug'),
    }).toEqual({
      info: 6,
      error: 2,
      warn: 1,
      debug: 1,
    })
    expect(body.data.result[0].values[0][0]).toBe(Number(end / 1_000_000n) / 1000)
  })

  it('spreads count_over_time over steps, and rate divides by the range in seconds', async () => {
    const start = BigInt(shop.base) * 1_000_000n
    const end = BigInt(shop.base + 20 * 60_000) * 1_000_000n
    const q = 'sum(count_over_time({service_name="orders"}[10m]))'
    const { body } = await getJson(
      `${loki}/query_range?query=${encodeURIComponent(parses(q))}&start=${start}&end=${end}&step=600000ms`,
    )
    // Points at base (nothing in the 10 min before), base+10m (the line at base+15ms), base+20m (two lines).
    expect(body.data.result[0].values).toEqual([
      [(shop.base + 10 * 60_000) / 1000, '1'],
      [(shop.base + 20 * 60_000) / 1000, '2'],
    ])
    const r = 'sum(rate({service_name="orders"}[10m]))'
    const rate = await getJson(
      `${loki}/query_range?query=${encodeURIComponent(parses(r))}&start=${start}&end=${end}&step=600`,
    )
    expect(rate.body.data.result[0].values[1]).toEqual([(shop.base + 20 * 60_000) / 1000, String(2 / 600)])
  })

  it('answers Grafana’s health check vector(1)+vector(1) as an instant query', async () => {
    const { status, body } = await getJson(
      `${loki}/query?query=${encodeURIComponent(parses('vector(1)+vector(1)'))}`,
    )
    expect(status).toBe(200)
    expect(body.data.resultType).toBe('vector')
    expect(body.data.result[0].value[1]).toBe('2')
  })
})

describe('Loki API: labels, series and stats', () => {
  it('lists label names, the values of one, series and index stats', async () => {
    const names = await getJson(`${loki}/labels?${range}`)
    expect(names.body.data).toEqual(expect.arrayContaining(['service_name', 'level', 'hostname']))
    const values = await getJson(`${loki}/label/service_name/values?${range}`)
    expect(values.body.data).toEqual(expect.arrayContaining(['orders', 'db', 'gateway', 'api', HOSTILE]))
    const series = await getJson(
      `${loki}/series?match[]=${encodeURIComponent('{service_name="api"}')}&${range}`,
    )
    expect(series.body.data).toContainEqual(expect.objectContaining({ service_name: 'api', level: 'error' }))
    const stats = await getJson(
      `${loki}/index/stats?query=${encodeURIComponent('{service_name="orders"}')}&${range}`,
    )
    expect(stats.body).toMatchObject({ entries: 3 })
  })
})

describe('Loki API: Perses’ Loki client', () => {
  // The published client (@perses-dev/loki-plugin 0.2.0, installed in test/clients: its peers conflict with
  // the UI's React and echarts), as its Loki data source calls it: start and end in Unix seconds, the
  // volume endpoints, label names and values, series and index stats.
  const options = () => ({ datasourceUrl: collector.apiUrl })
  // The client declares query_range's answer as streams *and* matrix (so never) and volume's as a record of
  // unknowns: the tests read them as Loki's JSON.
  type Answer = { status: string; data: any }
  const seconds = () => ({
    start: perses.toUnixSeconds(shop.base - 60_000),
    end: perses.toUnixSeconds(Date.now()),
  })

  it('reads the lines sent with query_range, oldest or newest first as asked, at most limit, with their times', async () => {
    const query = parses('{service_name="orders"}')
    const forward: Answer = await perses.queryRange(
      { query, ...seconds(), direction: 'forward', limit: 10 },
      options(),
    )
    expect(forward.status).toBe('success')
    const values: [string, string][] = forward.data.result.flatMap((s: any) => s.values)
    values.sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1))
    expect(values).toEqual([
      [nsAt(shop.base + 15), 'order 42 loaded'],
      [nsAt(shop.base + 10 * 60_000 + 100), 'payment failed: card declined'],
      [nsAt(shop.base + 11 * 60_000), 'stock low for sku-9'],
    ])
    const newest: Answer = await perses.queryRange(
      { query, ...seconds(), direction: 'backward', limit: 2 },
      options(),
    )
    expect(lines(newest.data)).toEqual(['stock low for sku-9', 'payment failed: card declined'])
    const filtered: Answer = await perses.queryRange(
      { query: parses('{service_name="gateway"} |= "progress"'), ...seconds(), direction: 'backward' },
      options(),
    )
    expect(lines(filtered.data)).toEqual(['progress 1000 doneXok', 'progress 100% done_ok'])
  })

  it('counts lines per level with the volume endpoints, in all and per step', async () => {
    const query = parses('{level=~".+"}')
    const sent = { info: 6, error: 2, warn: 1, debug: 1 }
    const all = <Answer>await perses.volume({ query, ...seconds() }, options())
    expect(all.status).toBe('success')
    expect(all.data.resultType).toBe('vector')
    expect(Object.fromEntries(all.data.result.map((r: any) => [r.metric.level, Number(r.value[1])]))).toEqual(
      sent,
    )
    const ranged = <Answer>await perses.volumeRange({ query, ...seconds(), step: '600' }, options())
    expect(ranged.data.resultType).toBe('matrix')
    const perLevel = Object.fromEntries(
      ranged.data.result.map((r: any) => [
        r.metric.level,
        r.values.reduce((n: number, v: [number, string]) => n + Number(v[1]), 0),
      ]),
    )
    expect(perLevel).toEqual(sent)
    // Info lines were sent minutes apart, so they fall in more than one step.
    expect(ranged.data.result.find((r: any) => r.metric.level === 'info').values.length).toBeGreaterThan(1)
    const services = <Answer>(
      await perses.volume({ query: parses('{service_name=~"orders|gateway"}'), ...seconds() }, options())
    )
    expect(
      Object.fromEntries(services.data.result.map((r: any) => [r.metric.service_name, r.value[1]])),
    ).toEqual({
      orders: '3',
      gateway: '3',
    })
  })

  it('lists label names and the values sent, the series of a selector and its index stats', async () => {
    const { start, end } = seconds()
    const names = await perses.labels(start, end, options())
    expect(names.data).toEqual(expect.arrayContaining(['level', 'service_name']))
    const services = await perses.labelValues('service_name', start, end, options())
    expect([...services.data].sort()).toEqual(['api', 'db', 'gateway', 'orders', HOSTILE].sort())
    const levels = await perses.labelValues('level', start, end, options())
    expect([...levels.data].sort()).toEqual(['debug', 'error', 'info', 'warn'])
    const series = await perses.series(['{service_name="api"}'], start, end, options())
    expect(series.data.map((s: any) => s.level).sort()).toEqual(['error', 'info'])
    const stats = await perses.indexStats('{service_name="orders"}', start, end, options())
    expect(stats).toMatchObject({ entries: 3 })
  })
})

describe('Loki API: bad input', () => {
  it('answers a 400 naming the problem, never a 5xx, for queries and parameters a client gets wrong', async () => {
    const q = (text: string) => `query=${encodeURIComponent(text)}`
    const cases: [string, string][] = [
      [`${q('{service_name="a"} |~ "a{2000}"')}&${range}`, 'regular expression'],
      [`${q('{service_name="a"} | json | x > 1e400')}&${range}`, 'number'],
      [`${q('count_over_time({service_name="a"}[99999999h])')}&${range}`, 'range'],
      [`${q('{service_name="a"}')}&limit=0`, 'limit'],
      [`${q('{service_name="a"}')}&direction=sideways`, 'direction'],
      [`${q('{service_name="a"}')}&start=yesterday`, 'start'],
      [`${q('{service_name="a"}')}&start=2000000000000000000&end=1000000000000000000`, 'start'],
      [`${q('count_over_time({service_name="a"}[1m])')}&${range}&step=0.0001`, 'step'],
    ]
    for (const [params, part] of cases) {
      const { status, body } = await getJson(`${loki}/query_range?${params}`)
      expect(status, params).toBe(400)
      expect(body.error.message, params).toContain(part)
    }
    // RE2's flag groups are RE2's, not a mistake.
    expect(lines(await queryRange('{service_name="orders"} |~ "(?i)STOCK LOW"'))).toEqual([
      'stock low for sku-9',
    ])
    expect((await getJson(`${loki}/label/${encodeURIComponent('bad name!')}/values`)).status).toBe(400)
    expect((await getJson(`${loki}/nothing`)).status).toBe(404)
  })
})

describe('Loki API: what it refuses', () => {
  it('refuses LogQL outside the subset with a 400 naming the construct, and bad LogQL with a 400 saying where', async () => {
    for (const [q, part] of [
      ['{service_name="a"} | pattern "<ip> <_>"', 'pattern'],
      ['topk(3, count_over_time({service_name="a"}[1m]))', 'topk'],
      ['{service_name="a"} |= "x" or "y"', 'or between line filters'],
      ['avg_over_time({service_name="a"} | unwrap latency [1m])', 'avg_over_time'],
    ]) {
      const { status, body } = await getJson(
        `${loki}/query_range?query=${encodeURIComponent(parses(q))}&${range}`,
      )
      expect(status, q).toBe(400)
      expect(body.error.code, q).toBe('SKEIN_ERR_UNSUPPORTED_QUERY')
      expect(body.error.message, q).toContain(part)
    }
    const bad = await getJson(`${loki}/query_range?query=${encodeURIComponent('{service_name=}')}&${range}`)
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('SKEIN_ERR_BAD_QUERY')
    const noQuery = await getJson(`${loki}/query_range?${range}`)
    expect(noQuery.body.error.message).toContain('query')
  })
})

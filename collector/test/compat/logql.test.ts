/**
 * The LogQL subset: the queries Grafana's Explore, log volume and trace → logs link send parse (with
 * Grafana's grammar) into selections and metrics; hostile text stays a typed parameter; anything outside
 * the subset is refused naming the construct.
 */
import { describe, expect, it } from 'vitest'
import { askedTraceId, parseLogQL, selectionConditions } from '../../src/compat/logql.js'
import { build, join } from '../../src/query/sql.js'
import { refusalOf } from './queries.js'

function refusal(q: string): { code: string; message: string } {
  return refusalOf(q, () => {
    const parsed = parseLogQL(q)
    if (parsed.kind !== 'scalar') build(join(selectionConditions(parsed.selection), ' AND '))
  })
}

describe('parseLogQL', () => {
  it('reads a selector, line filters, a parser and label filters', () => {
    const q = parseLogQL(
      '{service_name="shop", level=~"err.*"} |= "timeout" != `x` | json | status >= 500 and method="GET"',
    )
    expect(q.kind).toBe('logs')
    if (q.kind !== 'logs') return
    expect(q.selection.matchers).toEqual([
      { op: '=', label: 'service_name', value: 'shop', field: false },
      { op: '=~', label: 'level', value: 'err.*', field: false },
    ])
    expect(q.selection.lineFilters).toEqual([
      { op: '|=', value: 'timeout' },
      { op: '!=', value: 'x' },
    ])
    expect(q.selection.labelFilters).toEqual([
      {
        op: 'and',
        left: { op: 'num', cmp: '>=', label: 'status', value: 500 },
        right: { op: '=', label: 'method', value: 'GET', field: true },
      },
    ])
  })

  it('reads the log volume query of Grafana Explore', () => {
    const q = parseLogQL(
      'sum by (level, detected_level) (count_over_time({service_name="shop"} | drop __error__ [1m]))',
    )
    expect(q).toMatchObject({
      kind: 'metric',
      fn: 'count_over_time',
      rangeMs: 60_000,
      by: ['level', 'detected_level'],
    })
  })

  it('reads rate, sum without grouping, and the vector() health check', () => {
    expect(parseLogQL('sum(rate({service_name="a"}[5m]))')).toMatchObject({
      kind: 'metric',
      fn: 'rate',
      rangeMs: 300_000,
      by: [],
    })
    expect(parseLogQL('rate({service_name="a"}[5m])')).not.toHaveProperty('by')
    expect(parseLogQL('vector(1)+vector(1)')).toEqual({ kind: 'scalar', value: 2 })
  })

  it('reads Grafana’s trace → logs query: the id the line must contain, or the trace_id label', () => {
    const id = '4bf92f3577b34da6a3ce929d0e0e4736'
    const q = parseLogQL(
      `{service_name="shop"} | label_format log_line_contains_trace_id=\`{{ contains "${id}" __line__  }}\` | log_line_contains_trace_id="true" or trace_id="${id}"`,
    )
    if (q.kind !== 'logs') throw new Error(q.kind)
    expect(q.selection.contains).toEqual({ log_line_contains_trace_id: id })
    expect(askedTraceId(q.selection)).toBe(id)
    const built = build(join(selectionConditions(q.selection), ' AND '))
    expect(built.query).toContain('(position(Body, {p1:String}) > 0 OR TraceId = {p2:String})')
  })

  it('refuses what is outside the subset, naming it', () => {
    for (const [q, part] of [
      ['{service_name="a"} | pattern "<ip> <_>"', 'pattern'],
      ['{service_name="a"} | regexp "(?P<x>.*)"', 'regexp'],
      ['topk(3, count_over_time({service_name="a"}[1m]))', 'topk'],
      ['avg by (x) (count_over_time({service_name="a"}[1m]))', 'avg'],
      ['{service_name="a"} |= "x" or "y"', 'or between line filters'],
      ['bytes_over_time({service_name="a"}[1m])', 'bytes_over_time'],
      ['{service_name="a"} | duration > 10s', 'duration or bytes filter'],
      ['{service_name="a"} | label_format x=y', 'label_format'],
      ['{service_name="a"} | json x="a.b"', 'path into a field'],
      ['count_over_time({service_name="a"}[1m]) > 2', 'binary operations'],
      ['{service_name="a"} |~ "(?=x)"', 'lookaround'],
    ]) {
      const r = refusal(q)
      expect(r.code, q).toBe('SKEIN_ERR_UNSUPPORTED_QUERY')
      expect(r.message, q).toContain(part)
    }
    expect(refusal('{service_name=}').code).toBe('SKEIN_ERR_BAD_QUERY')
    expect(refusal('{service_name="a"} |~ "("').code).toBe('SKEIN_ERR_BAD_QUERY')
  })
})

describe('compiled selections', () => {
  it('carry every value as a typed parameter, hostile text included, and map labels to columns', () => {
    const hostile = `x'); DROP TABLE otel_logs; --{p0:String}`
    const q = parseLogQL(
      `{service_name=${JSON.stringify(hostile)}, deployment_environment="prod"} |= ${JSON.stringify(hostile)}`,
    )
    if (q.kind !== 'logs') throw new Error(q.kind)
    const built = build(join(selectionConditions(q.selection), ' AND '))
    expect(built.query).not.toContain('DROP')
    expect(built.query).toContain('ServiceName = {p0:String}')
    // A label with _ is the resource attribute as written, else with . for _.
    expect(Object.values(built.query_params)).toEqual(
      expect.arrayContaining([hostile, 'deployment_environment', 'deployment.environment', 'prod']),
    )
  })

  it('anchors label regexes and leaves line regexes unanchored, as Loki does', () => {
    const q = parseLogQL('{service_name=~"a|b"} |~ "err"')
    if (q.kind !== 'logs') throw new Error(q.kind)
    const built = build(join(selectionConditions(q.selection), ' AND '))
    expect(built.query_params).toMatchObject({ p0: '^(?:a|b)$', p1: 'err' })
  })
})

/**
 * The TraceQL subset: what Grafana's query builder and editor emit parses (with Grafana's grammar) into
 * the expected spansets and conditions; hostile text stays a typed parameter of the SQL; anything outside
 * the subset is refused naming the construct; structural matching follows parent ids and survives cycles.
 */
import { describe, expect, it } from 'vitest'
import {
  filterCondition,
  matchedSpans,
  parseGoDuration,
  parseTraceQL,
  type SpanMatch,
} from '../../src/compat/traceql.js'
import { build } from '../../src/query/sql.js'
import { refusalOf } from './queries.js'

function refusal(q: string): { code: string; message: string } {
  return refusalOf(q, () => {
    // Some refusals come from the compiler (an operator that a field does not take).
    for (const f of parseTraceQL(q).filters) build(filterCondition(f, undefined))
  })
}

describe('parseTraceQL', () => {
  it('reads a spanset filter of Grafana’s query builder: scoped attributes, intrinsics, && inside', () => {
    const q = parseTraceQL(
      '{resource.service.name="shop" && span.http.status_code>=500 && duration>1.5s && status=error}',
    )
    expect(q.filters).toHaveLength(1)
    expect(JSON.stringify(q.filters[0], (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))).toBe(
      JSON.stringify({
        op: 'and',
        left: {
          op: 'and',
          left: {
            op: 'and',
            left: {
              op: '=',
              field: { kind: 'attr', scope: 'resource', key: 'service.name' },
              value: { type: 'string', value: 'shop' },
            },
            right: {
              op: '>=',
              field: { kind: 'attr', scope: 'span', key: 'http.status_code' },
              value: { type: 'number', value: 500 },
            },
          },
          right: {
            op: '>',
            field: { kind: 'intrinsic', name: 'duration' },
            value: { type: 'duration', ns: '1500000000n' },
          },
        },
        right: {
          op: '=',
          field: { kind: 'intrinsic', name: 'status' },
          value: { type: 'status', value: 'Error' },
        },
      }),
    )
  })

  it('reads spanset operators: && || between spansets, > child and >> descendant', () => {
    expect(parseTraceQL('{ name = "a" } && { name = "b" }').expr.kind).toBe('and')
    expect(parseTraceQL('{ name = "a" } || { name = "b" }').expr.kind).toBe('or')
    expect(parseTraceQL('{ name = "a" } > { name = "b" }').expr.kind).toBe('child')
    expect(parseTraceQL('({ name = "a" } && { name = "b" }) >> { kind = client }').expr).toMatchObject({
      kind: 'descendant',
      left: { kind: 'and' },
      right: { kind: 'filter', index: 2 },
    })
    expect(parseTraceQL('{}').filters).toEqual([{ op: 'all' }])
  })

  it('reads kinds, regexes, unscoped attributes, the span:/trace: spellings and raw strings', () => {
    const q = parseTraceQL(
      '{ kind = server && .tenant =~ "ac.*" && span:name != `a\\b` && trace:rootService = "gw" }',
    )
    const text = JSON.stringify(q.filters[0])
    expect(text).toContain('"value":"Server"')
    expect(text).toContain('"scope":"any","key":"tenant"')
    expect(text).toContain('"value":"a\\\\b"')
    expect(text).toContain('"name":"rootServiceName"')
  })

  it('refuses what is outside the subset, naming it', () => {
    for (const [q, part] of [
      ['{ name = "a" } | count() > 2', 'count()'],
      ['{ name = "a" } | select(span.foo)', 'select'],
      ['{ name = "a" } | by(span.foo)', 'by'],
      ['{ name = "a" } < { name = "b" }', 'parent operator <'],
      ['{ name = "a" } << { name = "b" }', '<<'],
      ['{ event.name = "x" }', 'event'],
      ['{ link.traceID = "x" }', 'link'],
      ['{ !(name = "a") }', 'negation'],
      ['{ span.x > -1 }', 'negative'],
      ['{ nestedSetParent < 0 }', 'parse'],
      ['{ span.foo = $var }', 'template variable'],
      ['{ status > error }', '>'],
      ['{ name = "a" } | rate()', 'pipeline'],
    ]) {
      const r = refusal(q)
      expect(r.message, q).toContain(part)
      expect(['SKEIN_ERR_UNSUPPORTED_QUERY', 'SKEIN_ERR_BAD_QUERY'], q).toContain(r.code)
    }
    expect(refusal('{ name = ').code).toBe('SKEIN_ERR_BAD_QUERY')
    expect(refusal('x'.repeat(9000)).code).toBe('SKEIN_ERR_BAD_QUERY')
  })

  it('refuses regexes RE2 cannot run and ones that do not compile, as the client’s mistake', () => {
    const compile = (q: string) => () => build(filterCondition(parseTraceQL(q).filters[0], undefined))
    expect(compile('{ name =~ "(?=a)b" }')).toThrow(/lookaround/)
    expect(compile('{ name =~ "(" }')).toThrow(/not a valid regular expression/)
  })
})

describe('compiled conditions', () => {
  it('carry every value as a typed parameter, hostile text included', () => {
    const hostile = `x'); DROP TABLE otel_traces; --{p0:String}`
    const q = parseTraceQL(
      `{ span.${'a'} = ${JSON.stringify(hostile)} || name != ${JSON.stringify(hostile)} }`,
    )
    const built = build(filterCondition(q.filters[0], undefined))
    expect(built.query).not.toContain('DROP')
    expect(Object.values(built.query_params)).toContain(hostile)
    expect(built.query).toMatch(/mapContains\(SpanAttributes, \{p0:String\}\)/)
  })

  it('reads resource.service.name from the ServiceName column, and duration in nanoseconds', () => {
    const built = build(
      filterCondition(
        parseTraceQL('{ resource.service.name = "x" && duration > 500ms }').filters[0],
        undefined,
      ),
    )
    expect(built.query).toBe('(ServiceName = {p0:String} AND Duration > {p1:Int64})')
    expect(built.query_params).toEqual({ p0: 'x', p1: '500000000' })
  })

  it('treats trace-level intrinsics as true before the traces are known', () => {
    const built = build(
      filterCondition(parseTraceQL('{ rootName = "a" && name = "b" }').filters[0], undefined),
    )
    expect(built.query).toBe('(1 AND SpanName = {p0:String})')
  })
})

describe('parseGoDuration', () => {
  it('reads Go durations into nanoseconds and refuses anything else', () => {
    expect(parseGoDuration('1h30m')).toBe(5_400_000_000_000n)
    expect(parseGoDuration('1.5s')).toBe(1_500_000_000n)
    expect(parseGoDuration('250us')).toBe(250_000n)
    expect(parseGoDuration('10')).toBeUndefined()
    expect(parseGoDuration('5 ms')).toBeUndefined()
  })
})

describe('matchedSpans', () => {
  const span = (spanId: string, parentSpanId: string, a: boolean, b: boolean): SpanMatch => ({
    spanId,
    parentSpanId,
    matches: [a, b],
  })
  const expr = (q: string) => parseTraceQL(q).expr

  it('matches a child only under a matching parent, a descendant under a matching ancestor', () => {
    const spans = [span('r', '', true, false), span('m', 'r', false, false), span('c', 'm', false, true)]
    expect(matchedSpans(expr('{ name = "a" } > { name = "b" }'), spans)).toEqual([])
    expect(matchedSpans(expr('{ name = "a" } >> { name = "b" }'), spans).map((s) => s.spanId)).toEqual(['c'])
  })

  it('needs both sides of && and either of ||, matching the union', () => {
    const spans = [span('x', '', true, false), span('y', 'x', false, false)]
    expect(matchedSpans(expr('{ name = "a" } && { name = "b" }'), spans)).toEqual([])
    expect(matchedSpans(expr('{ name = "a" } || { name = "b" }'), spans).map((s) => s.spanId)).toEqual(['x'])
  })

  it('stops at a cycle of parent ids', () => {
    const spans = [span('p', 'q', false, false), span('q', 'p', false, true)]
    expect(matchedSpans(expr('{ name = "a" } >> { name = "b" }'), spans)).toEqual([])
  })
})

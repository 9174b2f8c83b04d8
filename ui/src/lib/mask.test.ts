import { buildSpanTree } from '@skein/model/tree'
import { describe, expect, it } from 'vitest'
import { span } from '../testing/spans'
import { criticalPath } from './criticalPath'
import { computeMask, hasFilter, MAX_QUERY, NO_FILTERS, searchPattern, spanMatches, stepMatch } from './mask'

const HOSTILE = '<img src=x onerror=alert(1)>'

const spans = [
  span('root', '', 0, 100, { service: 'gateway', name: 'GET /checkout' }),
  span('orders', 'root', 5, 60, {
    service: 'orders',
    name: 'POST /orders',
    attributes: { 'order.note': HOSTILE },
  }),
  span('db', 'orders', 10, 5, {
    service: 'orders',
    name: 'INSERT orders',
    resource: { 'host.name': 'db-7' },
  }),
  span('pay', 'root', 70, 25, {
    service: 'payments',
    name: 'charge',
    statusCode: 'Error',
    statusMessage: 'card declined',
  }),
  span('ev', 'pay', 72, 0, {
    service: 'payments',
    name: 'fraud check',
    events: [{ timestampNs: '0', timestamp: '', name: 'rule.fired', attributes: { rule: 'velocity' } }],
  }),
]
const tree = buildSpanTree(spans)
const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id)
const flags = (a: Uint8Array | null) =>
  a ? spans.map((s) => s.spanId).filter((id) => a[tree.byId.get(id)!.index] === 1) : null

describe('searchPattern', () => {
  it('matches the query literally and in any case', () => {
    expect(searchPattern('ORDERS')!.test('POST /orders')).toBe(true)
    expect(searchPattern('a.c')!.test('abc')).toBe(false)
    expect(searchPattern('(*[')!.test('x(*[y')).toBe(true)
    expect(searchPattern('  ')).toBeNull()
  })

  it('ignores what is past the longest query', () => {
    expect(searchPattern('x'.repeat(MAX_QUERY + 50))!.source).toHaveLength(MAX_QUERY)
  })
})

describe('spanMatches', () => {
  const re = (q: string) => searchPattern(q)!
  it('looks at the name, service, status message, attribute and resource values, events and logs', () => {
    const s = tree.byId
    expect(spanMatches(re('checkout'), s.get('root')!.span)).toBe(true)
    expect(spanMatches(re('payments'), s.get('pay')!.span)).toBe(true)
    expect(spanMatches(re('declined'), s.get('pay')!.span)).toBe(true)
    expect(spanMatches(re('onerror'), s.get('orders')!.span)).toBe(true)
    expect(spanMatches(re('db-7'), s.get('db')!.span)).toBe(true)
    expect(spanMatches(re('velocity'), s.get('ev')!.span)).toBe(true)
    expect(spanMatches(re('timeout'), s.get('db')!.span, ['upstream timeout'])).toBe(true)
  })

  it('does not match attribute keys', () => {
    expect(spanMatches(re('order.note'), tree.byId.get('orders')!.span)).toBe(false)
  })

  it('takes a span with odd or missing fields (the compact form has no attributes)', () => {
    const odd = { ...spans[0], attributes: { n: 42 as unknown as string, o: { x: 1 } as unknown as string } }
    expect(spanMatches(re('42'), odd)).toBe(true)
    expect(spanMatches(re('x'), odd)).toBe(false)
    const { attributes: _a, resource: _r, events: _e, ...bare } = spans[1]
    expect(spanMatches(re('orders'), bare)).toBe(true)
    expect(spanMatches(re('note'), bare)).toBe(false)
  })
})

describe('computeMask', () => {
  it('marks search matches depth-first and leaves every row in place', () => {
    const m = computeMask(tree, { ...NO_FILTERS, q: 'orders' })
    expect(ids(m.matches)).toEqual(['orders', 'db'])
    expect(flags(m.isMatch)).toEqual(['orders', 'db'])
    expect(m.visible).toBeNull()
    expect(m.passCount).toBe(5)
  })

  it('searches the log lines of each span', () => {
    const m = computeMask(
      tree,
      { ...NO_FILTERS, q: 'retrying' },
      {
        logsOf: (n) => (n.id === 'db' ? ['retrying insert'] : undefined),
      },
    )
    expect(ids(m.matches)).toEqual(['db'])
  })

  it('keeps only errors, with their ancestors as context', () => {
    const m = computeMask(tree, { ...NO_FILTERS, errorsOnly: true })
    expect(flags(m.passes)).toEqual(['pay'])
    expect(flags(m.visible)).toEqual(['root', 'pay'])
    expect(m.passCount).toBe(1)
  })

  it('keeps only spans over a duration, zero-length ones never', () => {
    const m = computeMask(tree, { ...NO_FILTERS, minDurationMs: 20 })
    expect(flags(m.passes)).toEqual(['root', 'orders', 'pay'])
    expect(flags(computeMask(tree, { ...NO_FILTERS, minDurationMs: 0.000001 }).passes)).not.toContain('ev')
  })

  it('keeps only the critical path', () => {
    const critical = criticalPath(tree).ids
    const m = computeMask(tree, { ...NO_FILTERS, criticalOnly: true }, { critical })
    expect(flags(m.passes)).toEqual(spans.map((s) => s.spanId).filter((id) => critical.has(id)))
    expect(computeMask(tree, { ...NO_FILTERS, criticalOnly: true }).passCount).toBe(0)
  })

  it('searches only among the spans the filters keep, and combines the filters', () => {
    const m = computeMask(tree, { q: 'card', errorsOnly: true, criticalOnly: false, minDurationMs: 1 })
    expect(ids(m.matches)).toEqual(['pay'])
    expect(hasFilter(NO_FILTERS)).toBe(false)
    expect(hasFilter({ ...NO_FILTERS, minDurationMs: 0 })).toBe(false)
  })

  it('copes with cycles, missing parents and clock skew', () => {
    const t = buildSpanTree([
      span('x', 'y', 0, 10, { service: 'a', statusCode: 'Error' }),
      span('y', 'x', 0, 10, { service: 'b' }),
      span('lost', 'gone', 0, 10, { statusCode: 'Error' }),
      span('skewed', 'x', -500, 5, { service: 'c', statusCode: 'Error' }),
    ])
    const m = computeMask(t, { ...NO_FILTERS, errorsOnly: true, q: 'op-skew' })
    expect(m.passCount).toBe(3)
    expect(ids(m.matches)).toEqual(['skewed'])
  })
})

describe('stepMatch', () => {
  const m = computeMask(tree, { ...NO_FILTERS, q: 'o' })
  it('goes to the next and the previous match, wrapping round', () => {
    // 'o' is in the names of the first three and in the last one's event attribute (velocity).
    expect(ids(m.matches)).toEqual(['root', 'orders', 'db', 'ev'])
    expect(stepMatch(tree, m.matches, 'orders', 1)!.id).toBe('db')
    expect(stepMatch(tree, m.matches, 'ev', 1)!.id).toBe('root')
    expect(stepMatch(tree, m.matches, 'root', -1)!.id).toBe('ev')
  })

  it('starts from the first (or the last) without a selection, and from the selection when it is no match', () => {
    expect(stepMatch(tree, m.matches, undefined, 1)!.id).toBe('root')
    expect(stepMatch(tree, m.matches, undefined, -1)!.id).toBe('ev')
    expect(stepMatch(tree, m.matches, 'pay', 1)!.id).toBe('ev')
    expect(stepMatch(tree, m.matches, 'pay', -1)!.id).toBe('db')
    expect(stepMatch(tree, [], 'pay', 1)).toBeUndefined()
  })
})

import type { Span } from '@skein/model'
import { buildSpanTree } from '@skein/model/tree'
import { describe, expect, it } from 'vitest'
import { span } from '../testing/spans'
import { findNPlusOne, foldId, foldStats, isClientKind, repeatedRuns } from './fold'

/** A parent with `n` calls of the same query, each `ms` long, one after another from `at`. */
function loop(parent: string, n: number, at: number, ms: number, extra: Partial<Span> = {}): Span[] {
  return Array.from({ length: n }, (_, i) =>
    span(`${parent}-q${i}`, parent, at + i * ms, ms, {
      service: 'orders',
      name: 'SELECT orders',
      kind: 'Client',
      ...extra,
    }),
  )
}

describe('repeatedRuns', () => {
  it('finds a run of five or more same-service, same-name siblings in a row', () => {
    const tree = buildSpanTree([span('p', '', 0, 100), span('a', 'p', 1, 1), ...loop('p', 6, 10, 1)])
    const children = tree.byId.get('p')!.children
    expect(repeatedRuns(children)).toEqual([[1, 7]])
  })

  it('does not fold four, nor the same name in another service, nor a run broken by another call', () => {
    const spans = [
      span('p', '', 0, 100),
      ...loop('p', 4, 0, 1),
      span('x', 'p', 5, 1, { service: 'billing', name: 'SELECT orders' }),
      ...loop('p', 3, 6, 1).map((s) => ({ ...s, spanId: `${s.spanId}b` })),
    ]
    const tree = buildSpanTree(spans)
    expect(repeatedRuns(tree.byId.get('p')!.children)).toEqual([])
  })

  it('finds one run per stretch, at the edges of the sibling list too', () => {
    const a = loop('p', 5, 0, 1)
    const b = loop('p', 5, 10, 1, { name: 'SELECT items' }).map((s) => ({ ...s, spanId: `${s.spanId}i` }))
    const tree = buildSpanTree([span('p', '', 0, 100), ...a, ...b])
    expect(repeatedRuns(tree.byId.get('p')!.children)).toEqual([
      [0, 5],
      [5, 10],
    ])
  })

  it('has nothing to say about an empty list or a minimum below two', () => {
    expect(repeatedRuns([])).toEqual([])
    const tree = buildSpanTree([span('p', '', 0, 10), ...loop('p', 6, 0, 1)])
    expect(repeatedRuns(tree.byId.get('p')!.children, 1)).toEqual([])
  })

  it('folds repeated roots too (spans whose parents never arrived)', () => {
    const tree = buildSpanTree(loop('gone', 5, 0, 1))
    expect(tree.roots.every((r) => r.missingParent)).toBe(true)
    expect(repeatedRuns(tree.roots)).toEqual([[0, 5]])
  })
})

describe('foldStats', () => {
  it('counts the calls, adds up their time and finds the longest', () => {
    const spans = [span('p', '', 0, 1000), ...loop('p', 5, 0, 2)]
    spans[3] = { ...spans[3], durationNs: String(7e6), durationMs: 7 }
    const tree = buildSpanTree(spans)
    const s = foldStats(tree.byId.get('p')!.children)
    expect(s.count).toBe(5)
    expect(s.totalNs).toBe((2 + 2 + 7 + 2 + 2) * 1e6)
    expect(s.maxNs).toBe(7e6)
    expect(s.startNs).toBe(0)
  })

  it('tells calls made one after another from calls made side by side', () => {
    const seq = buildSpanTree([span('p', '', 0, 100), ...loop('p', 5, 0, 2)])
    expect(foldStats(seq.byId.get('p')!.children).sequential).toBe(true)
    const par = buildSpanTree([
      span('p', '', 0, 100),
      ...loop('p', 5, 0, 2).map((s) => ({ ...s, startNs: span('x', '', 1, 1).startNs })),
    ])
    expect(foldStats(par.byId.get('p')!.children).sequential).toBe(false)
  })

  it('takes zero-length calls and errors in its stride', () => {
    const tree = buildSpanTree([
      span('p', '', 0, 10),
      ...loop('p', 5, 1, 0).map((s, i) => (i === 2 ? { ...s, statusCode: 'Error' } : s)),
    ])
    const s = foldStats(tree.byId.get('p')!.children)
    expect(s).toMatchObject({ count: 5, totalNs: 0, maxNs: 0, errorCount: 1, sequential: true })
    expect(foldStats([])).toMatchObject({ count: 0, startNs: 0, endNs: 0, sequential: false })
  })
})

describe('findNPlusOne', () => {
  it('flags a parent making the same client call five or more times in a row, costliest first', () => {
    const tree = buildSpanTree([
      span('root', '', 0, 1000, { service: 'gateway', name: 'GET /orders', kind: 'Server' }),
      span('a', 'root', 0, 400, { name: 'list' }),
      span('b', 'root', 500, 400, { name: 'detail' }),
      ...loop('a', 10, 0, 3),
      ...loop('b', 5, 500, 20, { name: 'SELECT items' }),
    ])
    const found = findNPlusOne(tree)
    expect(found.map((f) => [f.name, f.stats.count, f.stats.totalNs])).toEqual([
      ['SELECT items', 5, 100e6],
      ['SELECT orders', 10, 30e6],
    ])
    expect(found[1].parent!.id).toBe('a')
    expect(found[1].foldId).toBe(foldId(tree.byId.get('a')!, tree.byId.get('a-q0')!))
    expect(found[1].stats.sequential).toBe(true)
  })

  it('does not call a loop of internal work an N+1', () => {
    const tree = buildSpanTree([span('p', '', 0, 100), ...loop('p', 8, 0, 1, { kind: 'Internal' })])
    expect(findNPlusOne(tree)).toEqual([])
  })

  it('survives a parent cycle and missing parents', () => {
    const tree = buildSpanTree([
      span('x', 'y', 0, 10),
      span('y', 'x', 0, 10),
      ...loop('x', 5, 1, 1),
      ...loop('nowhere', 5, 0, 1),
    ])
    const found = findNPlusOne(tree)
    expect(found.map((f) => f.stats.count)).toEqual([5, 5])
  })

  it('reads span kinds as the exporter and as OTLP spell them', () => {
    expect(isClientKind('Client')).toBe(true)
    expect(isClientKind('SPAN_KIND_CLIENT')).toBe(true)
    expect(isClientKind('Server')).toBe(false)
    expect(isClientKind(undefined)).toBe(false)
  })
})

import type { Span } from '@skein/model'
import { buildSpanTree } from '@skein/model/tree'
import { describe, expect, it } from 'vitest'
import { span } from '../testing/spans'
import { foldId } from './fold'
import { allParentIds, countDescendants, depthFirst, flattenTree, hiddenBy, type Row } from './rows'

const tree = buildSpanTree([
  span('root', '', 0, 100),
  span('a', 'root', 10, 20),
  span('a1', 'a', 12, 5),
  span('b', 'root', 40, 20),
  span('b1', 'b', 45, 5),
  span('b2', 'b1', 46, 1),
])

const ids = (rows: Row[]) => rows.map((r) => (r.kind === 'span' ? r.id : `${r.id}×${r.nodes.length}`))

/** `n` calls of the same query under `parent`, one after another, each with a child of its own. */
function loop(parent: string, n: number, at = 0, ms = 1): Span[] {
  return Array.from({ length: n }, (_, i) => [
    span(`q${i}`, parent, at + i * ms, ms, { service: 'orders', name: 'SELECT orders', kind: 'Client' }),
    span(`q${i}-c`, `q${i}`, at + i * ms, ms / 2),
  ]).flat()
}

describe('flattenTree', () => {
  it('lists spans depth-first with children in start order', () => {
    const rows = flattenTree(tree, new Set())
    expect(ids(rows)).toEqual(['root', 'a', 'a1', 'b', 'b1', 'b2'])
    expect(rows.map((r) => r.depth)).toEqual([0, 1, 2, 1, 2, 3])
  })

  it('hides everything under a collapsed span and counts what it hides', () => {
    const rows = flattenTree(tree, new Set(['b']))
    expect(ids(rows)).toEqual(['root', 'a', 'a1', 'b'])
    const b = rows.find((r) => r.id === 'b')!
    expect(b.kind === 'span' && b.collapsed).toBe(true)
    expect(b.descendantCount).toBe(2)
  })

  it('ignores a collapse mark on a leaf', () => {
    const rows = flattenTree(tree, new Set(['a1']))
    const a1 = rows.find((r) => r.id === 'a1')!
    expect(a1.kind === 'span' && a1.collapsed).toBe(false)
  })

  it('shows only the roots when every parent is collapsed', () => {
    expect(ids(flattenTree(tree, allParentIds(tree)))).toEqual(['root'])
  })

  it('folds a run of repeated siblings into one row with their count, total and longest', () => {
    const t = buildSpanTree([span('p', '', 0, 100), span('first', 'p', 0, 1), ...loop('p', 6, 1, 2)])
    const rows = flattenTree(t, new Set())
    expect(ids(rows)).toEqual(['p', 'first', `${foldId(t.byId.get('p')!, t.byId.get('q0')!)}×6`])
    const fold = rows[2]
    expect(fold).toMatchObject({
      kind: 'fold',
      depth: 1,
      service: 'orders',
      name: 'SELECT orders',
      expanded: false,
      descendantCount: 12,
    })
    expect(fold.kind === 'fold' && fold.stats).toMatchObject({ count: 6, totalNs: 12e6, maxNs: 2e6 })
  })

  it('shows an expanded fold as its header row followed by each span and its subtree', () => {
    const t = buildSpanTree([span('p', '', 0, 100), ...loop('p', 5)])
    const id = foldId(t.byId.get('p')!, t.byId.get('q0')!)
    const rows = flattenTree(t, new Set(), undefined, { expandedFolds: new Set([id]) })
    expect(ids(rows)).toEqual([
      'p',
      `${id}×5`,
      'q0',
      'q0-c',
      'q1',
      'q1-c',
      'q2',
      'q2-c',
      'q3',
      'q3-c',
      'q4',
      'q4-c',
    ])
    expect(rows[1].kind === 'fold' && rows[1].expanded).toBe(true)
    expect(rows[2].depth).toBe(1)
  })

  it('folds nothing with folding off', () => {
    const t = buildSpanTree([span('p', '', 0, 100), ...loop('p', 5)])
    expect(flattenTree(t, new Set(), undefined, { minFold: 0 })).toHaveLength(11)
  })

  it('shows only visible spans, and hides the subtree of one that is not', () => {
    const visible = new Uint8Array(tree.spanCount)
    for (const id of ['root', 'b', 'b1']) visible[tree.byId.get(id)!.index] = 1
    expect(ids(flattenTree(tree, new Set(), undefined, { visible }))).toEqual(['root', 'b', 'b1'])
  })

  it('lays out a cyclic, orphaned, skewed trace with zero-length spans without losing a span', () => {
    const t = buildSpanTree([
      span('x', 'y', 0, 10, { service: 'a' }),
      span('y', 'x', 5, 10, { service: 'b' }),
      span('self', 'self', 1, 0),
      span('orphan', 'gone', 2, 0),
      span('early', 'x', -50, 1, { service: 'c' }),
    ])
    const rows = flattenTree(t, new Set())
    expect(rows).toHaveLength(5)
    expect(new Set(rows.map((r) => r.id)).size).toBe(5)
  })

  it('goes a 100,000-deep chain without recursion', () => {
    const spans = [span('s0', '', 0, 1)]
    for (let i = 1; i < 100_000; i++) spans.push(span(`s${i}`, `s${i - 1}`, 0, 1))
    const t = buildSpanTree(spans)
    expect(flattenTree(t, new Set())).toHaveLength(100_000)
    expect(countDescendants(t)[t.byId.get('s0')!.index]).toBe(99_999)
  })
})

describe('depthFirst and countDescendants', () => {
  it('orders every span as the rows would and counts descendants by node index', () => {
    expect(depthFirst(tree).map((n) => n.id)).toEqual(['root', 'a', 'a1', 'b', 'b1', 'b2'])
    const counts = countDescendants(tree)
    expect(counts[tree.byId.get('root')!.index]).toBe(5)
    expect(counts[tree.byId.get('b')!.index]).toBe(2)
    expect(counts[tree.byId.get('b2')!.index]).toBe(0)
  })
})

describe('hiddenBy', () => {
  it('names the collapsed ancestors and the folds that hide a span', () => {
    const t = buildSpanTree([span('p', '', 0, 100), ...loop('p', 5)])
    const q3c = t.byId.get('q3-c')!
    const id = foldId(t.byId.get('p')!, t.byId.get('q0')!)
    expect(hiddenBy(t, q3c, new Set(['q3', 'p']))).toEqual({ collapsed: ['q3', 'p'], folds: [id] })
    expect(hiddenBy(t, q3c, new Set(), { expandedFolds: new Set([id]) })).toEqual({
      collapsed: [],
      folds: [],
    })
    expect(hiddenBy(t, q3c, new Set(), { minFold: 0 })).toEqual({ collapsed: [], folds: [] })
  })
})

import { buildSpanTree } from '@skein/model/tree'
import { describe, expect, it } from 'vitest'
import { span } from '../testing/spans'
import { allParentIds, flattenTree } from './rows'

const tree = buildSpanTree([
  span('root', '', 0, 100),
  span('a', 'root', 10, 20),
  span('a1', 'a', 12, 5),
  span('b', 'root', 40, 20),
  span('b1', 'b', 45, 5),
  span('b2', 'b1', 46, 1),
])

describe('flattenTree', () => {
  it('lists spans depth-first with children in start order', () => {
    const rows = flattenTree(tree, new Set())
    expect(rows.map((r) => r.node.id)).toEqual(['root', 'a', 'a1', 'b', 'b1', 'b2'])
    expect(rows.map((r) => r.depth)).toEqual([0, 1, 2, 1, 2, 3])
  })

  it('hides everything under a collapsed span and counts what it hides', () => {
    const rows = flattenTree(tree, new Set(['b']))
    expect(rows.map((r) => r.node.id)).toEqual(['root', 'a', 'a1', 'b'])
    const b = rows.find((r) => r.node.id === 'b')!
    expect(b.collapsed).toBe(true)
    expect(b.descendantCount).toBe(2)
  })

  it('ignores a collapse mark on a leaf', () => {
    const rows = flattenTree(tree, new Set(['a1']))
    expect(rows.find((r) => r.node.id === 'a1')!.collapsed).toBe(false)
  })

  it('shows only the roots when every parent is collapsed', () => {
    expect(flattenTree(tree, allParentIds(tree)).map((r) => r.node.id)).toEqual(['root'])
  })
})

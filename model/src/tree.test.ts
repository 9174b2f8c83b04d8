import { describe, expect, it } from 'vitest'
import { bigTrace, span } from './testing.js'
import { ancestorsOf, buildSpanTree, mainRoot } from './tree.js'

describe('buildSpanTree', () => {
  it('nests children under their parents in start order, whatever the input order', () => {
    const tree = buildSpanTree([span('b', 'a', 20, 5), span('a', '', 0, 100), span('c', 'a', 10, 5)])
    expect(tree.roots.map((n) => n.id)).toEqual(['a'])
    expect(tree.roots[0].children.map((n) => n.id)).toEqual(['c', 'b'])
    expect(tree.byId.get('b')!.depth).toBe(1)
  })

  it('measures times from the earliest span start and the duration to the last span end', () => {
    const tree = buildSpanTree([span('a', '', 5, 10), span('b', 'a', 7, 20)])
    expect(tree.byId.get('a')!.startNs).toBe(0)
    expect(tree.byId.get('b')!.startNs).toBe(2e6)
    expect(tree.durationNs).toBe(22e6)
  })

  it('makes a span whose parent is missing a root and marks it', () => {
    const tree = buildSpanTree([span('a', '', 0, 100), span('x', 'gone', 50, 10), span('y', 'x', 55, 1)])
    expect(tree.roots.map((n) => n.id)).toEqual(['a', 'x'])
    expect(tree.byId.get('x')!.missingParent).toBe(true)
    expect(tree.byId.get('a')!.missingParent).toBe(false)
    expect(tree.byId.get('y')!.parent!.id).toBe('x')
  })

  it('prefers the real root over an orphan as the main root', () => {
    const tree = buildSpanTree([span('x', 'gone', 0, 500), span('a', '', 10, 100)])
    expect(mainRoot(tree)!.id).toBe('a')
  })

  it('shifts a child from another service that starts before its parent into the parent, with its subtree', () => {
    const tree = buildSpanTree([
      span('a', '', 100, 100, { service: 'gateway' }),
      span('b', 'a', 40, 60, { service: 'orders' }),
      span('c', 'b', 50, 10, { service: 'orders' }),
    ])
    const a = tree.byId.get('a')!
    const b = tree.byId.get('b')!
    const c = tree.byId.get('c')!
    // Centred: the parent's 100 ms minus the child's 60 ms leaves 20 ms either side.
    expect(b.startNs - a.startNs).toBe(20e6)
    expect(b.skewNs).toBe(80e6)
    expect(c.startNs - b.startNs).toBe(10e6)
    expect(tree.startNs).toBe(BigInt(span('a', '', 100, 1).startNs))
  })

  it('leaves a same-service child that outlives its parent where it is (one clock, real async work)', () => {
    const tree = buildSpanTree([span('a', '', 0, 10), span('b', 'a', 5, 50)])
    expect(tree.byId.get('b')!.startNs).toBe(5e6)
    expect(tree.byId.get('b')!.skewNs).toBe(0)
  })

  it('aligns a skewed child longer than its parent to the parent start', () => {
    const tree = buildSpanTree([
      span('a', '', 0, 10, { service: 'x' }),
      span('b', 'a', -30, 50, { service: 'y' }),
    ])
    expect(tree.byId.get('b')!.startNs).toBe(tree.byId.get('a')!.startNs)
  })

  it('breaks a parent cycle instead of hanging or losing spans', () => {
    const tree = buildSpanTree([span('a', 'c', 0, 10), span('b', 'a', 1, 5), span('c', 'b', 2, 1)])
    expect(tree.spanCount).toBe(3)
    expect(tree.roots).toHaveLength(1)
    expect(tree.roots[0].missingParent).toBe(true)
  })

  it('keeps both spans when an id repeats', () => {
    const tree = buildSpanTree([span('a', '', 0, 10), span('a', '', 1, 5)])
    expect(tree.byId.size).toBe(2)
  })

  it('counts errors and lists services', () => {
    const tree = buildSpanTree([
      span('a', '', 0, 10, { service: 'web', statusCode: 'Error' }),
      span('b', 'a', 1, 5, { service: 'db', statusCode: 'Ok' }),
    ])
    expect(tree.errorCount).toBe(1)
    expect(tree.services).toEqual(['db', 'web'])
  })

  it('handles a 100,000-deep chain without recursion', () => {
    const spans = [span('s0', '', 0, 200000)]
    for (let i = 1; i < 100_000; i++) spans.push(span(`s${i}`, `s${i - 1}`, i * 0.001, 1))
    const tree = buildSpanTree(spans)
    expect(tree.byId.get('s99999')!.depth).toBe(99_999)
    expect(ancestorsOf(tree.byId.get('s5')!).map((n) => n.id)).toEqual(['s4', 's3', 's2', 's1', 's0'])
  })

  // Speed is measured by bench/ui.ts, not asserted here: this machine's load makes timings meaningless.
  it('builds a 100,000-span trace with every span placed under its parent', () => {
    const tree = buildSpanTree(bigTrace(100_000))
    expect(tree.spanCount).toBe(100_000)
    expect(tree.roots).toHaveLength(1)
    expect(tree.byId.get('s12')!.parent!.id).toBe('s11')
  })
})

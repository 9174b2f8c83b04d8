import { buildSpanTree } from '@skein/model/tree'
import { describe, expect, it } from 'vitest'
import { bigTrace, span } from '../testing/spans'
import { ERROR_CELL, minimapCells, serviceCell } from './minimap'
import { depthFirst } from './rows'

/** The image as text: '.' empty, 'E' error, a letter per service cell. */
function picture(cells: Uint8Array, width: number): string[] {
  const lines: string[] = []
  for (let y = 0; y < cells.length / width; y++)
    lines.push(
      [...cells.slice(y * width, (y + 1) * width)]
        .map((c) => (c === 0 ? '.' : c === ERROR_CELL ? 'E' : String.fromCharCode(96 + c)))
        .join(''),
    )
  return lines
}

describe('minimapCells', () => {
  it('draws each span as a band across its time, depth-first, in its service colour', () => {
    const tree = buildSpanTree([span('r', '', 0, 100), span('a', 'r', 0, 50), span('b', 'r', 50, 50)])
    const cells = minimapCells(depthFirst(tree), tree.durationNs, 10, 3)
    const c = String.fromCharCode(96 + serviceCell('svc'))
    expect(picture(cells, 10)).toEqual([c.repeat(10), `${c.repeat(5)}.....`, `.....${c.repeat(5)}`])
  })

  it('puts errors on top where spans share a pixel row', () => {
    const tree = buildSpanTree([
      span('r', '', 0, 100),
      span('a', 'r', 0, 100),
      span('e', 'r', 40, 20, { statusCode: 'Error' }),
    ])
    const [row] = picture(minimapCells(depthFirst(tree), tree.durationNs, 10, 1), 10)
    expect(row.slice(4, 6)).toBe('EE')
    expect(row[0]).not.toBe('E')
  })

  it('gives a zero-length span one pixel, and a zero-length trace a column at its start', () => {
    const tree = buildSpanTree([span('r', '', 0, 0), span('z', 'r', 0, 0)])
    const lines = picture(minimapCells(depthFirst(tree), tree.durationNs, 4, 2), 4)
    expect(lines.map((l) => l.replace(/[a-z]/g, '#'))).toEqual(['#...', '#...'])
  })

  it('keeps spans skewed outside the trace inside the image', () => {
    const tree = buildSpanTree([span('r', '', 0, 10), span('late', 'r', 5, 500)])
    const cells = minimapCells(depthFirst(tree), 10e6, 10, 2)
    expect(cells).toHaveLength(20)
    expect(picture(cells, 10)[1]).toMatch(/^\.{5}[a-z]{5}$/)
  })

  it('is empty for no spans and survives a nonsense size', () => {
    expect(minimapCells([], 100, 5, 2).every((c) => c === 0)).toBe(true)
    expect(minimapCells([], 100, -3, Number.NaN)).toHaveLength(1)
  })

  // Speed is measured by bench/ui.ts (a million spans), not asserted here: this machine's load makes timings
  // meaningless.
  it('draws 100,000 spans into a small image, every pixel row used', () => {
    const tree = buildSpanTree(bigTrace(100_000))
    const cells = minimapCells(depthFirst(tree), tree.durationNs, 800, 60)
    for (let y = 0; y < 60; y++)
      expect(cells.subarray(y * 800, (y + 1) * 800).some((c) => c !== 0)).toBe(true)
  })
})

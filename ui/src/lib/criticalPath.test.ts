import { buildSpanTree } from '@skein/model/tree'
import { describe, expect, it } from 'vitest'
import { span } from '../testing/spans'
import { criticalPath } from './criticalPath'

describe('criticalPath', () => {
  it('follows sequential children and gives the gaps to the parent', () => {
    const tree = buildSpanTree([span('r', '', 0, 100), span('a', 'r', 10, 30), span('b', 'r', 50, 40)])
    const path = criticalPath(tree)
    expect(path.segments.map((s) => [s.id, s.startNs / 1e6, s.endNs / 1e6])).toEqual([
      ['r', 0, 10],
      ['a', 10, 40],
      ['r', 40, 50],
      ['b', 50, 90],
      ['r', 90, 100],
    ])
  })

  it('takes the last-finishing of parallel children and skips the one that was not waited on', () => {
    const tree = buildSpanTree([span('r', '', 0, 100), span('fast', 'r', 10, 20), span('slow', 'r', 10, 80)])
    const path = criticalPath(tree)
    expect(path.ids.has('slow')).toBe(true)
    expect(path.ids.has('fast')).toBe(false)
  })

  it('descends into grandchildren', () => {
    const tree = buildSpanTree([span('r', '', 0, 100), span('a', 'r', 0, 100), span('a1', 'a', 20, 50)])
    expect([...criticalPath(tree).ids].sort()).toEqual(['a', 'a1', 'r'])
  })

  it('clips a child that overruns its parent to the parent end', () => {
    const tree = buildSpanTree([span('r', '', 0, 100), span('a', 'r', 50, 500)])
    const seg = criticalPath(tree).segments.find((s) => s.id === 'a')!
    expect(seg.endNs).toBe(100e6)
  })

  it('is empty for an empty trace', () => {
    expect(criticalPath(buildSpanTree([])).segments).toEqual([])
  })
})

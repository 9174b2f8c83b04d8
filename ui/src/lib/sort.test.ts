import { describe, expect, it } from 'vitest'
import { nextSort, sortBy } from './sort'

const rows = [
  { name: 'b', p95: 20 },
  { name: 'a10', p95: Number.NaN },
  { name: 'a2', p95: 50 },
]
const get = (r: (typeof rows)[number], k: 'name' | 'p95') => r[k]

describe('sortBy', () => {
  it('sorts numbers descending with missing values last', () => {
    expect(sortBy(rows, { key: 'p95', dir: 'desc' }, get).map((r) => r.name)).toEqual(['a2', 'b', 'a10'])
  })

  it('sorts text naturally, so a2 comes before a10', () => {
    expect(sortBy(rows, { key: 'name', dir: 'asc' }, get).map((r) => r.name)).toEqual(['a2', 'a10', 'b'])
  })
})

describe('nextSort', () => {
  it('flips the direction of the active column and starts numbers descending', () => {
    expect(nextSort({ key: 'p95', dir: 'desc' }, 'p95', true)).toEqual({ key: 'p95', dir: 'asc' })
    expect(nextSort<'p95' | 'name'>({ key: 'name', dir: 'asc' }, 'p95', true)).toEqual({
      key: 'p95',
      dir: 'desc',
    })
  })
})

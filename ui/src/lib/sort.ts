export type SortDir = 'asc' | 'desc'

export interface SortState<K extends string> {
  key: K
  dir: SortDir
}

/** Stable sort by one column; strings compare naturally, missing numbers sort last either way. */
export function sortBy<T, K extends string>(
  rows: readonly T[],
  sort: SortState<K>,
  get: (row: T, key: K) => unknown,
): T[] {
  const mult = sort.dir === 'asc' ? 1 : -1
  return rows
    .map((row, i) => ({ row, i, v: get(row, sort.key) }))
    .sort((a, b) => {
      const x = a.v
      const y = b.v
      const xMissing = x === undefined || x === null || (typeof x === 'number' && Number.isNaN(x))
      const yMissing = y === undefined || y === null || (typeof y === 'number' && Number.isNaN(y))
      if (xMissing || yMissing) return xMissing === yMissing ? a.i - b.i : xMissing ? 1 : -1
      const c =
        typeof x === 'number' && typeof y === 'number'
          ? x - y
          : String(x).localeCompare(String(y), undefined, { numeric: true, sensitivity: 'base' })
      return c * mult || a.i - b.i
    })
    .map((d) => d.row)
}

/** Clicking the active column flips it; a new column starts descending for numbers, ascending for text. */
export function nextSort<K extends string>(current: SortState<K>, key: K, numeric: boolean): SortState<K> {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' }
  return { key, dir: numeric ? 'desc' : 'asc' }
}

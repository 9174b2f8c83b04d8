import { useState } from 'react'
import type { OperationLatency } from '../api/types'
import { formatCount, formatDurationMs, formatPercent } from '../lib/format'
import { nextSort, type SortState, sortBy } from '../lib/sort'
import { ServiceTag } from './ServiceTag'
import './OperationsTable.css'

type Col = 'service' | 'name' | 'count' | 'errorRate' | 'p50Ms' | 'p95Ms' | 'p99Ms'

const COLUMNS: Array<{ key: Col; label: string; numeric: boolean }> = [
  { key: 'service', label: 'Service', numeric: false },
  { key: 'name', label: 'Operation', numeric: false },
  { key: 'count', label: 'Count', numeric: true },
  { key: 'errorRate', label: 'Error rate', numeric: true },
  { key: 'p50Ms', label: 'p50', numeric: true },
  { key: 'p95Ms', label: 'p95', numeric: true },
  { key: 'p99Ms', label: 'p99', numeric: true },
]

export function opKey(o: { service: string; name: string }): string {
  return `${o.service}\u0000${o.name}`
}

/** Per-operation latency, sortable by any column; a row click picks the operation (e.g. for a histogram). */
export function OperationsTable({
  operations,
  selected,
  onSelect,
  hideService = false,
}: {
  operations: OperationLatency[]
  selected?: string
  onSelect?: (op: OperationLatency) => void
  hideService?: boolean
}) {
  const [sort, setSort] = useState<SortState<Col>>({ key: 'p95Ms', dir: 'desc' })
  const cols = hideService ? COLUMNS.filter((c) => c.key !== 'service') : COLUMNS
  const rows = sortBy(operations, sort, (o, k) => o[k])
  return (
    <div className="ot-wrap">
      <table className="table" data-testid="operations-table">
        <thead>
          <tr>
            {cols.map((c) => (
              <th
                key={c.key}
                className={c.numeric ? 'num' : undefined}
                aria-sort={sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
              >
                <button
                  type="button"
                  className="sort-btn"
                  onClick={() => setSort(nextSort(sort, c.key, c.numeric))}
                >
                  {c.label}
                  <span className="sort-ind">
                    {sort.key === c.key ? (sort.dir === 'asc' ? '↑' : '↓') : ''}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((o) => {
            const k = opKey(o)
            return (
              <tr
                key={k}
                className={`${onSelect ? 'ot-row' : ''} ${selected === k ? 'is-selected' : ''}`}
                onClick={onSelect ? () => onSelect(o) : undefined}
                data-testid="operation-row"
              >
                {!hideService && (
                  <td>
                    <ServiceTag name={o.service} />
                  </td>
                )}
                <td className="ot-op" title={o.name}>
                  {o.name}
                </td>
                <td className="num">{formatCount(o.count)}</td>
                <td className={`num ot-rate ${o.errorRate >= 0.05 ? 'is-bad' : ''}`}>
                  {formatPercent(o.errorRate)}
                </td>
                <td className="num mono">{formatDurationMs(o.p50Ms)}</td>
                <td className="num mono">{formatDurationMs(o.p95Ms)}</td>
                <td className="num mono">{formatDurationMs(o.p99Ms)}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}

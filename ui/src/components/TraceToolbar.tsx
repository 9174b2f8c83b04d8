import { useEffect, useRef, useState } from 'react'
import { formatCount } from '../lib/format'
import type { TraceFilters } from '../lib/mask'
import './TraceToolbar.css'

/** Typing waits this long before the search runs (a search over 100k spans is a pass over each). */
const SEARCH_DELAY_MS = 200

/**
 * Search inside the trace and the row filters: the query with its match count and next/previous
 * (Enter, Shift+Enter), "only errors", "only the critical path", "over N ms", and the zoom reset.
 */
export function TraceToolbar({
  filters,
  onChange,
  matchCount,
  matchPosition,
  onStep,
  spanCount,
  passCount,
  zoomed,
  onResetZoom,
  searchNote,
}: {
  filters: TraceFilters
  onChange: (change: Partial<TraceFilters>) => void
  matchCount: number
  /** 1-based position of the selected span among the matches, if it is one. */
  matchPosition?: number
  onStep: (direction: 1 | -1) => void
  spanCount: number
  /** Spans that pass the filters. */
  passCount: number
  zoomed: boolean
  onResetZoom: () => void
  /** What the search cannot look at (the compact form has no attributes or logs). */
  searchNote?: string
}) {
  const [draft, setDraft] = useState(filters.q)
  const [minDraft, setMinDraft] = useState(filters.minDurationMs ? String(filters.minDurationMs) : '')
  const sent = useRef(filters.q)
  // A change from outside (back button, a link) replaces what is typed.
  useEffect(() => {
    if (filters.q !== sent.current) {
      sent.current = filters.q
      setDraft(filters.q)
    }
  }, [filters.q])
  useEffect(() => {
    if (draft === sent.current) return
    const t = setTimeout(() => {
      sent.current = draft
      onChange({ q: draft })
    }, SEARCH_DELAY_MS)
    return () => clearTimeout(t)
  }, [draft, onChange])

  const commitMin = (value: string) => {
    const n = Number(value)
    onChange({ minDurationMs: value.trim() !== '' && Number.isFinite(n) && n > 0 ? n : undefined })
  }
  const searching = filters.q.trim() !== ''
  const filtering = passCount !== spanCount
  return (
    <div className="tt-bar" data-testid="trace-toolbar">
      <div className="tt-search">
        <input
          type="search"
          className="input"
          placeholder="Search spans: name, service, attribute, log text"
          aria-label="Search inside the trace"
          data-testid="trace-search"
          value={draft}
          maxLength={256}
          title={searchNote}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key !== 'Enter') return
            e.preventDefault()
            if (draft !== sent.current) {
              sent.current = draft
              onChange({ q: draft })
            } else onStep(e.shiftKey ? -1 : 1)
          }}
        />
        <span className="tt-count" data-testid="trace-search-count" aria-live="polite">
          {searching
            ? matchCount === 0
              ? 'No match'
              : matchPosition
                ? `${formatCount(matchPosition)} of ${formatCount(matchCount)}`
                : `${formatCount(matchCount)} ${matchCount === 1 ? 'match' : 'matches'}`
            : ''}
        </span>
        <button
          type="button"
          className="btn btn-sm"
          aria-label="Previous match"
          data-testid="trace-search-prev"
          disabled={matchCount === 0}
          onClick={() => onStep(-1)}
        >
          ↑
        </button>
        <button
          type="button"
          className="btn btn-sm"
          aria-label="Next match"
          data-testid="trace-search-next"
          disabled={matchCount === 0}
          onClick={() => onStep(1)}
        >
          ↓
        </button>
      </div>
      <div className="tt-filters">
        <label>
          <input
            type="checkbox"
            data-testid="trace-filter-errors"
            checked={filters.errorsOnly}
            onChange={(e) => onChange({ errorsOnly: e.target.checked })}
          />
          Only errors
        </label>
        <label>
          <input
            type="checkbox"
            data-testid="trace-filter-critical"
            checked={filters.criticalOnly}
            onChange={(e) => onChange({ criticalOnly: e.target.checked })}
          />
          Only the critical path
        </label>
        <label>
          Over
          <input
            type="number"
            className="input tt-min"
            min={0}
            step="any"
            data-testid="trace-filter-min"
            value={minDraft}
            onChange={(e) => setMinDraft(e.target.value)}
            onBlur={(e) => commitMin(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commitMin(e.currentTarget.value)
            }}
          />
          ms
        </label>
        {filtering && (
          <span className="tt-shown" data-testid="trace-filter-count">
            {formatCount(passCount)} of {formatCount(spanCount)} spans
          </span>
        )}
        {zoomed && (
          <button type="button" className="btn btn-sm" data-testid="trace-zoom-reset" onClick={onResetZoom}>
            Reset zoom
          </button>
        )}
      </div>
    </div>
  )
}

import { type ReactNode, useMemo } from 'react'
import { Link, useSearchParams } from 'react-router-dom'
import type { TraceSummary } from '../api/types'
import {
  bandFromParams,
  bandSelection,
  comparedService,
  pickedFromParams,
  togglePick,
  withBand,
  withPicked,
} from '../lib/compare'
import { shortId } from '../lib/format'
import type { SearchFilters } from '../lib/urlState'
import { ComparePanel } from './ComparePanel'
import { DurationBand } from './DurationBand'
import './SearchCompare.css'

/**
 * The search page's "why": a band dragged on the durations of the listed traces (or "errors") is compared
 * with the other requests of the service (/compare), and two picked traces open their diff. The band and
 * the picks live in the URL (`cmpMin`/`cmpMax`/`cmp`, `pick`), so a link shows the same. The comparison
 * is shown beside `children` (the results).
 */
export function SearchCompare({
  filters,
  traces,
  children,
}: {
  filters: SearchFilters
  traces: TraceSummary[]
  children: ReactNode
}) {
  const [params, setParams] = useSearchParams()
  const band = bandFromParams(params)
  const picked = pickedFromParams(params)
  const service = comparedService(filters, traces)
  const durations = useMemo(() => traces.map((t) => t.durationMs), [traces])
  const selection =
    band && service ? bandSelection(service, filters.operation, band, filters.range) : undefined
  return (
    <>
      <div className="card" data-testid="search-compare">
        <div className="card-head">
          <h2>Why are some slow, or failing?</h2>
          <span className="search-summary">
            {service
              ? `Compares the requests (entry spans) of ${service}`
              : 'Pick a service to compare its requests'}
          </span>
        </div>
        <DurationBand
          durationsMs={durations}
          band={band}
          onBand={(b) => setParams(withBand(params, b), { replace: false })}
        />
        <div
          className="dband-head"
          style={{ padding: '0 var(--space-4) var(--space-3)' }}
          data-testid="diff-bar"
        >
          {picked.length === 2 ? (
            <Link
              className="btn btn-sm btn-primary"
              data-testid="open-diff"
              to={`/diff/${picked[0]}/${picked[1]}`}
            >
              Diff {shortId(picked[0], 8)} → {shortId(picked[1], 8)}
            </Link>
          ) : (
            <span className="muted">Tick two traces below to see what differs between them.</span>
          )}
        </div>
      </div>
      <div className={selection ? 'search-split' : undefined}>
        {children}
        {selection && (
          <ComparePanel
            selection={selection}
            title={
              band === 'errors'
                ? 'What is different about failing requests?'
                : 'What is different about requests in the band?'
            }
          />
        )}
      </div>
    </>
  )
}

/** The picking half, for the results list: the picked ids and how to toggle one. */
export function usePicks(): { picked: string[]; toggle: (id: string) => void } {
  const [params, setParams] = useSearchParams()
  const picked = pickedFromParams(params)
  return { picked, toggle: (id) => setParams(withPicked(params, togglePick(picked, id))) }
}

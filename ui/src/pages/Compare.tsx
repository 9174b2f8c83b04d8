import { useEffect, useMemo } from 'react'
import { Link, useSearchParams } from 'react-router-dom'
import { ComparePanel } from '../components/ComparePanel'
import { Empty } from '../components/States'
import { selectionFromFilters } from '../lib/compare'
import { describeRange, parseSearchFilters, searchFiltersToParams } from '../lib/urlState'

/**
 * A comparison on its own page, from its URL (search's parameter names): where a service page's "What's
 * different…" entries and an alert's evidence link lead.
 */
export function ComparePage() {
  const [params] = useSearchParams()
  const key = params.toString()
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query string is the identity of the selection
  const filters = useMemo(() => parseSearchFilters(params), [key])
  const selection = selectionFromFilters(filters)
  useEffect(() => {
    document.title = 'Compare · Skein'
  }, [])
  const what =
    filters.status === 'error'
      ? 'failing requests'
      : filters.minDurationMs !== undefined
        ? `requests of at least ${filters.minDurationMs} ms`
        : 'the selected requests'
  return (
    <div className="page" data-testid="compare-page">
      <div className="page-head">
        <div>
          <h1>
            What is different about {what}
            {filters.service
              ? ` of ${filters.service}${filters.operation ? ` ${filters.operation}` : ''}`
              : ''}
            ?
          </h1>
          <p>
            {describeRange(filters.range)} ·{' '}
            <Link to={`/search?${searchFiltersToParams(filters)}`}>these traces</Link>
          </p>
        </div>
      </div>
      {selection ? (
        <ComparePanel selection={selection} title="Compared with the other requests" />
      ) : (
        <div className="card">
          <Empty title="Nothing to compare">
            A comparison needs a service and a selection: a duration, a status or an attribute.
          </Empty>
        </div>
      )}
    </div>
  )
}

import { type TraceSearchForm, traceQLOf } from '@skein/model'
import { type FormEvent, useEffect, useMemo, useState } from 'react'
import { useSearchParams } from 'react-router-dom'
import { api } from '../api/client'
import type { TimeRange } from '../api/types'
import { useApi } from '../hooks/useApi'
import { tempoRows, tempoSeconds } from '../lib/traceql'
import { rangeBounds } from '../lib/urlState'
import { Empty, ErrorState, Loading } from './States'
import { TraceResults } from './TraceResults'
import './TraceQLBox.css'

/** The URL parameter that holds a TraceQL query; without it the box shows the form's query. */
export const TRACEQL_PARAM = 'traceql'

/**
 * TraceQL beside the search form: the form's query written as TraceQL (what the form asks, in the
 * language Grafana and `skein traces --query` speak), and, once edited and run, a TraceQL search of its
 * own through the Tempo API with its results here. The form stays the default.
 */
export function TraceQLBox({ form, range }: { form: TraceSearchForm; range: TimeRange }) {
  const [params, setParams] = useSearchParams()
  const asked = params.get(TRACEQL_PARAM)
  const ofForm = useMemo(() => traceQLOf(form), [form])
  const [editing, setEditing] = useState(asked !== null)
  const [text, setText] = useState(asked ?? ofForm)
  useEffect(() => {
    if (asked !== null) setText(asked)
  }, [asked])

  const set = (q: string | null) => {
    const next = new URLSearchParams(params)
    if (q === null) next.delete(TRACEQL_PARAM)
    else next.set(TRACEQL_PARAM, q)
    setParams(next)
  }
  const run = (e: FormEvent) => {
    e.preventDefault()
    set(text)
  }

  return (
    <div className="card tql" data-testid="traceql-box">
      <div className="card-head">
        <h2>TraceQL</h2>
        {editing ? (
          <button
            type="button"
            className="btn btn-sm"
            data-testid="traceql-close"
            onClick={() => {
              setEditing(false)
              set(null)
            }}
          >
            Back to the form
          </button>
        ) : (
          <button
            type="button"
            className="btn btn-sm"
            data-testid="traceql-edit"
            onClick={() => {
              setText(ofForm)
              setEditing(true)
            }}
          >
            Edit as TraceQL
          </button>
        )}
      </div>
      <div className="tql-body">
        {editing ? (
          <form className="tql-form" onSubmit={run}>
            <textarea
              className="input mono tql-input"
              aria-label="TraceQL query"
              data-testid="traceql-input"
              spellCheck={false}
              rows={2}
              value={text}
              onChange={(e) => setText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) run(e)
              }}
            />
            <button type="submit" className="btn btn-primary" data-testid="traceql-run">
              Run
            </button>
          </form>
        ) : (
          <code className="tql-of-form" data-testid="traceql-of-form">
            {ofForm}
          </code>
        )}
      </div>
      {asked !== null && <TraceQLResults query={asked} range={range} />}
    </div>
  )
}

function TraceQLResults({ query, range }: { query: string; range: TimeRange }) {
  const rangeKey = JSON.stringify(range)
  const q = useApi(
    (signal) => api.traceql({ q: query, limit: 100, ...tempoSeconds(rangeBounds(range)) }, signal),
    [query, rangeKey],
  )
  const rows = useMemo(() => tempoRows(q.data?.traces ?? []), [q.data])
  if (q.error) return <ErrorState title="TraceQL search failed" error={q.error} onRetry={q.reload} />
  if (!q.data) return <Loading label="Searching traces…" />
  if (rows.length === 0) return <Empty title="No traces match this TraceQL query" />
  const matched = rows.reduce((n, r) => n + r.matched, 0)
  return (
    <div data-testid="traceql-results">
      <p className="tql-body tql-summary">
        {rows.length} {rows.length === 1 ? 'trace' : 'traces'}, {matched} matching{' '}
        {matched === 1 ? 'span' : 'spans'}
      </p>
      <TraceResults traces={rows} />
    </div>
  )
}

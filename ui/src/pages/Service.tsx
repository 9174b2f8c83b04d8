import { useEffect, useMemo } from 'react'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom'
import { api } from '../api/client'
import { OperationsTable } from '../components/OperationsTable'
import { RedCharts } from '../components/RedCharts'
import { Empty, ErrorState, Loading } from '../components/States'
import { TimeRangePicker } from '../components/TimeRangePicker'
import { WhyLinks } from '../components/WhyLinks'
import { useApi } from '../hooks/useApi'
import { serviceColor } from '../lib/colors'
import { stepFor } from '../lib/step'
import { describeRange, parseTimeRange, rangeBounds, searchFiltersToParams, withRange } from '../lib/urlState'
import './Services.css'

export function ServicePage() {
  const { name = '' } = useParams()
  const [params, setParams] = useSearchParams()
  const navigate = useNavigate()
  const key = params.toString()
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query string is the identity of the range
  const range = useMemo(() => parseTimeRange(params), [key])
  const rangeKey = JSON.stringify(range)
  const step = stepFor(range)
  const red = useApi((signal) => api.red({ service: name, step, range }, signal), [name, rangeKey, step])
  const ops = useApi((signal) => api.operationsLatency({ service: name, range }, signal), [name, rangeKey])
  const bounds = useMemo(() => rangeBounds(range), [range])
  useEffect(() => {
    document.title = `${name} · Skein`
  }, [name])
  const searchLink = (operation?: string) =>
    `/search?${searchFiltersToParams({ service: name, operation: operation ?? '', status: '', attrs: [], range })}`

  return (
    <div className="page" data-testid="service-page">
      <div className="page-head">
        <div>
          <div className="muted">
            <Link to={`/services${params.toString() ? `?${params}` : ''}`}>Services</Link> /
          </div>
          <h1 style={{ color: serviceColor(name) }} data-testid="service-name">
            {name}
          </h1>
          <p>{describeRange(range)}</p>
        </div>
        <div style={{ display: 'flex', gap: 8, alignItems: 'flex-end' }}>
          <Link className="btn" to={searchLink()}>
            Traces
          </Link>
          <Link className="btn" to={`/logs?${withRange(new URLSearchParams({ service: name }), range)}`}>
            Logs
          </Link>
          <TimeRangePicker value={range} onChange={(r) => setParams(withRange(params, r))} />
        </div>
      </div>
      <div className="card">
        <div className="card-head">
          <h2>Requests, errors, latency</h2>
          <span className="muted">per {step}</span>
        </div>
        <div className="card-body">
          {red.error ? (
            <ErrorState error={red.error} title="Could not load metrics" onRetry={red.reload} />
          ) : !red.data ? (
            <Loading />
          ) : red.data.points.length === 0 ? (
            <Empty title="No requests in this range" />
          ) : (
            <RedCharts series={red.data} xRange={bounds} />
          )}
        </div>
      </div>
      <div className="card">
        <div className="card-head">
          <h2>Operations</h2>
          <span className="muted">Click a row to search its traces</span>
        </div>
        {ops.error ? (
          <ErrorState error={ops.error} title="Could not load operations" onRetry={ops.reload} />
        ) : !ops.data ? (
          <Loading />
        ) : ops.data.length === 0 ? (
          <Empty title="No operations in this range" />
        ) : (
          <OperationsTable operations={ops.data} hideService onSelect={(o) => navigate(searchLink(o.name))} />
        )}
      </div>
      {ops.data && ops.data.length > 0 && <WhyLinks service={name} operations={ops.data} range={range} />}
    </div>
  )
}

import { useEffect, useMemo } from 'react'
import { Link, useSearchParams } from 'react-router-dom'
import { api } from '../api/client'
import type { OperationLatency, TimeRange } from '../api/types'
import { OperationsTable } from '../components/OperationsTable'
import { RedCharts } from '../components/RedCharts'
import { ServiceTag } from '../components/ServiceTag'
import { Empty, ErrorState, Loading } from '../components/States'
import { TimeRangePicker } from '../components/TimeRangePicker'
import { useApi } from '../hooks/useApi'
import { formatCount, formatPercent } from '../lib/format'
import { stepFor } from '../lib/step'
import { describeRange, parseTimeRange, rangeBounds, withRange } from '../lib/urlState'
import './Services.css'

function rangeQuery(range: TimeRange): string {
  const s = withRange(new URLSearchParams(), range).toString()
  return s ? `?${s}` : ''
}

function ServiceCard({
  name,
  range,
  operations,
}: {
  name: string
  range: TimeRange
  operations: OperationLatency[]
}) {
  const key = JSON.stringify(range)
  const step = stepFor(range, 60)
  const red = useApi((signal) => api.red({ service: name, step, range }, signal), [name, key, step])
  const bounds = useMemo(() => rangeBounds(range), [range])
  const totals = useMemo(() => {
    const pts = red.data?.points ?? []
    const requests = pts.reduce((s, p) => s + (p.requests || 0), 0)
    const errors = pts.reduce((s, p) => s + (p.errors || 0), 0)
    return { requests, errors }
  }, [red.data])
  const top = [...operations].sort((a, b) => b.count - a.count).slice(0, 5)
  return (
    <div className="card svc-card" data-testid="service-card">
      <div className="card-head">
        <Link to={`/services/${encodeURIComponent(name)}${rangeQuery(range)}`}>
          <ServiceTag name={name} />
        </Link>
        <div className="svc-summary">
          <span title="Requests the service served: its Server and Consumer spans, and its root spans (as alert rules count them)">
            requests <b>{formatCount(totals.requests)}</b>
          </span>
          <span>
            errors <b>{formatPercent(totals.requests ? totals.errors / totals.requests : 0)}</b>
          </span>
        </div>
      </div>
      <div className="card-body">
        {red.error ? (
          <ErrorState error={red.error} title="Could not load metrics" onRetry={red.reload} />
        ) : !red.data ? (
          <Loading />
        ) : red.data.points.length === 0 ? (
          <Empty title="No requests in this range" />
        ) : (
          <RedCharts series={red.data} xRange={bounds} compact />
        )}
      </div>
      {top.length > 0 && (
        <div className="svc-ops">
          <OperationsTable operations={top} hideService />
        </div>
      )}
    </div>
  )
}

export function ServicesPage() {
  const [params, setParams] = useSearchParams()
  const key = params.toString()
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query string is the identity of the range
  const range = useMemo(() => parseTimeRange(params), [key])
  const rangeKey = JSON.stringify(range)
  const services = useApi((signal) => api.services(range, signal), [rangeKey])
  const ops = useApi((signal) => api.operationsLatency({ range }, signal), [rangeKey])
  useEffect(() => {
    document.title = 'Services · Skein'
  }, [])
  const byService = useMemo(() => {
    const m = new Map<string, OperationLatency[]>()
    for (const o of ops.data ?? []) {
      const list = m.get(o.service)
      if (list) list.push(o)
      else m.set(o.service, [o])
    }
    return m
  }, [ops.data])

  return (
    <div className="page" data-testid="services-page">
      <div className="page-head">
        <div>
          <h1>Services</h1>
          <p>Requests, errors and latency per service · {describeRange(range)}</p>
        </div>
        <TimeRangePicker value={range} onChange={(r) => setParams(withRange(params, r))} />
      </div>
      {services.error ? (
        <div className="card">
          <ErrorState error={services.error} title="Could not load services" onRetry={services.reload} />
        </div>
      ) : !services.data ? (
        <Loading />
      ) : services.data.length === 0 ? (
        <div className="card">
          <Empty title="No services reported in this range">
            Send traces with the Skein SDK or any OTLP exporter.
          </Empty>
        </div>
      ) : (
        <div className="svc-grid">
          {services.data.map((s) => (
            <ServiceCard key={s.name} name={s.name} range={range} operations={byService.get(s.name) ?? []} />
          ))}
        </div>
      )}
    </div>
  )
}

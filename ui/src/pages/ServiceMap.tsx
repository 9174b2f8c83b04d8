import { useEffect, useMemo } from 'react'
import { Link, useNavigate, useSearchParams } from 'react-router-dom'
import { api } from '../api/client'
import { EChart } from '../components/EChart'
import { ServiceTag } from '../components/ServiceTag'
import { Empty, ErrorState, Loading } from '../components/States'
import { TimeRangePicker } from '../components/TimeRangePicker'
import { useApi } from '../hooks/useApi'
import { errorRateColor, serviceGraphOption } from '../lib/charts'
import { formatCount, formatPercent, formatRate } from '../lib/format'
import { sortBy } from '../lib/sort'
import { describeRange, parseTimeRange, rangeBounds, withRange } from '../lib/urlState'
import './ServiceMap.css'

export function ServiceMapPage() {
  const [params, setParams] = useSearchParams()
  const navigate = useNavigate()
  const key = params.toString()
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query string is the identity of the range
  const range = useMemo(() => parseTimeRange(params), [key])
  const deps = useApi((signal) => api.dependencies(range, signal), [JSON.stringify(range)])
  useEffect(() => {
    document.title = 'Service map · Skein'
  }, [])
  const minutes = useMemo(() => {
    const [from, to] = rangeBounds(range)
    return Math.max(1, (to - from) / 60e3)
  }, [range])
  const option = useMemo(() => serviceGraphOption(deps.data ?? [], minutes), [deps.data, minutes])
  const edges = useMemo(
    () => sortBy(deps.data ?? [], { key: 'callCount', dir: 'desc' }, (e, k) => e[k]),
    [deps.data],
  )

  return (
    <div className="page" data-testid="map-page">
      <div className="page-head">
        <div>
          <h1>Service map</h1>
          <p>Who calls whom, how often, and how often it fails · {describeRange(range)}</p>
        </div>
        <TimeRangePicker value={range} onChange={(r) => setParams(withRange(params, r))} />
      </div>
      {deps.error ? (
        <div className="card">
          <ErrorState error={deps.error} title="Could not load dependencies" onRetry={deps.reload} />
        </div>
      ) : !deps.data ? (
        <Loading />
      ) : deps.data.length === 0 ? (
        <div className="card">
          <Empty title="No calls between services in this range">
            Edges appear when a span's parent belongs to another service.
          </Empty>
        </div>
      ) : (
        <>
          <div className="card">
            <div className="card-head">
              <h2>
                {new Set(deps.data.flatMap((e) => [e.parent, e.child])).size} services, {deps.data.length}{' '}
                edges
              </h2>
              <div className="map-legend">
                <span>
                  <i style={{ background: errorRateColor(0) }} />
                  no errors
                </span>
                <span>
                  <i style={{ background: errorRateColor(0.01) }} />
                  under 5%
                </span>
                <span>
                  <i style={{ background: errorRateColor(0.05) }} />
                  5% or more
                </span>
                <span>Click a service to open it · drag to arrange · scroll to zoom</span>
              </div>
            </div>
            <div className="map-chart">
              <EChart
                option={option}
                height={520}
                label="Service dependency graph"
                testId="service-map"
                onClick={(p) => {
                  if (p.dataType === 'node' && p.name) navigate(`/services/${encodeURIComponent(p.name)}`)
                }}
              />
            </div>
          </div>
          <div className="card">
            <table className="table" data-testid="edges-table">
              <thead>
                <tr>
                  <th>Caller</th>
                  <th>Callee</th>
                  <th className="num">Calls</th>
                  <th className="num">Calls / min</th>
                  <th className="num">Errors</th>
                  <th className="num">Error rate</th>
                </tr>
              </thead>
              <tbody>
                {edges.map((e) => {
                  const rate = e.callCount ? e.errorCount / e.callCount : 0
                  return (
                    <tr key={`${e.parent}\u0000${e.child}`}>
                      <td>
                        <Link to={`/services/${encodeURIComponent(e.parent)}`}>
                          <ServiceTag name={e.parent} />
                        </Link>
                      </td>
                      <td>
                        <Link to={`/services/${encodeURIComponent(e.child)}`}>
                          <ServiceTag name={e.child} />
                        </Link>
                      </td>
                      <td className="num">{formatCount(e.callCount)}</td>
                      <td className="num">{formatRate(e.callCount / minutes)}</td>
                      <td className="num">{formatCount(e.errorCount)}</td>
                      <td
                        className="num"
                        style={{
                          color: errorRateColor(rate) === '#9aa3b2' ? undefined : errorRateColor(rate),
                        }}
                      >
                        {formatPercent(rate)}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  )
}

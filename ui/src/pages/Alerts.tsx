import { useEffect, useState } from 'react'
import { api } from '../api/client'
import type { AlertRule, ApiErrorShape } from '../api/types'
import { AlertEvidence } from '../components/AlertEvidence'
import { AlertRuleForm } from '../components/AlertRuleForm'
import { ServiceTag } from '../components/ServiceTag'
import { Empty, ErrorState, Loading } from '../components/States'
import { useApi } from '../hooks/useApi'
import { describeRule, draftFromRule, emptyDraft } from '../lib/alertRule'
import { formatDateTime, formatDurationMs, formatPercent } from '../lib/format'
import './Alerts.css'

type Editing = { mode: 'create' } | { mode: 'edit'; rule: AlertRule } | null

function unavailable(e: ApiErrorShape): ApiErrorShape {
  // The alerts backend may not be deployed on this collector yet; say so instead of a bare 404.
  return e.status === 404 || e.status === 501
    ? { ...e, message: `Alerting is not available on this collector yet (${e.message}).` }
    : e
}

export function AlertsPage() {
  const rules = useApi((signal) => api.alertRules(signal), [], 15_000)
  const [editing, setEditing] = useState<Editing>(null)
  const [historyFor, setHistoryFor] = useState<string | undefined>()
  const [actionError, setActionError] = useState<ApiErrorShape>()
  const events = useApi((signal) => api.alertEvents(historyFor, signal), [historyFor, rules.data])
  useEffect(() => {
    document.title = 'Alerts · Skein'
  }, [])

  const remove = async (r: AlertRule) => {
    if (!window.confirm(`Delete the rule “${r.name}”?`)) return
    try {
      await api.deleteAlertRule(r.id)
      setActionError(undefined)
      rules.reload()
    } catch (e) {
      setActionError(e as ApiErrorShape)
    }
  }
  const toggle = async (r: AlertRule) => {
    const { id, state: _state, ...input } = r
    try {
      await api.updateAlertRule(id, { ...input, enabled: !r.enabled })
      setActionError(undefined)
      rules.reload()
    } catch (e) {
      setActionError(e as ApiErrorShape)
    }
  }
  const historyRule = rules.data?.find((r) => r.id === historyFor)

  return (
    <div className="page" data-testid="alerts-page">
      <div className="page-head">
        <div>
          <h1>Alerts</h1>
          <p>
            Error-rate and latency rules per service or operation, evaluated every 15 seconds, delivered by
            webhook.
          </p>
        </div>
        <button
          type="button"
          className="btn btn-primary"
          onClick={() => setEditing({ mode: 'create' })}
          data-testid="new-rule"
        >
          New rule
        </button>
      </div>
      {actionError && (
        <div className="card">
          <ErrorState error={actionError} title="That did not work" />
        </div>
      )}
      <div className="alerts-layout">
        <div className="card">
          <div className="card-head">
            <h2>Rules</h2>
            <span className="muted">State refreshes every 15 s</span>
          </div>
          {rules.error ? (
            <ErrorState
              error={unavailable(rules.error)}
              title="Could not load alert rules"
              onRetry={rules.reload}
            />
          ) : !rules.data ? (
            <Loading />
          ) : rules.data.length === 0 ? (
            <Empty title="No alert rules yet">Create one to be told when a service starts failing.</Empty>
          ) : (
            <table className="table" data-testid="alert-rules">
              <thead>
                <tr>
                  <th>State</th>
                  <th>Rule</th>
                  <th>Target</th>
                  <th>Enabled</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rules.data.map((r) => (
                  <tr
                    key={r.id}
                    className={historyFor === r.id ? 'is-selected' : undefined}
                    data-testid="alert-rule-row"
                  >
                    <td>
                      <span className={`badge state-pill ${r.enabled ? r.state : ''}`}>
                        {r.enabled ? r.state : 'off'}
                      </span>
                    </td>
                    <td className="wrap">
                      <div style={{ fontWeight: 600 }}>{r.name}</div>
                      <div className="alert-cond">{describeRule(r)}</div>
                    </td>
                    <td>
                      <ServiceTag name={r.service} />
                      {r.operation && <div className="alert-cond">{r.operation}</div>}
                    </td>
                    <td>
                      <input
                        type="checkbox"
                        checked={r.enabled}
                        onChange={() => toggle(r)}
                        aria-label={`Enable ${r.name}`}
                      />
                    </td>
                    <td>
                      <div className="alert-actions">
                        <button type="button" className="btn btn-sm" onClick={() => setHistoryFor(r.id)}>
                          History
                        </button>
                        <button
                          type="button"
                          className="btn btn-sm"
                          onClick={() => setEditing({ mode: 'edit', rule: r })}
                        >
                          Edit
                        </button>
                        <button type="button" className="btn btn-sm btn-danger" onClick={() => remove(r)}>
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>

        <div className="card">
          {editing ? (
            <>
              <div className="card-head">
                <h2>{editing.mode === 'create' ? 'New rule' : 'Edit rule'}</h2>
              </div>
              <AlertRuleForm
                key={editing.mode === 'edit' ? editing.rule.id : 'new'}
                initial={editing.mode === 'edit' ? draftFromRule(editing.rule) : emptyDraft()}
                submitLabel={editing.mode === 'create' ? 'Create rule' : 'Save'}
                onCancel={() => setEditing(null)}
                onSubmit={async (input) => {
                  if (editing.mode === 'create') await api.createAlertRule(input)
                  else await api.updateAlertRule(editing.rule.id, input)
                  setEditing(null)
                  rules.reload()
                }}
              />
            </>
          ) : (
            <>
              <div className="card-head">
                <h2>History{historyRule ? `: ${historyRule.name}` : ''}</h2>
                {historyFor && (
                  <button type="button" className="btn btn-sm" onClick={() => setHistoryFor(undefined)}>
                    All rules
                  </button>
                )}
              </div>
              {events.error ? (
                <ErrorState
                  error={unavailable(events.error)}
                  title="Could not load alert history"
                  onRetry={events.reload}
                />
              ) : !events.data ? (
                <Loading />
              ) : events.data.length === 0 ? (
                <Empty title="No state changes yet" />
              ) : (
                <div className="events">
                  <table className="table" data-testid="alert-events">
                    <thead>
                      <tr>
                        <th>When</th>
                        {!historyFor && <th>Rule</th>}
                        <th>State</th>
                        <th className="num">Error rate</th>
                        <th className="num">p95</th>
                        <th className="num">Requests</th>
                        <th>Evidence</th>
                      </tr>
                    </thead>
                    <tbody>
                      {events.data.map((ev, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: events have no id; two may share a rule and instant
                        <tr key={`${ev.ruleId}-${ev.at}-${i}`}>
                          <td className="mono">{formatDateTime(new Date(ev.at))}</td>
                          {!historyFor && (
                            <td>{rules.data?.find((r) => r.id === ev.ruleId)?.name ?? ev.ruleId}</td>
                          )}
                          <td>
                            <span
                              className={`badge state-pill ${ev.state === 'firing' ? 'firing' : ev.state === 'pending' ? 'pending' : 'ok'}`}
                            >
                              {ev.state}
                            </span>
                          </td>
                          <td className="num">{formatPercent(ev.errorRate)}</td>
                          <td className="num">{formatDurationMs(ev.p95Ms)}</td>
                          <td className="num">{ev.requests}</td>
                          <td>{ev.evidence && <AlertEvidence evidence={ev.evidence} />}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </>
          )}
        </div>
      </div>
    </div>
  )
}

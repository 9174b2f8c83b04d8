import { type FormEvent, useState } from 'react'
import type { AlertRuleInput, ApiErrorShape } from '../api/types'
import { FOR_DURATIONS, type RuleDraft, type RuleErrors, validateDraft, WINDOWS } from '../lib/alertRule'
import { OperationSelect } from './OperationSelect'
import { ServiceSelect } from './ServiceSelect'
import './AlertRuleForm.css'

const SERVICE_RANGE = { lookback: '24h' }

export function AlertRuleForm({
  initial,
  submitLabel,
  onSubmit,
  onCancel,
}: {
  initial: RuleDraft
  submitLabel: string
  onSubmit: (rule: AlertRuleInput) => Promise<void>
  onCancel: () => void
}) {
  const [d, setD] = useState<RuleDraft>(initial)
  const [errors, setErrors] = useState<RuleErrors>({})
  const [saving, setSaving] = useState(false)
  const [failure, setFailure] = useState<ApiErrorShape>()
  const set = <K extends keyof RuleDraft>(k: K, v: RuleDraft[K]) => setD((prev) => ({ ...prev, [k]: v }))

  const submit = async (e: FormEvent) => {
    e.preventDefault()
    const r = validateDraft(d)
    if (!r.ok) {
      setErrors(r.errors)
      return
    }
    setErrors({})
    setSaving(true)
    setFailure(undefined)
    try {
      await onSubmit(r.rule)
    } catch (err) {
      const x = err as Partial<ApiErrorShape>
      setFailure({ code: x.code ?? 'SKEIN_ERR_UNKNOWN', message: x.message ?? String(err) })
    } finally {
      setSaving(false)
    }
  }
  const err = (k: keyof RuleDraft) => errors[k] && <span className="arf-err">{errors[k]}</span>

  return (
    <form className="arf" onSubmit={submit} data-testid="alert-form" noValidate>
      <label className="field full">
        <span>Name</span>
        <input
          className="input"
          value={d.name}
          onChange={(e) => set('name', e.target.value)}
          placeholder="Checkout errors"
        />
        {err('name')}
      </label>
      <div>
        <ServiceSelect
          value={d.service}
          range={SERVICE_RANGE}
          allLabel="Choose…"
          onChange={(v) => setD({ ...d, service: v, operation: '' })}
        />
        {err('service')}
      </div>
      <OperationSelect
        service={d.service}
        value={d.operation}
        range={SERVICE_RANGE}
        onChange={(v) => set('operation', v)}
      />
      <label className="field">
        <span>Fire on</span>
        <select
          className="select"
          value={d.kind}
          onChange={(e) => set('kind', e.target.value === 'latency' ? 'latency' : 'errorRate')}
        >
          <option value="errorRate">Error rate</option>
          <option value="latency">p95 latency</option>
        </select>
      </label>
      {d.kind === 'errorRate' ? (
        <label className="field">
          <span>Error rate above (%)</span>
          <input
            className="input mono"
            inputMode="decimal"
            value={d.errorRatePercent}
            onChange={(e) => set('errorRatePercent', e.target.value)}
          />
          {err('errorRatePercent')}
        </label>
      ) : (
        <label className="field">
          <span>p95 above (ms)</span>
          <input
            className="input mono"
            inputMode="decimal"
            value={d.p95AboveMs}
            onChange={(e) => set('p95AboveMs', e.target.value)}
          />
          {err('p95AboveMs')}
        </label>
      )}
      <label className="field">
        <span>Over a window of</span>
        <select className="select" value={d.window} onChange={(e) => set('window', e.target.value)}>
          {(WINDOWS.includes(d.window) ? WINDOWS : [d.window, ...WINDOWS]).map((w) => (
            <option key={w}>{w}</option>
          ))}
        </select>
        {err('window')}
      </label>
      <label className="field">
        <span>With at least (requests)</span>
        <input
          className="input mono"
          inputMode="numeric"
          value={d.minRequests}
          onChange={(e) => set('minRequests', e.target.value)}
        />
        {err('minRequests')}
      </label>
      <label className="field">
        <span>For at least</span>
        <select className="select" value={d.for} onChange={(e) => set('for', e.target.value)}>
          {(FOR_DURATIONS.includes(d.for) ? FOR_DURATIONS : [d.for, ...FOR_DURATIONS]).map((w) => (
            <option key={w}>{w}</option>
          ))}
        </select>
        {err('for')}
      </label>
      <label className="field full">
        <span>Webhook URL</span>
        <input
          className="input mono"
          type="url"
          value={d.webhookUrl}
          onChange={(e) => set('webhookUrl', e.target.value)}
          placeholder="https://hooks.slack.com/services/…"
        />
        {err('webhookUrl')}
        <span className="hint">
          Receives a JSON body with a Slack-compatible `text` when the rule fires and resolves.
        </span>
      </label>
      <label className="arf-check full">
        <input type="checkbox" checked={d.enabled} onChange={(e) => set('enabled', e.target.checked)} />
        Enabled
      </label>
      {failure && (
        <div className="arf-err full" role="alert">
          {failure.message} <span className="mono">({failure.code})</span>
        </div>
      )}
      <div className="arf-actions">
        <button type="button" className="btn" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving}>
          {saving ? 'Saving…' : submitLabel}
        </button>
      </div>
    </form>
  )
}

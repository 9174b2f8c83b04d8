import { api } from '../api/client'
import type { TimeRange } from '../api/types'
import { useApi } from '../hooks/useApi'

export function OperationSelect({
  service,
  value,
  onChange,
  range,
}: {
  service: string
  value: string
  onChange: (v: string) => void
  range: TimeRange
}) {
  const key = JSON.stringify(range)
  const q = useApi(
    (signal) => (service ? api.operations(service, range, signal) : Promise.resolve([])),
    [service, key],
  )
  const names = [...new Set((q.data ?? []).map((o) => o.name))].sort()
  if (value && !names.includes(value)) names.unshift(value)
  return (
    <label className="field">
      <span>Operation</span>
      <select
        className="select"
        data-testid="operation-select"
        value={value}
        disabled={!service}
        onChange={(e) => onChange(e.target.value)}
        title={service ? undefined : 'Choose a service first'}
      >
        <option value="">{service ? 'All operations' : 'Choose a service first'}</option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  )
}

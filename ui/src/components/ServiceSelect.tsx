import { api } from '../api/client'
import type { TimeRange } from '../api/types'
import { useApi } from '../hooks/useApi'

/** Services seen in the range; keeps a value from the URL selectable even if it has gone quiet. */
export function ServiceSelect({
  value,
  onChange,
  range,
  allLabel = 'All services',
}: {
  value: string
  onChange: (v: string) => void
  range: TimeRange
  allLabel?: string
}) {
  const key = JSON.stringify(range)
  const q = useApi((signal) => api.services(range, signal), [key])
  const names = (q.data ?? []).map((s) => s.name)
  if (value && !names.includes(value)) names.unshift(value)
  return (
    <label className="field">
      <span>Service</span>
      <select
        className="select"
        data-testid="service-select"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        title={q.error ? q.error.message : undefined}
      >
        <option value="">
          {q.loading && !q.data ? 'Loading…' : q.error ? 'Services unavailable' : allLabel}
        </option>
        {names.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  )
}

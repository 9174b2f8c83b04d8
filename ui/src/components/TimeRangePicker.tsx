import { useEffect, useState } from 'react'
import type { TimeRange } from '../api/types'
import { LOOKBACK_PRESETS } from '../lib/urlState'
import './TimeRangePicker.css'

/** `datetime-local` works in local time without a zone; convert at the edges. */
function toLocalInput(iso: string): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return ''
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`
}

function fromLocalInput(value: string): string | undefined {
  const d = new Date(value)
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString()
}

export function TimeRangePicker({ value, onChange }: { value: TimeRange; onChange: (r: TimeRange) => void }) {
  const isCustom = !('lookback' in value)
  const [start, setStart] = useState(isCustom ? toLocalInput(value.start) : '')
  const [end, setEnd] = useState(isCustom ? toLocalInput(value.end) : '')
  const [custom, setCustom] = useState(isCustom)

  useEffect(() => {
    if (!('lookback' in value)) {
      setStart(toLocalInput(value.start))
      setEnd(toLocalInput(value.end))
      setCustom(true)
    }
  }, [value])

  const selectValue = custom ? 'custom' : 'lookback' in value ? value.lookback : 'custom'
  const known = LOOKBACK_PRESETS.some((p) => p.value === selectValue) || selectValue === 'custom'

  const applyCustom = () => {
    const s = fromLocalInput(start)
    const e = fromLocalInput(end)
    if (s && e && s < e) onChange({ start: s, end: e })
  }

  return (
    <div className="trp">
      <label className="field">
        <span>Time range</span>
        <select
          className="select"
          data-testid="time-range"
          value={selectValue}
          onChange={(e) => {
            if (e.target.value === 'custom') {
              const now = Date.now()
              setStart(toLocalInput(new Date(now - 3600e3).toISOString()))
              setEnd(toLocalInput(new Date(now).toISOString()))
              setCustom(true)
            } else {
              setCustom(false)
              onChange({ lookback: e.target.value })
            }
          }}
        >
          {LOOKBACK_PRESETS.map((p) => (
            <option key={p.value} value={p.value}>
              {p.label}
            </option>
          ))}
          {!known && 'lookback' in value && <option value={value.lookback}>Last {value.lookback}</option>}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {custom && (
        <div className="trp-custom">
          <label className="field">
            <span>From</span>
            <input
              className="input"
              type="datetime-local"
              value={start}
              onChange={(e) => setStart(e.target.value)}
            />
          </label>
          <label className="field">
            <span>To</span>
            <input
              className="input"
              type="datetime-local"
              value={end}
              onChange={(e) => setEnd(e.target.value)}
            />
          </label>
          <button type="button" className="btn" onClick={applyCustom}>
            Apply
          </button>
        </div>
      )}
    </div>
  )
}

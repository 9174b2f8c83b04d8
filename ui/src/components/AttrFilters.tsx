import { useState } from 'react'
import { isAttrFilter } from '../lib/urlState'
import './AttrFilters.css'

/** `key=value` attribute filters as removable chips; Enter adds the typed one. */
export function AttrFilters({ value, onChange }: { value: string[]; onChange: (v: string[]) => void }) {
  const [text, setText] = useState('')
  const valid = isAttrFilter(text.trim())
  const add = () => {
    const t = text.trim()
    if (!isAttrFilter(t)) return
    if (!value.includes(t)) onChange([...value, t])
    setText('')
  }
  return (
    <label className="field">
      <span>Attributes</span>
      <div className="af">
        {value.map((a) => (
          <span className="af-chip" key={a} title={a}>
            <span>{a}</span>
            <button
              type="button"
              aria-label={`Remove ${a}`}
              onClick={() => onChange(value.filter((x) => x !== a))}
            >
              ✕
            </button>
          </span>
        ))}
        <input
          value={text}
          placeholder={value.length ? '' : 'http.status_code=500'}
          aria-invalid={text !== '' && !valid}
          data-testid="attr-input"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault()
              add()
            } else if (e.key === 'Backspace' && text === '' && value.length) {
              onChange(value.slice(0, -1))
            }
          }}
          onBlur={add}
        />
      </div>
    </label>
  )
}

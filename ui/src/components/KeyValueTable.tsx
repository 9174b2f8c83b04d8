import { Fragment } from 'react'
import type { Attributes } from '../api/types'
import { valueText } from '../lib/format'
import './KeyValueTable.css'

/** Attribute maps as text, keys sorted so the same span always reads the same way. */
export function KeyValueTable({
  data,
  empty = 'None',
  testId,
}: {
  data: Attributes | undefined
  empty?: string
  testId?: string
}) {
  const keys = Object.keys(data ?? {}).sort()
  if (keys.length === 0) return <div className="kv-empty">{empty}</div>
  return (
    <div className="kv" data-testid={testId}>
      {keys.map((k) => (
        <Fragment key={k}>
          <div className="kv-k">{k}</div>
          <div className="kv-v">{valueText(data![k])}</div>
        </Fragment>
      ))}
    </div>
  )
}

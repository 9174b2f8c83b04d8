/**
 * What a rule looks at: the service's entry spans in the window (`ENTRY_SPAN`: kind Server or Consumer,
 * or roots; read as `ENTRY_ROW` from the spans by service), because those are the requests its users
 * see; inner spans would count one failing request several times. The RED series count the same spans,
 * so a rule agrees with the chart. Then the verdict for the rule's threshold.
 */
import type { Db } from '../query/db.js'
import { BY_SERVICE, ENTRY_ROW } from '../query/filters.js'
import { msToNs } from '../query/params.js'
import { p, sql } from '../query/sql.js'
import type { Rule } from './rule.js'
import type { Verdict } from './state.js'

export interface Measurement {
  requests: number
  errors: number
  /** errors / requests, 0 without requests. */
  errorRate: number
  /** p95 of the entry spans' durations in ms, 0 without requests. */
  p95Ms: number
}

export async function measure(db: Db, rule: Rule, windowMs: number, now: number): Promise<Measurement> {
  const from = p.Int64(msToNs(now - windowMs))
  const to = p.Int64(msToNs(now))
  const operation = rule.operation === undefined ? sql`` : sql`AND SpanName = ${p.String(rule.operation)}`
  const [row] = await db.rows<{ requests: string; errors: string; p95Ns: number | null }>(sql`
    SELECT count() AS requests, countIf(StatusCode = 'Error') AS errors,
      if(count() = 0, 0, quantile(0.95)(Duration)) AS p95Ns
    FROM ${db.table(BY_SERVICE)}
    WHERE ServiceName = ${p.String(rule.service)} ${operation}
      AND Timestamp >= fromUnixTimestamp64Nano(${from}) AND Timestamp < fromUnixTimestamp64Nano(${to})
      AND ${ENTRY_ROW}`)
  const requests = Number(row?.requests ?? 0)
  const errors = Number(row?.errors ?? 0)
  const p95 = Number(row?.p95Ns ?? 0)
  return {
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    p95Ms: Number.isFinite(p95) ? p95 / 1e6 : 0,
  }
}

export function verdict(rule: Rule, m: Measurement): Verdict {
  if (m.requests < rule.minRequests) return 'unknown'
  if (rule.kind === 'latency') return m.p95Ms > rule.p95AboveMs ? 'breach' : 'clear'
  return m.errorRate > rule.errorRateAbove ? 'breach' : 'clear'
}

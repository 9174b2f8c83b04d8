/**
 * The evidence a firing notification carries (API.md, webhook `evidence`): the rule's window compared
 * the way /api/v1/compare does it — its failing entry spans (error rate rules) or those slower than the
 * threshold (latency rules) against the rest — giving example traces with links into the UI, the top
 * attributes and log patterns; and the most frequent error messages of the service in the window.
 * Links are built from `--public-url`, the address people open the UI at.
 */
import type { AlertEvidence } from '@skein/model'
import type { Config } from '../config.js'
import { type CompareParams, compareRequests } from '../query/compare.js'
import type { Db } from '../query/db.js'
import { ENTRY_SPAN, spanTime } from '../query/filters.js'
import { p, sql } from '../query/sql.js'
import type { Rule } from './rule.js'

/** Entries of each list in a notification: enough to act on, short enough for a chat message. */
export const EVIDENCE_ITEMS = 3

/** The comparison a rule's notification carries, for the window ending at `at`. */
export function evidenceSelection(rule: Rule, windowMs: number, at: number): CompareParams {
  return {
    service: rule.service,
    operation: rule.operation,
    ...(rule.kind === 'latency' ? { minDurationMs: rule.p95AboveMs } : { status: 'error' as const }),
    attrs: [],
    baseline: 'rest',
    range: { startMs: at - windowMs, endMs: at },
    limit: EVIDENCE_ITEMS,
  }
}

/**
 * `--public-url`, or else the UI's own address (an address bound on every interface is no address to
 * open: loopback stands for it).
 */
export function publicUrlOf(config: Pick<Config, 'host' | 'port'> & { publicUrl?: string }): string {
  if (config.publicUrl) return config.publicUrl
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`
}

/** `path` under the public URL (which may itself have a path, behind a proxy). */
export function publicLink(publicUrl: string, path: string, query: Record<string, string> = {}): string {
  const u = new URL(publicUrl)
  u.pathname = `${u.pathname.replace(/\/+$/, '')}${path}`
  for (const [k, v] of Object.entries(query)) u.searchParams.set(k, v)
  return u.toString()
}

export async function collectEvidence(
  db: Db,
  rule: Rule,
  windowMs: number,
  at: number,
  publicUrl: string,
): Promise<AlertEvidence> {
  const s = evidenceSelection(rule, windowMs, at)
  const operation = s.operation === undefined ? sql`` : sql`AND SpanName = ${p.String(s.operation)}`
  const [compared, errors] = await Promise.all([
    compareRequests(db, s),
    db.rows<{ message: string; count: string }>(sql`
      SELECT StatusMessage AS message, count() AS count FROM ${db.table('otel_traces')}
      WHERE ${spanTime(s.range)} AND ServiceName = ${p.String(s.service)} AND StatusCode = 'Error'
      GROUP BY message ORDER BY count DESC, message LIMIT ${p.UInt32(EVIDENCE_ITEMS)}`),
  ])
  const ids = compared.exampleTraceIds.selection.slice(0, EVIDENCE_ITEMS)
  const examples = ids.length
    ? await db.rows<{ traceId: string; durationNs: string; statusMessage: string }>(sql`
        SELECT TraceId AS traceId, max(Duration) AS durationNs, argMax(StatusMessage, Duration) AS statusMessage
        FROM ${db.table('otel_traces')}
        WHERE ${spanTime(s.range)} AND ServiceName = ${p.String(s.service)} ${operation} AND ${ENTRY_SPAN}
          AND TraceId IN ${p.ArrayString(ids)}
        GROUP BY TraceId`)
    : []
  const byId = new Map(examples.map((e) => [e.traceId, e]))
  const query: Record<string, string> = {
    service: s.service,
    start: String(s.range.startMs),
    end: String(s.range.endMs),
  }
  if (s.operation !== undefined) query.operation = s.operation
  if (s.status) query.status = s.status
  if (s.minDurationMs !== undefined) query.minDurationMs = String(s.minDurationMs)
  return {
    exampleTraces: ids.map((traceId) => ({
      traceId,
      url: publicLink(publicUrl, `/traces/${traceId}`),
      durationMs: Number(byId.get(traceId)?.durationNs ?? 0) / 1e6,
      statusMessage: byId.get(traceId)?.statusMessage ?? '',
    })),
    topErrors: errors.map((e) => ({ message: e.message, count: Number(e.count) })),
    attributes: compared.attributes,
    logs: compared.logs,
    compareUrl: publicLink(publicUrl, '/compare', query),
  }
}

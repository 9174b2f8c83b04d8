/**
 * Rules and events in ClickHouse (`skein_alert_rules`, `skein_alert_events`). Reads go through Db on
 * the query connections; writes through the inserter that storage hands out for its own tables, which
 * runs them on the ingest connection (on chDB the Db's `readonly` setting stays on the query
 * connections' sessions and refuses every write there). Alert writes are a few small rows, so they do
 * not slow ingestion. Nothing is cached: every read goes to the tables, so several collectors and a
 * restart see the same rules, and a rule's state is recovered from its latest events.
 *
 * Both tables are versioned rows (ReplacingMergeTree(Version)); reads pick the newest version with
 * argMax / FINAL, so correctness never depends on when background merges run.
 */

import { randomBytes } from 'node:crypto'
import type { AlertEvidence } from '@skein/model'
import type { Db } from '../query/db.js'
import { p, sql } from '../query/sql.js'
import type { SkeinInserter } from '../storage/storage.js'
import type { AlertState, Rule } from './rule.js'
import { type EventKind, type RuleState, stateAfter } from './state.js'

/** Delivery of one event's webhook. */
export interface NotificationOutcome {
  status: 'sending' | 'sent' | 'failed' | 'silenced' | 'disabled'
  attempts: number
  /** HTTP status of the last attempt, when there was an answer. */
  httpStatus?: number
  /** Why the last attempt failed. */
  error?: string
  /** ISO-8601 of the end of delivery. */
  at?: string
}

export interface AlertEvent {
  id: string
  ruleId: string
  kind: EventKind
  state: AlertState
  /** ISO-8601. */
  at: string
  errorRate: number
  requests: number
  errors: number
  p95Ms: number
  /** Absent for events that send nothing (pending, cancelled, disabled). */
  notification?: NotificationOutcome
  /** Firing and reminder events: what the notification showed of the requests behind it. */
  evidence?: AlertEvidence
}

export interface RuleStore {
  list(): Promise<Rule[]>
  get(id: string): Promise<Rule | undefined>
  /** Writes a new version of the rule (create or update). */
  put(rule: Rule): Promise<void>
  remove(id: string): Promise<void>
  /** Appends an event, or (same id) replaces it with a newer version. */
  putEvent(event: AlertEvent): Promise<void>
  events(opts: { ruleId?: string; limit: number }): Promise<AlertEvent[]>
  /** Each rule's state as its events left it; rules without events are absent (ok). */
  states(): Promise<Map<string, RuleState>>
}

/**
 * The Notification column is the event's delivery record: what went out and how it went. The evidence
 * rides in the same JSON (`evidence` beside the outcome's fields), so that the alert history can show
 * what the notification showed without a change of the table.
 */
function deliveryRecord(e: AlertEvent): string {
  if (!e.notification && !e.evidence) return ''
  return JSON.stringify({ ...e.notification, ...(e.evidence ? { evidence: e.evidence } : {}) })
}

export function newEventId(): string {
  return randomBytes(8).toString('hex')
}

/** Versions must grow even for two writes in the same millisecond. */
function versionClock(): () => string {
  let last = 0n
  return () => {
    const now = BigInt(Date.now()) * 1000n
    last = now > last ? now : last + 1n
    return last.toString()
  }
}

/** `inserter`: writes to the two tables (see above). */
export function createRuleStore(db: Db, inserter: SkeinInserter): RuleStore {
  const version = versionClock()
  const rules = db.table('skein_alert_rules')
  const events = db.table('skein_alert_events')
  const putRule = inserter('skein_alert_rules', ['Id', 'Version', 'Deleted', 'Rule'])
  const putEvent = inserter('skein_alert_events', [
    'Id',
    'RuleId',
    'At',
    'Kind',
    'State',
    'ErrorRate',
    'P95Ms',
    'Requests',
    'Errors',
    'Notification',
    'Version',
  ])
  const parse = (json: string): Rule | undefined => {
    try {
      return JSON.parse(json) as Rule
    } catch {
      return undefined
    }
  }

  return {
    async list() {
      const rows = await db.rows<{ rule: string }>(sql`
        SELECT argMax(Rule, Version) AS rule FROM ${rules}
        GROUP BY Id HAVING argMax(Deleted, Version) = 0 ORDER BY Id`)
      return rows.map((r) => parse(r.rule)).filter((r): r is Rule => r !== undefined)
    },
    async get(id) {
      const rows = await db.rows<{ rule: string }>(sql`
        SELECT argMax(Rule, Version) AS rule FROM ${rules}
        WHERE Id = ${p.String(id)}
        GROUP BY Id HAVING argMax(Deleted, Version) = 0`)
      return rows.length ? parse(rows[0].rule) : undefined
    },
    async put(rule) {
      await putRule([p.String(rule.id), p.UInt64(version()), sql`0`, p.String(JSON.stringify(rule))])
    },
    async remove(id) {
      await putRule([p.String(id), p.UInt64(version()), sql`1`, sql`''`])
    },
    async putEvent(e) {
      await putEvent([
        p.String(e.id),
        p.String(e.ruleId),
        sql`fromUnixTimestamp64Milli(${p.Int64(Date.parse(e.at))})`,
        p.String(e.kind),
        p.String(e.state),
        p.Float64(e.errorRate),
        p.Float64(e.p95Ms),
        p.UInt64(e.requests),
        p.UInt64(e.errors),
        p.String(deliveryRecord(e)),
        p.UInt64(version()),
      ])
    },
    async events({ ruleId, limit }) {
      const filter = ruleId === undefined ? sql`` : sql`WHERE RuleId = ${p.String(ruleId)}`
      const rows = await db.rows<{
        Id: string
        RuleId: string
        atMs: string
        Kind: EventKind
        State: AlertState
        ErrorRate: number
        P95Ms: number
        Requests: string
        Errors: string
        Notification: string
      }>(sql`
        SELECT Id, RuleId, toUnixTimestamp64Milli(At) AS atMs, Kind, State, ErrorRate, P95Ms, Requests, Errors,
          Notification
        FROM ${events} FINAL ${filter}
        ORDER BY At DESC, Id DESC LIMIT ${p.UInt32(limit)}`)
      return rows.map((r) => {
        const e: AlertEvent = {
          id: r.Id,
          ruleId: r.RuleId,
          kind: r.Kind,
          state: r.State,
          at: new Date(Number(r.atMs)).toISOString(),
          errorRate: Number(r.ErrorRate),
          requests: Number(r.Requests),
          errors: Number(r.Errors),
          p95Ms: Number(r.P95Ms),
        }
        if (r.Notification) {
          const { evidence, ...notification } = JSON.parse(r.Notification) as NotificationOutcome & {
            evidence?: AlertEvidence
          }
          if (notification.status) e.notification = notification
          if (evidence) e.evidence = evidence
        }
        return e
      })
    },
    async states() {
      // Versions of one event share its At and Kind, so no FINAL is needed for these aggregates.
      const rows = await db.rows<{
        RuleId: string
        kind: EventKind
        lastAt: string
        pendingAt: string
        firingAt: string
        notifiedAt: string
      }>(sql`
        SELECT RuleId, argMax(Kind, At) AS kind,
          toUnixTimestamp64Milli(max(At)) AS lastAt,
          toUnixTimestamp64Milli(maxIf(At, Kind = 'pending')) AS pendingAt,
          toUnixTimestamp64Milli(maxIf(At, Kind = 'firing')) AS firingAt,
          toUnixTimestamp64Milli(maxIf(At, Kind IN ('firing', 'reminder'))) AS notifiedAt
        FROM ${events} GROUP BY RuleId`)
      const out = new Map<string, RuleState>()
      for (const r of rows) {
        const state = stateAfter(r.kind)
        const since = Number(state === 'pending' ? r.pendingAt : state === 'firing' ? r.firingAt : r.lastAt)
        const s: RuleState = { state, since }
        if (state === 'firing') s.lastNotifiedAt = Number(r.notifiedAt)
        out.set(r.RuleId, s)
      }
      return out
    },
  }
}

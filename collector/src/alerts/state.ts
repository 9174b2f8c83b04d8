/**
 * The state machine of one rule, as a pure function of (rule, previous state, verdict, now): no clock,
 * no I/O, so it is tested with an injected time and reused to recover state from stored events.
 *
 *   ok ──breach──► pending ──breach for `for`──► firing ──clear──► ok (resolved)
 *        pending ──clear──► ok (cancelled)       firing ──still firing after `repeatEvery`──► reminder
 *
 * "unknown" (fewer than minRequests in the window) changes nothing, except that reminders keep coming.
 */
import type { AlertState, RuleTimes } from './rule.js'

export type Verdict = 'breach' | 'clear' | 'unknown'

/** What happened to the rule; each becomes one stored event. */
export type EventKind = 'pending' | 'firing' | 'resolved' | 'cancelled' | 'reminder' | 'disabled'

/** Event kinds that send a webhook. */
export const NOTIFYING: ReadonlySet<EventKind> = new Set(['firing', 'resolved', 'reminder'])

export interface RuleState {
  state: AlertState
  /** Unix ms when the rule entered `state`. */
  since: number
  /** Unix ms of the last firing or reminder event (reminders are counted from it). */
  lastNotifiedAt?: number
}

export interface Step {
  next: RuleState
  /** The event to record, if the step is one. */
  event?: EventKind
}

export const INITIAL: RuleState = { state: 'ok', since: 0 }

export function step(times: RuleTimes, prev: RuleState, verdict: Verdict, now: number): Step {
  switch (prev.state) {
    case 'ok':
      if (verdict !== 'breach') return { next: prev }
      if (times.forMs === 0)
        return { next: { state: 'firing', since: now, lastNotifiedAt: now }, event: 'firing' }
      return { next: { state: 'pending', since: now }, event: 'pending' }
    case 'pending':
      if (verdict === 'clear') return { next: { state: 'ok', since: now }, event: 'cancelled' }
      if (verdict === 'breach' && now - prev.since >= times.forMs) {
        return { next: { state: 'firing', since: now, lastNotifiedAt: now }, event: 'firing' }
      }
      return { next: prev }
    case 'firing': {
      if (verdict === 'clear') return { next: { state: 'ok', since: now }, event: 'resolved' }
      const last = prev.lastNotifiedAt ?? prev.since
      if (times.repeatEveryMs > 0 && now - last >= times.repeatEveryMs) {
        return { next: { ...prev, lastNotifiedAt: now }, event: 'reminder' }
      }
      return { next: prev }
    }
  }
}

/** A disabled rule is not evaluated; one that was pending or firing goes back to ok without a webhook. */
export function disable(prev: RuleState, now: number): Step {
  if (prev.state === 'ok') return { next: prev }
  return { next: { state: 'ok', since: now }, event: 'disabled' }
}

/** The state an event leaves the rule in. */
export function stateAfter(kind: EventKind): AlertState {
  return kind === 'pending' ? 'pending' : kind === 'firing' || kind === 'reminder' ? 'firing' : 'ok'
}

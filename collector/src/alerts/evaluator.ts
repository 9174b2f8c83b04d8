/**
 * The evaluation loop: every interval, each rule is measured, stepped through its state machine, and
 * each transition becomes an event (stored before anything is sent) and, for firing / resolved /
 * reminder, a webhook. Webhooks go out in the background, in order per rule, so a receiver that is
 * slow or down delays neither the other rules nor the next pass; the outcome is written onto the event.
 *
 * Failures are contained per rule: a query error, a storage hiccup or a webhook that is down is logged
 * (once per distinct message) and the pass goes on; the state only advances once its event is stored,
 * so a failed write is simply retried by the next pass.
 */
import type { LogFn } from '../log.js'
import type { Db } from '../query/db.js'
import { collectEvidence } from './evidence.js'
import { type Measurement, measure, verdict } from './measure.js'
import { NOTIFIER_DEFAULTS, type NotifierOptions, sendWebhook, webhookBody } from './notifier.js'
import { isSilenced, type Rule, ruleTimes } from './rule.js'
import { disable, type EventKind, INITIAL, NOTIFYING, type RuleState, type Step, step } from './state.js'
import { type AlertEvent, newEventId, type RuleStore } from './store.js'

export interface EvaluatorDeps {
  store: RuleStore
  db: Db
  intervalMs: number
  log: LogFn
  /** The clock; injected by tests. */
  now?: () => number
  notifier?: Partial<NotifierOptions>
  /** The address people open the UI at: links in the evidence of firing notifications start with it. */
  publicUrl: string
}

/**
 * Lifecycle: `start()` recovers each rule's state from its stored events, then runs a pass every
 * `intervalMs` (fixed rate; a pass that overruns delays the next, passes never overlap). `stop()` ends
 * the loop, waits for the running pass, cancels webhook retries and waits until their outcome is
 * recorded; it is safe to call twice, and before `start()`.
 */
export interface Evaluator {
  start(): Promise<void>
  /** One pass over every rule; resolves when the pass (not its webhooks) is done. */
  tick(): Promise<void>
  stop(): Promise<void>
}

export function createEvaluator(deps: EvaluatorDeps): Evaluator {
  const now = deps.now ?? Date.now
  const notifierOptions = { ...NOTIFIER_DEFAULTS, ...deps.notifier }
  const states = new Map<string, RuleState>()
  /** The tail of each rule's webhook queue. */
  const queues = new Map<string, Promise<void>>()
  const lastError = new Map<string, string>()
  const stopping = new AbortController()
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped: Promise<void> | undefined

  const report = (key: string, msg: string) => {
    if (lastError.get(key) === msg) return
    lastError.set(key, msg)
    deps.log('warn', msg)
  }
  const recovered = (key: string) => {
    if (lastError.delete(key)) deps.log('info', `alerts: ${key} works again`)
  }

  /**
   * The evidence of a firing notification (or reminder), gathered in the webhook queue rather than in the
   * pass: its queries take longer than a measurement, and must not delay the other rules. It is a help,
   * not a condition: without it the notification still goes out.
   */
  async function evidenceFor(rule: Rule, event: AlertEvent, kind: EventKind): Promise<void> {
    if (kind !== 'firing' && kind !== 'reminder') return
    const key = `evidence of rule ${rule.id}`
    try {
      const windowMs = ruleTimes(rule).windowMs
      event.evidence = await collectEvidence(deps.db, rule, windowMs, Date.parse(event.at), deps.publicUrl)
      recovered(key)
    } catch (e) {
      report(key, `alerts: rule ${rule.id}: no evidence: ${(e as Error).message}`)
    }
  }

  function enqueue(rule: Rule, event: AlertEvent, kind: EventKind, m: Measurement, firingSince?: number) {
    const prev = queues.get(rule.id) ?? Promise.resolve()
    const next = prev.then(async () => {
      await evidenceFor(rule, event, kind)
      const body = webhookBody(
        rule,
        kind as 'firing' | 'resolved' | 'reminder',
        m,
        Date.parse(event.at),
        firingSince,
        event.evidence,
      )
      let detail: string | undefined
      const outcome = await sendWebhook(rule.webhookUrl, body, {
        ...notifierOptions,
        signal: stopping.signal,
        diagnose: (d) => {
          detail = d
        },
      })
      if (outcome.status === 'failed') {
        // The rule's id, never its URL (which may hold a secret); the detail is for the operator only.
        deps.log(
          'warn',
          `alerts: rule ${rule.id}: ${outcome.error} (${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}${detail ? `; ${detail}` : ''})`,
        )
      }
      try {
        await deps.store.putEvent({ ...event, notification: outcome })
      } catch (e) {
        deps.log(
          'warn',
          `alerts: cannot record the webhook outcome of rule ${rule.id}: ${(e as Error).message}`,
        )
      }
    })
    const tail = next.finally(() => {
      if (queues.get(rule.id) === tail) queues.delete(rule.id)
    })
    queues.set(rule.id, tail)
  }

  async function evaluate(rule: Rule, at: number): Promise<void> {
    const prev = states.get(rule.id) ?? INITIAL
    const times = ruleTimes(rule)
    let s: Step
    let m: Measurement = { requests: 0, errors: 0, errorRate: 0, p95Ms: 0 }
    if (!rule.enabled) s = disable(prev, at)
    else {
      m = await measure(deps.db, rule, times.windowMs, at)
      s = step(times, prev, verdict(rule, m), at)
    }
    if (!s.event) {
      states.set(rule.id, s.next)
      return
    }
    const notifies = NOTIFYING.has(s.event)
    const silenced = notifies && isSilenced(rule, at)
    const event: AlertEvent = {
      id: newEventId(),
      ruleId: rule.id,
      kind: s.event,
      state: s.next.state,
      at: new Date(at).toISOString(),
      errorRate: m.errorRate,
      requests: m.requests,
      errors: m.errors,
      p95Ms: m.p95Ms,
    }
    if (silenced) event.notification = { status: 'silenced', attempts: 0 }
    else if (notifies) event.notification = { status: 'sending', attempts: 0 }
    await deps.store.putEvent(event)
    states.set(rule.id, s.next)
    if (notifies && !silenced) {
      enqueue(rule, event, s.event, m, s.event === 'firing' ? undefined : prev.since)
    }
  }

  async function tick(): Promise<void> {
    let rules: Rule[]
    try {
      rules = await deps.store.list()
      recovered('reading rules')
    } catch (e) {
      report('reading rules', `alerts: cannot read the rules: ${(e as Error).message}`)
      return
    }
    const at = now()
    const ids = new Set(rules.map((r) => r.id))
    for (const id of states.keys()) if (!ids.has(id)) states.delete(id)
    for (const rule of rules) {
      if (stopping.signal.aborted) return
      try {
        await evaluate(rule, at)
        recovered(`rule ${rule.id}`)
      } catch (e) {
        const cause = (e as { cause?: Error }).cause
        report(
          `rule ${rule.id}`,
          `alerts: rule ${rule.id} not evaluated: ${(e as Error).message}${cause ? ` (${cause.message?.split('\n')[0]})` : ''}`,
        )
      }
    }
  }

  function schedule(delayMs: number) {
    if (stopping.signal.aborted) return
    timer = setTimeout(() => {
      const started = now()
      running = tick().finally(() => {
        running = undefined
        schedule(Math.max(0, deps.intervalMs - (now() - started)))
      })
    }, delayMs)
  }

  return {
    async start() {
      // In the background, so that storage trouble delays alerts but never the collector's start.
      running = (async () => {
        while (!stopping.signal.aborted) {
          try {
            for (const [id, s] of await deps.store.states()) states.set(id, s)
            recovered('recovering state')
            schedule(0)
            return
          } catch (e) {
            // Without the recovered state a pass could re-send a firing webhook: no pass until it is known.
            report('recovering state', `alerts: cannot recover rule states yet: ${(e as Error).message}`)
            await new Promise((r) => setTimeout(r, deps.intervalMs))
          }
        }
      })()
    },
    tick,
    stop() {
      stopped ??= (async () => {
        stopping.abort()
        clearTimeout(timer)
        await running
        await Promise.allSettled([...queues.values()])
      })()
      return stopped
    },
  }
}

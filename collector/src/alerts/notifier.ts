/**
 * Webhook notifications: the JSON body of API.md with a readable `text` (Slack-compatible receivers
 * show it as is), POSTed with a per-attempt timeout and retries with exponential backoff. Retries are
 * for what may pass — network errors, timeouts, 408, 429 and 5xx; any other answer is final.
 * `send` never throws: the outcome is a value, recorded on the event.
 */

import type { Measurement } from './measure.js'
import type { Rule } from './rule.js'
import type { NotificationOutcome } from './store.js'

export interface WebhookBody {
  /** The rule, without its webhook URL (which may embed a secret). */
  rule: Omit<Rule, 'webhookUrl'>
  state: 'firing' | 'resolved'
  /** True for a reminder that the rule is still firing. */
  reminder: boolean
  errorRate: number
  requests: number
  errors: number
  p95Ms: number
  window: string
  /** ISO-8601 of the evaluation that produced this notification. */
  at: string
  /** ISO-8601 since when the rule has been firing (for reminders and resolves). */
  firingSince?: string
  text: string
}

export interface NotifierOptions {
  /** Per attempt. */
  timeoutMs: number
  attempts: number
  /** Delay before the 2nd attempt; doubled each time. */
  backoffMs: number
  /** Aborts retries and in-flight requests, e.g. on shutdown. */
  signal?: AbortSignal
}

export const NOTIFIER_DEFAULTS: NotifierOptions = { timeoutMs: 5000, attempts: 4, backoffMs: 500 }

const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const ms = (x: number) => `${Math.round(x)} ms`

/** One line a person reads in a chat channel. */
export function notificationText(
  rule: Rule,
  kind: 'firing' | 'resolved' | 'reminder',
  m: Measurement,
): string {
  const scope = rule.operation ? `${rule.service} ${rule.operation}` : rule.service
  const measured =
    rule.kind === 'latency'
      ? `p95 latency ${ms(m.p95Ms)} ${kind === 'resolved' ? '≤' : '>'} ${ms(rule.p95AboveMs as number)}`
      : `error rate ${pct(m.errorRate)} ${kind === 'resolved' ? '≤' : '>'} ${pct(rule.errorRateAbove as number)}`
  const tag = kind === 'firing' ? '[FIRING]' : kind === 'reminder' ? '[STILL FIRING]' : '[RESOLVED]'
  return `${tag} ${rule.name}: ${scope} ${measured} over ${rule.window} (${m.errors} errors in ${m.requests} requests)`
}

export function webhookBody(
  rule: Rule,
  kind: 'firing' | 'resolved' | 'reminder',
  m: Measurement,
  at: number,
  firingSince?: number,
): WebhookBody {
  const { webhookUrl: _secret, ...shown } = rule
  const body: WebhookBody = {
    rule: shown,
    state: kind === 'resolved' ? 'resolved' : 'firing',
    reminder: kind === 'reminder',
    errorRate: m.errorRate,
    requests: m.requests,
    errors: m.errors,
    p95Ms: m.p95Ms,
    window: rule.window,
    at: new Date(at).toISOString(),
    text: notificationText(rule, kind, m),
  }
  if (firingSince !== undefined) body.firingSince = new Date(firingSince).toISOString()
  return body
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

const retryableStatus = (s: number) => s === 408 || s === 429 || s >= 500

export async function sendWebhook(
  url: string,
  body: WebhookBody,
  opts: NotifierOptions = NOTIFIER_DEFAULTS,
): Promise<NotificationOutcome> {
  const payload = JSON.stringify(body)
  let attempts = 0
  let httpStatus: number | undefined
  let error: string | undefined
  for (;;) {
    attempts++
    httpStatus = undefined
    const timeout = AbortSignal.timeout(opts.timeoutMs)
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'skein-alerts' },
        body: payload,
        redirect: 'manual',
        signal: opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout,
      })
      // The body is not used, but reading it frees the connection.
      await res.arrayBuffer().catch(() => undefined)
      httpStatus = res.status
      if (res.status >= 200 && res.status < 300) {
        return { status: 'sent', attempts, httpStatus, at: new Date().toISOString() }
      }
      error = `HTTP ${res.status}`
      if (!retryableStatus(res.status)) break
    } catch (e) {
      error = timeout.aborted
        ? `no answer within ${opts.timeoutMs} ms`
        : opts.signal?.aborted
          ? 'cancelled: the collector is stopping'
          : describe(e)
    }
    if (attempts >= opts.attempts || opts.signal?.aborted) break
    await sleep(opts.backoffMs * 2 ** (attempts - 1), opts.signal)
    if (opts.signal?.aborted) break
  }
  const out: NotificationOutcome = { status: 'failed', attempts, error, at: new Date().toISOString() }
  if (httpStatus !== undefined) out.httpStatus = httpStatus
  return out
}

function describe(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause
  return cause?.code ?? cause?.message ?? (e as Error).message ?? String(e)
}

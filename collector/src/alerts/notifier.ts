/**
 * Webhook notifications: the JSON body of API.md with a readable `text` (Slack-compatible receivers
 * show it as is), POSTed with a per-attempt timeout and retries with exponential backoff. Retries are
 * for what may pass — network errors, timeouts, 408, 429 and 5xx; any other answer is final, and so is
 * a refused address. `send` never throws: the outcome is a value, recorded on the event.
 *
 * The POST goes through node:http(s) rather than fetch, because the connection must use the addresses
 * that webhook-target.ts checked (its `lookup`), which fetch cannot be given without a second HTTP
 * client. Redirects are not followed: a 3xx is a final answer. What the event records is a short fixed
 * text ("webhook failed: HTTP 503", "… timeout", "… cannot connect", "webhook refused: address not
 * allowed"), so the events of a rule cannot serve to map a network; the detail goes to `diagnose`.
 */
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import type { AlertEvidence } from '@skein/model'
import type { Measurement } from './measure.js'
import type { ErrorRateRule, LatencyRule, Rule } from './rule.js'
import type { NotificationOutcome } from './store.js'
import {
  checkTarget,
  connectHost,
  guardedLookup,
  isWebhookRefused,
  type ResolveHost,
  type WebhookPolicy,
} from './webhook-target.js'

export interface WebhookBody {
  /** The rule, without its webhook URL (which may embed a secret). */
  rule: Omit<ErrorRateRule, 'webhookUrl'> | Omit<LatencyRule, 'webhookUrl'>
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
  /** Firing notifications (and reminders): the requests behind the alert and what sets them apart. */
  evidence?: AlertEvidence
}

export interface NotifierOptions {
  /** Per attempt. */
  timeoutMs: number
  attempts: number
  /** Delay before the 2nd attempt; doubled each time. */
  backoffMs: number
  /** Loopback and private receivers are allowed (--alert-allow-private-webhooks); see webhook-target.ts. */
  allowPrivateAddresses?: boolean
  /** Resolves the receiver's host; the system resolver unless a test gives one. */
  resolveHost?: ResolveHost
  /**
   * Told why delivery failed, for the collector's own log (the operator's eyes): the error code, or which
   * address was refused. Never the URL, which may hold a secret; never stored on the event.
   */
  diagnose?: (detail: string) => void
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
      ? `p95 latency ${ms(m.p95Ms)} ${kind === 'resolved' ? '≤' : '>'} ${ms(rule.p95AboveMs)}`
      : `error rate ${pct(m.errorRate)} ${kind === 'resolved' ? '≤' : '>'} ${pct(rule.errorRateAbove)}`
  const tag = kind === 'firing' ? '[FIRING]' : kind === 'reminder' ? '[STILL FIRING]' : '[RESOLVED]'
  return `${tag} ${rule.name}: ${scope} ${measured} over ${rule.window} (${m.errors} errors in ${m.requests} requests)`
}

/** The evidence in a chat line: the first example's link and the top attribute, when there are. */
export function evidenceText(evidence: AlertEvidence | undefined): string {
  if (!evidence) return ''
  const parts: string[] = []
  const top = evidence.attributes[0]
  if (top)
    parts.push(
      `most different: ${top.key}=${top.value} (${pct(top.selectionShare)} of them, ${pct(top.baselineShare)} of the rest)`,
    )
  if (evidence.topErrors[0]) parts.push(`top error: ${evidence.topErrors[0].message}`)
  if (evidence.exampleTraces[0]) parts.push(`example: ${evidence.exampleTraces[0].url}`)
  return parts.length ? ` — ${parts.join('; ')}` : ''
}

export function webhookBody(
  rule: Rule,
  kind: 'firing' | 'resolved' | 'reminder',
  m: Measurement,
  at: number,
  firingSince?: number,
  evidence?: AlertEvidence,
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
    text: notificationText(rule, kind, m) + (kind === 'resolved' ? '' : evidenceText(evidence)),
  }
  if (firingSince !== undefined) body.firingSince = new Date(firingSince).toISOString()
  if (evidence && kind !== 'resolved') body.evidence = evidence
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

/** One POST; resolves with the status as soon as it is known (the body is not read). */
function post(url: URL, payload: string, lookup: LookupFunction, signal: AbortSignal): Promise<number> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise((resolve, reject) => {
    const req = request(
      {
        protocol: url.protocol,
        host: connectHost(url),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          'user-agent': 'skein-alerts',
        },
        lookup,
        // A connection of its own per attempt, so each attempt resolves and checks afresh (webhooks are
        // too rare for a pool to pay).
        agent: false,
        signal,
      },
      (res) => {
        resolve(res.statusCode ?? 0)
        res.destroy()
      },
    )
    req.on('error', reject)
    req.end(payload)
  })
}

export async function sendWebhook(
  url: string,
  body: WebhookBody,
  opts: NotifierOptions = NOTIFIER_DEFAULTS,
): Promise<NotificationOutcome> {
  const policy: WebhookPolicy = { allowPrivate: opts.allowPrivateAddresses === true }
  const diagnose = opts.diagnose ?? (() => undefined)
  const payload = JSON.stringify(body)
  let attempts = 0
  let httpStatus: number | undefined
  let error: string | undefined
  let target: URL
  try {
    target = new URL(url)
    checkTarget(target, policy)
  } catch (e) {
    diagnose(isWebhookRefused(e) ? e.detail : 'the URL does not parse')
    const shown = isWebhookRefused(e) ? e.shown : 'webhook refused: not a URL'
    return { status: 'failed', attempts: 1, error: shown, at: new Date().toISOString() }
  }
  const lookup = guardedLookup(policy, opts.resolveHost)
  for (;;) {
    attempts++
    httpStatus = undefined
    const timeout = AbortSignal.timeout(opts.timeoutMs)
    try {
      const status = await post(
        target,
        payload,
        lookup,
        opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout,
      )
      httpStatus = status
      if (status >= 200 && status < 300) {
        return { status: 'sent', attempts, httpStatus, at: new Date().toISOString() }
      }
      error = `webhook failed: HTTP ${status}`
      if (!retryableStatus(status)) break
    } catch (e) {
      if (isWebhookRefused(e)) {
        diagnose(e.detail)
        error = e.shown
        break
      }
      error = timeout.aborted
        ? 'webhook failed: timeout'
        : opts.signal?.aborted
          ? 'webhook failed: cancelled, the collector is stopping'
          : 'webhook failed: cannot connect'
      if (!timeout.aborted && !opts.signal?.aborted) diagnose(`cannot connect: ${code(e)}`)
    }
    if (attempts >= opts.attempts || opts.signal?.aborted) break
    await sleep(opts.backoffMs * 2 ** (attempts - 1), opts.signal)
    if (opts.signal?.aborted) break
  }
  const out: NotificationOutcome = { status: 'failed', attempts, error, at: new Date().toISOString() }
  if (httpStatus !== undefined) out.httpStatus = httpStatus
  return out
}

/** An error's code (ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED, …): never its message, which names the URL. */
function code(e: unknown): string {
  const c = (e as { code?: unknown }).code ?? (e as { cause?: { code?: unknown } }).cause?.code
  return typeof c === 'string' && /^[A-Z0-9_]{1,64}$/.test(c) ? c : 'network error'
}

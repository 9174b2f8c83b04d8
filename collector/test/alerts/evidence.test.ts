/**
 * The pure parts of a notification's evidence (alerts/evidence.ts, notifier.ts): which requests a rule's
 * comparison selects, the links under --public-url, and the chat line. test/alerts/evidence.test.ts sends
 * a real firing notification with it.
 */
import type { AlertEvidence } from '@skein/model'
import { describe, expect, it } from 'vitest'
import { evidenceSelection, publicLink, publicUrlOf } from '../../src/alerts/evidence.js'
import { evidenceText, webhookBody } from '../../src/alerts/notifier.js'
import { validateRule } from '../../src/alerts/rule.js'

const base = {
  id: 'checkout',
  name: 'Checkout',
  service: 'checkout',
  window: '5m',
  webhookUrl: 'https://hooks.example.com/secret-token',
}
const errors = validateRule({ ...base, errorRateAbove: 0.05, operation: 'POST /checkout' })
const latency = validateRule({ ...base, p95AboveMs: 750 })
const m = { requests: 200, errors: 62, errorRate: 0.31, p95Ms: 120 }

const evidence: AlertEvidence = {
  exampleTraces: [
    {
      traceId: 'a'.repeat(32),
      url: `https://skein.example.org/traces/${'a'.repeat(32)}`,
      durationMs: 12,
      statusMessage: 'boom',
    },
  ],
  topErrors: [{ message: 'stock lock timeout', count: 40 }],
  attributes: [
    {
      key: 'service.version',
      value: '2.0.1',
      scope: 'resource',
      selectionShare: 1,
      baselineShare: 0.2,
      selectionCount: 40,
      baselineCount: 32,
      score: 9.1,
    },
  ],
  logs: [],
  compareUrl: 'https://skein.example.org/compare?service=checkout&status=error',
}

describe("a rule's comparison", () => {
  it("selects the failing requests of an error-rate rule's operation, over its window", () => {
    const at = Date.parse('2026-01-01T12:00:00Z')
    expect(evidenceSelection(errors, 300_000, at)).toEqual({
      service: 'checkout',
      operation: 'POST /checkout',
      status: 'error',
      attrs: [],
      baseline: 'rest',
      range: { startMs: at - 300_000, endMs: at },
      limit: 3,
    })
  })

  it('selects the requests slower than a latency rule’s threshold', () => {
    const s = evidenceSelection(latency, 60_000, 1_000_000)
    expect(s.minDurationMs).toBe(750)
    expect(s.status).toBeUndefined()
    expect(s.operation).toBeUndefined()
  })
})

describe('links', () => {
  it('go under the public URL, its path kept, values encoded', () => {
    expect(publicLink('https://skein.example.org/ops/', '/traces/abc')).toBe(
      'https://skein.example.org/ops/traces/abc',
    )
    expect(publicLink('http://127.0.0.1:8080', '/compare', { service: 'a&b c', status: 'error' })).toBe(
      'http://127.0.0.1:8080/compare?service=a%26b+c&status=error',
    )
  })

  it("default to the UI's own address, loopback for an address bound on every interface", () => {
    expect(publicUrlOf({ host: '127.0.0.1', port: 8080 })).toBe('http://127.0.0.1:8080')
    expect(publicUrlOf({ host: '0.0.0.0', port: 9000 })).toBe('http://127.0.0.1:9000')
    expect(publicUrlOf({ host: '::1', port: 9000 })).toBe('http://[::1]:9000')
    expect(publicUrlOf({ host: '0.0.0.0', port: 9000, publicUrl: 'https://skein.example.org' })).toBe(
      'https://skein.example.org',
    )
  })
})

describe('the chat line', () => {
  it('names the top attribute, the top error and the first example link', () => {
    const text = evidenceText(evidence)
    expect(text).toBe(
      ` — most different: service.version=2.0.1 (100.0% of them, 20.0% of the rest); top error: stock lock timeout; example: https://skein.example.org/traces/${'a'.repeat(32)}`,
    )
    expect(evidenceText(undefined)).toBe('')
  })

  it('goes with firing notifications and reminders, not with the resolved one', () => {
    const firing = webhookBody(errors, 'firing', m, 0, undefined, evidence)
    expect(firing.evidence).toEqual(evidence)
    expect(firing.text).toContain('service.version=2.0.1')
    expect(webhookBody(errors, 'reminder', m, 0, 0, evidence).evidence).toEqual(evidence)
    const resolved = webhookBody(errors, 'resolved', m, 0, 0, evidence)
    expect(resolved.evidence).toBeUndefined()
    expect(resolved.text).not.toContain('service.version')
  })
})

/**
 * Provisioning from a YAML file (`--alert-rules rules.yaml`), applied at start-up: each rule of the file
 * is created or brought up to date by its `id` (derived from `name` when absent), keeping a silence set
 * through the API. Rules the file does not mention are left alone. A bad file stops the collector with
 * one line naming the file, the rule and the field.
 *
 * ```yaml
 * rules:
 *   - id: checkout-errors
 *     name: Checkout failing
 *     service: checkout
 *     errorRateAbove: 0.05
 *     window: 5m
 *     minRequests: 20
 *     for: 2m
 *     webhookUrl: https://hooks.example.com/T000/B000
 * ```
 */
import { readFile } from 'node:fs/promises'
import { parse } from 'yaml'
import { isSkeinError, skeinError } from '../errors.js'
import { type Rule, validateRule } from './rule.js'
import type { RuleStore } from './store.js'
import { checkWebhookUrl, type WebhookPolicy } from './webhook-target.js'

function slug(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
  return s || undefined
}

/**
 * Parses and validates the file's rules, webhook targets included (`webhooks`: private receivers are
 * refused unless allowed); throws SkeinError(CONFIG) naming the file and the rule.
 */
export function parseRulesYaml(
  text: string,
  file: string,
  webhooks: WebhookPolicy = { allowPrivate: false },
  now = Date.now(),
): Rule[] {
  const fail = (why: string): never => {
    throw skeinError('CONFIG', `invalid --alert-rules ${file}: ${why}`)
  }
  let doc: unknown
  try {
    doc = parse(text)
  } catch (e) {
    fail(`not valid YAML: ${(e as Error).message.split('\n')[0]}`)
  }
  if (doc === null || doc === undefined) return []
  const list = Array.isArray(doc) ? doc : (doc as { rules?: unknown }).rules
  if (!Array.isArray(list)) fail('expected a list of rules under "rules:"')
  const seen = new Set<string>()
  return (list as unknown[]).map((raw, i) => {
    const label = `rule ${i + 1}${typeof (raw as { name?: unknown })?.name === 'string' ? ` (${(raw as { name: string }).name})` : ''}`
    let rule: Rule
    try {
      const input = raw as Record<string, unknown>
      rule = validateRule(
        typeof input === 'object' && input !== null && input.id === undefined
          ? { ...input, id: slug(input.name) }
          : raw,
        { now },
      )
      checkWebhookUrl(rule.webhookUrl, webhooks)
    } catch (e) {
      if (isSkeinError(e)) fail(`${label}: ${e.message}`)
      throw e
    }
    if (seen.has(rule.id)) fail(`${label}: id ${JSON.stringify(rule.id)} appears twice`)
    seen.add(rule.id)
    return rule
  })
}

/** What a rule means, without bookkeeping: equal rules need no new version. */
function meaning(r: Rule): string {
  const { createdAt: _c, updatedAt: _u, silencedUntil: _s, ...rest } = r
  return JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b))))
}

export async function provisionRules(
  store: RuleStore,
  file: string,
  webhooks: WebhookPolicy,
): Promise<{ created: number; updated: number; unchanged: number }> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw skeinError(
      'CONFIG',
      `cannot read --alert-rules ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    )
  }
  const counts = { created: 0, updated: 0, unchanged: 0 }
  for (const rule of parseRulesYaml(text, file, webhooks)) {
    const previous = await store.get(rule.id)
    if (previous && meaning(previous) === meaning(rule)) {
      counts.unchanged++
      continue
    }
    const next: Rule = previous ? { ...rule, createdAt: previous.createdAt } : rule
    if (previous?.silencedUntil && rule.silencedUntil === undefined)
      next.silencedUntil = previous.silencedUntil
    await store.put(next)
    counts[previous ? 'updated' : 'created']++
  }
  return counts
}

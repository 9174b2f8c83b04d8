/**
 * The alerts API (API.md, "Alerts"): rules with their live state, their events, and silencing. Routes,
 * parameters and answers are @skein/model's (query/route.ts); bodies are validated by rule.ts (400
 * naming the field); the state of each rule is read from its stored events, so every collector sharing
 * the storage answers the same.
 */
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { ROUTES, type RuleView } from '@skein/model'
import type { FastifyInstance } from 'fastify'
import { skeinError } from '../errors.js'
import { capLimit } from '../query/params.js'
import { declared } from '../query/route.js'
import { parseDuration } from '../units.js'
import { badRule, mergeRule, type Rule, validateRule } from './rule.js'
import { INITIAL, type RuleState } from './state.js'
import type { RuleStore } from './store.js'
import { checkWebhookUrl, type WebhookPolicy } from './webhook-target.js'

export type { RuleView }

function view(rule: Rule, s: RuleState | undefined): RuleView {
  const { state, since } = s ?? INITIAL
  const out: RuleView = { ...rule, state }
  if (since > 0) out.stateSince = new Date(since).toISOString()
  return out
}

async function existing(store: RuleStore, id: string): Promise<Rule> {
  const rule = await store.get(id)
  if (!rule) throw skeinError('NOT_FOUND', `no alert rule with id ${JSON.stringify(id)}`)
  return rule
}

/** `{until}` (ISO-8601 or Unix ms) or `{for}` (a duration from now) → ISO-8601. */
export function silenceUntil(body: unknown, now = Date.now()): string {
  const b = (typeof body === 'object' && body !== null ? body : {}) as { until?: unknown; for?: unknown }
  if (b.for !== undefined) {
    const ms = typeof b.for === 'string' ? parseDuration(b.for) : undefined
    if (ms === undefined || ms <= 0) badRule('for', 'expected a duration such as 30m, 2h')
    return new Date(now + ms).toISOString()
  }
  const t =
    typeof b.until === 'number'
      ? b.until
      : typeof b.until === 'string'
        ? /^\d+$/.test(b.until)
          ? Number(b.until)
          : Date.parse(b.until)
        : Number.NaN
  if (!Number.isFinite(t))
    badRule('until', 'expected an ISO-8601 time or Unix milliseconds (or give "for": "1h")')
  if (t <= now) badRule('until', 'must be in the future')
  return new Date(t).toISOString()
}

/**
 * `webhooks`: where rules may send (--alert-allow-private-webhooks). A new or changed webhook URL is
 * checked here, after the rule's shape; silencing leaves a stored URL alone, and the notifier checks
 * every URL again at send time.
 */
export function registerAlertRoutes(app: FastifyInstance, store: RuleStore, webhooks: WebhookPolicy): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>()
  const withState = async (rule: Rule) => view(rule, (await store.states()).get(rule.id))

  api.route({
    ...declared(ROUTES.listAlertRules),
    handler: async () => {
      const [rules, states] = await Promise.all([store.list(), store.states()])
      return { rules: rules.map((r) => view(r, states.get(r.id))) }
    },
  })

  api.route({
    ...declared(ROUTES.createAlertRule),
    handler: async (req, reply) => {
      const rule = validateRule(req.body)
      checkWebhookUrl(rule.webhookUrl, webhooks)
      if (await store.get(rule.id))
        badRule('id', `a rule with id ${JSON.stringify(rule.id)} already exists; use PUT to change it`)
      await store.put(rule)
      return reply
        .code(201)
        .header('location', `${ROUTES.listAlertRules.url}/${encodeURIComponent(rule.id)}`)
        .send(await withState(rule))
    },
  })

  api.route({
    ...declared(ROUTES.getAlertRule),
    handler: async (req) => withState(await existing(store, req.params.id)),
  })

  api.route({
    ...declared(ROUTES.updateAlertRule),
    handler: async (req) => {
      const previous = await existing(store, req.params.id)
      const rule = mergeRule(previous, req.body)
      if (rule.webhookUrl !== previous.webhookUrl) checkWebhookUrl(rule.webhookUrl, webhooks)
      await store.put(rule)
      return withState(rule)
    },
  })

  api.route({
    ...declared(ROUTES.deleteAlertRule),
    handler: async (req, reply) => {
      await existing(store, req.params.id)
      await store.remove(req.params.id)
      return reply.code(204).send(null)
    },
  })

  // Acknowledge: notifications are withheld until then; evaluation and events go on.
  api.route({
    ...declared(ROUTES.silenceAlertRule),
    handler: async (req) => {
      const previous = await existing(store, req.params.id)
      const rule = validateRule({ ...previous, silencedUntil: silenceUntil(req.body) }, { previous })
      await store.put(rule)
      return withState(rule)
    },
  })

  api.route({
    ...declared(ROUTES.unsilenceAlertRule),
    handler: async (req) => {
      const previous = await existing(store, req.params.id)
      const { silencedUntil: _, ...rest } = previous
      const rule = validateRule(rest, { previous })
      await store.put(rule)
      return withState(rule)
    },
  })

  api.route({
    ...declared(ROUTES.alertEvents),
    handler: async (req) => ({
      events: await store.events({ ruleId: req.query.ruleId, limit: capLimit(req.query.limit) }),
    }),
  })
}

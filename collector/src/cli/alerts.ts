/**
 * `skein alerts list|add|rm|silence`: alert rules through the query API of a running collector. Also
 * plugs the alert evaluator into `skein serve`, so importing this module is all cli.ts does for alerts.
 */
import type { RulesAnswer, RuleView } from '@skein/model'
import type { Command } from 'commander'
import { apiGet, apiRequest, CliError, type ClientFlags, printJson, withClientFlags } from './client.js'
import { clean, print, table } from './format.js'

/** POST / PUT / DELETE with a JSON body, through the shared client. */
function apiSend<T>(
  flags: ClientFlags,
  method: string,
  path: string,
  body?: unknown,
): Promise<T | undefined> {
  return apiRequest<T>(flags, method, path, { body })
}

function condition(r: RuleView): string {
  const what =
    r.kind === 'latency' ? `p95 > ${r.p95AboveMs} ms` : `errors > ${+(r.errorRateAbove * 100).toFixed(3)}%`
  return `${what} over ${r.window} for ${r.for} (min ${r.minRequests})`
}

interface AddFlags extends ClientFlags {
  service: string
  webhook: string
  name?: string
  operation?: string
  errorRate?: string
  p95?: string
  window: string
  minRequests: string
  for: string
  repeat: string
  id?: string
  disabled?: boolean
}

/** "5%" or "0.05" → 0.05; anything else is passed on for the server to refuse, naming the field. */
function percentOrFraction(v: string): number | string {
  const m = /^(\d+(?:\.\d+)?)%$/.exec(v.trim())
  if (m) return Number(m[1]) / 100
  return /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : v
}

/** "500", "500ms" or "1.5s" → ms; anything else is passed on for the server to refuse. */
function msOf(v: string): number | string {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v.trim())
  if (!m) return v
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1)
}

export function registerAlerts(program: Command): void {
  const alerts = program.command('alerts').description('alert rules: list (default), add, rm, silence')

  withClientFlags(
    alerts.command('list', { isDefault: true }).description('rules with their live state'),
  ).action(async (flags: ClientFlags) => {
    const { rules } = await apiGet<RulesAnswer>(flags, '/alerts/rules')
    if (flags.json) return printJson({ rules })
    if (rules.length === 0) return print('no alert rules')
    const now = Date.now()
    const notes = (r: RuleView) =>
      [
        r.enabled ? '' : 'disabled',
        r.silencedUntil && Date.parse(r.silencedUntil) > now ? `silenced until ${r.silencedUntil}` : '',
      ]
        .filter(Boolean)
        .join(', ')
    print(
      table(rules, [
        { header: 'ID', value: (r) => clean(r.id) },
        { header: 'STATE', value: (r) => r.state },
        { header: 'NAME', value: (r) => clean(r.name, 40) },
        {
          header: 'SERVICE',
          value: (r) => clean(r.operation ? `${r.service} ${r.operation}` : r.service, 50),
        },
        { header: 'CONDITION', value: condition },
        { header: 'NOTES', value: notes },
      ]),
    )
  })

  withClientFlags(
    alerts
      .command('add')
      .description('create a rule: an error-rate rule with --error-rate, a latency rule with --p95')
      .requiredOption('--service <name>', 'service whose entry spans are measured')
      .requiredOption('--webhook <url>', 'URL that receives a JSON POST on firing and on resolve')
      .option('--name <text>', 'readable name (default: derived from the condition)')
      .option('--operation <span name>', 'only this operation')
      .option('--error-rate <fraction>', 'fire above this error rate: 0.05 or 5%')
      .option('--p95 <ms>', 'fire when the p95 latency is above this: 500 or 500ms')
      .option('--window <duration>', 'look-back of each evaluation', '5m')
      .option('--min-requests <n>', 'no verdict below this many requests in the window', '10')
      .option('--for <duration>', 'how long the condition must hold before firing', '1m')
      .option('--repeat <duration>', 'reminder interval while firing (0s: none)', '1h')
      .option('--id <id>', 'rule id (default: generated)')
      .option('--disabled', 'create it disabled'),
  ).action(async (flags: AddFlags) => {
    if ((flags.errorRate === undefined) === (flags.p95 === undefined))
      throw new CliError('give exactly one of --error-rate or --p95')
    const scope = flags.operation ? `${flags.service} ${flags.operation}` : flags.service
    // The server validates every field (400 naming it); the CLI only converts its friendlier spellings.
    const body: Record<string, unknown> = {
      id: flags.id,
      name:
        flags.name ??
        (flags.errorRate !== undefined
          ? `${scope} error rate above ${flags.errorRate}`
          : `${scope} p95 above ${flags.p95}`),
      service: flags.service,
      operation: flags.operation,
      webhookUrl: flags.webhook,
      window: flags.window,
      minRequests: /^\d+$/.test(flags.minRequests) ? Number(flags.minRequests) : flags.minRequests,
      for: flags.for,
      repeatEvery: flags.repeat,
      enabled: !flags.disabled,
    }
    if (flags.errorRate !== undefined)
      Object.assign(body, { kind: 'errorRate', errorRateAbove: percentOrFraction(flags.errorRate) })
    else Object.assign(body, { kind: 'latency', p95AboveMs: msOf(flags.p95 as string) })
    const rule = (await apiSend<RuleView>(flags, 'POST', '/alerts/rules', body)) as RuleView
    if (flags.json) return printJson(rule)
    print(`created rule ${clean(rule.id)}: ${clean(rule.name)}`)
  })

  withClientFlags(alerts.command('rm <id>').description('delete a rule (its events are kept)')).action(
    async (id: string, flags: ClientFlags) => {
      await apiSend(flags, 'DELETE', `/alerts/rules/${encodeURIComponent(id)}`)
      if (flags.json) return printJson({ deleted: id })
      print(`deleted rule ${clean(id)}`)
    },
  )

  withClientFlags(
    alerts
      .command('silence <id>')
      .description('acknowledge: withhold notifications for a while (evaluation goes on)')
      .option('--for <duration>', 'how long', '1h')
      .option('--until <time>', 'until this ISO-8601 time instead')
      .option('--off', 'end the silence now'),
  ).action(async (id: string, flags: ClientFlags & { for: string; until?: string; off?: boolean }) => {
    const path = `/alerts/rules/${encodeURIComponent(id)}/silence`
    const rule = (await apiSend<RuleView>(
      flags,
      flags.off ? 'DELETE' : 'POST',
      path,
      flags.off ? undefined : flags.until ? { until: flags.until } : { for: flags.for },
    )) as RuleView
    if (flags.json) return printJson(rule)
    print(
      rule.silencedUntil
        ? `rule ${clean(id)} silenced until ${rule.silencedUntil}`
        : `rule ${clean(id)} is no longer silenced`,
    )
  })
}

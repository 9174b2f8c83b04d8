/**
 * Alert rules and their events as the API takes and gives them (shared/API.md, "Alerts"). The collector
 * validates rule bodies field by field in alerts/rule.ts (400 `SKEIN_ERR_BAD_RULE` naming the field);
 * these schemas are the shapes it stores and answers, and what the OpenAPI document shows.
 */
import Type, { type Static } from 'typebox'
import { AlertEvidence } from './compare.js'

export const RuleKind = Type.Union([Type.Literal('errorRate'), Type.Literal('latency')])
export type RuleKind = Static<typeof RuleKind>

export const AlertState = Type.Union([Type.Literal('ok'), Type.Literal('pending'), Type.Literal('firing')])
export type AlertState = Static<typeof AlertState>

/** The threshold of an errorRate rule. */
const errorRateAbove = Type.Number({
  minimum: 0,
  maximum: 1,
  description: 'errorRate rules: fire when errors / requests is above this',
})
/** The threshold of a latency rule. */
const p95AboveMs = Type.Number({
  exclusiveMinimum: 0,
  description: 'latency rules: fire when the p95 duration of the entry spans is above this (ms)',
})

const fields = {
  name: Type.String({ maxLength: 200 }),
  service: Type.String({ maxLength: 256, description: 'Service whose entry spans are measured' }),
  operation: Type.Optional(
    Type.String({
      maxLength: 1024,
      description: 'Restricts the rule to one span name; absent means every entry span of the service',
    }),
  ),
  window: Type.String({ description: 'The look-back of each evaluation, e.g. 5m' }),
  minRequests: Type.Integer({
    minimum: 1,
    description: 'Below this many entry spans in the window, no verdict',
  }),
  for: Type.String({
    description: 'How long the condition must hold (pending) before the rule fires; 0s at once',
  }),
  repeatEvery: Type.String({ description: 'While firing, a reminder this often; 0s sends none' }),
  webhookUrl: Type.String({ maxLength: 2048, description: 'http or https URL that receives a JSON POST' }),
  enabled: Type.Boolean(),
  silencedUntil: Type.Optional(
    Type.String({ description: 'ISO-8601: notifications are withheld until then; evaluation goes on' }),
  ),
}

const id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })

/** What every stored rule has, whatever it measures. */
const common = {
  id,
  ...fields,
  createdAt: Type.String({ description: 'ISO-8601' }),
  updatedAt: Type.String({ description: 'ISO-8601' }),
}

/**
 * Fires when errors / requests of the entry spans in the window is above `errorRateAbove`. The other
 * kind's threshold is declared absent, so code holding a `Rule` may read either field without narrowing.
 */
export const ErrorRateRule = Type.Object({
  ...common,
  kind: Type.Literal('errorRate'),
  errorRateAbove,
  p95AboveMs: Type.Optional(Type.Never()),
})
export type ErrorRateRule = Static<typeof ErrorRateRule>

/** Fires when the p95 duration of the entry spans in the window is above `p95AboveMs`. */
export const LatencyRule = Type.Object({
  ...common,
  kind: Type.Literal('latency'),
  p95AboveMs,
  errorRateAbove: Type.Optional(Type.Never()),
})
export type LatencyRule = Static<typeof LatencyRule>

/** A stored rule (without its live state, which comes from the events): the one threshold of its kind. */
export const Rule = Type.Union([ErrorRateRule, LatencyRule])
export type Rule = Static<typeof Rule>

const live = {
  state: AlertState,
  stateSince: Type.Optional(Type.String({ description: 'ISO-8601: when the rule entered its state' })),
}

/** A rule with its live state, as every rule endpoint answers it. */
export const RuleView = Type.Union([
  Type.Object({ ...ErrorRateRule.properties, ...live }),
  Type.Object({ ...LatencyRule.properties, ...live }),
])
export type RuleView = Static<typeof RuleView>

/**
 * A rule as clients send it: `kind` defaults from the threshold given, `window`, `minRequests`, `for`,
 * `repeatEvery` and `enabled` have defaults, `id` is generated when absent. Unknown fields are refused;
 * the computed ones (`state`, `stateSince`, `createdAt`, `updatedAt`) may be sent back and are ignored.
 */
export const RuleInput = Type.Object({
  id: Type.Optional(id),
  name: fields.name,
  service: fields.service,
  operation: fields.operation,
  kind: Type.Optional(RuleKind),
  errorRateAbove: Type.Optional(errorRateAbove),
  p95AboveMs: Type.Optional(p95AboveMs),
  window: Type.Optional(fields.window),
  minRequests: Type.Optional(fields.minRequests),
  for: Type.Optional(fields.for),
  repeatEvery: Type.Optional(fields.repeatEvery),
  webhookUrl: fields.webhookUrl,
  enabled: Type.Optional(fields.enabled),
  silencedUntil: fields.silencedUntil,
})
export type RuleInput = Static<typeof RuleInput>

/** PUT: fields absent keep their stored value; `null` clears an optional one. */
export const RulePatch = Type.Partial(RuleInput)
export type RulePatch = Static<typeof RulePatch>

export const SilenceInput = Type.Object({
  until: Type.Optional(
    Type.Union([Type.String(), Type.Number()], { description: 'ISO-8601 time or Unix ms, in the future' }),
  ),
  for: Type.Optional(Type.String({ description: 'A duration from now, e.g. 2h (instead of until)' })),
})
export type SilenceInput = Static<typeof SilenceInput>

export const RulesAnswer = Type.Object({ rules: Type.Array(RuleView) })
export type RulesAnswer = Static<typeof RulesAnswer>

export const EventKind = Type.Union([
  Type.Literal('pending'),
  Type.Literal('firing'),
  Type.Literal('resolved'),
  Type.Literal('cancelled'),
  Type.Literal('reminder'),
  Type.Literal('disabled'),
])
export type EventKind = Static<typeof EventKind>

/** Delivery of one event's webhook. */
export const NotificationOutcome = Type.Object({
  status: Type.Union([
    Type.Literal('sending'),
    Type.Literal('sent'),
    Type.Literal('failed'),
    Type.Literal('silenced'),
    Type.Literal('disabled'),
  ]),
  attempts: Type.Number(),
  httpStatus: Type.Optional(
    Type.Number({ description: 'HTTP status of the last attempt, when there was an answer' }),
  ),
  error: Type.Optional(Type.String({ description: 'Why the last attempt failed' })),
  at: Type.Optional(Type.String({ description: 'ISO-8601 of the end of delivery' })),
})
export type NotificationOutcome = Static<typeof NotificationOutcome>

export const AlertEvent = Type.Object({
  id: Type.String(),
  ruleId: Type.String(),
  kind: EventKind,
  state: AlertState,
  at: Type.String({ description: 'ISO-8601' }),
  errorRate: Type.Number(),
  requests: Type.Number(),
  errors: Type.Number(),
  p95Ms: Type.Number(),
  notification: Type.Optional(NotificationOutcome),
  evidence: Type.Optional(AlertEvidence),
})
export type AlertEvent = Static<typeof AlertEvent>

export const EventsAnswer = Type.Object({ events: Type.Array(AlertEvent, { description: 'Newest first' }) })
export type EventsAnswer = Static<typeof EventsAnswer>

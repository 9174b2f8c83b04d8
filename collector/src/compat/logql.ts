/**
 * The LogQL subset Skein answers, parsed with Grafana's own grammar (`@grafana/lezer-logql`) and compiled
 * to `sql` fragments over `otel_logs` rows.
 *
 * - Stream selectors: `service_name` (the ServiceName column), `level` / `detected_level` (the severity
 *   text, lower-cased), `trace_id` / `span_id` (the columns), and any other label as a resource attribute,
 *   its `.` written `_` (as Loki's OTLP ingestion names them); `= != =~ !~`, regexes fully anchored.
 * - Line filters `|= != |~ !~` on the line (Body): substrings literal, regexes unanchored (RE2).
 * - `| json`, `| logfmt` (the collector already split JSON lines into LogAttributes), then label filters
 *   on fields (LogAttributes, then the stream labels): `= != =~ !~`, numbers `> >= < <= == !=`, `and`,
 *   `or`, `,`, parentheses.
 * - `| drop …`, `| keep …`, `| line_format …`, `| decolorize` are accepted and change nothing in the
 *   answer; `| label_format` only in the form Grafana's trace → logs link writes
 *   (`log_line_contains_trace_id=\`{{ contains "<id>" __line__ }}\``), whose label is then "the line
 *   contains the id".
 * - Metrics: `count_over_time` and `rate` over a range, optionally under `sum by (…)` / `sum without ()`;
 *   and `vector(n)` with `+ - * /` between vectors (Grafana's health check is `vector(1)+vector(1)`).
 *
 * Anything else is a 400 SKEIN_ERR_UNSUPPORTED_QUERY quoting the construct; text the grammar does not
 * accept is a 400 SKEIN_ERR_BAD_QUERY saying where.
 */

import { parser } from '@grafana/lezer-logql'
import type { SyntaxNode } from '@lezer/common'
import { skeinError } from '../errors.js'
import { wholeTokens } from '../query/logs.js'
import { type Fragment, p, sql, trusted } from '../query/sql.js'
import { checkRegex, stringLiteral as grammarString, parseQuery, refusal } from './grammar.js'
import { parseGoDuration } from './traceql.js'

export type MatchOp = '=' | '!=' | '=~' | '!~'
export type NumOp = '>' | '>=' | '<' | '<=' | '==' | '!='

export type LabelCond =
  | { op: 'and' | 'or'; left: LabelCond; right: LabelCond }
  | { op: MatchOp; label: string; value: string; field: boolean }
  | { op: 'num'; cmp: NumOp; label: string; value: number }

export interface LineFilter {
  op: '|=' | '!=' | '|~' | '!~'
  value: string
}

export interface LogSelection {
  matchers: LabelCond[]
  lineFilters: LineFilter[]
  labelFilters: LabelCond[]
  /** Ids that `label_format log_line_contains_{trace,span}_id` asked about, by label. */
  contains: Record<string, string>
  /** `| json a="b"` / `| logfmt a="b"`: label `a` is the line's field `b`. */
  renames: Record<string, string>
}

export type LogQuery =
  | { kind: 'logs'; selection: LogSelection }
  | {
      kind: 'metric'
      fn: 'count_over_time' | 'rate'
      rangeMs: number
      selection: LogSelection
      /** `sum by (…)`: the labels kept; `sum` alone or `sum without ()`: none; absent: each stream. */
      by?: string[]
    }
  | { kind: 'scalar'; value: number }

const unsupported = refusal('LogQL')

function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = []
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c)
  return out
}
const textOf = (q: string, n: SyntaxNode) => q.slice(n.from, n.to)

const stringLiteral = (text: string) => grammarString(text, 'LogQL')

const MATCH_OPS: Readonly<Record<string, MatchOp>> = { Eq: '=', Neq: '!=', Re: '=~', Nre: '!~' }
const NUM_OPS: Readonly<Record<string, NumOp>> = {
  Gtr: '>',
  Gte: '>=',
  Lss: '<',
  Lte: '<=',
  Eql: '==',
  Eq: '==',
  Neq: '!=',
}

function matcher(node: SyntaxNode, q: string, field: boolean): LabelCond {
  const [id, op, value] = children(node)
  const m = op && MATCH_OPS[op.name]
  if (!id || !m || !value || value.name !== 'String') return unsupported('this matcher', textOf(q, node))
  return { op: m, label: textOf(q, id), value: stringLiteral(textOf(q, value)), field }
}

function labelFilter(node: SyntaxNode, q: string): LabelCond {
  const parts = children(node)
  if (parts.length === 1) {
    const c = parts[0]
    if (c.name === 'LabelFilter') return labelFilter(c, q)
    if (c.name === 'Matcher') return matcher(c, q, true)
    if (c.name === 'NumberFilter') {
      const [id, op, lit] = children(c)
      const cmp = op && NUM_OPS[op.name]
      const n = lit ? Number(textOf(q, lit).trim()) : Number.NaN
      if (!id || !cmp || !Number.isFinite(n)) return unsupported('this number filter', textOf(q, c))
      return { op: 'num', cmp, label: textOf(q, id), value: n }
    }
    return unsupported(
      c.name === 'UnitFilter' ? 'a duration or bytes filter' : 'this label filter',
      textOf(q, c),
    )
  }
  if (parts.length === 3 && (parts[1].name === 'And' || parts[1].name === 'Or'))
    return {
      op: parts[1].name === 'And' ? 'and' : 'or',
      left: labelFilter(parts[0], q),
      right: labelFilter(parts[2], q),
    }
  // `a, b` (a comma is and).
  if (parts.length === 2 && parts.every((c) => c.name === 'LabelFilter'))
    return { op: 'and', left: labelFilter(parts[0], q), right: labelFilter(parts[1], q) }
  return unsupported('this label filter', textOf(q, node))
}

const LINE_OPS: Readonly<Record<string, LineFilter['op']>> = {
  PipeExact: '|=',
  Neq: '!=',
  PipeMatch: '|~',
  Nre: '!~',
}

function lineFilters(node: SyntaxNode, q: string, out: LineFilter[]): void {
  for (const c of children(node)) {
    if (c.name === 'LineFilters') lineFilters(c, q, out)
    else if (c.name === 'LineFilter') {
      const parts = children(c)
      const filter = parts.find((x) => x.name === 'Filter')
      const op = filter?.firstChild ? LINE_OPS[filter.firstChild.name] : undefined
      const strings = parts.filter((x) => x.name === 'String')
      if (parts.some((x) => x.name === 'Or' || x.name === 'OrFilter'))
        unsupported('or between line filters', textOf(q, c))
      if (!op || strings.length !== 1)
        unsupported(
          filter?.firstChild?.name === 'PipePattern' || filter?.firstChild?.name === 'Npa'
            ? 'a pattern line filter'
            : 'this line filter',
          textOf(q, c),
        )
      out.push({ op: op as LineFilter['op'], value: stringLiteral(textOf(q, strings[0])) })
    } else unsupported('this line filter', textOf(q, c))
  }
}

/**
 * `| json a="b", c` / `| logfmt a="b"`: the labels they name. The collector keeps a line's top-level
 * fields as LogAttributes, so a field path must be one field's name (no `.` or `[…]` into it).
 */
function extractions(node: SyntaxNode, q: string, renames: Record<string, string>): void {
  for (const c of children(node)) {
    if (c.name === 'LabelExtractionExpressionList') extractions(c, q, renames)
    else if (c.name === 'LabelExtractionExpression') {
      const [id, , value] = children(c)
      if (!id || !value) continue
      const field = value.name === 'String' ? stringLiteral(textOf(q, value)) : ''
      if (!/^[\w-]+$/.test(field)) unsupported('a parser expression with a path into a field', textOf(q, c))
      renames[textOf(q, id)] = field
    }
  }
}

/** `label_format x=\`{{ contains "<id>" __line__ }}\``: Grafana's trace → logs link. */
const CONTAINS = /^\{\{\s*contains\s+"([^"\\]{1,128})"\s+__line__\s*\}\}$/

function pipeline(node: SyntaxNode, q: string, sel: LogSelection): void {
  for (const c of children(node)) {
    if (c.name === 'PipelineExpr') {
      pipeline(c, q, sel)
      continue
    }
    if (c.name !== 'PipelineStage') unsupported('this pipeline stage', textOf(q, c))
    const stage = children(c).filter((x) => x.name !== 'Pipe')
    const s = stage[0]
    if (!s || stage.length !== 1) {
      unsupported('this pipeline stage', textOf(q, c))
      return
    }
    switch (s.name) {
      case 'LineFilters':
        lineFilters(s, q, sel.lineFilters)
        break
      case 'LabelParser': {
        const kind = textOf(q, s).trim()
        if (kind !== 'json' && kind !== 'logfmt') unsupported(`the parser ${kind}`, kind)
        break
      }
      case 'LogfmtParser':
        break
      case 'JsonExpressionParser':
      case 'LogfmtExpressionParser':
        extractions(s, q, sel.renames)
        break
      case 'LabelFilter':
        sel.labelFilters.push(labelFilter(s, q))
        break
      case 'DropLabelsExpr':
      case 'KeepLabelsExpr':
      case 'LineFormatExpr':
      case 'DecolorizeExpr':
        break
      case 'LabelFormatExpr': {
        const matchers = children(s).find((x) => x.name === 'LabelsFormat')
        const all = matchers ? children(matchers) : []
        for (const m of all) {
          const [id, , value] = children(m)
          const label = id ? textOf(q, id) : ''
          const raw = value?.name === 'String' ? stringLiteral(textOf(q, value)) : ''
          const hit = CONTAINS.exec(raw.trim())
          if (!hit || !/^log_line_contains_\w+$/.test(label))
            unsupported('label_format (other than Grafana’s trace → logs form)', textOf(q, s))
          sel.contains[label] = (hit as RegExpExecArray)[1]
        }
        break
      }
      default:
        unsupported(`the stage ${s.name}`, textOf(q, s))
    }
  }
}

function selector(node: SyntaxNode, q: string): LabelCond[] {
  const out: LabelCond[] = []
  const walk = (n: SyntaxNode) => {
    for (const c of children(n)) {
      if (c.name === 'Matchers') walk(c)
      else if (c.name === 'Matcher') out.push(matcher(c, q, false))
      else unsupported('this selector', textOf(q, n))
    }
  }
  walk(node)
  return out
}

function logExpr(node: SyntaxNode, q: string): LogSelection {
  const sel: LogSelection = { matchers: [], lineFilters: [], labelFilters: [], contains: {}, renames: {} }
  for (const c of children(node)) {
    if (c.name === 'Selector') sel.matchers = selector(c, q)
    else if (c.name === 'PipelineExpr') pipeline(c, q, sel)
    else if (c.name === 'LogExpr') return logExpr(c, q)
    else if (c.name !== 'Range') unsupported(`the construct ${c.name}`, textOf(q, c))
  }
  if (sel.matchers.length === 0) unsupported('a query without a stream selector', q)
  return sel
}

/** The longest range of a range aggregation: the retention's default. */
const MAX_RANGE_NS = 30n * 86_400n * 1_000_000_000n

function rangeAggregation(node: SyntaxNode, q: string): LogQuery {
  const [op, inner] = children(node).filter((c) => c.name !== 'Grouping')
  const fn = op?.firstChild?.name
  if (fn !== 'CountOverTime' && fn !== 'Rate')
    return unsupported(`the function ${op ? textOf(q, op) : '?'}`, textOf(q, node))
  if (inner?.name !== 'LogRangeExpr') return unsupported('this range expression', textOf(q, node))
  const range = children(inner).find((c) => c.name === 'Range')
  const dur = range?.firstChild ? parseGoDuration(textOf(q, range.firstChild)) : undefined
  if (dur === undefined || dur <= 0n || dur > MAX_RANGE_NS)
    return unsupported('this range (from 1ns to 30 days)', range ? textOf(q, range) : textOf(q, inner))
  if (children(inner).some((c) => c.name === 'OffsetExpr' || c.name === 'UnwrapExpr'))
    unsupported('offset or unwrap', textOf(q, inner))
  return {
    kind: 'metric',
    fn: fn === 'Rate' ? 'rate' : 'count_over_time',
    rangeMs: Number(dur / 1_000_000n),
    selection: logExpr(inner, q),
  }
}

function metric(node: SyntaxNode, q: string): LogQuery {
  const c = node.firstChild
  if (!c) return unsupported('this metric query', textOf(q, node))
  switch (c.name) {
    case 'RangeAggregationExpr':
      return rangeAggregation(c, q)
    case 'VectorAggregationExpr': {
      const parts = children(c)
      const op = parts.find((x) => x.name === 'VectorOp')
      if (textOf(q, op ?? c).trim() !== 'sum')
        return unsupported(`the aggregation ${textOf(q, op ?? c)}`, textOf(q, c))
      const grouping = parts.find((x) => x.name === 'Grouping')
      const inner = parts.find((x) => x.name === 'MetricExpr')
      if (!inner) return unsupported('this aggregation', textOf(q, c))
      const m = metric(inner, q)
      if (m.kind !== 'metric' || m.by !== undefined) return unsupported('this aggregation', textOf(q, c))
      let by: string[] = []
      if (grouping) {
        const how = grouping.firstChild?.name
        const labels: string[] = []
        const collect = (l: SyntaxNode) => {
          for (const x of children(l)) {
            if (x.name === 'Identifier') labels.push(textOf(q, x))
            else if (x.name === 'Labels') collect(x)
          }
        }
        collect(grouping)
        if (how === 'Without' && labels.length > 0) unsupported('sum without (labels)', textOf(q, grouping))
        by = how === 'By' ? labels : []
      }
      return { ...m, by }
    }
    case 'LiteralExpr': {
      const n = children(c).find((x) => x.name === 'Number')
      return { kind: 'scalar', value: Number(n ? textOf(q, n) : Number.NaN) }
    }
    case 'VectorExpr': {
      const n = children(c).find((x) => x.name === 'Number')
      return { kind: 'scalar', value: Number(n ? textOf(q, n) : Number.NaN) }
    }
    case 'BinOpExpr': {
      const [l, op, , r] = children(c)
      const side = (n: SyntaxNode | undefined) =>
        n?.firstChild?.name === 'MetricExpr' ? metric(n.firstChild, q) : undefined
      const left = side(l)
      const right = side(r)
      if (left?.kind !== 'scalar' || right?.kind !== 'scalar')
        return unsupported('binary operations other than between vector() constants', textOf(q, c))
      const a = left.value
      const b = right.value
      switch (op?.name) {
        case 'Add':
          return { kind: 'scalar', value: a + b }
        case 'Sub':
          return { kind: 'scalar', value: a - b }
        case 'Mul':
          return { kind: 'scalar', value: a * b }
        case 'Div':
          return { kind: 'scalar', value: a / b }
        default:
          return unsupported(`the operator ${op ? textOf(q, op) : '?'}`, textOf(q, c))
      }
    }
    case 'MetricExpr':
      return metric(c, q)
    default:
      return unsupported(`the construct ${c.name}`, textOf(q, c))
  }
}

/** Parses a LogQL query of the subset, or throws a coded 400. */
export function parseLogQL(q: string): LogQuery {
  const tree = parseQuery(parser, q, 'LogQL')
  const expr = tree.topNode.firstChild
  if (expr?.name !== 'Expr' || !expr.firstChild) throw skeinError('BAD_QUERY', 'LogQL: the query is empty')
  const top = expr.firstChild
  if (top.name === 'LogExpr') return { kind: 'logs', selection: logExpr(top, q) }
  if (top.name === 'MetricExpr') return metric(top, q)
  return unsupported(`the construct ${top.name}`, q)
}

/** The SQL expression of a stream label (see the module's comment for the mapping). */
export function labelExpr(label: string): Fragment {
  switch (label) {
    case 'service_name':
      return sql`ServiceName`
    case 'level':
    case 'detected_level':
      return sql`lower(SeverityText)`
    case 'trace_id':
      return sql`TraceId`
    case 'span_id':
      return sql`SpanId`
  }
  const k = p.String(label)
  const dotted = p.String(label.replaceAll('_', '.'))
  return sql`if(mapContains(ResourceAttributes, ${k}), ResourceAttributes[${k}], ResourceAttributes[${dotted}])`
}

/** A field after `| json` / `| logfmt`: the line's own attribute, else the stream label of that name. */
function fieldExpr(label: string, renames: Record<string, string>): Fragment {
  const k = p.String(Object.hasOwn(renames, label) ? renames[label] : label)
  return sql`if(mapContains(LogAttributes, ${k}), LogAttributes[${k}], ${labelExpr(label)})`
}

const anchored = (re: string) => p.String(`^(?:${checkedRegex(re)})$`)

const checkedRegex = (re: string) => checkRegex(re, 'LogQL')

const NUM_SQL: Readonly<Record<NumOp, string>> = {
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
  '==': '=',
  '!=': '!=',
}

function labelCondition(c: LabelCond, sel: LogSelection): Fragment {
  if ('left' in c) {
    const l = labelCondition(c.left, sel)
    const r = labelCondition(c.right, sel)
    return c.op === 'and' ? sql`(${l} AND ${r})` : sql`(${l} OR ${r})`
  }
  const contains = Object.hasOwn(sel.contains, c.label) ? sel.contains[c.label] : undefined
  if (contains !== undefined) {
    // The label that label_format made: "true" when the line contains the id.
    const has = sql`position(Body, ${p.String(contains)}) > 0`
    const wantTrue = c.op === '=' && (c as { value: string }).value === 'true'
    const wantFalse = c.op === '=' && (c as { value: string }).value === 'false'
    if (!wantTrue && !wantFalse) return unsupported('this filter on a label_format label', c.label)
    return wantTrue ? has : sql`NOT ${has}`
  }
  if (c.op === 'num') {
    const col =
      c.label === 'trace_id' || c.label === 'span_id' ? labelExpr(c.label) : fieldExpr(c.label, sel.renames)
    return sql`toFloat64OrNull(${col}) ${trusted(NUM_SQL[c.cmp])} ${p.Float64(c.value)}`
  }
  const col =
    c.field && !['trace_id', 'span_id', 'service_name', 'level', 'detected_level'].includes(c.label)
      ? fieldExpr(c.label, sel.renames)
      : labelExpr(c.label)
  switch (c.op) {
    case '=':
      return sql`${col} = ${p.String(c.value)}`
    case '!=':
      return sql`${col} != ${p.String(c.value)}`
    case '=~':
      return sql`match(${col}, ${anchored(c.value)})`
    case '!~':
      return sql`NOT match(${col}, ${anchored(c.value)})`
  }
}

/** The conditions on log rows of a selection (the time range is the caller's). */
export function selectionConditions(sel: LogSelection): Fragment[] {
  const conds: Fragment[] = []
  for (const m of sel.matchers) {
    // `level="info"` is stored as text; compare service names exactly (the key's first column).
    conds.push(labelCondition(m, sel))
  }
  for (const f of sel.lineFilters) {
    if (f.value === '' && (f.op === '|=' || f.op === '|~')) continue
    switch (f.op) {
      case '|=':
        for (const t of wholeTokens(f.value)) conds.push(sql`hasToken(Body, ${p.String(t)})`)
        conds.push(sql`position(Body, ${p.String(f.value)}) > 0`)
        break
      case '!=':
        conds.push(sql`position(Body, ${p.String(f.value)}) = 0`)
        break
      case '|~':
        conds.push(sql`match(Body, ${p.String(checkedRegex(f.value))})`)
        break
      case '!~':
        conds.push(sql`NOT match(Body, ${p.String(checkedRegex(f.value))})`)
        break
    }
  }
  for (const c of sel.labelFilters) conds.push(labelCondition(c, sel))
  return conds
}

/** The trace id a selection asks about (`trace_id="…"` anywhere in it), for reading the trace's bounds. */
export function askedTraceId(sel: LogSelection): string | undefined {
  const find = (c: LabelCond): string | undefined => {
    if ('left' in c) return find(c.left) ?? find(c.right)
    if (c.op === '=' && c.label === 'trace_id' && /^[0-9a-f]{32}$/i.test(c.value))
      return c.value.toLowerCase()
    return undefined
  }
  for (const c of [...sel.matchers, ...sel.labelFilters]) {
    const id = find(c)
    if (id) return id
  }
  return undefined
}

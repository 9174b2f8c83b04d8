/**
 * The TraceQL subset Skein answers, parsed with Grafana's own grammar (`@grafana/lezer-traceql`, what
 * Grafana's editor and query builder use) and compiled to `sql` fragments over `otel_traces` rows.
 *
 * Subset: spanset filters `{ … }` over the intrinsics name, status, statusMessage, kind, duration,
 * rootName, rootServiceName, traceDuration and `resource.` / `span.` / unscoped (`.x`: span or resource)
 * attributes, compared with `= != > >= < <= =~ !~`, combined with `&&` / `||` and parentheses inside a
 * filter; between spansets `&&`, `||`, `>` (child) and `>>` (descendant). Anything else — pipelines,
 * aggregates, select(), negation, event/link/scope attributes, the other structural operators — is a 400
 * (SKEIN_ERR_UNSUPPORTED_QUERY) that quotes the construct; text the grammar does not accept is a 400
 * (SKEIN_ERR_BAD_QUERY) quoting where.
 *
 * The grammar tree leaves out some tokens (`!`, a leading `-`, parentheses): the text between a node's
 * children is checked, and anything there but blanks and parentheses is refused rather than misread.
 */

import { parser } from '@grafana/lezer-traceql'
import type { SyntaxNode } from '@lezer/common'
import { clip, skeinError } from '../errors.js'
import { type Fragment, p, sql, trusted } from '../query/sql.js'
import { checkRegex, stringLiteral as grammarString, parseQuery, refusal } from './grammar.js'

export type CmpOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '=~' | '!~'

export type Intrinsic =
  | 'name'
  | 'status'
  | 'statusMessage'
  | 'kind'
  | 'duration'
  | 'rootName'
  | 'rootServiceName'
  | 'traceDuration'

export type Field =
  | { kind: 'intrinsic'; name: Intrinsic }
  | { kind: 'attr'; scope: 'resource' | 'span' | 'any'; key: string }

export type Value =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'duration'; ns: bigint }
  | { type: 'bool'; value: boolean }
  | { type: 'status'; value: 'Error' | 'Ok' | 'Unset' }
  | { type: 'kind'; value: string }

export type Cond =
  | { op: 'all' }
  | { op: 'and' | 'or'; left: Cond; right: Cond }
  | { op: CmpOp; field: Field; value: Value }

/** A spanset expression; each filter is numbered (`index`) in the order it appears. */
export type SpansetExpr =
  | { kind: 'filter'; index: number; cond: Cond }
  | { kind: 'and' | 'or' | 'child' | 'descendant'; left: SpansetExpr; right: SpansetExpr }

export interface TraceQuery {
  expr: SpansetExpr
  filters: Cond[]
}

const INTRINSICS: Readonly<Record<string, Intrinsic>> = {
  name: 'name',
  status: 'status',
  statusMessage: 'statusMessage',
  kind: 'kind',
  duration: 'duration',
  rootName: 'rootName',
  rootServiceName: 'rootServiceName',
  traceDuration: 'traceDuration',
  'span:name': 'name',
  'span:status': 'status',
  'span:statusMessage': 'statusMessage',
  'span:kind': 'kind',
  'span:duration': 'duration',
  'trace:rootName': 'rootName',
  'trace:rootService': 'rootServiceName',
  'trace:duration': 'traceDuration',
}

/** The trace-level intrinsics: values of the span's trace, not of the span. */
export const TRACE_LEVEL: ReadonlySet<Intrinsic> = new Set(['rootName', 'rootServiceName', 'traceDuration'])

const STATUS_WORDS: Readonly<Record<string, 'Error' | 'Ok' | 'Unset'>> = {
  error: 'Error',
  ok: 'Ok',
  unset: 'Unset',
}
const KIND_WORDS: Readonly<Record<string, string>> = {
  unspecified: 'Unspecified',
  internal: 'Internal',
  server: 'Server',
  client: 'Client',
  producer: 'Producer',
  consumer: 'Consumer',
}

const unsupported = refusal('TraceQL')

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
}

/** Go's time.ParseDuration syntax (`1h30m`, `1.5s`, `250ms`) → nanoseconds; undefined when it is not one. */
export function parseGoDuration(text: string): bigint | undefined {
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy
  let total = 0
  let at = 0
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * DURATION_UNITS[m[2]]
    at = re.lastIndex
  }
  if (at === 0 || at !== text.length) return undefined
  return BigInt(Math.round(total))
}

const stringLiteral = (text: string) => grammarString(text, 'TraceQL')

/** Named children of a node, and a refusal of any text between them but blanks and parentheses. */
function kids(node: SyntaxNode, q: string): SyntaxNode[] {
  const out: SyntaxNode[] = []
  let at = node.from
  const gap = (to: number) => {
    const between = q.slice(at, to)
    if (/[^\s()]/.test(between.replace(/^\s*\{|\}\s*$/g, ''))) {
      const token = between.replace(/[\s(){}]/g, '')
      unsupported(token === '!' ? 'negation (!)' : token === '-' ? 'a negative number' : 'this', between)
    }
  }
  for (let c = node.firstChild; c; c = c.nextSibling) {
    gap(c.from)
    out.push(c)
    at = c.to
  }
  gap(node.to)
  return out
}

function field(node: SyntaxNode, q: string): Field | undefined {
  const text = q.slice(node.from, node.to)
  if (node.name === 'IntrinsicField') {
    const name = INTRINSICS[text]
    if (!name) unsupported(`the intrinsic ${text}`, text)
    return { kind: 'intrinsic', name: name as Intrinsic }
  }
  if (node.name === 'AttributeField') {
    // The scope's dot (and a leading dot) is not a node of its own.
    const parts: SyntaxNode[] = []
    for (let c = node.firstChild; c; c = c.nextSibling) parts.push(c)
    const idNode = parts.find((c) => c.name === 'Identifier')
    const scopeNode = parts.find((c) => c.name !== 'Identifier')
    if (!idNode) return unsupported('this attribute', text)
    let key = q.slice(idNode.from, idNode.to)
    if (key.startsWith('"') && key.endsWith('"')) key = stringLiteral(key)
    if (!scopeNode) return { kind: 'attr', scope: 'any', key }
    if (scopeNode.name === 'Resource') return { kind: 'attr', scope: 'resource', key }
    if (scopeNode.name === 'Span') return { kind: 'attr', scope: 'span', key }
    return unsupported(`${q.slice(scopeNode.from, scopeNode.to)}. attributes`, text)
  }
  return undefined
}

function value(node: SyntaxNode, q: string): Value {
  const text = q.slice(node.from, node.to)
  const inner = node.name === 'Static' ? node.firstChild : node
  if (!inner || inner === node) {
    if (node.name !== 'Static') return unsupported('this value', text)
    const word = text.trim()
    if (word === 'true' || word === 'false') return { type: 'bool', value: word === 'true' }
    if (Object.hasOwn(STATUS_WORDS, word)) return { type: 'status', value: STATUS_WORDS[word] }
    if (Object.hasOwn(KIND_WORDS, word)) return { type: 'kind', value: KIND_WORDS[word] }
    return unsupported('the value', word)
  }
  const t = q.slice(inner.from, inner.to)
  switch (inner.name) {
    case 'String':
      return { type: 'string', value: stringLiteral(t) }
    case 'Integer':
    case 'Float': {
      const n = Number(t)
      if (!Number.isFinite(n))
        throw skeinError('BAD_QUERY', `TraceQL: the number ${clip(t, 40)} is out of range`)
      return { type: 'number', value: n }
    }
    case 'Duration': {
      const ns = parseGoDuration(t)
      if (ns === undefined) return unsupported('the duration', t)
      if (ns > MAX_INT64)
        throw skeinError('BAD_QUERY', `TraceQL: the duration ${clip(t, 40)} is out of range`)
      return { type: 'duration', ns }
    }
    default:
      return unsupported(`${inner.name === 'TemplateVariable' ? 'a template variable' : 'the value'}`, t)
  }
}

const MAX_INT64 = 2n ** 63n - 1n

const OPS: ReadonlySet<string> = new Set(['=', '!=', '>', '>=', '<', '<=', '=~', '!~'])

function cond(node: SyntaxNode, q: string): Cond {
  const text = q.slice(node.from, node.to)
  if (node.name === 'Static' && text.trim() === 'true') return { op: 'all' }
  if (node.name !== 'FieldExpression') return unsupported('this expression', text)
  const parts = kids(node, q)
  if (parts.length === 1) return cond(parts[0], q)
  if (parts.length === 3 && (parts[1].name === 'And' || parts[1].name === 'Or'))
    return { op: parts[1].name === 'And' ? 'and' : 'or', left: cond(parts[0], q), right: cond(parts[2], q) }
  if (parts.length === 3 && parts[1].name === 'FieldOp') {
    const op = q.slice(parts[1].from, parts[1].to)
    if (!OPS.has(op)) unsupported(`the operator ${op}`, text)
    const f = leafField(parts[0], q)
    if (!f) return unsupported('a comparison without an attribute or intrinsic on its left', text)
    const v = leafValue(parts[2], q)
    if (!v) return unsupported('a comparison without a literal on its right', text)
    return { op: op as CmpOp, field: f, value: v }
  }
  return unsupported('this expression', text)
}

/** The field of a FieldExpression that is one field (through parentheses). */
function leafField(node: SyntaxNode, q: string): Field | undefined {
  const parts = kids(node, q)
  if (parts.length !== 1) return undefined
  return field(parts[0], q) ?? leafField(parts[0], q)
}

function leafValue(node: SyntaxNode, q: string): Value | undefined {
  if (node.name === 'Static') return value(node, q)
  const parts = kids(node, q)
  if (parts.length !== 1) return undefined
  return leafValue(parts[0], q)
}

const SPANSET_OPS: Readonly<Record<string, 'and' | 'or' | 'child' | 'descendant'>> = {
  And: 'and',
  Or: 'or',
  Gt: 'child',
  Desc: 'descendant',
}
const SPANSET_OP_NAMES: Readonly<Record<string, string>> = {
  Lt: 'the parent operator <',
  Anc: 'the ancestor operator <<',
  Pipe: 'a pipeline (|)',
  ExperimentalOp: 'this experimental operator',
  UnionStructuralOp: 'this structural union operator',
}

function spanset(node: SyntaxNode, q: string, filters: Cond[]): SpansetExpr {
  const text = q.slice(node.from, node.to)
  switch (node.name) {
    case 'SpansetFilter': {
      const parts = kids(node, q)
      const c: Cond = parts.length === 0 ? { op: 'all' } : cond(parts[0], q)
      filters.push(c)
      return { kind: 'filter', index: filters.length - 1, cond: c }
    }
    case 'SpansetPipelineExpression':
    case 'SpansetPipeline':
    case 'SpansetExpression':
    case 'WrappedSpansetPipeline': {
      const parts = kids(node, q)
      if (parts.length === 1) return spanset(parts[0], q, filters)
      if (parts.length === 3) {
        const opName = parts[1].name
        const op = SPANSET_OPS[opName]
        if (!op) return unsupported(SPANSET_OP_NAMES[opName] ?? `the operator ${opName}`, text)
        const left = spanset(parts[0], q, filters)
        const right = spanset(parts[2], q, filters)
        return { kind: op, left, right }
      }
      const odd = parts.find((c) => !c.name.startsWith('Spanset')) ?? node
      return unsupported(SPANSET_OP_NAMES[odd.name] ?? 'this', q.slice(odd.from, odd.to))
    }
    case 'ScalarFilter':
      return unsupported('a scalar filter (count(), avg() …)', text)
    case 'SelectOperation':
      return unsupported('select()', text)
    case 'GroupOperation':
      return unsupported('by()', text)
    case 'CoalesceOperation':
      return unsupported('coalesce()', text)
    default:
      return unsupported(
        node.name.startsWith('Metrics') ? 'a metrics query' : `the construct ${node.name}`,
        text,
      )
  }
}

/** Parses a TraceQL query of the subset, or throws a coded 400. */
export function parseTraceQL(q: string): TraceQuery {
  const tree = parseQuery(parser, q, 'TraceQL')
  const top = tree.topNode.firstChild
  if (!top) throw skeinError('BAD_QUERY', 'TraceQL: the query is empty')
  if (top.nextSibling) unsupported('more than one expression', q)
  const filters: Cond[] = []
  const expr = spanset(top, q, filters)
  return { expr, filters }
}

/** What the columns of trace-level intrinsics are called where a compiled condition runs. */
export interface TraceColumns {
  rootName: Fragment
  rootServiceName: Fragment
  traceDurationNs: Fragment
}

/** SQL for `value OP literal` on a String column. */
function compareText(col: Fragment, op: CmpOp, v: Value, text: string): Fragment {
  if (v.type === 'string' || v.type === 'bool') {
    const s = p.String(v.type === 'string' ? v.value : String(v.value))
    switch (op) {
      case '=':
        return sql`${col} = ${s}`
      case '!=':
        return sql`${col} != ${s}`
      case '=~':
        return sql`match(${col}, concat('^(?:', ${checkedRegex(s)}, ')$'))`
      case '!~':
        return sql`NOT match(${col}, concat('^(?:', ${checkedRegex(s)}, ')$'))`
      default:
        return sql`${col} ${trustedOp(op)} ${s}`
    }
  }
  if (v.type === 'number') {
    if (op === '=~' || op === '!~') return unsupported('a regular expression against a number', text)
    return sql`toFloat64OrNull(${col}) ${trustedOp(op)} ${p.Float64(v.value)}`
  }
  if (v.type === 'duration') {
    if (op === '=~' || op === '!~') return unsupported('a regular expression against a duration', text)
    return sql`toFloat64OrNull(${col}) ${trustedOp(op)} ${p.Float64(Number(v.ns))}`
  }
  return unsupported(`comparing an attribute with ${v.type === 'status' ? 'a status' : 'a kind'}`, text)
}

/** The regex parameter, checked (grammar.ts). */
function checkedRegex(s: ReturnType<typeof p.String>): ReturnType<typeof p.String> {
  checkRegex(s.value as string, 'TraceQL')
  return s
}

const OP_SQL: Readonly<Record<string, string>> = {
  '=': '=',
  '!=': '!=',
  '>': '>',
  '>=': '>=',
  '<': '<',
  '<=': '<=',
}
/** A comparison operator as SQL: from the table above, never the query's text. */
function trustedOp(op: CmpOp): Fragment {
  return trusted(OP_SQL[op])
}

function compareNs(col: Fragment, op: CmpOp, v: Value, text: string): Fragment {
  if (op === '=~' || op === '!~') return unsupported('a regular expression against a duration', text)
  if (v.type === 'duration') return sql`${col} ${trustedOp(op)} ${p.Int64(v.ns)}`
  if (v.type === 'number') return sql`${col} ${trustedOp(op)} ${p.Float64(v.value)}`
  return unsupported('comparing a duration with this value', text)
}

function compareWord(col: Fragment, op: CmpOp, v: Value, want: 'status' | 'kind', text: string): Fragment {
  if (v.type !== want) {
    if (v.type === 'string') return compareText(col, op, { type: 'string', value: cap(v.value) }, text)
    return unsupported(`comparing ${want} with this value`, text)
  }
  if (op !== '=' && op !== '!=') return unsupported(`the operator ${op} on ${want}`, text)
  return sql`${col} ${trustedOp(op)} ${p.String(v.value)}`
}
const cap = (s: string) => (s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s)

/** An attribute of a map: only spans that have it compare (a missing attribute matches nothing). */
function attrCompare(
  map: 'SpanAttributes' | 'ResourceAttributes',
  key: string,
  op: CmpOp,
  v: Value,
  text: string,
) {
  const m = map === 'SpanAttributes' ? sql`SpanAttributes` : sql`ResourceAttributes`
  const k = p.String(key)
  return sql`(mapContains(${m}, ${k}) AND ${compareText(sql`${m}[${k}]`, op, v, text)})`
}

function fieldCompare(f: Field, op: CmpOp, v: Value, t: TraceColumns | undefined, text: string): Fragment {
  if (f.kind === 'attr') {
    // service.name is a column on the table's key, not only a resource attribute.
    if (f.key === 'service.name' && f.scope !== 'span') {
      const col = compareText(sql`ServiceName`, op, v, text)
      return f.scope === 'resource'
        ? col
        : sql`(${col} OR ${attrCompare('SpanAttributes', f.key, op, v, text)})`
    }
    if (f.scope === 'span') return attrCompare('SpanAttributes', f.key, op, v, text)
    if (f.scope === 'resource') return attrCompare('ResourceAttributes', f.key, op, v, text)
    return sql`(${attrCompare('SpanAttributes', f.key, op, v, text)} OR ${attrCompare('ResourceAttributes', f.key, op, v, text)})`
  }
  switch (f.name) {
    case 'name':
      return compareText(sql`SpanName`, op, v, text)
    case 'statusMessage':
      return compareText(sql`StatusMessage`, op, v, text)
    case 'status':
      return compareWord(sql`StatusCode`, op, v, 'status', text)
    case 'kind':
      return compareWord(sql`SpanKind`, op, v, 'kind', text)
    case 'duration':
      return compareNs(sql`Duration`, op, v, text)
    case 'rootName':
      return t ? compareText(t.rootName, op, v, text) : sql`1`
    case 'rootServiceName':
      return t ? compareText(t.rootServiceName, op, v, text) : sql`1`
    case 'traceDuration':
      return t ? compareNs(t.traceDurationNs, op, v, text) : sql`1`
  }
}

/**
 * A spanset filter as a condition on one span row. Without `trace` the trace-level intrinsics count as
 * true: a weaker condition (the filter has no negation, so it is monotone) that chooses candidate traces
 * before their roots are known.
 */
export function filterCondition(c: Cond, trace: TraceColumns | undefined, text = ''): Fragment {
  switch (c.op) {
    case 'all':
      return sql`1`
    case 'and':
      return sql`(${filterCondition(c.left, trace, text)} AND ${filterCondition(c.right, trace, text)})`
    case 'or':
      return sql`(${filterCondition(c.left, trace, text)} OR ${filterCondition(c.right, trace, text)})`
    default:
      return fieldCompare(c.field, c.op, c.value, trace, text)
  }
}

/** Whether any filter needs the trace-level columns. */
export function usesTraceLevel(c: Cond): boolean {
  if (c.op === 'all') return false
  if ('left' in c) return usesTraceLevel(c.left) || usesTraceLevel(c.right)
  return c.field.kind === 'intrinsic' && TRACE_LEVEL.has(c.field.name)
}

export function isStructural(e: SpansetExpr): boolean {
  if (e.kind === 'filter') return false
  return e.kind === 'child' || e.kind === 'descendant' || isStructural(e.left) || isStructural(e.right)
}

/**
 * The trace-level condition over per-trace counts `counts[i]` (spans matching filter i): necessary for a
 * trace to match (exact for && and ||; for the structural operators both sides must have spans).
 */
export function traceCondition(e: SpansetExpr, counts: (i: number) => Fragment): Fragment {
  if (e.kind === 'filter') return sql`${counts(e.index)} > 0`
  const l = traceCondition(e.left, counts)
  const r = traceCondition(e.right, counts)
  return e.kind === 'or' ? sql`(${l} OR ${r})` : sql`(${l} AND ${r})`
}

/** A span of a candidate trace, with which filters it matches. */
export interface SpanMatch {
  spanId: string
  parentSpanId: string
  matches: readonly boolean[]
}

/**
 * The spans of one trace that the expression matches (empty: the trace does not match). Structural
 * operators follow parent ids; a cycle in a damaged trace stops the walk.
 */
export function matchedSpans(e: SpansetExpr, spans: readonly SpanMatch[]): SpanMatch[] {
  const byId = new Map<string, SpanMatch>()
  for (const s of spans) if (!byId.has(s.spanId)) byId.set(s.spanId, s)
  const evalExpr = (x: SpansetExpr): Set<SpanMatch> => {
    if (x.kind === 'filter') return new Set(spans.filter((s) => s.matches[x.index]))
    const l = evalExpr(x.left)
    const r = evalExpr(x.right)
    switch (x.kind) {
      case 'and':
        return l.size > 0 && r.size > 0 ? new Set([...l, ...r]) : new Set()
      case 'or':
        return new Set([...l, ...r])
      case 'child':
        return new Set([...r].filter((s) => l.has(byId.get(s.parentSpanId) as SpanMatch)))
      case 'descendant':
        return new Set(
          [...r].filter((s) => {
            const seen = new Set<SpanMatch>()
            for (let a = byId.get(s.parentSpanId); a && !seen.has(a); a = byId.get(a.parentSpanId)) {
              if (l.has(a)) return true
              seen.add(a)
            }
            return false
          }),
        )
    }
  }
  return [...evalExpr(e)]
}

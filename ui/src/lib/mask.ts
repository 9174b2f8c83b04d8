/**
 * Search and filters inside one trace. The search marks the spans whose name, service, attribute values,
 * event or status text, or log lines contain the query (any case): they are highlighted and stepped
 * through, the rest dimmed. The filters ("only errors", "only the critical path", "over N ms") keep the
 * spans that pass and, as context, their ancestors; everything else has no row. Pure and linear in the
 * number of spans; results are arrays indexed by `node.index`, which stay small for a million spans.
 */
import type { RowSpan, SpanNode, SpanTree } from '@skein/model/tree'
import type { Span } from '../api/types'
import { depthFirst } from './rows'

export interface TraceFilters {
  /** Search text; empty for none. */
  q: string
  errorsOnly: boolean
  criticalOnly: boolean
  /** Only spans at least this long, in ms. */
  minDurationMs?: number
}

export const NO_FILTERS: TraceFilters = Object.freeze({ q: '', errorsOnly: false, criticalOnly: false })

export function hasFilter(f: TraceFilters): boolean {
  return f.errorsOnly || f.criticalOnly || (f.minDurationMs !== undefined && f.minDurationMs > 0)
}

/** Longest query searched for; the rest is ignored. */
export const MAX_QUERY = 256

/** The query as a literal, case-insensitive pattern (its characters mean nothing to the regex engine). */
export function searchPattern(q: string): RegExp | null {
  const t = q.trim().slice(0, MAX_QUERY)
  if (!t) return null
  return new RegExp(t.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'), 'i')
}

const text = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? '' : String(v)

function anyValue(re: RegExp, map: unknown): boolean {
  if (!map || typeof map !== 'object') return false
  for (const v of Object.values(map as Record<string, unknown>)) if (re.test(text(v))) return true
  return false
}

/**
 * Whether a span matches: its name, service, status message, the values of its attributes and resource,
 * its events' names and attribute values, or one of its log lines. Whatever the span lacks (a span of the
 * compact form has no attributes) is not looked at.
 */
export function spanMatches(
  re: RegExp,
  span: RowSpan & Partial<Pick<Span, 'attributes' | 'resource' | 'events'>>,
  logBodies?: Iterable<string>,
): boolean {
  if (re.test(text(span.name)) || re.test(text(span.service)) || re.test(text(span.statusMessage)))
    return true
  if (anyValue(re, span.attributes) || anyValue(re, span.resource)) return true
  if (Array.isArray(span.events))
    for (const e of span.events) if (re.test(text(e?.name)) || anyValue(re, e?.attributes)) return true
  if (logBodies) for (const b of logBodies) if (re.test(text(b))) return true
  return false
}

export interface TraceMask {
  /** Spans the search matches among those the filters keep, depth-first (the order of next/previous). */
  matches: SpanNode<RowSpan>[]
  /** By node.index: 1 when the span matches the search. Null without a search. */
  isMatch: Uint8Array | null
  /** By node.index: 1 when the span passes the filters itself. Null without a filter. */
  passes: Uint8Array | null
  /** By node.index: 1 when the span has a row: it passes, or is an ancestor of one that does. Null without a filter. */
  visible: Uint8Array | null
  /** Spans that pass the filters (all of them without a filter). */
  passCount: number
}

export interface MaskContext<S extends RowSpan> {
  /** Ids on the critical path, needed by "only the critical path". */
  critical?: ReadonlySet<string> | null
  /** Log bodies of a span, searched too. */
  logsOf?: (node: SpanNode<S>) => Iterable<string> | undefined
}

export function computeMask<S extends RowSpan>(
  tree: SpanTree<S>,
  filters: TraceFilters,
  ctx: MaskContext<S> = {},
): TraceMask {
  const n = tree.spanCount
  const order = depthFirst(tree)
  const re = searchPattern(filters.q)
  const filtering = hasFilter(filters)
  const minNs = filters.minDurationMs && filters.minDurationMs > 0 ? filters.minDurationMs * 1e6 : 0
  const critical = filters.criticalOnly ? (ctx.critical ?? new Set<string>()) : null

  let passes: Uint8Array | null = null
  let visible: Uint8Array | null = null
  let passCount = n
  if (filtering) {
    passes = new Uint8Array(n)
    visible = new Uint8Array(n)
    passCount = 0
    for (const node of order) {
      if (filters.errorsOnly && !node.isError) continue
      if (critical && !critical.has(node.id)) continue
      if (node.durationNs < minNs) continue
      passes[node.index] = 1
      passCount++
      // Ancestors become context rows; stop at one already marked (its ancestors are too).
      for (let a: SpanNode<S> | null = node; a && visible[a.index] === 0; a = a.parent) visible[a.index] = 1
    }
  }

  let isMatch: Uint8Array | null = null
  const matches: SpanNode<RowSpan>[] = []
  if (re) {
    isMatch = new Uint8Array(n)
    for (const node of order) {
      if (passes && passes[node.index] === 0) continue
      if (spanMatches(re, node.span, ctx.logsOf?.(node))) {
        isMatch[node.index] = 1
        matches.push(node as unknown as SpanNode<RowSpan>)
      }
    }
  }
  return { matches, isMatch, passes, visible, passCount }
}

/**
 * The match to go to from `currentId` (the selected span) in `direction`, wrapping round; from no match, the
 * first (or, going back, the last). Position is depth-first order, so it follows the rows.
 */
export function stepMatch<S extends RowSpan>(
  tree: SpanTree<S>,
  matches: readonly SpanNode<RowSpan>[],
  currentId: string | undefined,
  direction: 1 | -1,
): SpanNode<RowSpan> | undefined {
  if (matches.length === 0) return undefined
  const at = currentId ? matches.findIndex((m) => m.id === currentId) : -1
  if (at >= 0) return matches[(at + direction + matches.length) % matches.length]
  const current = currentId ? tree.byId.get(currentId) : undefined
  if (!current) return direction === 1 ? matches[0] : matches[matches.length - 1]
  // From a span that is not a match: the next match after it in depth-first order (or the one before).
  const pos = positions(tree)
  const p = pos[current.index]
  if (direction === 1) return matches.find((m) => pos[m.index] > p) ?? matches[0]
  for (let i = matches.length - 1; i >= 0; i--) if (pos[matches[i].index] < p) return matches[i]
  return matches[matches.length - 1]
}

const positionCache = new WeakMap<object, Uint32Array>()

function positions<S extends RowSpan>(tree: SpanTree<S>): Uint32Array {
  let pos = positionCache.get(tree)
  if (!pos) {
    pos = new Uint32Array(tree.spanCount)
    const order = depthFirst(tree)
    for (let i = 0; i < order.length; i++) pos[order[i].index] = i
    positionCache.set(tree, pos)
  }
  return pos
}

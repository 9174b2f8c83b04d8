/**
 * /api/v1/traces/{a}/diff/{b}: two traces matched span by span. A span's place is its path from the
 * root ("service: name" at each level) with a sibling index among siblings of the same service and name
 * in start order, so the second retry of a call matches the second retry. Both trees (model's span
 * tree: skew-corrected, cycle-safe) are merged into one, depth first, children by start; each entry
 * says whether it was added (only in b), removed (only in a), or got slower or faster by more than the
 * threshold.
 */
import {
  buildSpanTree,
  type DiffChange,
  type DiffEntry,
  type DiffSpan,
  mainRoot,
  type Span,
  type SpanNode,
  type TraceDiffAnswer,
} from '@skein/model'
import type { Db } from './db.js'
import { getTrace } from './trace.js'

/** A matched span is slower (or faster) when its duration changed by more than both of these. */
export const CHANGE_MIN_MS = 1
export const CHANGE_MIN_RATIO = 0.2

export async function diffTraces(db: Db, a: string, b: string): Promise<TraceDiffAnswer> {
  const [ta, tb] = await Promise.all([getTrace(db, a), getTrace(db, b)])
  return { a, b, ...diffSpans(ta.spans, tb.spans) }
}

interface Merged {
  label: string
  depth: number
  a?: SpanNode<Span>
  b?: SpanNode<Span>
  children: Merged[]
  byKey: Map<string, Merged>
}

/** Siblings' labels with their index among siblings of the same label: "payments: retry #2". */
function indexed(nodes: readonly SpanNode<Span>[]): { key: string; label: string; node: SpanNode<Span> }[] {
  const seen = new Map<string, number>()
  return [...nodes]
    .sort((x, y) => x.startNs - y.startNs || x.index - y.index)
    .map((node) => {
      const base = `${node.span.service}: ${node.span.name}`
      const i = (seen.get(base) ?? 0) + 1
      seen.set(base, i)
      // The key is exact (a name may itself end in " #2"); the label is for reading.
      return {
        key: JSON.stringify([node.span.service, node.span.name, i]),
        label: i > 1 ? `${base} #${i}` : base,
        node,
      }
    })
}

function toDiffSpan(node: SpanNode<Span>, traceStartNs: number): DiffSpan {
  return {
    spanId: node.span.spanId,
    service: node.span.service,
    name: node.span.name,
    kind: node.span.kind,
    offsetMs: (node.startNs - traceStartNs) / 1e6,
    durationMs: node.durationNs / 1e6,
    statusCode: node.span.statusCode,
    statusMessage: node.span.statusMessage,
  }
}

export function changeOf(aMs: number | null, bMs: number | null): DiffChange {
  if (aMs === null) return 'added'
  if (bMs === null) return 'removed'
  const d = bMs - aMs
  if (Math.abs(d) > CHANGE_MIN_MS && Math.abs(d) > CHANGE_MIN_RATIO * aMs) return d > 0 ? 'slower' : 'faster'
  return 'same'
}

/** The diff of two traces' spans (pure). */
export function diffSpans(
  spansA: readonly Span[],
  spansB: readonly Span[],
): Omit<TraceDiffAnswer, 'a' | 'b'> {
  const top: Merged = { label: '', depth: -1, children: [], byKey: new Map() }
  const trees = [buildSpanTree(spansA), buildSpanTree(spansB)]
  // Each trace's start: its main root's (so a late orphan does not shift the other spans).
  const starts = trees.map((t) => mainRoot(t)?.startNs ?? 0)
  trees.forEach((tree, side) => {
    const stack: { nodes: readonly SpanNode<Span>[]; into: Merged }[] = [{ nodes: tree.roots, into: top }]
    while (stack.length) {
      const { nodes, into } = stack.pop() as { nodes: readonly SpanNode<Span>[]; into: Merged }
      for (const { key, label, node } of indexed(nodes)) {
        let m = into.byKey.get(key)
        if (!m) {
          m = { label, depth: into.depth + 1, children: [], byKey: new Map() }
          into.byKey.set(key, m)
          into.children.push(m)
        }
        if (side === 0) m.a = node
        else m.b = node
        stack.push({ nodes: node.children, into: m })
      }
    }
  })
  const spans: DiffEntry[] = []
  let onlyInA = 0
  let onlyInB = 0
  let slower = 0
  const start = (x: Merged) => (x.a ? x.a.startNs - starts[0] : (x.b?.startNs ?? 0) - starts[1])
  const byStart = (list: Merged[]) => [...list].sort((x, y) => start(x) - start(y))
  const walk: { m: Merged; path: string[] }[] = byStart(top.children)
    .reverse()
    .map((m) => ({ m, path: [] }))
  while (walk.length) {
    const { m, path } = walk.pop() as { m: Merged; path: string[] }
    const here = [...path, m.label]
    const a = m.a ? toDiffSpan(m.a, starts[0]) : null
    const b = m.b ? toDiffSpan(m.b, starts[1]) : null
    const change = changeOf(a?.durationMs ?? null, b?.durationMs ?? null)
    if (change === 'removed') onlyInA++
    if (change === 'added') onlyInB++
    if (change === 'slower') slower++
    spans.push({
      path: here,
      depth: m.depth,
      a,
      b,
      deltaMs: a && b ? b.durationMs - a.durationMs : null,
      change,
    })
    const kids = byStart(m.children)
    for (let i = kids.length - 1; i >= 0; i--) walk.push({ m: kids[i], path: here })
  }
  return { spans, onlyInA, onlyInB, slower }
}

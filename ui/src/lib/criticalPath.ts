import type { RowSpan, SpanNode, SpanTree } from '@skein/model/tree'
import { mainRoot } from '@skein/model/tree'

export interface CriticalSegment {
  id: string
  startNs: number
  endNs: number
}

export interface CriticalPath {
  segments: CriticalSegment[]
  ids: Set<string>
}

/**
 * The critical path: the chain of work that the trace's end waited on (Jaeger's algorithm). Walking back
 * from the root's end, the last child to finish before the cursor was on the path; the parent owns the gap
 * after it; from that child we descend, and when a span has no child finishing in time we return to its
 * parent at the span's start. Children are first clipped to their parent's bounds. Iterative: the cursor only
 * moves back in time, so it ends.
 */
export function criticalPath<S extends RowSpan>(
  tree: SpanTree<S>,
  root: SpanNode<S> | undefined = mainRoot(tree),
): CriticalPath {
  const segments: CriticalSegment[] = []
  const ids = new Set<string>()
  if (!root) return { segments, ids }

  const clip = new Map<SpanNode<S>, { start: number; end: number }>()
  clip.set(root, { start: root.startNs, end: root.endNs })
  const bounds = (n: SpanNode<S>) => clip.get(n)!
  const childBounds = (parent: SpanNode<S>) => {
    const pb = bounds(parent)
    const out: SpanNode<S>[] = []
    for (const c of parent.children) {
      if (!clip.has(c)) {
        const start = Math.max(c.startNs, pb.start)
        const end = Math.min(c.endNs, pb.end)
        clip.set(c, { start, end: Math.max(start, end) })
      }
      out.push(c)
    }
    return out
  }

  let node: SpanNode<S> | null = root
  let cursor: number | undefined
  let guard = tree.spanCount * 4 + 10
  while (node && guard-- > 0) {
    const nb = bounds(node)
    const end = cursor ?? nb.end
    let last: SpanNode<S> | undefined
    for (const c of childBounds(node)) {
      const cb = bounds(c)
      if (cb.end <= cb.start) continue
      if (cursor !== undefined ? cb.end < cursor : cb.end <= end) {
        if (!last || cb.end > bounds(last).end) last = c
      }
    }
    if (last) {
      const lb = bounds(last)
      if (lb.end < end) segments.push({ id: node.id, startNs: lb.end, endNs: end })
      ids.add(node.id)
      node = last
      cursor = undefined
    } else {
      segments.push({ id: node.id, startNs: nb.start, endNs: end })
      ids.add(node.id)
      if (node === root) break
      cursor = nb.start
      node = node.parent
    }
  }
  segments.sort((a, b) => a.startNs - b.startNs)
  return { segments, ids }
}

export function segmentsById(path: CriticalPath): Map<string, CriticalSegment[]> {
  const m = new Map<string, CriticalSegment[]>()
  for (const s of path.segments) {
    const list = m.get(s.id)
    if (list) list.push(s)
    else m.set(s.id, [s])
  }
  return m
}

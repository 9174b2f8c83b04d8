/**
 * Repeated siblings: a parent that calls the same operation of the same service many times in a row (a loop
 * of queries, the N+1 pattern) would fill the waterfall with thousands of identical rows. Runs of at least
 * `MIN_FOLD` such siblings fold into one row that says how many, their total and their longest; the run is
 * expandable. Pure functions over the span tree, linear in the number of spans.
 */
import type { RowSpan, SpanNode, SpanTree } from '@skein/model/tree'

/** Fewest consecutive same-service, same-name siblings that fold into one row. */
export const MIN_FOLD = 5

type Node = SpanNode<RowSpan>

/**
 * Runs of at least `min` consecutive siblings with the same service and name, as [from, to) index ranges
 * into `siblings` (which are in start order, as the tree keeps children).
 */
export function repeatedRuns(siblings: readonly Node[], min = MIN_FOLD): Array<[number, number]> {
  const runs: Array<[number, number]> = []
  if (!(min >= 2) || siblings.length < min) return runs
  let from = 0
  for (let i = 1; i <= siblings.length; i++) {
    const prev = siblings[i - 1].span
    const cur = i < siblings.length ? siblings[i].span : undefined
    if (cur && cur.name === prev.name && cur.service === prev.service) continue
    if (i - from >= min) runs.push([from, i])
    from = i
  }
  return runs
}

export interface FoldStats {
  count: number
  /** Sum of the spans' durations (time spent in them, not wall time). */
  totalNs: number
  maxNs: number
  /** Earliest start and latest end of the run, from the trace start. */
  startNs: number
  endNs: number
  errorCount: number
  /** Most calls start after the previous one ended: one round trip after another. */
  sequential: boolean
}

/** How many, how long in total, the longest, and whether one followed the other. */
export function foldStats(nodes: readonly Node[]): FoldStats {
  let totalNs = 0
  let maxNs = 0
  let startNs = Number.POSITIVE_INFINITY
  let endNs = Number.NEGATIVE_INFINITY
  let errorCount = 0
  let inTurn = 0
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i]
    totalNs += n.durationNs
    if (n.durationNs > maxNs) maxNs = n.durationNs
    if (n.startNs < startNs) startNs = n.startNs
    if (n.endNs > endNs) endNs = n.endNs
    if (n.isError) errorCount++
    if (i > 0 && n.startNs >= nodes[i - 1].endNs) inTurn++
  }
  if (nodes.length === 0) startNs = endNs = 0
  return {
    count: nodes.length,
    totalNs,
    maxNs,
    startNs,
    endNs,
    errorCount,
    sequential: nodes.length > 1 && inTurn >= 0.8 * (nodes.length - 1),
  }
}

/** A fold's identity: its parent and its first span (a run of roots has no parent). */
export function foldId(parent: Node | null, first: Node): string {
  return `fold:${parent ? parent.id : ''}:${first.id}`
}

/** Client spans (a query, an outgoing request) are the calls an N+1 repeats. */
export function isClientKind(kind: string | undefined): boolean {
  return !!kind && /client/i.test(kind)
}

export interface NPlusOne {
  foldId: string
  parent: Node | null
  /** The repeated calls, in start order. */
  nodes: Node[]
  service: string
  name: string
  stats: FoldStats
}

/**
 * The N+1 pattern: a parent making the same client call (same service and operation) at least `min` times
 * in a row. Most expensive first (by the calls' total time).
 */
export function findNPlusOne<S extends RowSpan>(tree: SpanTree<S>, min = MIN_FOLD): NPlusOne[] {
  const found: NPlusOne[] = []
  const look = (parent: Node | null, siblings: readonly Node[]) => {
    for (const [from, to] of repeatedRuns(siblings, min)) {
      const nodes = siblings.slice(from, to)
      if (!nodes.every((n) => isClientKind(n.span.kind))) continue
      found.push({
        foldId: foldId(parent, nodes[0]),
        parent,
        nodes,
        service: nodes[0].span.service,
        name: nodes[0].span.name,
        stats: foldStats(nodes),
      })
    }
  }
  look(null, tree.roots as Node[])
  for (const node of tree.byId.values() as Iterable<Node>)
    if (node.children.length >= min) look(node, node.children)
  found.sort((a, b) => b.stats.totalNs - a.stats.totalNs || b.stats.count - a.stats.count)
  return found
}

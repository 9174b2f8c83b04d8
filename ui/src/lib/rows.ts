import type { RowSpan, SpanNode, SpanTree } from '@skein/model/tree'
import { type FoldStats, foldId, foldStats, MIN_FOLD, repeatedRuns } from './fold'

type Node = SpanNode<RowSpan>

export interface SpanRow {
  kind: 'span'
  /** The span's node id: unique among the rows. */
  id: string
  node: Node
  depth: number
  hasChildren: boolean
  collapsed: boolean
  /** Number of spans hidden under this row when it is collapsed (all descendants). */
  descendantCount: number
}

/** A run of repeated siblings (fold.ts) as one row, or, when expanded, the header above its spans. */
export interface FoldRow {
  kind: 'fold'
  id: string
  parent: Node | null
  /** The spans of the run, in start order. */
  nodes: Node[]
  depth: number
  service: string
  name: string
  stats: FoldStats
  expanded: boolean
  /** The run's spans and all their descendants. */
  descendantCount: number
}

export type Row = SpanRow | FoldRow

const orders = new WeakMap<object, Node[]>()

/**
 * Every span of the tree depth-first, children in start order: the order of the rows when nothing is
 * collapsed or folded. Computed once per tree; iterative, so a 100k-deep chain is fine.
 */
export function depthFirst<S extends RowSpan>(tree: SpanTree<S>): SpanNode<S>[] {
  const cached = orders.get(tree)
  if (cached) return cached as unknown as SpanNode<S>[]
  const out: SpanNode<S>[] = []
  const stack: SpanNode<S>[] = []
  for (let i = tree.roots.length - 1; i >= 0; i--) stack.push(tree.roots[i])
  while (stack.length) {
    const n = stack.pop()!
    out.push(n)
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i])
  }
  orders.set(tree, out as unknown as Node[])
  return out
}

/** Every node's number of descendants, by `node.index`, bottom-up without recursion. */
export function countDescendants<S extends RowSpan>(tree: SpanTree<S>): Uint32Array {
  const order = depthFirst(tree)
  const counts = new Uint32Array(tree.spanCount)
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]
    if (n.parent) counts[n.parent.index] += 1 + counts[n.index]
  }
  return counts
}

export interface FlattenOptions {
  /** Folds (by fold id) shown span by span. */
  expandedFolds?: ReadonlySet<string>
  /** Fewest repeated siblings that fold; 0 folds nothing. */
  minFold?: number
  /**
   * Which spans have a row, by `node.index` (the filters: the spans that pass and their ancestors); null
   * for all. A span without a row hides its subtree.
   */
  visible?: Uint8Array | null
}

/**
 * The tree as the rows the waterfall shows: depth-first, children in start order, nothing under a collapsed
 * span, runs of repeated siblings folded unless expanded, and only the visible spans. Iterative.
 */
export function flattenTree<S extends RowSpan>(
  tree: SpanTree<S>,
  collapsed: ReadonlySet<string>,
  descendants: Uint32Array = countDescendants(tree),
  options: FlattenOptions = {},
): Row[] {
  const { expandedFolds, minFold = MIN_FOLD, visible = null } = options
  const rows: Row[] = []
  // Work items: a node, or a fold (its row, then its spans when expanded).
  const stack: Array<Node | FoldRow> = []
  const pushSiblings = (parent: Node | null, siblings: readonly Node[], depth: number) => {
    const shown = visible ? siblings.filter((n) => visible[n.index] === 1) : siblings
    const runs = minFold > 0 ? repeatedRuns(shown, minFold) : []
    const items: Array<Node | FoldRow> = []
    let at = 0
    for (const [from, to] of runs) {
      for (let i = at; i < from; i++) items.push(shown[i])
      const nodes = shown.slice(from, to)
      const id = foldId(parent, nodes[0])
      let hidden = 0
      for (const n of nodes) hidden += 1 + descendants[n.index]
      items.push({
        kind: 'fold',
        id,
        parent,
        nodes,
        depth,
        service: nodes[0].span.service,
        name: nodes[0].span.name,
        stats: foldStats(nodes),
        expanded: expandedFolds?.has(id) ?? false,
        descendantCount: hidden,
      })
      at = to
    }
    for (let i = at; i < shown.length; i++) items.push(shown[i])
    for (let i = items.length - 1; i >= 0; i--) stack.push(items[i])
  }
  pushSiblings(null, tree.roots as Node[], 0)
  while (stack.length) {
    const item = stack.pop()!
    if ('kind' in item) {
      rows.push(item)
      if (item.expanded) for (let i = item.nodes.length - 1; i >= 0; i--) stack.push(item.nodes[i])
      continue
    }
    const node = item
    const isCollapsed = collapsed.has(node.id) && node.children.length > 0
    rows.push({
      kind: 'span',
      id: node.id,
      node,
      depth: node.depth,
      hasChildren: node.children.length > 0,
      collapsed: isCollapsed,
      descendantCount: descendants[node.index] ?? 0,
    })
    if (!isCollapsed && node.children.length > 0) pushSiblings(node, node.children, node.depth + 1)
  }
  return rows
}

/**
 * What hides a span: its collapsed ancestors and the folds (not expanded) that it or an ancestor sits in,
 * so that a selection made elsewhere (a log line, a search match, a link) can be revealed.
 */
export function hiddenBy<S extends RowSpan>(
  tree: SpanTree<S>,
  node: SpanNode<S>,
  collapsed: ReadonlySet<string>,
  options: FlattenOptions = {},
): { collapsed: string[]; folds: string[] } {
  const { expandedFolds, minFold = MIN_FOLD, visible = null } = options
  const out = { collapsed: [] as string[], folds: [] as string[] }
  for (let n: Node | null = node as Node; n; n = n.parent) {
    if (n !== node && collapsed.has(n.id)) out.collapsed.push(n.id)
    if (minFold <= 0) continue
    const siblings = n.parent ? n.parent.children : (tree.roots as Node[])
    if (siblings.length < minFold) continue
    const shown = visible ? siblings.filter((s) => visible[s.index] === 1) : siblings
    const at = shown.indexOf(n)
    if (at < 0) continue
    for (const [from, to] of repeatedRuns(shown, minFold)) {
      if (at < from || at >= to) continue
      const id = foldId(n.parent, shown[from])
      if (!expandedFolds?.has(id)) out.folds.push(id)
    }
  }
  return out
}

/** Ids of every span that has children: collapsing all of them leaves only the roots visible. */
export function allParentIds<S extends RowSpan>(tree: SpanTree<S>): Set<string> {
  const ids = new Set<string>()
  for (const node of tree.byId.values()) if (node.children.length > 0) ids.add(node.id)
  return ids
}

import type { SpanNode, SpanTree } from '@skein/model/tree'

export interface Row {
  node: SpanNode
  depth: number
  hasChildren: boolean
  collapsed: boolean
  /** Number of spans hidden under this row when it is collapsed (all descendants). */
  descendantCount: number
}

/** Counts every node's descendants bottom-up without recursion. */
export function countDescendants(tree: SpanTree): Map<SpanNode, number> {
  const counts = new Map<SpanNode, number>()
  const order: SpanNode[] = []
  const stack = [...tree.roots]
  while (stack.length) {
    const n = stack.pop()!
    order.push(n)
    for (const c of n.children) stack.push(c)
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]
    let total = 0
    for (const c of n.children) total += 1 + (counts.get(c) ?? 0)
    counts.set(n, total)
  }
  return counts
}

/**
 * The tree as the rows the waterfall shows: depth-first, children in start order, and nothing under a
 * collapsed span. Iterative, so a 100k-deep chain is fine.
 */
export function flattenTree(
  tree: SpanTree,
  collapsed: ReadonlySet<string>,
  descendants: Map<SpanNode, number> = countDescendants(tree),
): Row[] {
  const rows: Row[] = []
  const stack: SpanNode[] = []
  for (let i = tree.roots.length - 1; i >= 0; i--) stack.push(tree.roots[i])
  while (stack.length) {
    const node = stack.pop()!
    const isCollapsed = collapsed.has(node.id) && node.children.length > 0
    rows.push({
      node,
      depth: node.depth,
      hasChildren: node.children.length > 0,
      collapsed: isCollapsed,
      descendantCount: descendants.get(node) ?? 0,
    })
    if (isCollapsed) continue
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i])
  }
  return rows
}

/** Ids of every span that has children: collapsing all of them leaves only the roots visible. */
export function allParentIds(tree: SpanTree): Set<string> {
  const ids = new Set<string>()
  for (const node of tree.byId.values()) if (node.children.length > 0) ids.add(node.id)
  return ids
}

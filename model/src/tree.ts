/**
 * The span tree of a trace, shared by the UI's waterfall and the CLI's `skein trace`: pure, iterative,
 * cycle-safe and skew-aware. It needs only a few fields of each span (`TreeSpan`), so either side may
 * hand it the API's full spans or a subset.
 */
import type { Span } from './responses.js'

/** What the tree reads of a span. `durationNs` is preferred when present; else `durationMs`. */
export type TreeSpan = Pick<
  Span,
  'spanId' | 'parentSpanId' | 'service' | 'startNs' | 'durationMs' | 'statusCode'
> & {
  durationNs?: string
}

/**
 * What a waterfall row shows of a span: the tree's fields, its name and kind. The API's full spans have
 * them, and so do the spans of the compact form (compact.ts), which have no attributes, events or logs.
 */
export type RowSpan = TreeSpan &
  Pick<Span, 'name' | 'kind'> & {
    statusMessage?: string
    /** Log lines the span wrote, when the form the span came in counts them (the compact form). */
    logCount?: number
  }

/**
 * A span placed in its trace. Times are nanoseconds relative to the trace start (a Number is exact up to
 * ~104 days, far beyond any trace), already corrected for clock skew; the span keeps the raw values.
 */
export interface SpanNode<S extends TreeSpan = Span> {
  span: S
  /** Unique within the tree; equals span.spanId unless the trace repeats an id. */
  id: string
  parent: SpanNode<S> | null
  children: SpanNode<S>[]
  depth: number
  startNs: number
  durationNs: number
  endNs: number
  /** The parent id names a span this trace does not contain (not yet arrived, dropped, or in another trace). */
  missingParent: boolean
  /** How far this span (and its subtree) was shifted to fit inside its parent; 0 when none. */
  skewNs: number
  isError: boolean
  /** Position in the input, used to keep sorting stable. */
  index: number
}

export interface SpanTree<S extends TreeSpan = Span> {
  roots: SpanNode<S>[]
  byId: Map<string, SpanNode<S>>
  /** Absolute start of the trace in Unix nanoseconds. */
  startNs: bigint
  /** From the trace start to the last span end, after skew correction. */
  durationNs: number
  spanCount: number
  errorCount: number
  services: string[]
}

export function parseNs(value: string | number | undefined | null): bigint {
  if (value === undefined || value === null || value === '') return 0n
  try {
    return typeof value === 'number'
      ? BigInt(Math.trunc(value))
      : BigInt(value.includes('.') ? value.split('.')[0] : value)
  } catch {
    return 0n
  }
}

export function isErrorStatus(code: string | undefined | null): boolean {
  if (!code) return false
  const c = code.toLowerCase()
  return c === 'error' || c === 'status_code_error' || c === '2'
}

function spanDurationNs(span: TreeSpan): number {
  const d = parseNs(span.durationNs)
  if (d > 0n) return Number(d)
  return Number.isFinite(span.durationMs) && span.durationMs > 0 ? Math.round(span.durationMs * 1e6) : 0
}

function byStart<S extends TreeSpan>(a: SpanNode<S>, b: SpanNode<S>): number {
  return a.startNs - b.startNs || a.index - b.index
}

/**
 * Builds the span tree from a flat span list, in time O(n log n) and without recursion, so that
 * 100k-span traces and deeply nested chains cannot blow the stack.
 *
 * - A span whose parent is absent becomes a root marked `missingParent`.
 * - A parent chain that loops (hostile or corrupt data) is cut where it closes; that span becomes a root.
 * - Clock skew: a child from another service that starts before its parent or ends after it was timed by
 *   another host's clock. It is shifted, with its whole subtree, to sit centred inside its parent (or aligned
 *   to the parent start when longer than the parent), as Jaeger does. Same-service children are left alone:
 *   one clock, so a child outliving its parent is real (e.g. fire-and-forget work).
 */
export function buildSpanTree<S extends TreeSpan = Span>(spans: readonly S[]): SpanTree<S> {
  let minStart: bigint | null = null
  const starts: bigint[] = new Array(spans.length)
  for (let i = 0; i < spans.length; i++) {
    const s = parseNs(spans[i].startNs)
    starts[i] = s
    if (minStart === null || s < minStart) minStart = s
  }
  const base = minStart ?? 0n

  const nodes: SpanNode<S>[] = new Array(spans.length)
  const byId = new Map<string, SpanNode<S>>()
  let errorCount = 0
  const services = new Set<string>()
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i]
    const startNs = Number(starts[i] - base)
    const durationNs = spanDurationNs(span)
    let id = span.spanId || `#${i}`
    if (byId.has(id)) id = `${id}#${i}`
    const isError = isErrorStatus(span.statusCode)
    if (isError) errorCount++
    services.add(span.service)
    const node: SpanNode<S> = {
      span,
      id,
      parent: null,
      children: [],
      depth: 0,
      startNs,
      durationNs,
      endNs: startNs + durationNs,
      missingParent: false,
      skewNs: 0,
      isError,
      index: i,
    }
    nodes[i] = node
    byId.set(id, node)
  }

  // Link parents; an absent parent makes a root.
  const roots: SpanNode<S>[] = []
  for (const node of nodes) {
    const pid = node.span.parentSpanId
    if (!pid) {
      roots.push(node)
      continue
    }
    const parent = byId.get(pid)
    if (!parent || parent === node) {
      node.missingParent = true
      roots.push(node)
      continue
    }
    node.parent = parent
  }
  // Break cycles: any node not reachable from a root sits on or under a loop.
  const reached = new Set<SpanNode<S>>()
  for (const node of nodes) if (node.parent) node.parent.children.push(node)
  const markFrom = (start: SpanNode<S>) => {
    const stack = [start]
    while (stack.length) {
      const n = stack.pop()!
      if (reached.has(n)) continue
      reached.add(n)
      for (const c of n.children) stack.push(c)
    }
  }
  for (const r of roots) markFrom(r)
  if (reached.size < nodes.length) {
    for (const node of nodes) {
      if (reached.has(node)) continue
      // Walk up until we meet a node seen twice: that is on the loop; cut it from its parent.
      const seen = new Set<SpanNode<S>>()
      let n: SpanNode<S> = node
      while (n.parent && !seen.has(n)) {
        seen.add(n)
        n = n.parent
      }
      if (n.parent) {
        const p = n.parent
        p.children = p.children.filter((c) => c !== n)
        n.parent = null
      }
      n.missingParent = true
      roots.push(n)
      markFrom(n)
    }
  }

  // Depth, skew correction and child ordering, top-down and iterative.
  roots.sort(byStart)
  const stack: SpanNode<S>[] = []
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i])
  while (stack.length) {
    const node = stack.pop()!
    const parent = node.parent
    if (parent) {
      node.depth = parent.depth + 1
      // Inherit the parent's shift, then fix this span's own skew relative to the shifted parent.
      const inherited = parent.skewNs
      node.startNs += inherited
      node.endNs += inherited
      node.skewNs = inherited
      if (
        node.span.service !== parent.span.service &&
        (node.startNs < parent.startNs || node.endNs > parent.endNs)
      ) {
        const target =
          node.durationNs <= parent.durationNs
            ? parent.startNs + Math.floor((parent.durationNs - node.durationNs) / 2)
            : parent.startNs
        const delta = target - node.startNs
        node.startNs += delta
        node.endNs += delta
        node.skewNs += delta
      }
    }
    if (node.children.length > 1) node.children.sort((a, b) => a.index - b.index)
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i])
  }
  // Children are ordered by corrected start once every start is final.
  let duration = 0
  let shiftMin = nodes.length ? Number.POSITIVE_INFINITY : 0
  for (const node of nodes) {
    if (node.children.length > 1) node.children.sort(byStart)
    if (node.endNs > duration) duration = node.endNs
    if (node.startNs < shiftMin) shiftMin = node.startNs
  }
  // A correction may move the earliest span (either way): re-base so the trace starts at 0 again.
  if (shiftMin !== 0) {
    for (const node of nodes) {
      node.startNs -= shiftMin
      node.endNs -= shiftMin
    }
    duration -= shiftMin
  }
  roots.sort(byStart)

  return {
    roots,
    byId,
    startNs: base + BigInt(shiftMin),
    durationNs: duration,
    spanCount: nodes.length,
    errorCount,
    services: [...services].sort(),
  }
}

/** The root that best stands for the whole trace: a true root (no parent id) first, else the longest. */
export function mainRoot<S extends TreeSpan>(tree: SpanTree<S>): SpanNode<S> | undefined {
  let best: SpanNode<S> | undefined
  for (const r of tree.roots) {
    if (!best) best = r
    else if (best.missingParent && !r.missingParent) best = r
    else if (best.missingParent === r.missingParent && r.durationNs > best.durationNs) best = r
  }
  return best
}

export function ancestorsOf<S extends TreeSpan>(node: SpanNode<S>): SpanNode<S>[] {
  const out: SpanNode<S>[] = []
  let p = node.parent
  while (p) {
    out.push(p)
    p = p.parent
  }
  return out
}

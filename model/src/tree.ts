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
  const n = spans.length
  let minStart: bigint | null = null
  const starts: bigint[] = new Array(n)
  for (let i = 0; i < n; i++) {
    const s = parseNs(spans[i].startNs)
    starts[i] = s
    if (minStart === null || s < minStart) minStart = s
  }
  const base = minStart ?? 0n
  const start = new Float64Array(n)
  const duration = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    start[i] = Number(starts[i] - base)
    duration[i] = spanDurationNs(spans[i])
  }
  return assembleTree<S>({
    count: n,
    base,
    spanAt: (i) => spans[i],
    idAt: (i) => spans[i].spanId,
    start,
    duration,
    parentOf: (i, byId) => {
      const pid = spans[i].parentSpanId
      if (!pid) return NO_PARENT
      const parent = byId.get(pid)
      return parent ? parent.index : MISSING_PARENT
    },
    sameService: (i, j) => spans[i].service === spans[j].service,
    isError: (i) => isErrorStatus(spans[i].statusCode),
    serviceAt: (i) => spans[i].service,
  })
}

/** `TreeColumns.parentOf`: the span has no parent id (a root). */
export const NO_PARENT = -1
/** `TreeColumns.parentOf`: the span's parent id names no span of the input. */
export const MISSING_PARENT = -2

/**
 * The spans of a trace as the tree builder reads them: by position, with times already relative to `base`.
 * The API's spans (buildSpanTree) and the compact form's columns (compact.ts) both come this way, so that a
 * million spans need no BigInt and no string parsing.
 */
export interface TreeColumns<S> {
  count: number
  /** Unix ns that the starts are measured from. */
  base: bigint
  spanAt(i: number): S
  idAt(i: number): string
  /** Start, ns after `base`. */
  start: ArrayLike<number>
  /** Duration, ns (0 or more). */
  duration: ArrayLike<number>
  /**
   * The parent's position, NO_PARENT or MISSING_PARENT; `byId` then holds every span (by unique id) so
   * that a parent may be looked up by id. A span naming itself is taken as missing its parent.
   */
  parentOf(i: number, byId: ReadonlyMap<string, { index: number }>): number
  sameService(i: number, j: number): boolean
  isError(i: number): boolean
  serviceAt(i: number): string
}

/** Shared by every leaf: a leaf's children are never added to once the tree is built. */
const NO_CHILDREN: never[] = Object.freeze([]) as unknown as never[]

/** The tree from its columns: see buildSpanTree for what it does with orphans, cycles and skew. */
export function assembleTree<S extends TreeSpan>(cols: TreeColumns<S>): SpanTree<S> {
  const n = cols.count
  const nodes: SpanNode<S>[] = new Array(n)
  const byId = new Map<string, SpanNode<S>>()
  let errorCount = 0
  const services = new Set<string>()
  let lastService: string | undefined
  for (let i = 0; i < n; i++) {
    const startNs = cols.start[i]
    const durationNs = cols.duration[i]
    const id = cols.idAt(i) || `#${i}`
    const isError = cols.isError(i)
    if (isError) errorCount++
    const service = cols.serviceAt(i)
    if (service !== lastService) {
      services.add(service)
      lastService = service
    }
    const node: SpanNode<S> = {
      span: cols.spanAt(i),
      id,
      parent: null,
      children: NO_CHILDREN,
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
  // Ids repeat only in broken traces: checking each before adding it doubled the cost of the map (280 ms
  // more for a million spans), so the map is built again, keeping every span, only when one did.
  if (byId.size < n) {
    byId.clear()
    for (const node of nodes) {
      if (byId.has(node.id)) node.id = `${node.id}#${node.index}`
      byId.set(node.id, node)
    }
  }

  // Link parents; an absent parent makes a root. Children in input order, as a sort by index would give.
  const parentIndex = new Int32Array(n)
  const childCount = new Uint32Array(n)
  const roots: SpanNode<S>[] = []
  for (let i = 0; i < n; i++) {
    const p = cols.parentOf(i, byId)
    if (p === NO_PARENT) {
      parentIndex[i] = -1
      roots.push(nodes[i])
    } else if (p < 0 || p >= n || p === i) {
      parentIndex[i] = -1
      nodes[i].missingParent = true
      roots.push(nodes[i])
    } else {
      parentIndex[i] = p
      nodes[i].parent = nodes[p]
      childCount[p]++
    }
  }
  for (let i = 0; i < n; i++) if (childCount[i] > 0) nodes[i].children = []
  for (let i = 0; i < n; i++) {
    const p = parentIndex[i]
    if (p >= 0) nodes[p].children.push(nodes[i])
  }

  // Break cycles: any node not reachable from a root sits on or under a loop.
  const reached = new Uint8Array(n)
  let reachedCount = 0
  const stack: SpanNode<S>[] = []
  const markFrom = (from: SpanNode<S>) => {
    stack.push(from)
    while (stack.length) {
      const node = stack.pop()!
      if (reached[node.index]) continue
      reached[node.index] = 1
      reachedCount++
      for (const c of node.children) stack.push(c)
    }
  }
  for (const r of roots) markFrom(r)
  if (reachedCount < n) {
    const seen = new Uint32Array(n)
    let walk = 0
    for (const node of nodes) {
      if (reached[node.index]) continue
      // Walk up until we meet a node seen twice: that is on the loop; cut it from its parent.
      walk++
      let at: SpanNode<S> = node
      while (at.parent && seen[at.index] !== walk) {
        seen[at.index] = walk
        at = at.parent
      }
      if (at.parent) {
        const p = at.parent
        const cut = at
        p.children = p.children.filter((c) => c !== cut)
        if (p.children.length === 0) p.children = NO_CHILDREN
        at.parent = null
      }
      at.missingParent = true
      roots.push(at)
      markFrom(at)
    }
  }

  // Depth and skew correction, top-down and iterative.
  roots.sort(byStart)
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
        (node.startNs < parent.startNs || node.endNs > parent.endNs) &&
        !cols.sameService(node.index, parent.index)
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
    const children = node.children
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i])
  }
  // Children are ordered by corrected start once every start is final.
  let end = 0
  let shiftMin = n ? Number.POSITIVE_INFINITY : 0
  for (const node of nodes) {
    if (node.children.length > 1) node.children.sort(byStart)
    if (node.endNs > end) end = node.endNs
    if (node.startNs < shiftMin) shiftMin = node.startNs
  }
  // A correction may move the earliest span (either way): re-base so the trace starts at 0 again.
  if (shiftMin !== 0) {
    for (const node of nodes) {
      node.startNs -= shiftMin
      node.endNs -= shiftMin
    }
    end -= shiftMin
  }
  roots.sort(byStart)

  return {
    roots,
    byId,
    startNs: cols.base + BigInt(shiftMin),
    durationNs: end,
    spanCount: n,
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

import { describe, expect, it } from 'vitest'
import {
  COMPACT_COLUMNS,
  CompactFormatError,
  compactInputOf,
  compactSpanTree,
  decodeCompactTrace,
  encodeCompactColumns,
  encodeCompactTrace,
} from './compact.js'
import type { Span } from './responses.js'
import { bigTrace, span } from './testing.js'
import { buildSpanTree, type SpanTree } from './tree.js'

const TRACE = 'ab'.repeat(16)
const hex = (i: number) => i.toString(16).padStart(16, '0')
/** Spans with 16-hex ids in place of the fixtures' short ones, parents following. */
function hexIds(spans: Span[]): Span[] {
  const idOf = new Map(spans.map((s, i) => [s.spanId, hex(i + 1)]))
  return spans.map((s) => ({
    ...s,
    spanId: idOf.get(s.spanId)!,
    parentSpanId: idOf.get(s.parentSpanId) ?? '',
  }))
}
const roundTrip = (spans: Span[], logCount?: Map<string, number>) =>
  decodeCompactTrace(encodeCompactTrace(compactInputOf(TRACE, spans, { logCount })))

/** Everything the waterfall reads of a tree, as one string per node, depth-first. */
function shape(tree: SpanTree<any>): string[] {
  const out: string[] = []
  const stack = [...tree.roots].reverse()
  while (stack.length) {
    const n = stack.pop()!
    const s = n.span
    out.push(
      [
        n.id,
        n.parent?.id,
        n.depth,
        n.startNs,
        n.endNs,
        n.skewNs,
        n.missingParent,
        n.isError,
        s.service,
        s.name,
        s.kind,
        s.statusCode,
        s.parentSpanId,
        s.startNs,
        Number(s.durationNs),
      ].join('|'),
    )
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i])
  }
  return [...out, `${tree.startNs}|${tree.durationNs}|${tree.errorCount}|${tree.services.join(',')}`]
}

describe('the compact form of a trace', () => {
  it('carries every field a row needs, and gives the same tree as the whole spans', () => {
    const spans = [
      span(hex(1), '', 0, 100, { service: 'gateway', name: 'GET /orders', kind: 'Server' }),
      span(hex(2), hex(1), 10, 50, {
        service: 'orders',
        name: 'SELECT orders',
        kind: 'Client',
        statusCode: 'Error',
      }),
      span(hex(3), hex(2), 12.345678, 0, { service: 'orders', name: 'parse' }),
    ]
    const t = roundTrip(spans, new Map([[hex(2), 3]]))
    expect(t.traceId).toBe(TRACE)
    expect(t.spanCount).toBe(3)
    expect(t.header.logCount).toBe(3)
    const tree = compactSpanTree(t)
    expect(shape(tree)).toEqual(shape(buildSpanTree(spans)))
    expect(tree.byId.get(hex(2))!.span.logCount).toBe(3)
    expect(tree.byId.get(hex(3))!.span.durationMs).toBe(0)
  })

  it('keeps missing parents, parent cycles, repeated ids and clock skew as the span tree has them', () => {
    const spans = [
      span(hex(1), hex(3), 0, 10, { service: 'a' }),
      span(hex(2), hex(1), 1, 5, { service: 'b' }),
      span(hex(3), hex(2), 2, 1, { service: 'c' }),
      span(hex(4), 'ffffffffffffffff', 50, 10),
      span(hex(4), hex(4), 51, 1),
      span(hex(5), '', 100, 10, { service: 'x' }),
      span(hex(6), hex(5), 40, 60, { service: 'y' }),
      span(hex(7), hex(6), 41, 0, { service: 'y' }),
    ]
    const t = roundTrip(spans)
    expect(t.parentSpanId(3)).toBe('ffffffffffffffff')
    expect(shape(compactSpanTree(t))).toEqual(shape(buildSpanTree(spans)))
  })

  it('keeps ids that are not 16 printable characters, and hostile names, as they were', () => {
    const hostile = '<img src=x onerror=alert(1)>"\\\u0000\u2028é😀'
    const spans = [
      span('short', '', 0, 10, { name: hostile, service: hostile, kind: hostile, statusCode: hostile }),
      span('ééééééééééééééé1', 'short', 1, 1),
      span('', 'short', 2, 1),
      span(hex(9), 'ééééééééééééééé1', 3, 1),
    ]
    const t = roundTrip(spans)
    expect([0, 1, 2, 3].map(t.spanId)).toEqual(['short', 'ééééééééééééééé1', '', hex(9)])
    const tree = compactSpanTree(t)
    const root = tree.byId.get('short')!.span
    expect([root.name, root.service, root.kind, root.statusCode]).toEqual([
      hostile,
      hostile,
      hostile,
      hostile,
    ])
    expect(shape(tree)).toEqual(shape(buildSpanTree(spans)))
  })

  it('takes the narrowest type that holds each dictionary and count, and saturates counts', () => {
    const spans = Array.from({ length: 300 }, (_, i) => span(hex(i + 1), '', i, 1, { name: `op ${i}` }))
    const logs = new Map([[hex(1), 70_000]])
    const t = roundTrip(spans, logs)
    expect(t.header.columns.name.type).toBe('u16')
    expect(t.header.columns.service.type).toBe('u8')
    expect(t.header.columns.logs.type).toBe('u32')
    expect(t.logs[0]).toBe(70_000)
    expect(compactSpanTree(t).byId.get(hex(300))!.span.name).toBe('op 299')
  })

  it('aligns every column to 8 bytes so the browser reads it in place', () => {
    const t = roundTrip(
      bigTrace(1000).map((s, i) => ({
        ...s,
        spanId: hex(i + 1),
        parentSpanId: s.parentSpanId && hex(Number(s.parentSpanId.slice(1) || 0) + 1),
      })),
    )
    for (const c of COMPACT_COLUMNS) expect(t.header.columns[c].offset % 8).toBe(0)
    expect(t.start.byteOffset % 8).toBe(0)
  })

  it('takes at most 45 bytes a span for a trace of templated operation names', () => {
    const spans = hexIds(bigTrace(100_000)).map((s, i) => ({ ...s, name: `op ${i % 40}` }))
    const bytes = encodeCompactTrace(compactInputOf(TRACE, spans))
    expect(bytes.length / spans.length).toBeLessThanOrEqual(45)
  })

  it('encodes an empty trace', () => {
    const t = decodeCompactTrace(encodeCompactTrace(compactInputOf(TRACE, [])))
    expect(t.spanCount).toBe(0)
    expect(compactSpanTree(t).roots).toEqual([])
  })

  it('refuses what is not a compact trace, or is cut short, with a CompactFormatError', () => {
    const good = encodeCompactTrace(compactInputOf(TRACE, [span(hex(1), '', 0, 1)]))
    const bad = [
      new Uint8Array(0),
      new TextEncoder().encode('{"traceId":"x"}'),
      good.subarray(0, 20),
      good.subarray(0, good.length - 8),
      (() => {
        const b = good.slice()
        b[8] = 0x7b + 1 // the header's "{" broken
        return b
      })(),
    ]
    for (const b of bad) expect(() => decodeCompactTrace(b)).toThrow(CompactFormatError)
  })

  it('refuses columns of different lengths', () => {
    const input = compactInputOf(TRACE, [span(hex(1), '', 0, 1)])
    expect(() => encodeCompactTrace({ ...input, name: [] })).toThrow(/different lengths/)
  })

  it('gives the same tree as the whole spans for random broken traces (orphans, cycles, repeats, skew)', () => {
    let seed = 7
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed / 2 ** 31
    }
    for (let round = 0; round < 100; round++) {
      const n = 1 + Math.floor(rnd() * 120)
      const spans: Span[] = []
      for (let i = 0; i < n; i++) {
        const id = i > 0 && rnd() < 0.05 ? spans[Math.floor(rnd() * i)].spanId : hex(i + 1)
        const r = rnd()
        const parent =
          r < 0.1
            ? ''
            : r < 0.15
              ? 'eeeeeeeeeeeeeeee'
              : hex(1 + Math.floor(rnd() * (r < 0.2 ? n : Math.max(1, i))))
        spans.push(
          span(id, parent, (rnd() - 0.3) * 1000, rnd() < 0.1 ? 0 : rnd() * 100, {
            service: `svc${Math.floor(rnd() * 4)}`,
            statusCode: rnd() < 0.1 ? 'Error' : 'Unset',
          }),
        )
      }
      expect(shape(compactSpanTree(roundTrip(spans)))).toEqual(shape(buildSpanTree(spans)))
    }
  })

  it('encodes the same bytes from dictionary-encoded columns, all ids in one text or one by one', () => {
    const spans = hexIds(bigTrace(50))
    const viaInput = encodeCompactTrace(compactInputOf(TRACE, spans))
    const input = compactInputOf(TRACE, spans)
    const t = decodeCompactTrace(viaInput)
    const dict = (words: string[], index: ArrayLike<number>) => ({ words, index })
    const columns = {
      traceId: TRACE,
      truncated: false,
      startNs: input.startNs,
      spanCount: spans.length,
      spanId: (i: number) => spans[i].spanId,
      parent: t.parent,
      missingParents: {},
      services: dict(t.header.services, t.service),
      names: dict(t.header.names, t.name),
      kinds: dict(t.header.kinds, t.kind),
      statuses: dict(t.header.statuses, t.status),
      startOffsetNs: input.startOffsetNs,
      durationNs: input.durationNs,
    }
    expect(encodeCompactColumns(columns)).toEqual(viaInput)
    const idText = spans.map((s) => s.spanId).join('')
    expect(encodeCompactColumns({ ...columns, idText })).toEqual(viaInput)
    // A text that is not 16 printable characters an id is not trusted: the ids are taken one by one.
    expect(encodeCompactColumns({ ...columns, idText: `${idText.slice(0, -1)}\n` })).toEqual(viaInput)
    expect(encodeCompactColumns({ ...columns, idText: idText.slice(1) })).toEqual(viaInput)
    expect(() => encodeCompactColumns({ ...columns, parent: [] })).toThrow(/different lengths/)
  })
})

/**
 * The whole trace in miniature, as a small image: one band of pixel rows per span (or several spans per
 * pixel row when there are more spans than rows), depth-first as the waterfall lists them, each span's
 * bar coloured by its service and errors on top. Drawn into a canvas by components/Minimap.tsx; a million
 * spans cost a few passes over arrays, with each pixel written at most once.
 */
import type { RowSpan, SpanNode } from '@skein/model/tree'
import { hashString, SERVICE_PALETTE } from './colors'

/** Cell value for a pixel of an error span; 0 is empty, 1..palette size a service colour. */
export const ERROR_CELL = SERVICE_PALETTE.length + 1

export function serviceCell(service: string): number {
  return (hashString(service) % SERVICE_PALETTE.length) + 1
}

/**
 * Pixel cells (`width` × `height`, row by row) for the spans in `order`, over a trace of `totalNs`. Errors
 * are drawn first and win their pixels; otherwise the first span in order wins.
 */
export function minimapCells(
  order: readonly SpanNode<RowSpan>[],
  totalNs: number,
  width: number,
  height: number,
): Uint8Array {
  const w = width >= 1 ? Math.floor(width) : 1
  const h = height >= 1 ? Math.floor(height) : 1
  const cells = new Uint8Array(w * h)
  const n = order.length
  if (n === 0) return cells
  // Per pixel row, the next pixel at or after x that is still empty (a union-find over x, path-halved):
  // filling a span's pixels skips the filled ones, so each pixel is written once whatever the overlap.
  const stride = w + 1
  const next = new Int32Array(stride * h)
  for (let y = 0; y < h; y++) for (let x = 0; x <= w; x++) next[y * stride + x] = x
  const find = (base: number, x: number) => {
    while (next[base + x] !== x) {
      next[base + x] = next[base + next[base + x]]
      x = next[base + x]
    }
    return x
  }
  const scale = totalNs > 0 ? w / totalNs : 0
  const colour = new Map<string, number>()
  const draw = (i: number, cell: number) => {
    const node = order[i]
    const y0 = Math.floor((i * h) / n)
    const y1 = Math.max(y0, Math.floor(((i + 1) * h) / n) - 1)
    const a = Number.isFinite(node.startNs) ? node.startNs * scale : 0
    const b = Number.isFinite(node.endNs) ? node.endNs * scale : a
    const x0 = Math.min(w - 1, Math.max(0, Math.floor(a)))
    const x1 = Math.min(w - 1, Math.max(x0, Math.ceil(b) - 1))
    for (let y = y0; y <= y1; y++) {
      const base = y * stride
      for (let x = find(base, x0); x <= x1; x = find(base, x + 1)) {
        cells[y * w + x] = cell
        next[base + x] = x + 1
      }
    }
  }
  for (let i = 0; i < n; i++) if (order[i].isError) draw(i, ERROR_CELL)
  for (let i = 0; i < n; i++) {
    if (order[i].isError) continue
    const service = order[i].span.service
    let c = colour.get(service)
    if (c === undefined) {
      c = serviceCell(service)
      colour.set(service, c)
    }
    draw(i, c)
  }
  return cells
}

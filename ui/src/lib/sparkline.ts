/**
 * An SVG path through `series`, scaled to `width` × `height` with the largest value at the top and zero
 * at the bottom (a series of zeros lies flat on the bottom edge). Empty for no points.
 */
export function sparklinePath(series: readonly number[], width: number, height: number): string {
  if (series.length === 0) return ''
  const max = Math.max(0, ...series.filter(Number.isFinite))
  const x = (i: number) => (series.length === 1 ? width / 2 : (i / (series.length - 1)) * width)
  const y = (v: number) => (max > 0 && Number.isFinite(v) ? height - (Math.max(0, v) / max) * height : height)
  const f = (n: number) => String(Math.round(n * 100) / 100)
  return series.map((v, i) => `${i === 0 ? 'M' : 'L'}${f(x(i))} ${f(y(v))}`).join(' ')
}

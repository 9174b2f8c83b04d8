/**
 * Terminal output of the query commands: aligned tables and readable durations and times. Telemetry is
 * hostile input: control characters (ANSI escapes, newlines) are shown escaped, never sent raw to the
 * terminal.
 */

/** One line of text, control characters made visible. */
export function clean(text: unknown, max = 120): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  const s = String(text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? ' ' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
  return s.length > max ? `${s.slice(0, max - 1)}…` : s
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-'
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(1)}m`
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`
  if (ms >= 10) return `${ms.toFixed(1)}ms`
  return `${ms.toFixed(2)}ms`
}

/** ISO → `YYYY-MM-DD HH:MM:SS.mmm` (UTC), shorter and aligned. */
export function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace('Z', '')
}

export interface Column<R> {
  header: string
  value: (row: R) => string
  align?: 'left' | 'right'
}

/** An aligned table: a header line and one line per row, columns separated by two spaces. */
export function table<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => [...row[i]].length)))
  const line = (values: string[]) =>
    values
      .map((v, i) => {
        const pad = ' '.repeat(widths[i] - [...v].length)
        return columns[i].align === 'right' ? pad + v : i === values.length - 1 ? v : v + pad
      })
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n')
}

export function print(text: string): void {
  process.stdout.write(`${text}\n`)
}

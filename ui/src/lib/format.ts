/** Fixed digits without trailing fractional zeros: 1.50 → 1.5, 2.00 → 2, and 120 stays 120. */
function trimNumber(n: number, digits: number): string {
  const s = n.toFixed(digits)
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s
}

/** Human duration from nanoseconds: `850 ns`, `12.3 µs`, `456 ms`, `1.23 s`, `2m 05s`, `1h 02m`. */
export function formatDurationNs(ns: number): string {
  if (!Number.isFinite(ns)) return '—'
  if (ns === 0) return '0'
  const neg = ns < 0
  const a = Math.abs(ns)
  let out: string
  // Unit bounds sit where rounding would print 1000 of the smaller unit (999.9996 µs is "1 ms", not "1000 µs").
  if (a < 999.5) out = `${Math.round(a)} ns`
  else if (a < 999_500) out = `${trimNumber(a / 1e3, a < 9_999.5 ? 2 : a < 99_950 ? 1 : 0)} µs`
  else if (a < 999_500_000) out = `${trimNumber(a / 1e6, a < 9_999_500 ? 2 : a < 99_950_000 ? 1 : 0)} ms`
  else if (a < 60e9) out = `${trimNumber(a / 1e9, a < 1e10 ? 2 : 1)} s`
  else if (a < 3600e9) {
    const m = Math.floor(a / 60e9)
    const s = Math.floor((a - m * 60e9) / 1e9)
    out = `${m}m ${String(s).padStart(2, '0')}s`
  } else {
    const h = Math.floor(a / 3600e9)
    const m = Math.floor((a - h * 3600e9) / 60e9)
    out = `${h}h ${String(m).padStart(2, '0')}m`
  }
  return neg ? `-${out}` : out
}

export function formatDurationMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  return formatDurationNs(ms * 1e6)
}

/** Offset from the trace start, always signed: `+12.5 ms`. */
export function formatOffsetNs(ns: number): string {
  return ns < 0 ? formatDurationNs(ns) : `+${formatDurationNs(ns)}`
}

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  const a = Math.abs(n)
  if (a < 1000) return String(Math.round(n * 100) / 100)
  if (a < 1e6) return `${trimNumber(n / 1e3, a < 1e4 ? 1 : 0)}k`
  if (a < 1e9) return `${trimNumber(n / 1e6, a < 1e7 ? 1 : 0)}M`
  return `${trimNumber(n / 1e9, 1)}B`
}

/** A per-unit rate that may be tiny (calls per minute over a week): `<0.01`, `0.42`, `3.1`, `1.2k`. */
export function formatRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—'
  if (n === 0) return '0'
  if (Math.abs(n) < 0.01) return '<0.01'
  if (Math.abs(n) < 10) return String(Number(n.toPrecision(2)))
  return formatCount(n)
}

/** A 0..1 rate as a percentage with sensible precision: `0%`, `0.42%`, `3.1%`, `25%`. */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—'
  const p = rate * 100
  if (p === 0) return '0%'
  if (Math.abs(p) < 1) return `${trimNumber(p, 2)}%`
  if (Math.abs(p) < 10) return `${trimNumber(p, 1)}%`
  return `${Math.round(p)}%`
}

/** `14:03:07.123` in local time. */
export function formatClock(date: Date): string {
  if (Number.isNaN(date.getTime())) return '—'
  const p = (n: number, w = 2) => String(n).padStart(w, '0')
  return `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}.${p(date.getMilliseconds(), 3)}`
}

/** `2025-03-04 14:03:07` in local time. */
export function formatDateTime(date: Date): string {
  if (Number.isNaN(date.getTime())) return '—'
  const p = (n: number) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`
}

/** `just now`, `42s ago`, `5m ago`, `3h ago`, `2d ago`. */
export function formatRelative(date: Date, now: Date = new Date()): string {
  const s = Math.round((now.getTime() - date.getTime()) / 1000)
  if (Number.isNaN(s)) return '—'
  if (s < 0) return 'in the future'
  if (s < 5) return 'just now'
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`
  return `${Math.floor(s / 86400)}d ago`
}

/** Date from a Unix-nanosecond string, falling back to an ISO string. */
export function dateFromNs(ns: string | undefined, iso?: string): Date {
  if (ns && /^\d+$/.test(ns)) return new Date(Number(BigInt(ns) / 1_000_000n))
  return new Date(iso ?? Number.NaN)
}

export function shortId(id: string, n = 8): string {
  return id.length > n ? id.slice(0, n) : id
}

/** Attribute values arrive as strings from ClickHouse maps, but render anything safely as text. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  try {
    return JSON.stringify(value)
  } catch {
    return String(value)
  }
}

/**
 * Durations and byte sizes as people write them (`15s`, `30d`, `20MiB`), for flags, query parameters,
 * alert rules and CLI options alike, so that one spelling means the same everywhere.
 */

const MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }
const BYTES: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1000,
  mb: 1e6,
  gb: 1e9,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
}

/** '15s', '200ms', '5m', '1h', '7d' → milliseconds; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim())
  if (!m) return undefined
  return Math.round(Number(m[1]) * MS[m[2]])
}

/** Milliseconds → the shortest text `parseDuration` reads back: 3600000 → '1h', 90000 → '90s'. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'])
    if (ms >= MS[unit] && ms % MS[unit] === 0) return `${ms / MS[unit]}${unit}`
  return `${ms}ms`
}

/** '4MiB', '256KiB', '1 GB', '262144' → bytes (decimal and binary units, any case); undefined when malformed. */
export function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim())
  if (!m) return undefined
  const unit = BYTES[m[2].toLowerCase()]
  return unit === undefined ? undefined : Math.floor(Number(m[1]) * unit)
}

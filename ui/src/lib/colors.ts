import type { Level } from './levels'

/** Distinct, readable-on-white hues; a service keeps its colour everywhere (waterfall, logs, charts, map). */
export const SERVICE_PALETTE = [
  '#4f46e5',
  '#0891b2',
  '#059669',
  '#d97706',
  '#db2777',
  '#7c3aed',
  '#2563eb',
  '#65a30d',
  '#ea580c',
  '#0d9488',
  '#9333ea',
  '#c026d3',
  '#0284c7',
  '#ca8a04',
  '#e11d48',
  '#4d7c0f',
]

/** FNV-1a: stable across sessions and machines, so colours never reshuffle. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export function serviceColor(service: string): string {
  return SERVICE_PALETTE[hashString(service) % SERVICE_PALETTE.length]
}

/**
 * Level colours for canvas charts, which cannot read CSS variables: theme.css's --level-*, but for unknown,
 * lighter than trace's grey (which it shares there) so the two stay apart in a stack.
 */
export const LEVEL_COLORS: Readonly<Record<Level, string>> = {
  trace: '#9aa3b2',
  debug: '#64748b',
  info: '#2563eb',
  warn: '#d97706',
  error: '#dc2626',
  fatal: '#7f1d1d',
  unknown: '#c3c9d4',
}

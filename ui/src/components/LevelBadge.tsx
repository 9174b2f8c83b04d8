import type { Level } from '../lib/levels'
import './LevelBadge.css'

export function LevelBadge({ level, text }: { level: Level; text?: string }) {
  const label = level === 'unknown' ? (text || '?').slice(0, 6) : level
  return <span className={`level level-${level}`}>{label}</span>
}

import { patternParts } from '@skein/model/patterns'
import type { LogPatternsAnswer } from '../api/types'
import { serviceColor } from '../lib/colors'
import { formatCount, formatPercent } from '../lib/format'
import { levelOf } from '../lib/levels'
import { LevelBadge } from './LevelBadge'
import { Sparkline } from './Sparkline'
import './LogPatterns.css'

/** A template with its masks set apart; text nodes only, whatever the lines said. */
export function PatternText({ pattern }: { pattern: string }) {
  return (
    <>
      {patternParts(pattern).map((part, i) =>
        part.masked ? (
          // biome-ignore lint/suspicious/noArrayIndexKey: parts have no identity but their place
          <span key={i} className="lpat-mask">
            {part.text}
          </span>
        ) : (
          part.text
        ),
      )}
    </>
  )
}

/**
 * The lines grouped by pattern, most frequent first: count, share, a sparkline over the range, the
 * pattern with its masks set apart, its newest line and services. Clicking one filters to its lines.
 */
export function LogPatterns({
  answer,
  onSelect,
}: {
  answer: LogPatternsAnswer
  onSelect: (pattern: string) => void
}) {
  const { patterns } = answer
  return (
    <div className="lpat" data-testid="log-patterns">
      <div className="lpat-summary muted" data-testid="log-patterns-summary">
        {formatCount(answer.patternCount)} patterns in {formatCount(answer.lines)} lines
        {patterns.length < answer.patternCount && ` · the ${patterns.length} most frequent`}
        {answer.sampled &&
          ` · counted from a sample of 1 line in ${Math.round(1 / answer.sampleRate)}, so counts are estimates`}
      </div>
      {patterns.map((p) => (
        <button
          key={p.pattern}
          type="button"
          className="lpat-row"
          data-testid="pattern-row"
          data-count={p.count}
          onClick={() => onSelect(p.pattern)}
          title="Show the lines of this pattern"
        >
          <span className="lpat-count">
            <b>{formatCount(p.count)}</b>
            <span className="muted">{formatPercent(p.share)}</span>
          </span>
          <Sparkline series={p.series} label={`Lines of this pattern per ${answer.step}`} />
          <LevelBadge
            level={levelOf(p.example.severityNumber, p.example.severityText)}
            text={p.example.severityText}
          />
          <span className="lpat-main">
            <span className="lpat-pattern" data-testid="pattern-text">
              <PatternText pattern={p.pattern} />
            </span>
            <span className="lpat-example">
              <span className="lpat-services">
                {p.services.map((s) => (
                  <span key={s} style={{ color: serviceColor(s) }}>
                    {s}
                  </span>
                ))}
              </span>
              <span className="lpat-example-body">{p.example.body}</span>
            </span>
          </span>
        </button>
      ))}
    </div>
  )
}

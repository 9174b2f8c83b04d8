import type { RowSpan, SpanTree } from '@skein/model/tree'
import { useVirtualizer } from '@tanstack/react-virtual'
import { memo, useEffect, useMemo, useRef, useState } from 'react'
import { serviceColor } from '../lib/colors'
import { formatOffsetNs } from '../lib/format'
import type { TraceLog } from '../lib/logs'
import { KeyValueTable } from './KeyValueTable'
import { LevelBadge } from './LevelBadge'
import type { ScrollRequest } from './Waterfall'
import './LogsPanel.css'

interface Props {
  logs: TraceLog[]
  tree: SpanTree<RowSpan>
  selectedSpanId?: string
  onSelectSpan: (id: string) => void
  /** Scroll to the first log of this span. */
  scrollTo?: ScrollRequest
}

const LogRow = memo(function LogRow({
  entry,
  tree,
  highlighted,
  dim,
  expanded,
  onSelectSpan,
  onToggleExpand,
}: {
  entry: TraceLog
  tree: SpanTree<RowSpan>
  highlighted: boolean
  dim: boolean
  expanded: boolean
  onSelectSpan: (id: string) => void
  onToggleExpand: (i: number) => void
}) {
  const { log } = entry
  const node = entry.spanNodeId ? tree.byId.get(entry.spanNodeId) : undefined
  const cls = ['lp-row']
  if (highlighted) cls.push('is-highlighted')
  if (dim) cls.push('is-dim')
  if (expanded) cls.push('is-expanded')
  const select = () => {
    if (entry.spanNodeId) onSelectSpan(entry.spanNodeId)
  }
  return (
    // biome-ignore lint/a11y/useSemanticElements: a row holding its own expand button cannot be a <button>
    <div
      className={cls.join(' ')}
      role="button"
      tabIndex={0}
      data-testid="log-row"
      data-span-id={entry.spanNodeId ?? ''}
      data-highlighted={highlighted ? 'true' : undefined}
      onClick={select}
      onKeyDown={(e) => {
        if (e.target === e.currentTarget && (e.key === 'Enter' || e.key === ' ')) {
          e.preventDefault()
          select()
        }
      }}
    >
      <div className="lp-meta">
        <span className="lp-offset">{formatOffsetNs(entry.offsetNs)}</span>
        <LevelBadge level={entry.level} text={log.severityText} />
        <span className="lp-service" style={{ color: serviceColor(log.service) }}>
          {log.service}
        </span>
        <span className={`lp-span ${node ? '' : 'is-missing'}`} title={node ? node.span.name : undefined}>
          {node ? node.span.name : log.spanId ? 'span not in trace' : 'no span'}
        </span>
        <button
          type="button"
          className="lp-expand"
          aria-label={expanded ? 'Collapse log line' : 'Expand log line'}
          aria-expanded={expanded}
          onClick={(e) => {
            e.stopPropagation()
            onToggleExpand(entry.index)
          }}
        >
          {expanded ? '▾' : '▸'}
        </button>
      </div>
      <div className="lp-msg" data-testid="log-message">
        {log.body}
      </div>
      {expanded && (
        // biome-ignore lint/a11y/noStaticElementInteractions: stops clicks in the attribute table from selecting
        // biome-ignore lint/a11y/useKeyWithClickEvents: same
        <div className="lp-attrs" onClick={(e) => e.stopPropagation()}>
          <KeyValueTable data={log.attributes} empty="No attributes" />
        </div>
      )}
    </div>
  )
})

/**
 * Every log line of the trace in time order, beside the waterfall. The selected span's lines are
 * highlighted and scrolled into view; clicking a line selects the span that wrote it.
 */
export function LogsPanel({ logs, tree, selectedSpanId, onSelectSpan, scrollTo }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null)
  const [onlySelected, setOnlySelected] = useState(false)
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(() => new Set())
  const visible = useMemo(
    () => (onlySelected && selectedSpanId ? logs.filter((l) => l.spanNodeId === selectedSpanId) : logs),
    [logs, onlySelected, selectedSpanId],
  )
  const selectedCount = useMemo(
    () => (selectedSpanId ? logs.reduce((n, l) => n + (l.spanNodeId === selectedSpanId ? 1 : 0), 0) : 0),
    [logs, selectedSpanId],
  )

  const virtualizer = useVirtualizer({
    count: visible.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 46,
    overscan: 8,
    getItemKey: (i) => visible[i].index,
    initialRect: { width: 500, height: 600 },
  })

  // biome-ignore lint/correctness/useExhaustiveDependencies: scroll only when a new request arrives
  useEffect(() => {
    if (!scrollTo) return
    const i = visible.findIndex((l) => l.spanNodeId === scrollTo.id)
    if (i >= 0) virtualizer.scrollToIndex(i, { align: 'start' })
  }, [scrollTo])

  const toggleExpand = useMemo(
    () => (i: number) =>
      setExpanded((prev) => {
        const next = new Set(prev)
        if (next.has(i)) next.delete(i)
        else next.add(i)
        return next
      }),
    [],
  )

  return (
    <section className="lp" data-testid="logs-panel" aria-label="Trace logs">
      <div className="lp-head">
        <span>
          <strong>Logs</strong> <span data-testid="logs-count">{logs.length}</span>
          {selectedSpanId && <> · {selectedCount} from the selected span</>}
        </span>
        <label>
          <input
            type="checkbox"
            checked={onlySelected}
            disabled={!selectedSpanId}
            onChange={(e) => setOnlySelected(e.target.checked)}
          />
          Only selected span
        </label>
      </div>
      <div className="lp-scroll" ref={scrollRef}>
        {visible.length === 0 ? (
          <div className="state">
            <div className="state-title">
              {logs.length === 0 ? 'No logs for this trace' : 'No logs from this span'}
            </div>
            <div className="state-detail">
              {logs.length === 0
                ? 'Logs join a trace when they carry its trace_id (the Skein SDK logger adds it).'
                : 'Other spans of the trace wrote the lines shown when the filter is off.'}
            </div>
          </div>
        ) : (
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {virtualizer.getVirtualItems().map((item) => {
              const entry = visible[item.index]
              const highlighted = !!selectedSpanId && entry.spanNodeId === selectedSpanId
              return (
                <div
                  key={item.key}
                  data-index={item.index}
                  ref={virtualizer.measureElement}
                  style={{
                    position: 'absolute',
                    top: 0,
                    left: 0,
                    right: 0,
                    transform: `translateY(${item.start}px)`,
                  }}
                >
                  <LogRow
                    entry={entry}
                    tree={tree}
                    highlighted={highlighted}
                    dim={!!selectedSpanId && !highlighted && !onlySelected}
                    expanded={expanded.has(entry.index)}
                    onSelectSpan={onSelectSpan}
                    onToggleExpand={toggleExpand}
                  />
                </div>
              )
            })}
          </div>
        )}
      </div>
    </section>
  )
}

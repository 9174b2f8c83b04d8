const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/**
 * For the one place HTML strings are unavoidable: echarts' HTML tooltips, which assign the formatter's
 * result to innerHTML. Every telemetry-derived string that goes there passes through this.
 */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c])
}

/** Builds tooltip HTML from rows of [label, value], escaping both. */
export function tooltipHtml(title: unknown, rows: ReadonlyArray<readonly [unknown, unknown]>): string {
  const body = rows
    .map(
      ([k, v]) =>
        `<div class="tt-row"><span class="tt-k">${escapeHtml(k)}</span> <b>${escapeHtml(v)}</b></div>`,
    )
    .join('')
  return `<div class="tt"><div class="tt-title">${escapeHtml(title)}</div>${body}</div>`
}

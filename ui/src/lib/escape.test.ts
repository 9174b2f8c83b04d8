import { describe, expect, it } from 'vitest'
import { escapeHtml, tooltipHtml } from './escape'

describe('escapeHtml', () => {
  it('neutralises markup so a tooltip shows it as text', () => {
    expect(escapeHtml('<img src=x onerror="alert(1)">')).toBe(
      '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;',
    )
  })

  it('escapes both labels and values in tooltip rows', () => {
    const html = tooltipHtml('<b>', [['<i>', "'&'"]])
    expect(html).toContain('&lt;b&gt;')
    expect(html).not.toContain('<i>')
    expect(html).toContain('&#39;&amp;&#39;')
  })
})

// @vitest-environment jsdom

import { cleanup, fireEvent, render } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { LogPattern, LogPatternsAnswer } from '../api/types'
import { LogPatterns } from './LogPatterns'

afterEach(cleanup)

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'

function pattern(text: string, count: number, body: string, extra: Partial<LogPattern> = {}): LogPattern {
  return {
    pattern: text,
    count,
    share: count / 10,
    series: [0, count, 0],
    services: ['orders'],
    example: {
      timestampNs: '1700000000000000000',
      timestamp: '2023-11-14T22:13:20.000Z',
      service: 'orders',
      severityText: 'INFO',
      severityNumber: 9,
      body,
      traceId: '',
      spanId: '',
    },
    ...extra,
  }
}

const answer: LogPatternsAnswer = {
  step: '1m',
  stepMs: 60_000,
  bucketsMs: [0, 60_000, 120_000],
  lines: 10,
  patternCount: 3,
  sampled: false,
  sampleRate: 1,
  patterns: [
    pattern('order <*> loaded', 7, 'order 42 loaded'),
    pattern(`${HOSTILE} <*>`, 2, `${HOSTILE} 5`, { services: [HOSTILE] }),
  ],
}

describe('LogPatterns', () => {
  it('lists each pattern with its count, share and masks set apart', () => {
    const { getAllByTestId, getByTestId } = render(<LogPatterns answer={answer} onSelect={() => {}} />)
    const rows = getAllByTestId('pattern-row')
    expect(rows.map((r) => r.getAttribute('data-count'))).toEqual(['7', '2'])
    expect(rows[0].textContent).toContain('70%')
    expect(rows[0].querySelector('[data-testid="pattern-text"]')!.textContent).toBe('order <*> loaded')
    expect(rows[0].querySelector('.lpat-mask')!.textContent).toBe('<*>')
    expect(rows[0].querySelector('svg path')!.getAttribute('d')).toMatch(/^M/)
    expect(getByTestId('log-patterns-summary').textContent).toContain('3 patterns in 10 lines')
    expect(getByTestId('log-patterns-summary').textContent).toContain('the 2 most frequent')
  })

  it('renders hostile patterns, lines and services as text and runs nothing', () => {
    const { container, getAllByTestId } = render(<LogPatterns answer={answer} onSelect={() => {}} />)
    expect(container.querySelector('img')).toBeNull()
    expect(container.querySelector('script')).toBeNull()
    expect((window as { __pwned?: number }).__pwned).toBeUndefined()
    const row = getAllByTestId('pattern-row')[1]
    expect(row.querySelector('[data-testid="pattern-text"]')!.textContent).toBe(`${HOSTILE} <*>`)
    expect(row.textContent).toContain(`${HOSTILE} 5`)
    expect(row.querySelector('.lpat-services')!.textContent).toBe(HOSTILE)
  })

  it('hands the clicked pattern over, exactly as the API spelt it', () => {
    const onSelect = vi.fn()
    const { getAllByTestId } = render(<LogPatterns answer={answer} onSelect={onSelect} />)
    fireEvent.click(getAllByTestId('pattern-row')[1])
    expect(onSelect).toHaveBeenCalledWith(`${HOSTILE} <*>`)
  })

  it('says when counts come from a sample', () => {
    const sampled = { ...answer, sampled: true, sampleRate: 1 / 4 }
    const { getByTestId } = render(<LogPatterns answer={sampled} onSelect={() => {}} />)
    expect(getByTestId('log-patterns-summary').textContent).toContain('a sample of 1 line in 4')
  })
})

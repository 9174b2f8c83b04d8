import { describe, expect, it } from 'vitest'
import type { TraceDiffAnswer, TraceSummary } from '../api/types'
import {
  attributeLink,
  bandFractions,
  bandFromDrag,
  bandFromParams,
  comparedService,
  deltaText,
  diffRows,
  durationHistogram,
  pickedFromParams,
  selectionFromFilters,
  togglePick,
  withBand,
} from './compare'
import { parseSearchFilters } from './urlState'

describe('the band in the URL', () => {
  it('reads back what was written, and drops a band the wrong way round', () => {
    const p = withBand(new URLSearchParams('service=checkout'), { minMs: 500, maxMs: 900 })
    expect(p.get('service')).toBe('checkout')
    expect(bandFromParams(p)).toEqual({ minMs: 500, maxMs: 900 })
    expect(bandFromParams(withBand(p, 'errors'))).toBe('errors')
    expect(bandFromParams(withBand(p, undefined))).toBeUndefined()
    expect(bandFromParams(new URLSearchParams('cmpMin=9&cmpMax=3'))).toBeUndefined()
    expect(bandFromParams(new URLSearchParams('cmpMin=x&cmpMax=3'))).toBeUndefined()
  })
})

describe('dragging a band', () => {
  it('maps pixels to milliseconds either way round, and ignores a click', () => {
    expect(bandFromDrag(50, 100, 200, 1000)).toEqual({ minMs: 250, maxMs: 500 })
    expect(bandFromDrag(100, 50, 200, 1000)).toEqual({ minMs: 250, maxMs: 500 })
    expect(bandFromDrag(-20, 400, 200, 1000)).toEqual({ minMs: 0, maxMs: 1000 })
    expect(bandFromDrag(60, 61, 200, 1000)).toBeUndefined()
    expect(bandFractions({ minMs: 250, maxMs: 2000 }, 1000)).toEqual([0.25, 1])
  })

  it('buckets durations from 0 to the largest', () => {
    const h = durationHistogram([0, 30, 99, 100, Number.NaN], 4)
    expect(h).toEqual({ maxMs: 100, counts: [1, 1, 0, 2] })
  })
})

describe('what is compared', () => {
  const t = (rootService: string) => ({ rootService }) as TraceSummary
  it('is the searched service, else the commonest root service', () => {
    expect(comparedService({ service: 'a' }, [t('b')])).toBe('a')
    expect(comparedService({ service: '' }, [t('b'), t('c'), t('c')])).toBe('c')
    expect(comparedService({ service: '' }, [])).toBe('')
  })

  it('reads a selection from a compare link, and needs a service and a selection', () => {
    const f = parseSearchFilters(new URLSearchParams('service=checkout&status=error&lookback=15m'))
    expect(selectionFromFilters(f)).toEqual({
      service: 'checkout',
      status: 'error',
      range: { lookback: '15m' },
    })
    expect(selectionFromFilters(parseSearchFilters(new URLSearchParams('service=checkout')))).toBeUndefined()
    expect(selectionFromFilters(parseSearchFilters(new URLSearchParams('status=error')))).toBeUndefined()
  })

  it("links an attribute to the search for it, its value kept whole (an '=' or '&' in it)", () => {
    const link = attributeLink('checkout', 'q', 'a=b&c', { lookback: '1h' })
    const p = new URLSearchParams(link.split('?')[1])
    expect(link.startsWith('/search?')).toBe(true)
    expect(p.getAll('attr')).toEqual(['q=a=b&c'])
    expect(p.get('service')).toBe('checkout')
  })
})

describe('picking two traces', () => {
  const a = 'a'.repeat(32)
  const b = 'b'.repeat(32)
  const c = 'c'.repeat(32)
  it('keeps the last two picked, unpicks a picked one, and ignores what is not an id', () => {
    expect(togglePick([a, b], c)).toEqual([b, c])
    expect(togglePick([a, b], a)).toEqual([b])
    expect(pickedFromParams(new URLSearchParams(`pick=${a}&pick=nope&pick=${b}`))).toEqual([a, b])
  })
})

describe('the rows of a diff', () => {
  const span = (offsetMs: number, durationMs: number) => ({
    spanId: '1',
    service: 's',
    name: 'n',
    kind: 'Server',
    offsetMs,
    durationMs,
    statusCode: 'Unset',
    statusMessage: '',
  })
  it('places both sides on the scale of the longer trace', () => {
    const d: TraceDiffAnswer = {
      a: 'x',
      b: 'y',
      onlyInA: 0,
      onlyInB: 1,
      slower: 1,
      spans: [
        { path: ['s: root'], depth: 0, a: span(0, 100), b: span(0, 200), deltaMs: 100, change: 'slower' },
        {
          path: ['s: root', 's: retry'],
          depth: 1,
          a: null,
          b: span(150, 50),
          deltaMs: null,
          change: 'added',
        },
      ],
    }
    const rows = diffRows(d)
    expect(rows.map((r) => r.label)).toEqual(['s: root', 's: retry'])
    expect(rows[0].a).toEqual({ left: 0, width: 0.5 })
    expect(rows[0].b).toEqual({ left: 0, width: 1 })
    expect(rows[1].a).toBeUndefined()
    expect(rows[1].b).toEqual({ left: 0.75, width: 0.25 })
  })

  it('says the delta with its sign', () => {
    expect(deltaText(780.4)).toBe('+780 ms')
    expect(deltaText(-3.24)).toBe('−3.2 ms')
    expect(deltaText(1500)).toBe('+1.50 s')
    expect(deltaText(null)).toBe('')
  })
})

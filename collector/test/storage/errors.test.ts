import { describe, expect, it } from 'vitest'
import { clickhouseCode, isBadData, isQueryTimeout } from '../../src/storage/errors.js'

/** Shaped as @clickhouse/client raises them: the code as a string, the engine's message. */
const chError = (code: string | number, message: string) => Object.assign(new Error(message), { code })

describe('the classification of ClickHouse errors', () => {
  it('reads the code whether the client gives it as a string or a number', () => {
    expect(clickhouseCode(chError('252', 'x'))).toBe(252)
    expect(clickhouseCode(chError(60, 'x'))).toBe(60)
    expect(clickhouseCode(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBeUndefined()
  })

  it('calls a refused value or an unknown table bad data', () => {
    expect(isBadData(chError('27', 'Cannot parse input'))).toBe(true)
    expect(isBadData(chError('60', 'Unknown table'))).toBe(true)
  })

  it('calls overload, memory and network trouble transient', () => {
    for (const code of ['202', '241', '209', '999']) expect(isBadData(chError(code, 'later'))).toBe(false)
    expect(isBadData(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false)
  })

  it('tells the two meanings of code 252 apart: too many partitions in one insert is bad data (issue 18.4), too many parts is transient', () => {
    expect(
      isBadData(
        chError(
          '252',
          "Too many partitions for single INSERT block (more than 100). The limit is controlled by 'max_partitions_per_insert_block' setting.",
        ),
      ),
    ).toBe(true)
    expect(
      isBadData(
        chError(
          '252',
          'Too many parts (3001 with average size of 1.00 KiB) in table. Merges are processing significantly slower than inserts',
        ),
      ),
    ).toBe(false)
  })

  it('knows a query stopped for its time limit', () => {
    expect(isQueryTimeout(chError('159', 'Timeout exceeded'))).toBe(true)
    expect(isQueryTimeout(chError('60', 'Unknown table'))).toBe(false)
  })
})

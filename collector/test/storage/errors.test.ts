import { ClickHouseError, parseError } from '@clickhouse/client'
import { describe, expect, it } from 'vitest'
import { toHttp } from '../../src/errors.js'
import {
  clickhouseCode,
  isBadData,
  isQueryTimeout,
  queryError,
  storageFailure,
} from '../../src/storage/errors.js'

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

/** As @clickhouse/client raises a server's exception: `parseError` of the text the server answered. */
const serverError = (text: string) => parseError(text) as ClickHouseError

const MEMORY = serverError(
  'Code: 241. DB::Exception: Memory limit (for query) exceeded: would use 9.31 GiB (attempt to allocate chunk of 4.00 MiB bytes), maximum: 9.31 GiB.: While executing AggregatingTransform. (MEMORY_LIMIT_EXCEEDED) (version 24.8.4.13 (official build))',
)
const SIMULTANEOUS = serverError(
  'Code: 202. DB::Exception: Too many simultaneous queries. Maximum: 100. (TOO_MANY_SIMULTANEOUS_QUERIES) (version 24.8.4.13 (official build))',
)
const UNKNOWN_TABLE = serverError(
  'Code: 60. DB::Exception: Table otel.otel_tracez does not exist. (UNKNOWN_TABLE) (version 24.8.4.13 (official build))',
)
const READONLY = serverError(
  'Code: 164. DB::Exception: default: Cannot execute query in readonly mode. (READONLY) (version 24.8.4.13 (official build))',
)
const TIMEOUT = serverError(
  'Code: 159. DB::Exception: Timeout exceeded: elapsed 10.0 seconds, maximum: 10. (TIMEOUT_EXCEEDED) (version 24.8.4.13 (official build))',
)

describe('one classification for inserts and queries', () => {
  it('reads errors as @clickhouse/client raises them', () => {
    expect(MEMORY).toBeInstanceOf(ClickHouseError)
    expect(MEMORY).toMatchObject({ code: '241', type: 'MEMORY_LIMIT_EXCEEDED' })
  })

  it('calls a memory limit or too many simultaneous queries storage overloaded, which an insert retries', () => {
    for (const e of [MEMORY, SIMULTANEOUS]) {
      expect(storageFailure(e)).toBe('overloaded')
      expect(isBadData(e)).toBe(false)
    }
  })

  it('calls a connection that is refused, reset or closed storage unavailable', () => {
    expect(
      storageFailure(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe('unavailable')
    expect(storageFailure(new Error('socket hang up'))).toBe('unavailable')
    expect(storageFailure(new Error('ChdbConnection is closed'))).toBe('unavailable')
    expect(storageFailure(serverError('Code: 210. DB::Exception: Connection refused. (NETWORK_ERROR)'))).toBe(
      'unavailable',
    )
  })

  it('calls a statement that fails the same way every time rejected', () => {
    expect(storageFailure(UNKNOWN_TABLE)).toBe('rejected')
    expect(storageFailure(TIMEOUT)).toBe('timeout')
  })

  it('calls storage refusing our credentials unavailable, not bad data: the rows are kept and retried', () => {
    const auth = serverError(
      'Code: 516. DB::Exception: default: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED) (version 24.8.4.13 (official build))',
    )
    const denied = serverError(
      'Code: 497. DB::Exception: default: Not enough privileges. To execute this query, it is necessary to have the grant INSERT ON otel.otel_traces. (ACCESS_DENIED) (version 24.8.4.13 (official build))',
    )
    for (const e of [auth, denied]) {
      expect(storageFailure(e)).toBe('unavailable')
      expect(isBadData(e)).toBe(false)
      expect(queryError(e, 5000)).toMatchObject({ code: 'SKEIN_ERR_STORAGE_UNAVAILABLE' })
    }
  })

  it('keeps a read-only refusal apart: an insert is retried (its rows are not bad), a query is our bug', () => {
    expect(storageFailure(READONLY)).toBe('other')
    expect(isBadData(READONLY)).toBe(false)
    expect(queryError(READONLY, 5000)).toMatchObject({ code: 'SKEIN_ERR_INTERNAL' })
  })
})

describe('the answer to a query that storage failed', () => {
  // Regression (issue 19, item 3): the same error was retried on insert but a 500 on a query.
  it.each([
    ['MEMORY_LIMIT_EXCEEDED', MEMORY],
    ['TOO_MANY_SIMULTANEOUS_QUERIES', SIMULTANEOUS],
  ])('is a 503 with Retry-After when storage is overloaded (%s), not a 500', (type, e) => {
    const err = queryError(e, 5000)
    expect(err).toMatchObject({ code: 'SKEIN_ERR_STORAGE_UNAVAILABLE', retryable: true, cause: e })
    expect(err.message).toBe(`storage is too busy to answer (${type}); retry later`)
    const answer = toHttp(err)
    expect(answer.status).toBe(503)
    expect(answer.headers['retry-after']).toBe('2')
  })

  it('is a 503 QUERY_TIMEOUT naming the time limit when the query ran out of time', () => {
    expect(queryError(TIMEOUT, 5000)).toMatchObject({
      code: 'SKEIN_ERR_QUERY_TIMEOUT',
      message: expect.stringContaining('5000 ms'),
    })
  })

  it('is a 503 when storage cannot be reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })
    expect(queryError(refused, 5000)).toMatchObject({
      code: 'SKEIN_ERR_STORAGE_UNAVAILABLE',
      retryable: true,
    })
  })

  it('is a 500 that quotes nothing of the engine when the query itself is wrong', () => {
    const answer = toHttp(queryError(UNKNOWN_TABLE, 5000))
    expect(answer.status).toBe(500)
    expect(JSON.stringify(answer.body)).not.toMatch(/otel_tracez|UNKNOWN_TABLE/)
  })
})

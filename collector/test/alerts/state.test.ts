import { describe, expect, it } from 'vitest'
import { disable, INITIAL, type RuleState, type Step, step, type Verdict } from '../../src/alerts/state.js'

const times = { windowMs: 60_000, forMs: 60_000, repeatEveryMs: 3_600_000 }

/** Runs verdicts at the given instants (an injected clock), collecting the events. */
function run(verdicts: [number, Verdict][], t = times, start: RuleState = INITIAL) {
  let s = start
  const events: [number, string][] = []
  for (const [now, v] of verdicts) {
    const r: Step = step(t, s, v, now)
    s = r.next
    if (r.event) events.push([now, r.event])
  }
  return { state: s, events }
}

describe('the rule state machine', () => {
  it('goes pending on the first breach and fires only once `for` has elapsed', () => {
    const { state, events } = run([
      [0, 'breach'],
      [30_000, 'breach'],
      [59_999, 'breach'],
      [60_000, 'breach'],
      [75_000, 'breach'],
    ])
    expect(events).toEqual([
      [0, 'pending'],
      [60_000, 'firing'],
    ])
    expect(state).toEqual({ state: 'firing', since: 60_000, lastNotifiedAt: 60_000 })
  })

  it('cancels a pending rule when the condition clears, without firing', () => {
    const { state, events } = run([
      [0, 'breach'],
      [30_000, 'clear'],
      [90_000, 'breach'],
    ])
    expect(events).toEqual([
      [0, 'pending'],
      [30_000, 'cancelled'],
      [90_000, 'pending'],
    ])
    expect(state.since).toBe(90_000)
  })

  it('resolves a firing rule when the condition clears', () => {
    const { state, events } = run([
      [0, 'breach'],
      [60_000, 'breach'],
      [120_000, 'clear'],
    ])
    expect(events.map((e) => e[1])).toEqual(['pending', 'firing', 'resolved'])
    expect(state.state).toBe('ok')
  })

  it('gives no verdict below minRequests: an unknown window changes nothing', () => {
    expect(run([[0, 'unknown']]).events).toEqual([])
    expect(
      run([
        [0, 'breach'],
        [10_000, 'unknown'],
        [70_000, 'unknown'],
      ]).state.state,
    ).toBe('pending')
    expect(
      run([
        [0, 'breach'],
        [60_000, 'breach'],
        [120_000, 'unknown'],
      ]).state.state,
    ).toBe('firing')
  })

  it('reminds every repeatEvery while firing, counted from the last notification, even without traffic', () => {
    const t = { ...times, forMs: 0, repeatEveryMs: 10_000 }
    const { events } = run(
      [
        [0, 'breach'],
        [9_000, 'breach'],
        [10_000, 'unknown'],
        [15_000, 'breach'],
        [20_500, 'breach'],
      ],
      t,
    )
    expect(events).toEqual([
      [0, 'firing'],
      [10_000, 'reminder'],
      [20_500, 'reminder'],
    ])
  })

  it('sends no reminders when repeatEvery is 0s', () => {
    const { events } = run(
      [
        [0, 'breach'],
        [1e9, 'breach'],
      ],
      { ...times, forMs: 0, repeatEveryMs: 0 },
    )
    expect(events).toEqual([[0, 'firing']])
  })

  it('fires at once when `for` is 0s', () => {
    expect(run([[5, 'breach']], { ...times, forMs: 0 }).events).toEqual([[5, 'firing']])
  })

  it('continues from a recovered state as if it had never stopped', () => {
    const recovered: RuleState = { state: 'pending', since: 0 }
    expect(run([[60_000, 'breach']], times, recovered).events).toEqual([[60_000, 'firing']])
  })

  it('puts a disabled rule back to ok, and leaves an ok one alone', () => {
    expect(disable({ state: 'firing', since: 0, lastNotifiedAt: 0 }, 5)).toEqual({
      next: { state: 'ok', since: 5 },
      event: 'disabled',
    })
    expect(disable(INITIAL, 5).event).toBeUndefined()
  })
})

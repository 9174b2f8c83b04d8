// A small circuit breaker: after `failures` consecutive failed calls it opens and rejects calls at
// once for `cooldownMs`, then lets one probe through (half-open): success closes it, failure reopens.
export class CircuitOpenError extends Error {
  constructor(name) {
    super(`circuit to ${name} is open`)
    this.code = 'CIRCUIT_OPEN'
  }
}

export function createBreaker({ name, failures = 5, cooldownMs = 5000, onChange = () => {} }) {
  let state = 'closed'
  let consecutive = 0
  let openedAt = 0
  let probing = false
  const set = (next, detail) => {
    if (next !== state) {
      state = next
      onChange(next, detail)
    }
  }
  return {
    get state() {
      return state
    },
    /** Throws CircuitOpenError when the call must not be made. */
    before() {
      if (state === 'open' && Date.now() - openedAt >= cooldownMs) set('half-open', { cooldownMs })
      if (state === 'open' || (state === 'half-open' && probing)) throw new CircuitOpenError(name)
      if (state === 'half-open') probing = true
    },
    success() {
      consecutive = 0
      probing = false
      set('closed', {})
    },
    failure(reason) {
      consecutive++
      probing = false
      if (state === 'half-open' || consecutive >= failures) {
        openedAt = Date.now()
        set('open', { consecutiveFailures: consecutive, reason })
      }
    },
  }
}

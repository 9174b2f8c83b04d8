import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react'
import { isAbort, toApiError } from '../api/client'
import type { ApiErrorShape } from '../api/types'

export interface ApiState<T> {
  data: T | undefined
  error: ApiErrorShape | undefined
  loading: boolean
  reload: () => void
}

/**
 * Runs `load` whenever `deps` change (aborting the previous request) and optionally every `pollMs`.
 * Data from the previous run stays visible while the next one loads, so polling and refinements never flash.
 */
export function useApi<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: DependencyList,
  pollMs?: number,
): ApiState<T> {
  const [state, setState] = useState<Omit<ApiState<T>, 'reload'>>({
    data: undefined,
    error: undefined,
    loading: true,
  })
  const [nonce, setNonce] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load

  // biome-ignore lint/correctness/useExhaustiveDependencies: `deps` is the caller's dependency list
  useEffect(() => {
    const ac = new AbortController()
    setState((s) => ({ data: s.data, error: undefined, loading: true }))
    loadRef.current(ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setState({ data, error: undefined, loading: false })
      },
      (err) => {
        if (ac.signal.aborted || isAbort(err)) return
        setState({ data: undefined, error: toApiError(err), loading: false })
      },
    )
    return () => ac.abort()
  }, [...deps, nonce])

  useEffect(() => {
    if (!pollMs) return
    const t = setInterval(() => setNonce((n) => n + 1), pollMs)
    return () => clearInterval(t)
  }, [pollMs])

  const reload = useCallback(() => setNonce((n) => n + 1), [])
  return { ...state, reload }
}

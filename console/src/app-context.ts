import { createContext } from 'preact'
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks'
import type { Api, Role } from './api.js'
import type { LiveEvent, LiveEvents } from './events.js'

export interface AppCtx {
  api: Api
  name: string
  role: Role
  live: LiveEvents
}

export const AppContext = createContext<AppCtx | null>(null)

export function useApp(): AppCtx {
  const ctx = useContext(AppContext)
  if (!ctx) throw new Error('useApp outside the signed-in app')
  return ctx
}

export interface Loaded<T> {
  data: T | undefined
  error: Error | undefined
  loading: boolean
  reload: () => void
}

/** GET `path` (null: nothing to load); reloads when the path changes or reload() is called. The latest answer wins. */
export function useGet<T = any>(path: string | null): Loaded<T> {
  const { api } = useApp()
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: path !== null })
  const [tick, setTick] = useState(0)
  useEffect(() => {
    if (path === null) return
    // Not aborted when the path changes (that would show as a failed request); a stale answer is ignored instead.
    let current = true
    setState((s) => ({ ...s, loading: true }))
    api.get<T>(path).then(
      (data) => current && setState({ data, loading: false }),
      (error: Error) => current && setState((s) => ({ data: s.data, error, loading: false })),
    )
    return () => {
      current = false
    }
  }, [path, tick])
  const reload = useCallback(() => setTick((t) => t + 1), [])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}

/** Runs `fn` for live events the filter accepts, at most once per `debounceMs` (a burst of changes is one reload). */
export function useLive(filter: (e: LiveEvent) => boolean, fn: (e: LiveEvent) => void, debounceMs = 500): void {
  const { live } = useApp()
  const ref = useRef({ filter, fn })
  ref.current = { filter, fn }
  useEffect(() => {
    let timer: number | undefined
    let last: LiveEvent | undefined
    const off = live.subscribe((e) => {
      if (e.type !== 'dropped' && !ref.current.filter(e)) return
      last = e
      if (timer === undefined) {
        timer = window.setTimeout(() => {
          timer = undefined
          if (last) ref.current.fn(last)
        }, debounceMs)
      }
    })
    return () => {
      off()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [live, debounceMs])
}

/** Re-runs fn every `ms` while the tab is visible (live refresh of charts). */
export function useInterval(fn: () => void, ms: number | null): void {
  const ref = useRef(fn)
  ref.current = fn
  useEffect(() => {
    if (ms === null) return
    const t = window.setInterval(() => {
      if (document.visibilityState === 'visible') ref.current()
    }, ms)
    return () => clearInterval(t)
  }, [ms])
}

import { useEffect, useState } from 'preact/hooks'

/** Hash routes (#/fleet, #/device/ID, …): the hub serves one page at /, so every view is a fragment. */
export interface Route {
  page: string
  arg?: string
  params: URLSearchParams
}

export function parseHash(hash: string): Route {
  const [path, query] = hash.replace(/^#\/?/, '').split('?')
  const [page, ...rest] = path.split('/')
  return { page: page || 'fleet', arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined, params: new URLSearchParams(query ?? '') }
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash))
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash))
    window.addEventListener('hashchange', on)
    return () => window.removeEventListener('hashchange', on)
  }, [])
  return route
}

export const go = (hash: string) => {
  location.hash = hash
}

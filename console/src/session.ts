// The token lives in sessionStorage only (closed with the tab); `#token=` from `outpost dev` is read once and removed.
const KEY = 'outpost.token'

export function takeTokenFromUrl(): string | undefined {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash)
  if (!m) return undefined
  history.replaceState(null, '', location.pathname + location.search + '#/')
  return decodeURIComponent(m[1])
}

const WHO = 'outpost.identity'

export const storedToken = () => sessionStorage.getItem(KEY) ?? undefined
/** Who the stored token was when checked: a reload opens at once with it, and any 401 still ends the session. */
export function storedIdentity(): { name: string; role: 'viewer' | 'operator' | 'admin' } | undefined {
  try {
    const v = JSON.parse(sessionStorage.getItem(WHO) ?? 'null')
    return v && typeof v.name === 'string' && ['viewer', 'operator', 'admin'].includes(v.role) ? v : undefined
  } catch {
    return undefined
  }
}
export function storeToken(t: string, who: { name: string; role: string }) {
  sessionStorage.setItem(KEY, t)
  sessionStorage.setItem(WHO, JSON.stringify({ name: who.name, role: who.role }))
}
export function forgetToken() {
  sessionStorage.removeItem(KEY)
  sessionStorage.removeItem(WHO)
}

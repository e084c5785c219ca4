// The token lives in sessionStorage only (closed with the tab); `#token=` from `outpost dev` is read once and removed.
const KEY = 'outpost.token'

export function takeTokenFromUrl(): string | undefined {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash)
  if (!m) return undefined
  history.replaceState(null, '', location.pathname + location.search + '#/')
  return decodeURIComponent(m[1])
}

export const storedToken = () => sessionStorage.getItem(KEY) ?? undefined
export const storeToken = (t: string) => sessionStorage.setItem(KEY, t)
export const forgetToken = () => sessionStorage.removeItem(KEY)

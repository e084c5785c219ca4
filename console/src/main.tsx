import { render } from 'preact'
import { useEffect, useMemo, useState } from 'preact/hooks'
import { ApiFailure, createApi, whoami, type Role } from './api.js'
import { AppContext, type AppCtx } from './app-context.js'
import { LiveEvents } from './events.js'
import { forgetToken, storedIdentity, storedToken, storeToken, takeTokenFromUrl } from './session.js'
import { SignIn } from './pages/sign-in.js'
import { Shell } from './shell.js'
import './style.css'

type State =
  | { kind: 'checking' }
  | { kind: 'signed-out'; message?: string; tone?: 'error' | 'info' }
  | { kind: 'signed-in'; token: string; name: string; role: Role }

const ENDED = 'Your session has ended: the token was revoked or has expired. Sign in again.'

function App() {
  const [state, setState] = useState<State>({ kind: 'checking' })

  const signOut = (message?: string, tone: 'error' | 'info' = 'info') => {
    forgetToken()
    setState({ kind: 'signed-out', message, tone })
  }

  const signIn = async (token: string, fromUrl = false): Promise<string | undefined> => {
    try {
      const me = await whoami(token)
      storeToken(token, me)
      setState({ kind: 'signed-in', token, name: me.name, role: me.role })
      return undefined
    } catch (err) {
      const f = err instanceof ApiFailure ? err : undefined
      const msg =
        f?.status === 401
          ? 'That token was not accepted: it is wrong, revoked or expired. Check it and try again.'
          : f?.status
            ? `The hub refused the sign-in (${f.status}): ${f.message}`
            : `Could not reach the hub: ${(err as Error).message}`
      if (fromUrl) setState({ kind: 'signed-out', message: msg, tone: 'error' })
      return msg
    }
  }

  useEffect(() => {
    const fromUrl = takeTokenFromUrl()
    const token = fromUrl ?? storedToken()
    const known = fromUrl ? undefined : storedIdentity()
    // A reload in a signed-in tab opens at once; the first API answer (or the live stream) ends a revoked session.
    if (token && known) setState({ kind: 'signed-in', token, ...known })
    else if (!token) setState({ kind: 'signed-out' })
    else void signIn(token, true).then((err) => err && forgetToken())
  }, [])

  const ctx = useMemo<AppCtx | null>(() => {
    if (state.kind !== 'signed-in') return null
    const ended = () => signOut(ENDED, 'error')
    const live = new LiveEvents(state.token, ended)
    return { api: createApi(state.token, ended), name: state.name, role: state.role, live }
  }, [state.kind === 'signed-in' ? state.token : null])

  useEffect(() => {
    if (!ctx) return
    // The live stream holds one of the browser's six connections to the hub for good: it opens once the page's
    // first requests are under way. Pages load fresh data when they open, so nothing is missed meanwhile.
    const t = setTimeout(() => ctx.live.start(), 1500)
    return () => {
      clearTimeout(t)
      ctx.live.close()
    }
  }, [ctx])

  if (state.kind === 'checking') return <div class="splash">Outpost…</div>
  if (state.kind === 'signed-out' || !ctx) return <SignIn onSignIn={(t) => signIn(t)} message={state.kind === 'signed-out' ? state.message : undefined} tone={state.kind === 'signed-out' ? state.tone : undefined} />
  return (
    <AppContext.Provider value={ctx}>
      <Shell onSignOut={() => signOut('Signed out.')} />
    </AppContext.Provider>
  )
}

render(<App />, document.getElementById('app')!)

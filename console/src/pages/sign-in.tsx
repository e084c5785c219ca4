import { useState } from 'preact/hooks'

export function SignIn({ onSignIn, message, tone }: { onSignIn: (token: string) => Promise<string | undefined>; message?: string; tone?: 'error' | 'info' }) {
  const [token, setToken] = useState('')
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const shown = error ?? message
  return (
    <main class="signin">
      <form
        class="signin-card"
        onSubmit={async (e) => {
          e.preventDefault()
          if (!token.trim()) return setError('Enter an API token (outpost token add prints one; outpost dev prints the admin token).')
          setBusy(true)
          setError(await onSignIn(token.trim()))
          setBusy(false)
        }}
      >
        <div class="brand big">
          <span class="logo">◆</span> Outpost
        </div>
        <p class="muted">Sign in with an API token. It is kept in this tab only.</p>
        {shown && (
          <div class={`notice ${error || tone === 'error' ? 'error' : 'info'}`} role="alert">
            {shown}
          </div>
        )}
        <label for="token">Token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" value={token} onInput={(e) => setToken(e.currentTarget.value)} autofocus />
        <button class="btn primary wide" type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}

import type { ComponentChildren } from 'preact'
import { ApiFailure } from '../api.js'

/** An API failure shown where it happened, with what the hub said and a way to try again. */
export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const f = error instanceof ApiFailure ? error : undefined
  return (
    <div class="error-box" role="alert">
      <strong>{f ? (f.status ? `Request failed (${f.status} ${f.code})` : 'Hub unreachable') : 'Something went wrong'}</strong>
      <span>{error.message}</span>
      {retry && (
        <button class="btn small" onClick={retry}>
          Retry
        </button>
      )}
    </div>
  )
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <div class="muted loading">{what}…</div>
}

export function Card({ title, actions, children, class: cls }: { title?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren; class?: string }) {
  return (
    <section class={`card ${cls ?? ''}`}>
      {(title || actions) && (
        <header class="card-head">
          <h2>{title}</h2>
          <div class="card-actions">{actions}</div>
        </header>
      )}
      <div class="card-body">{children}</div>
    </section>
  )
}

const TONES: Record<string, string> = {
  online: 'ok', healthy: 'ok', resolved: 'ok', ok: 'ok',
  offline: 'bad', firing: 'bad', critical: 'bad', unhealthy: 'bad', error: 'bad', high: 'bad',
  pending: 'warn', degraded: 'warn', warning: 'warn', medium: 'warn',
  acknowledged: 'info', silenced: 'info', info: 'info', low: 'info', unknown: 'muted', debug: 'muted',
}

export function Badge({ value, tone }: { value: string; tone?: string }) {
  return <span class={`badge ${tone ?? TONES[value] ?? 'muted'}`}>{value}</span>
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>
}

import { useState } from 'preact/hooks'
import { canOperate } from '../api.js'
import { useApp } from '../app-context.js'
import { fmtAgo, fmtTime } from '../format.js'
import { Badge, Empty, ErrorBox } from './common.js'

export interface AlertRow {
  id: string
  rule: string
  device: string
  severity: string
  status: string
  value: number | string | null
  activeAt: number
  startsAt: number | null
  annotations: Record<string, string>
  labels: Record<string, string>
  acknowledged: { by: string; at: number } | null
}

/** Alerts newest first with the actions the signed-in role may use (viewers get none: the buttons are absent). */
export function AlertList({ alerts, onChange, compact }: { alerts: AlertRow[]; onChange: () => void; compact?: boolean }) {
  const { api, role } = useApp()
  const [error, setError] = useState<Error | undefined>()
  const [silencing, setSilencing] = useState<AlertRow | undefined>()
  const [busy, setBusy] = useState<string | undefined>()
  const act = async (a: AlertRow, what: 'ack' | 'resolve') => {
    setBusy(a.id + what)
    try {
      await api.send('POST', `/v1/alerts/${encodeURIComponent(a.id)}/${what}`)
      setError(undefined)
      onChange()
    } catch (err) {
      setError(err as Error)
    } finally {
      setBusy(undefined)
    }
  }
  if (alerts.length === 0) return <Empty>No alerts</Empty>
  const sorted = [...alerts].sort((a, b) => (b.startsAt ?? b.activeAt) - (a.startsAt ?? a.activeAt))
  return (
    <div>
      {error && <ErrorBox error={error} />}
      <table class="table alerts">
        <tbody>
          {sorted.map((a) => (
            <tr key={a.id} data-alert={a.id}>
              <td>
                <Badge value={a.status} />
              </td>
              <td>
                <div class="strong">
                  <a href={`#/alerts/alert/${encodeURIComponent(a.id)}`}>
                    {a.annotations?.summary ?? a.rule}
                  </a>
                </div>
                <div class="muted small">
                  {a.rule} · <a href={`#/device/${encodeURIComponent(a.device)}`}>{a.device}</a> · <Badge value={a.severity} /> · value {typeof a.value === 'number' ? +a.value.toFixed(4) : (a.value ?? '–')}
                </div>
              </td>
              {!compact && <td class="muted">{fmtTime(a.startsAt ?? a.activeAt)}</td>}
              <td class="muted">{a.acknowledged ? `ack by ${a.acknowledged.by} ${fmtAgo(a.acknowledged.at)}` : fmtAgo(a.startsAt ?? a.activeAt)}</td>
              <td class="actions">
                {canOperate(role) && a.status === 'firing' && (
                  <button class="btn small" disabled={busy === a.id + 'ack'} onClick={() => act(a, 'ack')}>
                    Acknowledge
                  </button>
                )}
                {canOperate(role) && a.status !== 'resolved' && (
                  <button class="btn small" disabled={busy === a.id + 'resolve'} onClick={() => act(a, 'resolve')}>
                    Resolve
                  </button>
                )}
                {canOperate(role) && a.status !== 'resolved' && (
                  <button class="btn small" onClick={() => setSilencing(a)}>
                    Silence
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {silencing && <SilenceForm alert={silencing} onDone={() => (setSilencing(undefined), onChange())} />}
    </div>
  )
}

/** A silence prefilled from the alert: its rule and device as matchers, two hours. */
function SilenceForm({ alert, onDone }: { alert: AlertRow; onDone: () => void }) {
  const { api } = useApp()
  const [matchers, setMatchers] = useState(`rule=${alert.rule}\ndevice=${alert.device}`)
  const [duration, setDuration] = useState('2h')
  const [reason, setReason] = useState('Silenced from the console')
  const [error, setError] = useState<Error | undefined>()
  return (
    <form
      class="card silence-form"
      onSubmit={async (e) => {
        e.preventDefault()
        const m: Record<string, string> = {}
        for (const line of matchers.split('\n')) {
          const [k, ...v] = line.split('=')
          if (k.trim() && v.length) m[k.trim()] = v.join('=').trim()
        }
        try {
          await api.send('POST', '/v1/silences', { matchers: m, duration, reason })
          onDone()
        } catch (err) {
          setError(err as Error)
        }
      }}
    >
      <h3>Silence alerts like “{alert.rule}”</h3>
      {error && <ErrorBox error={error} />}
      <label>
        Matchers (one <code>label=value</code> a line, <code>*</code> globs)
        <textarea rows={3} value={matchers} onInput={(e) => setMatchers(e.currentTarget.value)} />
      </label>
      <div class="row">
        <label>
          Duration <input value={duration} onInput={(e) => setDuration(e.currentTarget.value)} size={6} />
        </label>
        <label class="grow">
          Reason <input value={reason} required onInput={(e) => setReason(e.currentTarget.value)} placeholder="maintenance" />
        </label>
      </div>
      <div class="row">
        <button class="btn primary small">Create silence</button>
        <button type="button" class="btn small ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}

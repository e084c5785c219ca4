import { fmtTime } from '../format.js'
import { Badge, Empty } from './common.js'

export interface LogRow {
  id?: string
  ts: number
  device: string
  level: string
  component: string | null
  message: string
  traceId: string | null
}

export function LogTable({ logs, compact }: { logs: LogRow[]; compact?: boolean }) {
  if (logs.length === 0) return <Empty>No log lines</Empty>
  return (
    <table class="table logs">
      <tbody>
        {logs.map((l, i) => (
          <tr key={l.id ?? i} class={`level-${l.level}`}>
            <td class="muted nowrap mono small">{fmtTime(l.ts, !compact)}</td>
            <td>
              <Badge value={l.level} />
            </td>
            {!compact && (
              <td class="nowrap">
                <a href={`#/device/${encodeURIComponent(l.device)}`}>{l.device}</a>
              </td>
            )}
            <td class="muted nowrap">{l.component ?? ''}</td>
            <td class="mono wrap">
              {l.message}
              {l.traceId && (
                <a class="small trace-link" href={`#/traces/${l.traceId}`}>
                  {' '}
                  trace →
                </a>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

import { useState } from 'preact/hooks'
import { fmtTime } from './format.js'

export const PRESETS = ['15m', '1h', '6h', '24h', '7d'] as const
export type Preset = (typeof PRESETS)[number]
const PRESET_MS: Record<Preset, number> = { '15m': 900_000, '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000 }

/** A preset follows the clock (live); custom and zoomed ranges are fixed. */
export type TimeRange = { preset: Preset } | { preset: 'custom'; from: number; to: number }

export function resolveRange(r: TimeRange, now = Date.now()): { from: number; to: number } {
  return r.preset === 'custom' ? { from: r.from, to: r.to } : { from: now - PRESET_MS[r.preset], to: now }
}

const NICE_STEPS_S = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400]

/** A step so a chart asks for no more points than it has pixels (and never below the agents' 10 s interval). */
export function stepFor(from: number, to: number, pixels: number): number {
  const raw = (to - from) / 1000 / Math.max(50, pixels)
  return NICE_STEPS_S.find((s) => s >= raw) ?? Math.ceil(raw / 86400) * 86400
}

const toInput = (ms: number) => {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000)
  return d.toISOString().slice(0, 16)
}

export function TimeRangePicker({ value, onChange }: { value: TimeRange; onChange: (r: TimeRange) => void }) {
  const [custom, setCustom] = useState(false)
  const { from, to } = resolveRange(value)
  const [draft, setDraft] = useState({ from: toInput(from), to: toInput(to) })
  return (
    <div class="range-picker" role="group" aria-label="Time range">
      {PRESETS.map((p) => (
        <button key={p} class={`seg ${value.preset === p ? 'active' : ''}`} onClick={() => (setCustom(false), onChange({ preset: p }))}>
          {p}
        </button>
      ))}
      <button class={`seg ${value.preset === 'custom' ? 'active' : ''}`} onClick={() => (setDraft({ from: toInput(from), to: toInput(to) }), setCustom(!custom))}>
        {value.preset === 'custom' ? `${fmtTime(from)} → ${fmtTime(to)}` : 'Custom'}
      </button>
      {custom && (
        <form
          class="custom-range"
          onSubmit={(e) => {
            e.preventDefault()
            const f = new Date(draft.from).getTime()
            const t = new Date(draft.to).getTime()
            if (Number.isFinite(f) && Number.isFinite(t) && f < t) {
              onChange({ preset: 'custom', from: f, to: t })
              setCustom(false)
            }
          }}
        >
          <label>
            From <input type="datetime-local" value={draft.from} onInput={(e) => setDraft({ ...draft, from: e.currentTarget.value })} />
          </label>
          <label>
            To <input type="datetime-local" value={draft.to} onInput={(e) => setDraft({ ...draft, to: e.currentTarget.value })} />
          </label>
          <button class="btn small primary">Apply</button>
        </form>
      )}
    </div>
  )
}

import { useState } from 'preact/hooks'
import { fmtTime } from './format.js'
import { PRESETS, resolveRange, type TimeRange } from './range.js'

export { PRESETS, resolveRange, stepFor, type Preset, type TimeRange } from './range.js'

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

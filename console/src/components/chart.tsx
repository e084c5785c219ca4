import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { fmtTicks, fmtValue } from '../format.js'

export interface ChartSeries {
  label: string
  points: Array<[number, number | null]>
}

const PALETTE = ['#2563eb', '#16a34a', '#db2777', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04', '#4b5563']

/** Aligns series on the union of their timestamps (uPlot's column layout); seconds on the x axis. */
function align(series: ChartSeries[]): uPlot.AlignedData {
  const ts = new Set<number>()
  for (const s of series) for (const [t] of s.points) ts.add(t)
  const xs = [...ts].sort((a, b) => a - b)
  const index = new Map(xs.map((t, i) => [t, i]))
  const cols = series.map((s) => {
    const col: Array<number | null> = new Array(xs.length).fill(null)
    for (const [t, v] of s.points) col[index.get(t)!] = v
    return col
  })
  return [xs.map((t) => t / 1000), ...cols] as uPlot.AlignedData
}

/**
 * A uPlot time chart. Dragging across it selects a range (onZoom); `data-drawn` is set once drawn (to the number of points
 * drawn), so tests and the bench can tell when the chart is on screen and what it shows.
 */
export function Chart({ series, unit, height = 180, onZoom, from, to }: { series: ChartSeries[]; unit?: string; height?: number; onZoom?: (from: number, to: number) => void; from?: number; to?: number }) {
  const box = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const zoom = useRef(onZoom)
  zoom.current = onZoom
  useEffect(() => {
    const el = box.current!
    el.removeAttribute('data-drawn')
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: series.length > 0 && series.length <= 8, live: true },
      cursor: { drag: { x: true, y: false, setScale: false } },
      scales: { x: { time: true, ...(from !== undefined && to !== undefined ? { range: () => [from / 1000, to / 1000] as [number, number] } : {}) } },
      axes: [
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e5e7eb' } },
        { stroke: '#6b7280', grid: { stroke: '#eef0f3' }, ticks: { stroke: '#e5e7eb' }, size: 84, values: (_u, vals) => fmtTicks(vals, unit) },
      ],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          fill: series.length === 1 ? PALETTE[0] + '14' : undefined,
          value: (_u: uPlot, v: number | null) => fmtValue(v, unit),
          spanGaps: false,
        })),
      ],
      hooks: {
        draw: [() => el.setAttribute('data-drawn', String(series.reduce((n, s) => n + s.points.filter((p) => p[1] !== null).length, 0)))],
        setSelect: [
          (u) => {
            if (u.select.width < 5) return
            const a = u.posToVal(u.select.left, 'x') * 1000
            const b = u.posToVal(u.select.left + u.select.width, 'x') * 1000
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
            zoom.current?.(Math.round(a), Math.round(b))
          },
        ],
      },
    }
    plot.current = new uPlot(opts, align(series), el)
    // The observer also fires once at the start: redraw only when the width really changed.
    let width = opts.width
    // Resized in the next frame, not inside the observer's callback (a resize there can re-trigger the observer
    // within the same frame: "ResizeObserver loop completed with undelivered notifications").
    let frame = 0
    const resize = new ResizeObserver(() => {
      cancelAnimationFrame(frame)
      frame = requestAnimationFrame(() => {
        const w = Math.max(200, el.clientWidth)
        if (w === width) return
        width = w
        plot.current?.setSize({ width: w, height })
      })
    })
    resize.observe(el)
    return () => {
      resize.disconnect()
      cancelAnimationFrame(frame)
      plot.current?.destroy()
      plot.current = null
    }
  }, [series, unit, height, from, to])
  return <div class="chart" ref={box} />
}

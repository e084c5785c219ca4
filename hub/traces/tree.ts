import type { SpanEvent, SpanStatus } from '../../protocol/batch.js'
import { spanDurationMs, type StoredSpan } from './records.js'

/** One span in GET /v1/traces/{traceId}, its children nested under it. */
export interface SpanNode {
  spanId: string
  parentSpanId: string | null
  name: string
  service: string | null
  kind: string | null
  device: string
  start: number
  end: number
  durationMs: number
  status: SpanStatus
  attributes: Record<string, unknown>
  events: SpanEvent[]
  children: SpanNode[]
}

/** One line of GET /v1/traces. */
export interface TraceSummary {
  traceId: string
  rootName: string
  rootService: string | null
  start: number
  durationMs: number
  spanCount: number
  error: boolean
  devices: string[]
}

export interface TraceTree extends TraceSummary {
  /** Root spans, then orphans (spans whose parent was never stored), by start time. */
  roots: SpanNode[]
}

const byStart = (a: { start: number; spanId: string }, b: { start: number; spanId: string }) =>
  a.start - b.start || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0)

/** Spans whose parent is not in the trace: true roots and orphans, earliest first. */
function rootSpans(spans: StoredSpan[]): StoredSpan[] {
  const ids = new Set(spans.map((s) => s.spanId))
  return spans.filter((s) => s.parentSpanId === undefined || s.parentSpanId === s.spanId || !ids.has(s.parentSpanId)).sort(byStart)
}

/** `spans` must be non-empty and all of one trace. */
export function summarizeTrace(traceId: string, spans: StoredSpan[]): TraceSummary {
  // A trace made only of a parent cycle has no root; its earliest span stands in.
  const root = rootSpans(spans)[0] ?? [...spans].sort(byStart)[0]
  let start = Infinity
  let end = -Infinity
  let error = false
  const devices = new Set<string>()
  for (const span of spans) {
    start = Math.min(start, span.start)
    end = Math.max(end, span.end)
    error ||= span.status === 'error'
    devices.add(span.device)
  }
  return {
    traceId,
    rootName: root.name,
    rootService: root.service ?? null,
    start,
    durationMs: Math.max(0, end - start),
    spanCount: spans.length,
    error,
    devices: [...devices].sort(),
  }
}

function toNode(span: StoredSpan): SpanNode {
  return {
    spanId: span.spanId,
    parentSpanId: span.parentSpanId ?? null,
    name: span.name,
    service: span.service ?? null,
    kind: span.kind ?? null,
    device: span.device,
    start: span.start,
    end: span.end,
    durationMs: spanDurationMs(span),
    status: span.status ?? 'unset',
    attributes: span.attrs ?? {},
    events: span.events ?? [],
    children: [],
  }
}

/** Nests every span under its parent by parentSpanId; each span appears exactly once, even in a parent cycle. */
export function buildTraceTree(traceId: string, spans: StoredSpan[]): TraceTree {
  const childrenOf = new Map<string, StoredSpan[]>()
  for (const span of spans) {
    if (span.parentSpanId === undefined) continue
    const siblings = childrenOf.get(span.parentSpanId)
    if (siblings) siblings.push(span)
    else childrenOf.set(span.parentSpanId, [span])
  }
  const placed = new Set<string>()
  const roots: SpanNode[] = []
  // Iterative, so a deep chain of spans cannot overflow the stack.
  const plant = (span: StoredSpan) => {
    const rootNode = toNode(span)
    placed.add(span.spanId)
    roots.push(rootNode)
    const pending: SpanNode[] = [rootNode]
    while (pending.length > 0) {
      const node = pending.pop()!
      for (const child of (childrenOf.get(node.spanId) ?? []).sort(byStart)) {
        if (placed.has(child.spanId)) continue
        placed.add(child.spanId)
        const childNode = toNode(child)
        node.children.push(childNode)
        pending.push(childNode)
      }
    }
  }
  for (const span of rootSpans(spans)) plant(span)
  // Spans caught in a parent cycle are reachable from no root: list them at the root level too.
  for (const span of [...spans].sort(byStart)) if (!placed.has(span.spanId)) plant(span)
  roots.sort(byStart)
  return { ...summarizeTrace(traceId, spans), roots }
}

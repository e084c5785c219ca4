// Issue 17: the routing tree (Alertmanager's `route`, prometheus.io/docs/alerting/latest/configuration/#route):
// children inherit receiver, group_by and timings; an alert goes down the first matching child (more with
// `continue: true`); a node no child of which matches takes the alert itself.
import { z } from 'zod'
import { durationMs, durationMsOrZero } from '../../../kit/durations.js'
import { OptionsError, joinKey, parseOptions } from '../../../kit/options.js'
import { matches, parseMatchers, type Matcher } from './matchers.js'
import { buildTimeIntervals, timeIntervalsSchema, type TimeInterval } from './time-intervals.js'

interface RawRoute {
  receiver?: string
  matchers?: string[]
  group_by?: string[]
  group_wait?: number
  group_interval?: number
  repeat_interval?: number
  continue?: boolean
  mute_time_intervals?: string[]
  active_time_intervals?: string[]
  escalate?: Array<{ after: number; receiver: string }>
  routes?: RawRoute[]
}

const rawRoute: z.ZodType<RawRoute> = z.lazy(() =>
  z
    .object({
      receiver: z.string().min(1).optional(),
      matchers: z.array(z.string()).optional(),
      group_by: z.array(z.string().min(1)).optional(),
      group_wait: durationMsOrZero.optional(),
      group_interval: durationMs.optional(),
      repeat_interval: durationMs.optional(),
      continue: z.boolean().optional(),
      mute_time_intervals: z.array(z.string()).optional(),
      active_time_intervals: z.array(z.string()).optional(),
      escalate: z.array(z.object({ after: durationMs, receiver: z.string().min(1) }).strict()).optional(),
      routes: z.array(rawRoute).optional(),
    })
    .strict(),
) as z.ZodType<RawRoute>

const inhibitRule = z
  .object({ source_matchers: z.array(z.string()).min(1), target_matchers: z.array(z.string()).min(1), equal: z.array(z.string()).default([]) })
  .strict()

/** The routing part of the hub YAML: `route`, `inhibit_rules`, `time_intervals`. */
export const routingSchema = z.object({ route: rawRoute.optional(), inhibit_rules: z.array(inhibitRule).default([]), time_intervals: timeIntervalsSchema }).strict()

export interface Route {
  /** `route`, `route.routes[1]`: names the node in messages, group keys and `outpost config check`. */
  path: string
  receiver: string
  matchers: Matcher[]
  /** `null`: group by every label (`...`). */
  groupBy: string[] | null
  groupWait: number
  groupInterval: number
  repeatInterval: number
  continue: boolean
  mute: TimeInterval[]
  active: TimeInterval[] | null
  escalate: Array<{ after: number; receiver: string }>
  routes: Route[]
}

export interface InhibitRule {
  source: Matcher[]
  target: Matcher[]
  equal: string[]
}

export interface Routing {
  route: Route
  inhibit: InhibitRule[]
}

/** Alertmanager's defaults for the root. */
const ROOT = { groupWait: 30_000, groupInterval: 300_000, repeatInterval: 14_400_000 }

/**
 * Checks the routing config against the receivers that exist; undefined when there is no `route` (every notifier
 * then gets everything, as before issue 17). Errors are OptionsErrors naming the key: `route.routes[0].receiver`.
 */
export function buildRouting(raw: unknown, receivers: ReadonlySet<string>): Routing | undefined {
  const parsed = parseOptions(routingSchema, raw ?? {})
  if (!parsed.route) {
    if (parsed.inhibit_rules.length > 0) throw new OptionsError('inhibit_rules', 'needs a route')
    return undefined
  }
  const intervals = buildTimeIntervals(parsed.time_intervals, 'time_intervals')
  const receiver = (name: string, key: string) => {
    if (!receivers.has(name)) throw new OptionsError(key, `unknown receiver ${JSON.stringify(name)}; receivers: ${[...receivers].sort().join(', ') || '(none: give notifiers a name)'}`)
    return name
  }
  const namedIntervals = (names: string[] | undefined, key: string) =>
    (names ?? []).flatMap((n, i) => {
      const found = intervals.get(n)
      if (!found) throw new OptionsError(`${key}[${i}]`, `unknown time interval ${JSON.stringify(n)}`)
      return found
    })
  const build = (r: RawRoute, path: string, parent: Omit<Route, 'path' | 'matchers' | 'routes' | 'continue' | 'mute' | 'active' | 'escalate'> | undefined): Route => {
    if (!parent && !r.receiver) throw new OptionsError(joinKey(path, 'receiver'), 'the root route needs a receiver')
    if (!parent && r.matchers?.length) throw new OptionsError(joinKey(path, 'matchers'), 'the root route matches every alert; put matchers on child routes')
    const groupBy = r.group_by ? (r.group_by.includes('...') ? null : r.group_by) : (parent?.groupBy ?? [])
    const node: Route = {
      path,
      receiver: r.receiver ? receiver(r.receiver, joinKey(path, 'receiver')) : parent!.receiver,
      matchers: parseMatchers(r.matchers, joinKey(path, 'matchers')),
      groupBy,
      groupWait: r.group_wait ?? parent?.groupWait ?? ROOT.groupWait,
      groupInterval: r.group_interval ?? parent?.groupInterval ?? ROOT.groupInterval,
      repeatInterval: r.repeat_interval ?? parent?.repeatInterval ?? ROOT.repeatInterval,
      continue: r.continue ?? false,
      mute: namedIntervals(r.mute_time_intervals, joinKey(path, 'mute_time_intervals')),
      active: r.active_time_intervals ? namedIntervals(r.active_time_intervals, joinKey(path, 'active_time_intervals')) : null,
      escalate: (r.escalate ?? []).map((e, i) => ({ after: e.after, receiver: receiver(e.receiver, `${joinKey(path, 'escalate')}[${i}].receiver`) })),
      routes: [],
    }
    node.routes = (r.routes ?? []).map((child, i) => build(child, `${joinKey(path, 'routes')}[${i}]`, node))
    return node
  }
  return {
    route: build(parsed.route, 'route', undefined),
    inhibit: parsed.inhibit_rules.map((r, i) => ({
      source: parseMatchers(r.source_matchers, `inhibit_rules[${i}].source_matchers`),
      target: parseMatchers(r.target_matchers, `inhibit_rules[${i}].target_matchers`),
      equal: r.equal,
    })),
  }
}

/** The routes an alert with `labels` takes, in tree order (Alertmanager's Route.Match). */
export function matchRoutes(route: Route, labels: Record<string, string>): Route[] {
  if (!matches(route.matchers, labels)) return []
  const out: Route[] = []
  for (const child of route.routes) {
    const found = matchRoutes(child, labels)
    out.push(...found)
    if (found.length > 0 && !child.continue) break
  }
  return out.length > 0 ? out : [route]
}

/** The labels a route groups an alert by, and the group's key. */
export function groupOf(route: Route, labels: Record<string, string>): { key: string; labels: Record<string, string> } {
  const names = route.groupBy ?? Object.keys(labels).sort()
  const groupLabels: Record<string, string> = {}
  for (const n of names) if (labels[n] !== undefined) groupLabels[n] = labels[n]
  return { key: `${route.path}:${JSON.stringify(groupLabels)}`, labels: groupLabels }
}

/** Alertmanager: an alert is inhibited when a firing alert (not itself) matches a rule's source matchers, it
 *  matches the target matchers, and both carry equal values for every `equal` label. */
export function inhibited(rules: readonly InhibitRule[], target: { id: string; labels: Record<string, string> }, firing: Iterable<{ id: string; labels: Record<string, string> }>): boolean {
  const applicable = rules.filter((r) => matches(r.target, target.labels))
  if (applicable.length === 0) return false
  for (const source of firing) {
    if (source.id === target.id) continue
    for (const r of applicable) {
      if (matches(r.source, source.labels) && r.equal.every((l) => (source.labels[l] ?? '') === (target.labels[l] ?? ''))) return true
    }
  }
  return false
}

// The hub's lifecycle kit: each concern is a module with its own start, stop and periodic work, so Hub.start and
// Hub.stop read as a list (docs/architecture.md, "Hub modules"). In a cluster only the leader runs the singletons
// (docs/cluster.md, "One leader"): leader-only periodic work and the modules' leadership hooks follow hub/cluster/leader.ts.
import { soleLeader, type Leadership } from './cluster/leader.js'

type Log = (level: string, msg: string, extra?: Record<string, unknown>) => void

/** Work a module repeats while the hub runs, e.g. compaction or retention. */
export interface Periodic {
  /** Names the task in the log line of a failed run. */
  name: string
  everyMs: number
  run: () => Promise<unknown>
  /** Runs only on the cluster's leader, its writes fenced with the leader's term (always, for a hub alone). */
  leaderOnly?: boolean
}

/** One concern of the hub. Everything is optional: a module may only start, only stop, or only repeat work. */
export interface HubModule {
  name: string
  start?: () => Promise<void>
  stop?: () => Promise<void>
  periodic?: Periodic[]
  /**
   * Told, after start, whether this hub leads (`true` at once for a hub alone) and of every change: work that must
   * run on one hub only (the alert engine's timers and notifications) starts and stops here.
   */
  leadership?: (leader: boolean) => Promise<void>
}

/**
 * Starts modules in order and stops them in reverse. Periodic work begins once every module has started and ends
 * before the first module stops; a run is skipped while the previous run of the same task is still going, and a
 * failed run is logged and tried again at the next period (the module keeps running).
 */
export class Lifecycle {
  private readonly started: HubModule[] = []
  private readonly timers: NodeJS.Timeout[] = []
  /** Runs in progress: stop() lets them finish before any module stops (a compaction must not meet a closed db). */
  private readonly inFlight = new Set<Promise<unknown>>()
  /** Leadership changes are applied to the modules one at a time, in order. */
  private leadershipChain: Promise<void> = Promise.resolve()
  private stopping = false

  constructor(
    private readonly log: Log,
    private readonly leadership: Leadership = soleLeader(),
  ) {}

  /** Starts each module in turn; if one fails, those already started stop (in reverse) and the error is rethrown. */
  async start(modules: HubModule[]): Promise<void> {
    for (const module of modules) {
      try {
        await module.start?.()
      } catch (err) {
        await this.stopStarted().catch((stopErr) => this.log('error', 'stop after a failed start failed', { module: module.name, error: String(stopErr) }))
        throw err
      }
      this.started.push(module)
    }
    for (const module of this.started) for (const task of module.periodic ?? []) this.schedule(module.name, task)
    this.leadership.onChange((leader) => this.lead(leader))
    if (this.leadership.leader) this.lead(true)
  }

  /** Tells the modules, in start order, that this hub now leads or no longer does. */
  private lead(leader: boolean): void {
    const modules = this.started.filter((module) => module.leadership)
    this.leadershipChain = this.leadershipChain.then(async () => {
      if (this.stopping && leader) return
      for (const module of modules) {
        await module.leadership!(leader).catch((err) => this.log('error', 'leadership change failed', { module: module.name, leader, error: String(err) }))
      }
    })
  }

  /** Ends periodic work, then stops every started module in reverse order; the first failure is rethrown at the end. */
  async stop(): Promise<void> {
    this.stopping = true
    for (const timer of this.timers.splice(0)) clearInterval(timer)
    await Promise.allSettled([...this.inFlight])
    await this.leadershipChain
    await this.stopStarted()
  }

  private async stopStarted(): Promise<void> {
    let failure: unknown
    for (const module of this.started.splice(0).reverse()) {
      try {
        await module.stop?.()
      } catch (err) {
        this.log('error', 'module failed to stop', { module: module.name, error: String(err) })
        failure ??= err
      }
    }
    if (failure !== undefined) throw failure
  }

  private schedule(module: string, task: Periodic): void {
    let running = false
    const timer = setInterval(() => {
      if (running) return
      if (task.leaderOnly && !this.leadership.leader) return
      running = true
      const run = (task.leaderOnly ? this.leadership.fenced(task.run) : task.run())
        .catch((err) => this.log('error', 'background task failed', { module, task: task.name, error: String(err) }))
        .finally(() => {
          running = false
          this.inFlight.delete(run)
        })
      this.inFlight.add(run)
    }, task.everyMs)
    // Background work never keeps the process alive by itself.
    timer.unref()
    this.timers.push(timer)
  }
}

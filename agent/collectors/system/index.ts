// The system collector: CPU, load, memory, filesystems, network, uptime and temperatures (DESIGN §8). See README.md.
import type { Collector, CollectorContext, CollectorPlugin, MetricSink } from '../types.js'
import { emitSystemMetrics, type EmitOptions, type SystemReadings } from './metrics.js'
import { systemOptionsSchema, type SystemOptions } from './options.js'
import { systeminformationSource, type SystemSource } from './source.js'

export { DEFAULT_EXCLUDED_FS_TYPES, DEFAULT_EXCLUDED_INTERFACES, parseSystemOptions, type SystemOptions } from './options.js'
export { systeminformationSource, type SystemSource } from './source.js'

/** The plugin; `makeSource` is how tests swap the OS for a fake. */
export function systemCollectorPlugin(
  makeSource: () => SystemSource = systeminformationSource,
): CollectorPlugin<typeof systemOptionsSchema> {
  return {
    name: 'system',
    description: 'CPU, load, memory, filesystem, network, uptime and temperature of the device',
    options: systemOptionsSchema,
    create: (options, ctx) => new SystemCollector(makeSource(), options, ctx),
  }
}

export class SystemCollector implements Collector {
  readonly name = 'system'
  private readonly emitOptions: EmitOptions
  /** Readings still running from an earlier collect (past their timeout): not started again until they end. */
  private readonly inFlight = new Set<string>()

  constructor(
    private readonly source: SystemSource,
    private readonly options: SystemOptions,
    private readonly ctx: CollectorContext,
  ) {
    this.emitOptions = {
      perCpu: options.perCpu,
      excludeFsTypes: new Set(options.filesystems.excludeTypes.map((t) => t.toLowerCase())),
      excludeInterfaces: new Set(options.network.excludeInterfaces),
    }
  }

  /** Never rejects: a failed reading is left out and reported once per collect through ctx.log. */
  async collect(sink: MetricSink, now: number): Promise<void> {
    const failed: Record<string, string> = {}
    const read = <T>(name: string, fn: () => T | Promise<T>): Promise<T | undefined> =>
      this.read(name, fn).catch((err: unknown) => {
        failed[name] = err instanceof Error ? err.message : String(err)
        return undefined
      })
    const s = this.source
    // The readings run side by side; each has its own timeout so one slow call cannot hold the others.
    const [cpu, load1, memory, filesystems, network, uptimeSeconds, temperatures] = await Promise.all([
      read('cpu', () => s.cpuLoad()),
      read('load1', () => s.load1()),
      read('memory', () => s.memory()),
      read('filesystems', () => s.filesystems()),
      read('network', () => s.network()),
      read('uptime', () => s.uptimeSeconds()),
      this.options.temperature ? read('temperature', () => s.temperatures()) : undefined,
    ])
    const readings: SystemReadings = { cpu, load1, memory, filesystems, network, uptimeSeconds, temperatures }
    emitSystemMetrics(sink, now, readings, this.emitOptions)
    if (Object.keys(failed).length > 0) {
      this.ctx.log('warning', 'system collector: some readings failed; emitted the others', { failed })
    }
  }

  private read<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    if (this.inFlight.has(name)) return Promise.reject(new Error('still running from an earlier collect'))
    // Promise.resolve().then turns a synchronous throw into a rejection.
    const call = Promise.resolve().then(fn)
    this.inFlight.add(name)
    const done = () => void this.inFlight.delete(name)
    call.then(done, done)
    return withTimeout(call, this.options.timeoutMs)
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)
    timer.unref?.()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (err: unknown) => {
        clearTimeout(timer)
        reject(err)
      },
    )
  })
}

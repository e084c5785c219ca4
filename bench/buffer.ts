import { join } from 'node:path'
import { encode as encodeCbor } from 'cbor-x'
import { LevelBuffer } from '../agent/buffer/level-buffer.js'
import { MetricsBuilder } from '../protocol/metrics-builder.js'

// Benchmark of the agent's LevelDB buffer (DESIGN §5): append and read+ack rates for batches as the agent makes
// them (5,000 samples each, CBOR), and the process's memory with an empty buffer versus a 1,000,000-sample backlog
// (200 such batches), which should be about the same: the buffer keeps counters, not a per-batch index.
// Called by the lead's bench runner with a fresh, empty directory.

const SAMPLES_PER_BATCH = 5_000
const BACKLOG_BATCHES = 200
const SERIES = 50
const T0 = 1_700_000_000_000
const MIB = 1024 * 1024

function agentBody(batch: number): Uint8Array {
  const builder = new MetricsBuilder()
  for (let k = 0; k < SAMPLES_PER_BATCH; k++) {
    const step = batch * (SAMPLES_PER_BATCH / SERIES) + Math.floor(k / SERIES)
    const s = k % SERIES
    builder.addRaw('bench_load_ratio', 'gauge', { core: String(s) }, T0 + step * 10_000, Math.round(Math.sin(step + s) * 1e4) / 1e4)
  }
  return encodeCbor({ m: builder.build() })
}

function memoryMiB(): { rss: number; heap: number } {
  globalThis.gc?.()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss: rss / MIB, heap: heapUsed / MIB }
}

export async function benchBuffer(dir: string): Promise<Record<string, number>> {
  const bodies = Array.from({ length: BACKLOG_BATCHES }, (_, i) => agentBody(i))
  const open = async () => {
    const buffer = new LevelBuffer(join(dir, 'buffer'), { maxBytes: 256 * MIB, policy: 'drop_oldest' })
    await buffer.open()
    return buffer
  }

  let buffer = await open()
  const empty = memoryMiB()
  let started = performance.now()
  for (const body of bodies) await buffer.append(body)
  const appendSeconds = (performance.now() - started) / 1000
  const diskMiB = buffer.stats().diskBytes / MIB
  await buffer.close()

  started = performance.now()
  buffer = await open()
  const reopenMs = performance.now() - started
  const held = memoryMiB()

  started = performance.now()
  for (let page = await buffer.read(0, 16); page.length > 0; page = await buffer.read(page[page.length - 1].seq, 16)) {
    await buffer.ack(buffer.epoch, page[page.length - 1].seq)
  }
  const drainSeconds = (performance.now() - started) / 1000
  await buffer.close()

  return {
    'batch body bytes': bodies[0].byteLength,
    'append batches/s': BACKLOG_BATCHES / appendSeconds,
    'read+ack batches/s': BACKLOG_BATCHES / drainSeconds,
    'backlog on disk MiB': diskMiB,
    'reopen with backlog ms': reopenMs,
    'rss empty MiB': empty.rss,
    'rss 1M-sample backlog MiB': held.rss,
    'heap empty MiB': empty.heap,
    'heap 1M-sample backlog MiB': held.heap,
  }
}

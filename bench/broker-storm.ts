import mqemitter from 'mqemitter'
import { indexedMemoryPersistence, memoryPersistence, type RetainedPersistence } from '../hub/broker-retained.js'
import { stackSafeEmitter } from '../hub/broker-emitter.js'

const cpuMs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

/** CPU ms for `devices` SUBSCRIBEs of a device's own ack and cmd topics with every device's status retained. */
async function subscribeCost(p: RetainedPersistence, devices: number): Promise<number> {
  for (let k = 0; k < devices; k++) await p.storeRetained({ topic: `outpost/v1/d-${k}/status`, payload: Buffer.from('online') })
  const t = cpuMs()
  for (let k = 0; k < devices; k++) await p.createRetainedStreamCombi([`outpost/v1/d-${k}/ack`, `outpost/v1/d-${k}/cmd`]).toArray()
  return cpuMs() - t
}

/** A storm's bus: every slot held, `queued` messages nobody listens to behind them, then the slots freed. */
async function unwind(mq: mqemitter.MQEmitter, queued: number): Promise<string> {
  const held: Array<() => void> = []
  mq.on('outpost/v1/slow', (_m, done) => held.push(done))
  for (let k = 0; k < 100; k++) mq.emit({ topic: 'outpost/v1/slow' })
  let delivered = 0
  for (let k = 0; k < queued; k++) mq.emit({ topic: `$SYS/hub/new/clients` }, () => delivered++)
  const t = cpuMs()
  try {
    held.splice(0).forEach((done) => done())
  } catch (err) {
    return (err as Error).name
  }
  for (let n = 0; delivered < queued && n < 1_000_000; n++) await new Promise((r) => setImmediate(r))
  return `${delivered.toLocaleString('en')} delivered, ${(cpuMs() - t).toFixed(0)} ms CPU`
}

/**
 * The two per-storm costs this issue removed from the broker, each beside aedes's own behaviour in the same run (in
 * process, CPU time, so the machine's load moves them little): retained search per SUBSCRIBE, and the bus unwinding
 * a queue of messages that finish at once.
 */
export async function benchBrokerStorm(sizes: number[]): Promise<void> {
  console.log('\nbroker in a storm (in process, CPU ms; aedes as installed beside this hub\'s wrappers, same run):')
  for (const n of sizes) {
    const plain = await subscribeCost(memoryPersistence(), n)
    const indexed = await subscribeCost(indexedMemoryPersistence(), n)
    console.log(`  ${n.toLocaleString('en').padStart(6)} devices: 2 SUBSCRIBE filters each, ${n.toLocaleString('en')} statuses retained   ${indexed.toFixed(0).padStart(6)} ms | aedes memory persistence ${plain.toFixed(0)} ms (${(plain / Math.max(indexed, 0.01)).toFixed(0)}×)`)
  }
  for (const n of sizes) {
    const plain = await unwind(mqemitter({ concurrency: 100, matchEmptyLevels: true }), n)
    const safe = await unwind(stackSafeEmitter({ concurrency: 100, matchEmptyLevels: true }), n)
    console.log(`  ${n.toLocaleString('en').padStart(6)} messages queued on the bus, then released        ${safe} | mqemitter: ${plain}`)
  }
}

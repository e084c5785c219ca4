import { describe, expect, it } from 'vitest'
import mqemitter from 'mqemitter'
import { stackSafeEmitter } from '../../hub/broker-emitter.js'

// aedes's bus queues messages past `concurrency` in flight; a queue of messages nobody listens to unwinds as one
// recursive call chain when a slot frees (what killed the hub in a 5,000-device connect storm, docs/fleet.md).

// 3,000 already overflow plain mqemitter's stack here.
const QUEUED = 5_000

/** Fills every slot with a listener that holds its message, queues QUEUED messages without listeners, then frees the slots. */
function storm(mq: mqemitter.MQEmitter, delivered: number[], order: string[]): () => void {
  const held: Array<() => void> = []
  mq.on('outpost/v1/slow', (message, done) => {
    order.push(String(message.n))
    held.push(done)
  })
  for (let k = 0; k < 10; k++) mq.emit({ topic: 'outpost/v1/slow', n: `slow-${k}` })
  for (let k = 0; k < QUEUED; k++) mq.emit({ topic: `$SYS/hub/new/clients/${k}` }, () => delivered.push(k))
  return () => held.splice(0).forEach((done) => done())
}

describe('stackSafeEmitter', () => {
  it('delivers a queue of 5,000 finished-at-once messages in order where plain mqemitter overflows the stack', async () => {
    // The bug it works around, still there in the mqemitter this project installs.
    const plain = mqemitter({ concurrency: 10, matchEmptyLevels: true })
    const release = storm(plain, [], [])
    expect(release).toThrow(RangeError)

    const mq = stackSafeEmitter({ concurrency: 10, matchEmptyLevels: true })
    const delivered: number[] = []
    const order: string[] = []
    const releaseSafe = storm(mq, delivered, order)
    releaseSafe()
    // A message emitted while the queue unwinds waits its turn behind the queued ones.
    mq.emit({ topic: 'outpost/v1/slow', n: 'late' })
    const deadline = Date.now() + 60_000
    while (delivered.length < QUEUED && Date.now() < deadline) await new Promise((r) => setImmediate(r))
    expect(delivered.length).toBe(QUEUED)
    expect(delivered.every((n, i) => n === i)).toBe(true)
    while (!order.includes('late') && Date.now() < deadline) await new Promise((r) => setImmediate(r))
    expect(order.at(-1)).toBe('late')
    releaseSafe()
    expect(mq.current).toBe(0)
  })
})

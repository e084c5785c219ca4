import mqemitter from 'mqemitter'

/** Deliveries started within one synchronous chain of releases before the next one waits for setImmediate. */
const MAX_SYNC_DEPTH = 200
/** Put-off deliveries started per tick. */
const MAX_PER_TICK = 1000

/**
 * mqemitter (aedes's message bus) with its recursion bounded. With `concurrency` messages in flight it queues the
 * rest; each finished delivery starts the next queued one from inside its own callback, and a message nobody
 * listens to (aedes's `$SYS/…/new/clients` on every CONNECT) finishes synchronously, so a queue of thousands unwinds
 * as one call chain thousands deep: `RangeError: Maximum call stack size exceeded` killed the hub in a storm of
 * 5,000 connects (docs/fleet.md; mcollina/mqemitter#204, open). Past MAX_SYNC_DEPTH nested deliveries the next one
 * waits for setImmediate at the head of the queue, its slot still counted, so messages start in the order they
 * were emitted, as before.
 */
export function stackSafeEmitter(options: { concurrency: number; matchEmptyLevels: boolean }): mqemitter.MQEmitter {
  const mq = mqemitter(options)
  const internal = mq as unknown as { _do(message: mqemitter.Message, callback: () => void): unknown; current: number }
  const start = internal._do.bind(mq)
  // Deliveries put off to the next tick, oldest first; each holds the slot it will use.
  let later: Array<[mqemitter.Message, () => void]> = []
  let head = 0
  let depth = 0
  const drain = () => {
    // Started one after another from here, each chain of releases is one deep: what they pull from mqemitter's queue
    // lands behind them in `later`. A bounded number per tick keeps sockets and timers served between.
    for (let n = 0; n < MAX_PER_TICK && head < later.length; n++) {
      const [message, callback] = later[head]
      later[head++] = undefined as never
      internal.current--
      depth++
      try {
        start(message, callback)
      } finally {
        depth--
      }
    }
    if (head < later.length) setImmediate(drain)
    else [later, head] = [[], 0]
  }
  internal._do = (message, callback) => {
    // Behind deliveries already put off (so the order holds), or too deep: put off, its slot taken now as _do would.
    if (head < later.length || depth >= MAX_SYNC_DEPTH) {
      if (head === later.length) setImmediate(drain)
      later.push([message, callback])
      internal.current++
      return mq
    }
    depth++
    try {
      return start(message, callback)
    } finally {
      depth--
    }
  }
  return mq
}

import mqemitter from 'mqemitter'

/** Deliveries started within one synchronous chain of releases before the next one waits for setImmediate. */
const MAX_SYNC_DEPTH = 200

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
  const internal = mq as unknown as {
    _do(message: mqemitter.Message, callback: () => void): unknown
    _messageQueue: mqemitter.Message[]
    _messageCallbacks: Array<() => void>
    current: number
    _doing: boolean
  }
  const start = internal._do.bind(mq)
  let depth = 0
  internal._do = (message, callback) => {
    if (depth >= MAX_SYNC_DEPTH) {
      // Back to the head of the queue, its slot held (released() just gave it up), so the other slots' releases and
      // later emits take it first, in order; the next tick starts it as released() would have.
      internal._messageQueue.unshift(message)
      internal._messageCallbacks.unshift(callback)
      internal.current++
      setImmediate(() => {
        internal.current--
        const next = internal._messageQueue.shift()
        const done = internal._messageCallbacks.shift()
        if (next) internal._do(next, done!)
        else internal._doing = false
      })
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

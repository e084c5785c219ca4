import { makeBlockLogHarness } from './harness.js'
import { runLogStoreSuite } from './log-store.case.js'

runLogStoreSuite('BlockLogStore', (options) => makeBlockLogHarness(options))

import { makeLogHarness } from './harness.js'
import { runLogStoreSuite } from './log-store.case.js'

runLogStoreSuite('LevelLogStore', (options) => makeLogHarness(options))

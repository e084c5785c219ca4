import { makeBlockTraceHarness } from './trace-harness.js'
import { runTraceStoreSuite } from './trace-store.case.js'

runTraceStoreSuite('BlockTraceStore', (options) => makeBlockTraceHarness(options))
runTraceStoreSuite('BlockTraceStore, blocks of 2 spans', (options) => makeBlockTraceHarness({ blockSpans: 2, ...options }))

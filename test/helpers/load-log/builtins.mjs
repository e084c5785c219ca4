// `node --import …/builtins.mjs`: at exit, writes the Node built-in modules the process loaded to
// $OUTPOST_BUILTIN_LOG, one per line (test/agent/start-loads.test.ts). A bundle's require() of a built-in passes no
// module loader hook, so this reads Node's own list.
import { writeFileSync } from 'node:fs'

process.on('exit', () => {
  const builtins = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length))
  writeFileSync(process.env.OUTPOST_BUILTIN_LOG, builtins.join('\n') + '\n')
})

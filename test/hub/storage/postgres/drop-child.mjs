// Child process of partitions.test.ts: the log store's retention pass on a PostgreSQL store, as the hub's leader runs
// it, until the parent SIGKILLs it during the drop. Runs from dist/ (npm run build first), like the crash tests.
import { PostgresLevel } from '../../../../dist/hub/storage/postgres/level.js'
import { BlockLogStore } from '../../../../dist/hub/logs/index.js'

const [url, schema, now, retentionMs] = process.argv.slice(2)
const db = new PostgresLevel(url, { schema, valueEncoding: 'json' })
await db.open()
const logs = new BlockLogStore(db, { retentionMs: Number(retentionMs) })
await logs.open()
process.stdout.write('pruning\n')
await logs.prune(Number(now))
process.stdout.write('pruned\n')
await logs.close()
await db.close()

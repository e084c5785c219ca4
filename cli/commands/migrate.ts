import { Command } from 'commander'

/** `outpost migrate --from DIR --to postgres://…`: an embedded hub's data into a PostgreSQL store (docs/storage.md). */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description("copy a stopped hub's embedded LevelDB into a PostgreSQL store: table by table, resumable, verified by row counts")
    .requiredOption('--from <dir>', "the hub's data directory (the hub must be stopped)")
    .requiredOption('--to <url>', 'the PostgreSQL store, postgres://USER@HOST:PORT/DB')
    .option('--batch-rows <n>', 'rows per transaction', '1000')
    .action(async (o: { from: string; to: string; batchRows: string }) => {
      const { migrate } = await import('../../hub/storage/postgres/migrate.js')
      // Test hook: SIGKILL after this many rows, an interrupted copy that a second run must resume.
      const crashAfter = Number(process.env.OUTPOST_TEST_MIGRATE_CRASH_AFTER ?? 0)
      const counts = await migrate({
        from: o.from,
        to: o.to,
        batchRows: Math.max(1, Number(o.batchRows) || 1000),
        log: (line) => process.stdout.write(line + '\n'),
        afterBatch: crashAfter > 0 ? (copied) => copied >= crashAfter && process.kill(process.pid, 'SIGKILL') : undefined,
      })
      const rows = counts.reduce((n, c) => n + c.target, 0)
      process.stdout.write(`migrated: ${counts.length} tables, ${rows} rows, counts verified\n`)
    })
}

import type { LogFn } from './log.js'

/** Runs a long-lived service until SIGINT/SIGTERM, then stops it cleanly; a second signal exits at once. */
export async function runUntilSignal(stop: () => Promise<void>, log: LogFn): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log('warning', `second ${signal}: exiting now`)
        process.exit(130)
      }
      stopping = true
      log('info', `${signal}: stopping`)
      stop()
        .catch((err) => log('error', 'clean stop failed', { error: String(err) }))
        .finally(resolve)
    }
    // A telemetry process must not die of one failed background task: log it and keep serving.
    process.on('unhandledRejection', (reason) => log('error', 'unhandled rejection', { error: reason instanceof Error ? reason.stack : String(reason) }))
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
}

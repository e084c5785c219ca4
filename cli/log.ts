export type LogLevel = 'debug' | 'info' | 'warning' | 'error'
export type LogFn = (level: string, msg: string, extra?: Record<string, unknown>) => void

const RANK: Record<string, number> = { debug: 10, info: 20, warning: 30, error: 40 }

/** One line per event on stderr: time, level, component, message, then fields as JSON. */
export function createLogger(component: string, minLevel: LogLevel = 'info', write = (line: string) => process.stderr.write(line)): LogFn {
  const min = RANK[minLevel]
  return (level, msg, extra) => {
    if ((RANK[level] ?? 20) < min) return
    const fields = extra && Object.keys(extra).length ? ' ' + JSON.stringify(extra) : ''
    write(`${new Date().toISOString()} ${level.padEnd(7)} ${component}: ${msg}${fields}\n`)
  }
}

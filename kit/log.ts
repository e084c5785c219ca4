// The one logger interface handed to every plugin: dependencies come in through the context, never from modules.

export type LogLevel = 'debug' | 'info' | 'warning' | 'error'

/** Writes one structured log line; `extra` fields are logged beside the message. Never throws. */
export type Logger = (level: LogLevel, msg: string, extra?: Record<string, unknown>) => void

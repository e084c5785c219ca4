// A listener that cannot bind stops the program with the setting named, not a stack (hub and agent alike).

/** An error whose message is the whole story for an operator: the CLI prints it without a stack. */
export class StartupError extends Error {
  readonly userFacing = true
}

/** The error for a failed listen on host:port, naming the setting that chose it. */
export function listenError(err: NodeJS.ErrnoException, host: string, port: number, setting: string): StartupError {
  const why =
    err.code === 'EADDRINUSE'
      ? 'the address is already in use'
      : err.code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges)'
        : err.code === 'EADDRNOTAVAIL'
          ? 'no such address on this machine'
          : err.message
  return new StartupError(`cannot listen on ${host}:${port} (${setting}): ${why}`, { cause: err })
}

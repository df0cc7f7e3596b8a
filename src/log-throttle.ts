import type { Logger } from 'pino'
import { loggableError } from './logger.js'

/** Logs one line with these fields (plus `repeated`, how many were held back before it). */
export type ThrottledLog = (fields: Record<string, unknown>) => void

/**
 * A complaint that recurs while a dependency is away, let through once per interval. Without it
 * every request and every reconnection logs the same line: 3,425 lines in 15 s while Redis was
 * down, which buries whatever else the log says and costs CPU the hub needs to catch up.
 */
export function throttledLog (
  logger: Logger, level: 'warn' | 'error', msg: string,
  /** @defaultValue 30 s */ intervalMs = 30_000, now: () => number = Date.now
): ThrottledLog {
  let lastAt = -Infinity
  let held = 0
  return (fields) => {
    const at = now()
    if (at - lastAt < intervalMs) {
      held++
      return
    }
    lastAt = at
    logger[level]({ ...fields, repeated: held }, msg)
    held = 0
  }
}

/**
 * What of a connection error is worth a line: what `loggableError` keeps (a database error's
 * codes only: its message may quote values), without the stack trace, which says nothing new
 * the thousandth time.
 */
export function connectionError (err: unknown): Record<string, unknown> {
  const { stack: _, ...rest } = loggableError(err)
  return rest
}

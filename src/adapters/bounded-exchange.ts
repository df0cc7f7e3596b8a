/**
 * One signal for one outbound exchange: aborted by the caller's signal (shutdown) or when
 * `timeoutMs` have passed. A client library's own timeout is often reset by socket activity;
 * this deadline bounds the whole exchange. Listeners are removed by `dispose()`: the caller's
 * signal may be long-lived, e.g. a worker's.
 */
export interface BoundedExchange {
  readonly signal: AbortSignal
  /** The deadline, not the caller, ended the exchange. */
  timedOut: () => boolean
  dispose: () => void
}

export function boundedExchange (signal: AbortSignal, timeoutMs: number): BoundedExchange {
  const controller = new AbortController()
  let expired = false
  const onAbort = (): void => { controller.abort() }
  const timer = setTimeout(() => { expired = true; controller.abort() }, timeoutMs)
  if (signal.aborted) controller.abort()
  else signal.addEventListener('abort', onAbort, { once: true })
  return {
    signal: controller.signal,
    timedOut: () => expired,
    dispose: () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    }
  }
}

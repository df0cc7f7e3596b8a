import type { FastifyInstance } from 'fastify'
import { connectionError, throttledLog, type ThrottledLog } from '../log-throttle.js'
import type { DispatchItem } from '../queues/dispatcher.js'

/**
 * Puts deliveries that are already committed on their queues, without making the caller wait:
 * the answer depends only on the commit. A Redis failure only delays them (the reconciler
 * enqueues what Redis lacks), so it is logged, never answered as an error, and a slow or absent
 * Redis adds nothing to the request's latency. Feed and batch-file deliveries are not pushed;
 * they wait in the database for their pull or their cron.
 */
export function dispatchCommitted (
  app: FastifyInstance, items: readonly DispatchItem[], noticeId: string
): void {
  const { dispatcher, logger } = app.hub
  const pushed = items.filter(d => dispatcher.handles(d.target))
  if (pushed.length === 0) return
  void dispatcher.enqueue(pushed).catch((err: unknown) => {
    let report = enqueueFailures.get(dispatcher)
    if (report === undefined) {
      report = throttledLog(logger, 'error', 'enqueue failed; the reconciler will retry')
      enqueueFailures.set(dispatcher, report)
    }
    report({ err: connectionError(err), noticeId })
  })
}

/** One throttled complaint per hub: while Redis is away every request's enqueue fails alike. */
const enqueueFailures = new WeakMap<object, ThrottledLog>()

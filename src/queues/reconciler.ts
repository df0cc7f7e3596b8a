import type { Logger } from 'pino'
import type { Db } from '../store/db.js'
import { listPending } from '../store/deliveries.js'
import type { Dispatcher } from './dispatcher.js'

/**
 * Re-enqueues every delivery the database still owes but Redis does not hold (DESIGN §3):
 * Redis may lose jobs to a restart without persistence, a flush or a failover; the database
 * never loses an acknowledged record. Enqueueing a held delivery again is harmless (same job id).
 * @returns how many deliveries were re-enqueued
 */
export async function reconcile (db: Db, dispatcher: Dispatcher, knownTargets: ReadonlySet<string>, logger: Logger, batchSize = 1000): Promise<number> {
  let after = ''
  let requeued = 0
  for (;;) {
    const page = await listPending(db, after, batchSize)
    if (page.length === 0) break
    after = page[page.length - 1]!.id
    // A target no longer configured has no queue: its deliveries wait in the database for ops.
    const lost = await dispatcher.missing(page.filter(p => knownTargets.has(p.target))
      .map(p => ({ id: p.id, target: p.target, delayMs: p.dueInMs })))
    if (lost.length > 0) {
      // A page of a thousand takes longer than a request's few jobs: allow it.
      await dispatcher.enqueue(lost, 30_000)
      requeued += lost.length
    }
    if (page.length < batchSize) break
  }
  if (requeued > 0) logger.warn({ requeued }, 'reconciler re-enqueued deliveries missing from Redis')
  return requeued
}

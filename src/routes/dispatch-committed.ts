import type { FastifyInstance } from 'fastify'

/**
 * Puts deliveries that are already committed on their queues. A Redis failure now only delays
 * them (the reconciler enqueues them later), so it is logged, never answered as an error: the
 * caller must not retry a document the hub has safely stored. Feed and batch-file deliveries
 * are not pushed; they wait in the database for their pull or their cron.
 */
export async function dispatchCommitted (
  app: FastifyInstance, items: ReadonlyArray<{ id: string, target: string, delayMs: number }>, noticeId: string
): Promise<void> {
  const { dispatcher, logger } = app.hub
  const pushed = items.filter(d => dispatcher.handles(d.target))
  if (pushed.length === 0) return
  await dispatcher.enqueue(pushed).catch((err: unknown) => {
    logger.error({ err, noticeId }, 'enqueue failed; the reconciler will retry')
  })
}

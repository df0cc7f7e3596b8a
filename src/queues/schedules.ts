import cron from 'node-cron'
import type { Logger } from 'pino'

export interface Schedules {
  stop (): void
}

/**
 * The periodic jobs of this process: the reconciler (re-enqueue what Redis lost) and the
 * audit sealer. A pass never overlaps the previous one: a slow database must not pile them up.
 */
export function startSchedules (expression: string, jobs: { reconcile: () => Promise<number>, sealAudit: () => Promise<number> }, logger: Logger): Schedules {
  // Each job in its own try: Redis being away must not stop the audit trail being sealed.
  const run = async (name: string, job: () => Promise<number>): Promise<void> => {
    try {
      await job()
    } catch (err) {
      logger.error({ err: { message: (err as Error).message }, job: name }, 'scheduled job failed')
    }
  }
  const task = cron.schedule(expression, async () => {
    await run('reconcile', jobs.reconcile)
    await run('seal-audit', jobs.sealAudit)
  }, { noOverlap: true })
  return { stop: () => { void task.stop() } }
}

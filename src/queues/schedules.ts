import cron from 'node-cron'
import type { Logger } from 'pino'
import { loggableError } from '../logger.js'
import { settlesWithin } from './settles-within.js'

export interface Schedules {
  /** Stops the schedule and waits for a pass already running, so nothing runs on closed resources. */
  stop (): Promise<void>
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
      logger.error({ err: loggableError(err), job: name }, 'scheduled job failed')
    }
  }
  let running: Promise<void> | undefined
  const task = cron.schedule(expression, async () => {
    running = (async () => {
      // Sealing first: it needs only the database, and must not wait on a reconciler pass.
      await run('seal-audit', jobs.sealAudit)
      await run('reconcile', jobs.reconcile)
    })()
    await running
    running = undefined
  }, { noOverlap: true })
  return {
    stop: async () => {
      await task.stop()
      // A pass stuck on an unreachable Redis is abandoned after a while; the next start redoes it.
      if (running !== undefined) await settlesWithin(running, 5_000)
    }
  }
}

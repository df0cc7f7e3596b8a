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
  let busy = false
  const task = cron.schedule(expression, async () => {
    if (busy) return
    busy = true
    try {
      await jobs.reconcile()
      await jobs.sealAudit()
    } catch (err) {
      logger.error({ err }, 'scheduled pass failed')
    } finally {
      busy = false
    }
  }, { noOverlap: true })
  return { stop: () => { void task.stop() } }
}

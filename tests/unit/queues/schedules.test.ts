import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { startSchedules } from '../../../src/queues/schedules.js'

describe('the periodic jobs', () => {
  it('seal the audit trail even while a reconciler pass hangs on an unreachable Redis', async () => {
    let sealed = 0
    const schedules = startSchedules('* * * * * *', {
      reconcile: async () => await new Promise<number>(() => {}),
      sealAudit: async () => ++sealed
    }, pino({ level: 'silent' }))
    try {
      const deadline = Date.now() + 5_000
      while (sealed === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
      expect(sealed).toBeGreaterThan(0)
    } finally {
      await schedules.stop()
    }
  }, 15_000)
})

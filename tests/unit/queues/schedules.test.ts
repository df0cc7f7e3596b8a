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

  it('logs a failing job\'s database error by its codes, never its message (it can quote values)', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'error' }, { write: (line: string) => { lines.push(line) } })
    const dbError = Object.assign(new Error('duplicate key value violates unique constraint: Key (subject_key)=(secret-value) already exists'),
      { severity: 'ERROR', code: '23505', constraint: 'notices_subject_key_key' })
    const schedules = startSchedules('* * * * * *', { reconcile: async () => await Promise.reject(dbError), sealAudit: async () => 0 }, logger)
    try {
      const deadline = Date.now() + 5_000
      while (lines.length === 0 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 50))
    } finally {
      await schedules.stop()
    }
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.join('')).not.toContain('secret-value')
    expect(JSON.parse(lines[0]!)).toMatchObject({ job: 'reconcile', err: { type: 'DatabaseError', code: '23505', constraint: 'notices_subject_key_key' } })
  }, 15_000)
})

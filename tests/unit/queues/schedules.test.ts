import { pino } from 'pino'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { startSchedules } from '../../../src/queues/schedules.js'

// node-cron arms a global setTimeout up to the next matching second and reads the time with
// `new Date()`; vitest's fake timers replace both, so these tests move the clock instead of
// waiting for it. Half past a whole second: the first `* * * * * *` pass is due 500 ms in.
const HALF_PAST = new Date('2026-01-01T00:00:00.500Z')

describe('the periodic jobs', () => {
  beforeEach(() => { vi.useFakeTimers({ now: HALF_PAST }) })
  afterEach(() => { vi.useRealTimers() })

  it('seal the audit trail even while a reconciler pass hangs on an unreachable Redis', async () => {
    let sealed = 0
    const schedules = startSchedules('* * * * * *', {
      reconcile: async () => await new Promise<number>(() => {}),
      sealAudit: async () => ++sealed
    }, pino({ level: 'silent' }))
    let stopped = false
    try {
      await vi.advanceTimersByTimeAsync(1_000)
      expect(sealed).toBeGreaterThan(0)
    } finally {
      // stop() gives the hung pass 5 s before abandoning it: it must return once they are up.
      const stopping = schedules.stop().then(() => { stopped = true })
      await vi.advanceTimersByTimeAsync(5_000)
      await stopping
    }
    expect(stopped).toBe(true)
  })

  it('logs a failing job\'s database error by its codes, never its message (it can quote values)', async () => {
    const lines: string[] = []
    const logger = pino({ level: 'error' }, { write: (line: string) => { lines.push(line) } })
    const dbError = Object.assign(new Error('duplicate key value violates unique constraint: Key (subject_key)=(secret-value) already exists'),
      { severity: 'ERROR', code: '23505', constraint: 'notices_subject_key_key' })
    const schedules = startSchedules('* * * * * *', { reconcile: async () => await Promise.reject(dbError), sealAudit: async () => 0 }, logger)
    try {
      await vi.advanceTimersByTimeAsync(1_000)
    } finally {
      await schedules.stop()
    }
    expect(lines.length).toBeGreaterThan(0)
    expect(lines.join('')).not.toContain('secret-value')
    expect(JSON.parse(lines[0]!)).toMatchObject({ job: 'reconcile', err: { type: 'DatabaseError', code: '23505', constraint: 'notices_subject_key_key' } })
  })
})

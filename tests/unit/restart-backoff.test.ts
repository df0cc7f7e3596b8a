import { describe, expect, it } from 'vitest'
import { createRestartBackoff } from '../../src/restart-backoff.js'

describe('the delay before a dead hub process is started again', () => {
  it('doubles from 1 s for each death that follows too soon, up to 60 s, and never gives up', () => {
    const backoff = createRestartBackoff()
    const delays = Array.from({ length: 10 }, () => backoff.died(1, 500).delayMs)
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000, 60_000])
    expect(backoff.died(1, 500)).toEqual({ delayMs: 60_000, deathsInARow: 11 })
  })

  it('starts over once a process has stayed up for a minute', () => {
    const backoff = createRestartBackoff()
    backoff.died(0, 100)
    backoff.died(0, 100)
    expect(backoff.died(0, 60_000)).toEqual({ delayMs: 1_000, deathsInARow: 1 })
    expect(backoff.died(0, 100)).toEqual({ delayMs: 2_000, deathsInARow: 2 })
  })

  it('counts each process index on its own', () => {
    const backoff = createRestartBackoff({ initialMs: 100, maxMs: 1_000, stableMs: 5_000 })
    expect([backoff.died(0, 10).delayMs, backoff.died(0, 10).delayMs, backoff.died(1, 10).delayMs]).toEqual([100, 200, 100])
  })
})

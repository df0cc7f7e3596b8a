import { describe, expect, it } from 'vitest'
import { backoffDelay } from '../../../src/queues/backoff.js'

const policy = { baseDelayMs: 1_000, maxDelayMs: 60_000, windowMs: 3_600_000 }

describe('retry backoff', () => {
  it('doubles the step with each attempt and keeps half of it fixed, half random', () => {
    expect([1, 2, 3, 4].map(n => backoffDelay(n, policy, () => 0))).toEqual([500, 1_000, 2_000, 4_000])
    expect([1, 2, 3, 4].map(n => backoffDelay(n, policy, () => 1))).toEqual([1_000, 2_000, 4_000, 8_000])
  })

  it('never waits longer than the policy\'s maximum step, however many attempts failed', () => {
    expect(backoffDelay(50, policy, () => 1)).toBe(60_000)
    expect(backoffDelay(10_000, policy, () => 0.5)).toBe(45_000)
  })
})

import type { RetryPolicyConfig } from '../config/schema.js'

export const DEFAULT_RETRY: RetryPolicyConfig = { baseDelayMs: 2_000, maxDelayMs: 600_000, windowMs: 259_200_000 }

/**
 * Exponential backoff with "equal jitter": half the step is fixed, half random, so retries of
 * many deliveries spread out instead of hitting a recovering department together.
 * @param attemptNo the attempt that just failed (1 for the first)
 */
export function backoffDelay (attemptNo: number, policy: RetryPolicyConfig, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attemptNo - 1, 30))
  return Math.round(step / 2 + random() * step / 2)
}

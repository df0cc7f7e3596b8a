import type { DeliveryError } from '../adapters/delivery-error.js'
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

/** What happens after a failed attempt: another one in `delayMs`, or dead for `reason`. */
export interface RetryDecision {
  retry: boolean
  delayMs: number
  /** The failure's message, saying so when the retry window is what ended it. */
  reason: string
}

/**
 * Retry within the policy's window, with backoff; a department's Retry-After is honoured up to the
 * policy's longest step (a header asking for a week must not, on its own, exhaust the window).
 * An attempt interrupted by our own shutdown is the department's failure neither: due again at
 * once, not counted against the window.
 * @param elapsedMs time since the first attempt began, this one included
 */
export function decideRetry (
  failure: DeliveryError, o: { attemptNo: number, elapsedMs: number, policy: RetryPolicyConfig, interrupted: boolean, random?: () => number }
): RetryDecision {
  const retryAfter = Math.min((failure as { retryAfterMs?: number }).retryAfterMs ?? 0, o.policy.maxDelayMs)
  const delayMs = o.interrupted ? 0 : Math.max(backoffDelay(o.attemptNo, o.policy, o.random), retryAfter)
  const retry = o.interrupted || (failure.retryable && o.elapsedMs + delayMs <= o.policy.windowMs)
  const reason = failure.retryable && !retry ? `${failure.message}（重试期已满）` : failure.message
  return { retry, delayMs, reason }
}

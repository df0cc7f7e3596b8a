/**
 * How long the supervisor waits before starting a hub process again after it died: 1 s, then
 * twice as long for each death that follows too soon (2 s, 4 s … 60 s at most), back to 1 s
 * once a process has stayed up for `stableMs`. A process that keeps dying (a bad host, a
 * database that refuses it) is retried ever more slowly but never given up on: giving up left
 * the notices waiting for a person, while the other processes could have kept serving.
 */
export interface RestartBackoffOptions {
  /** @defaultValue 1000 */
  initialMs?: number
  /** @defaultValue 60000 */
  maxMs?: number
  /** A process up this long ran well: its next death starts the backoff over. @defaultValue 60000 */
  stableMs?: number
}

export interface RestartBackoff {
  /**
   * A process of this index died after `upMs` alive: the delay before starting the next one,
   * and how many times in a row it died too soon (this death included).
   */
  died (index: number, upMs: number): { delayMs: number, deathsInARow: number }
}

export function createRestartBackoff (options: RestartBackoffOptions = {}): RestartBackoff {
  const initialMs = options.initialMs ?? 1_000
  const maxMs = options.maxMs ?? 60_000
  const stableMs = options.stableMs ?? 60_000
  const inARow = new Map<number, number>()
  return {
    died (index, upMs) {
      const deathsInARow = upMs >= stableMs ? 1 : (inARow.get(index) ?? 0) + 1
      inARow.set(index, deathsInARow)
      // 2 ** 30 already exceeds any sensible maximum; the cap keeps the exponent finite.
      const delayMs = Math.min(maxMs, initialMs * 2 ** Math.min(deathsInARow - 1, 30))
      return { delayMs, deathsInARow }
    }
  }
}

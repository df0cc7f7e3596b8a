import { cpuSnapshot } from './cpu.js'
import { sleep } from './stats.js'

/**
 * The figures only mean something on an otherwise idle machine (2 cores are easily taken by a
 * test run). Waits up to `maxSeconds` for a second in which the machine is < `threshold` %
 * busy, and says how busy it was; the bench then goes on either way.
 */
export async function waitForQuiet (maxSeconds = Number(process.env.BENCH_WAIT_QUIET ?? 60), threshold = 15): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1000
  let busy = 100
  for (;;) {
    const a = cpuSnapshot()
    await sleep(1000)
    const b = cpuSnapshot()
    busy = (b.busy - a.busy) / Math.max(1, b.total - a.total) * 100
    if (busy < threshold || Date.now() >= deadline) break
  }
  if (busy >= threshold) console.log(`  WARNING: the machine is ${busy.toFixed(0)}% busy with other work: figures are skewed`)
}

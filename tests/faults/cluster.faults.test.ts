import { afterEach, describe, expect, it } from 'vitest'
import { expectAllDelivered, printFigures } from './harness/departments.js'
import { sleep, type HubProcess, type StartedProcess } from './harness/hub-process.js'
import { startPoster } from './harness/poster.js'
import { startScenario, type Scenario } from './harness/scenario.js'

/**
 * `--processes 2` on PostgreSQL: the API-only process (index 1) killed with SIGKILL six times,
 * each time as soon as it is back. The hub used to stop itself at the sixth death within a
 * minute, and the notices then waited for a person; it must keep the survivor (index 0, which
 * also runs the delivery workers) serving and keep restarting the other, ever more slowly.
 */
const DEATHS = 6
const RATE = 25

describe('the hub with two API processes, one of them killed again and again', () => {
  let scenario: Scenario | undefined
  afterEach(async () => { await scenario?.close() })

  it('keeps serving from the survivor, restarts the dead process with a growing delay, and delivers everything', async () => {
    // At info: "houshi-hub started" names each process and its index.
    scenario = await startScenario({ engine: 'postgres', args: ['--processes', '2'], config: { logLevel: 'info' } })
    const { hub } = scenario
    await waitForProcesses(hub, 2)
    const poster = startPoster({ url: hub.url, total: 100_000, ratePerSecond: RATE, timeoutMs: 5_000 })
    const killedAt: number[] = []
    const killed = new Set<number>()
    for (let death = 1; death <= DEATHS; death++) {
      const api = await waitForApiProcess(hub, killed)
      // Let it serve a moment: killed at once it would not have taken a request.
      await sleep(300)
      process.kill(api.pid, 'SIGKILL')
      killed.add(api.pid)
      killedAt.push(Date.now())
    }
    // The old supervisor stopped the whole hub right here, at the sixth death within a minute.
    // The sixth restart comes only after 32 s: the survivor serves meanwhile.
    await sleep(3_000)
    await poster.stop()
    await poster.repostUnanswered(30_000)
    // The fault goes on (the sixth restart is still waiting): catch-up runs from the last post.
    const lastPost = Date.now()

    // The supervisor is still there, said why it restarts each time, and waited longer each time.
    expect(await Promise.race([hub.exited(), sleep(0).then(() => 'running')])).toBe('running')
    const deaths = logLines(hub).filter(l => l.msg === 'hub process died; starting a new one')
    expect(deaths).toHaveLength(DEATHS)
    const delays = deaths.map(l => l.restartInMs as number)
    expect(delays).toEqual([...delays].sort((a, b) => a - b))
    expect(delays.at(-1)).toBeGreaterThan(delays[0]!)
    expect(hub.output()).not.toContain('stopping the hub')

    expect(poster.unanswered()).toEqual([])
    expect(poster.refused()).toEqual([])
    const { figures, statuses } = await scenario.finish(poster.acknowledged(), { since: lastPost, timeoutMs: 60_000 })
    printFigures('cluster-child-killed', figures, {
      deaths: DEATHS, killedOverMs: killedAt.at(-1)! - killedAt[0]!, restartDelaysMs: delays.join('/'), answers: JSON.stringify(poster.statuses())
    })
    expectAllDelivered(figures)
    expect(Object.keys(statuses)).toEqual(['delivered'])
  })
})

/** The API-only process (index 1) once a new one, not yet killed, has started. */
async function waitForApiProcess (hub: HubProcess, killed: ReadonlySet<number>): Promise<StartedProcess> {
  const deadline = Date.now() + 90_000
  for (;;) {
    const api = hub.startedProcesses().find(p => p.index === 1 && !killed.has(p.pid))
    if (api !== undefined) return api
    if (hub.pid() !== undefined && await Promise.race([hub.exited().then(() => true), sleep(100).then(() => false)])) {
      throw new Error(`the hub stopped:\n${hub.output().slice(-4_000)}`)
    }
    if (Date.now() > deadline) throw new Error(`no API process came back:\n${hub.output().slice(-4_000)}`)
  }
}

/** Resolves once `n` processes of the hub said they started and are alive. */
async function waitForProcesses (hub: HubProcess, n: number, timeoutMs = 30_000): Promise<StartedProcess[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const started = hub.startedProcesses().filter(p => p.pid !== hub.pid())
    if (started.length >= n) return started
    if (Date.now() > deadline) throw new Error(`not ${n} hub processes after ${timeoutMs} ms:\n${hub.output().slice(-4_000)}`)
    await sleep(100)
  }
}

function logLines (hub: HubProcess): Array<Record<string, unknown>> {
  return hub.output().split('\n').filter(l => l.startsWith('{')).flatMap(l => {
    try { return [JSON.parse(l) as Record<string, unknown>] } catch { return [] }
  })
}

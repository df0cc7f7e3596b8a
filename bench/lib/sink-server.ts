/**
 * Child process of bench/deliver.ts: one simulated REST department per target, answering 200
 * at once and only counting (`record: false`), in a process of its own so that the hub's
 * event loop does not also serve its departments.
 */
import { alwaysOk, startRestDepartment, type RestDepartmentSim } from '../../sim/rest-department.js'
import { serveParent } from './child.js'

const sims = new Map<string, RestDepartmentSim>()
let firstAt = 0
let lastAt = 0

serveParent({
  async start (payload) {
    const { codes } = payload as { codes: string[] }
    for (const code of codes) {
      sims.set(code, await startRestDepartment({
        name: code,
        record: false,
        behaviour: alwaysOk(),
        onMessage: () => {
          lastAt = Date.now()
          if (firstAt === 0) firstAt = lastAt
        }
      }))
    }
    return Object.fromEntries([...sims].map(([code, sim]) => [code, sim.url]))
  },

  /** Counts since the last reset, and the wall-clock span from the first to the last message. */
  stats () {
    const counts = Object.fromEntries([...sims].map(([code, sim]) => [code, sim.count]))
    const total = Object.values(counts).reduce((a, b) => a + b, 0)
    return { counts, total, firstAt, lastAt }
  },

  reset () {
    for (const sim of sims.values()) sim.reset()
    firstAt = lastAt = 0
  },

  async stop () {
    await Promise.all([...sims.values()].map(async s => await s.close()))
    sims.clear()
  }
})

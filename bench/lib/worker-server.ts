/**
 * Child process of bench/deliver.ts with `--processes N` > 1: one more hub process with role
 * `worker`, as `server.ts --role worker --processes N` would start, sharing the database and
 * Redis with the trial's own worker.
 */
import { pino } from 'pino'
import { resolveConfig } from '../../src/config/load.js'
import { startHub, type Hub } from '../../src/hub.js'
import { createLogger } from '../../src/logger.js'
import { serveParent } from './child.js'

let hub: Hub | undefined

serveParent({
  async start (payload) {
    const { config: input, logLevel } = payload as { config: unknown, logLevel: string }
    const logger = createLogger(logLevel, pino.destination({ dest: '/dev/null', sync: true }))
    hub = await startHub(resolveConfig(input, {}, '<bench>'), { logger, role: 'worker' })
    return { pid: process.pid }
  },
  async stop () {
    await hub?.close()
    hub = undefined
  }
})

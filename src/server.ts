import { parseArgs } from 'node:util'
import { ConfigError, loadConfigFile } from './config/load.js'
import { startHub, type Role } from './hub.js'
import { createLogger } from './logger.js'
import { MasterKeyError } from './security/crypto.js'

/**
 * The process entry: load the config, start the parts this role runs, listen, and shut down
 * gracefully on SIGTERM/SIGINT (finish the attempts in flight; a second signal forces exit).
 */
const USAGE = `usage: node dist/server.js [--config FILE] [--role all|api|worker|scheduler]

  --config, -c  the YAML config (default: $HUB_CONFIG or config/hub.yaml)
  --role        which parts run in this process (default: all)
  environment   PORT, REDIS_URL, DATABASE_URL, HUB_MASTER_KEY override the file
`

async function main (): Promise<void> {
  let values: { config?: string, role?: string, help?: boolean }
  try {
    values = parseArgs({
      options: {
        config: { type: 'string', short: 'c', default: process.env.HUB_CONFIG ?? 'config/hub.yaml' },
        role: { type: 'string', default: 'all' },
        help: { type: 'boolean', short: 'h' }
      }
    }).values
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`)
    process.exit(64)
  }
  if (values.help === true) {
    process.stdout.write(USAGE)
    return
  }
  const role = values.role as Role
  if (!['all', 'api', 'worker', 'scheduler'].includes(role)) {
    throw new ConfigError('--role', [{ path: '--role', reason: `应为 all、api、worker 或 scheduler，而不是 ${role}` }])
  }
  const config = loadConfigFile(values.config!, process.env)
  const logger = createLogger(config.log.level)
  const hub = await startHub(config, { logger, role })
  if (role === 'all' || role === 'api') {
    await hub.app.listen({ host: config.http.host, port: config.http.port })
  }
  logger.info({ role, targets: config.targets.filter(t => t.enabled).map(t => t.code) }, 'houshi-hub started')

  let stopping = false
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting')
      process.exit(1)
    }
    stopping = true
    logger.info({ signal }, 'shutting down: finishing deliveries in flight')
    hub.close().then(() => { process.exit(0) }, (err: unknown) => {
      logger.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.on('SIGTERM', () => { stop('SIGTERM') })
  process.on('SIGINT', () => { stop('SIGINT') })
}

main().catch((err: unknown) => {
  // Config and key errors are the operator's to fix: say exactly what, without a stack trace.
  if (err instanceof ConfigError || err instanceof MasterKeyError) {
    process.stderr.write(`${err.message}\n`)
    process.exit(78)
  }
  process.stderr.write(`houshi-hub failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})

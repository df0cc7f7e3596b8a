import { parseArgs } from 'node:util'
import { isClusterPrimary, onStopRequest, processIndex, superviseWorkers } from './cluster.js'
import { ConfigError, loadConfigFile } from './config/load.js'
import { startHub, type Role } from './hub.js'
import { createLogger } from './logger.js'
import { MasterKeyError } from './security/crypto.js'
import { UNAVAILABLE_CODES } from './store/unavailable.js'

/**
 * The process entry: load the config, start the parts this role runs, listen, and shut down
 * gracefully on SIGTERM/SIGINT (finish the attempts in flight; a second signal forces exit).
 */
const USAGE = `usage: node dist/server.js [--config FILE] [--role all|api|worker|scheduler] [--processes N]

  --config, -c  the YAML config (default: $HUB_CONFIG or config/hub.yaml)
  --role        which parts run in this process (default: all)
  --processes   API processes sharing the port (default: http.processes, 1); needs PostgreSQL
  environment   PORT, REDIS_URL, DATABASE_URL, HUB_MASTER_KEY override the file
`

async function main (): Promise<void> {
  let values: { config?: string, role?: string, processes?: string, help?: boolean }
  try {
    values = parseArgs({
      options: {
        config: { type: 'string', short: 'c', default: process.env.HUB_CONFIG ?? 'config/hub.yaml' },
        role: { type: 'string', default: 'all' },
        processes: { type: 'string' },
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
  const config = loadConfigFile(values.config!, process.env, { requireMasterKey: true })
  if (role !== 'all' && config.database.url === undefined) {
    // The embedded database lives in one process: an API, worker or scheduler of its own would
    // each have a database of its own, and what one stored the others would never see.
    throw new ConfigError('--role', [{ path: 'database.url', reason: `--role ${role} 需要 PostgreSQL（DATABASE_URL）；内嵌数据库只能由一个 --role all 进程使用` }])
  }
  const logger = createLogger(config.log.level)
  const processes = apiProcesses(values.processes, config.http.processes, role, config.database.url)
  if (isClusterPrimary(processes)) {
    superviseUntilSignal(processes, logger)
    return
  }
  // Worker 0 of a cluster runs the role asked for; the others serve the API only.
  const ownRole: Role = processIndex() === 0 ? role : 'api'

  // Listen for stop requests before starting: a stop that arrives while the hub starts is kept
  // and carried out as soon as it has started (the supervisor sends it only once).
  let hub: Awaited<ReturnType<typeof startHub>> | undefined
  let stopRequested: string | undefined
  let stopping = false
  const shutDown = (signal: string): void => {
    stopping = true
    logger.info({ signal }, 'shutting down: finishing deliveries in flight')
    hub!.close().then(() => {
      logger.info({ signal }, 'houshi-hub stopped')
      process.exit(0)
    }, (err: unknown) => {
      logger.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  const stop = (signal: string, fromPrimary = false): void => {
    if (stopping || stopRequested !== undefined) {
      // The primary passes on the signal this process may have had already: not a second one.
      if (fromPrimary) return
      logger.warn({ signal }, 'second signal: exiting without waiting')
      process.exit(1)
    }
    if (hub === undefined) stopRequested = signal
    else shutDown(signal)
  }
  process.on('SIGTERM', () => { stop('SIGTERM') })
  process.on('SIGINT', () => { stop('SIGINT') })
  onStopRequest((signal) => { stop(signal, true) })

  hub = await startHub(config, { logger, role: ownRole })
  if (stopRequested !== undefined) {
    shutDown(stopRequested)
    return
  }
  if (ownRole === 'all' || ownRole === 'api') {
    await hub.app.listen({ host: config.http.host, port: config.http.port })
  }
  logger.info({
    role: ownRole,
    process: processIndex(),
    database: databaseShown(config.database),
    redisPrefix: config.redis.prefix,
    targets: config.targets.filter(t => t.enabled).map(t => t.code)
  }, 'houshi-hub started')
}

function apiProcesses (flag: string | undefined, configured: number, role: Role, databaseUrl: string | undefined): number {
  const n = flag === undefined ? configured : Number(flag)
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new ConfigError('--processes', [{ path: '--processes', reason: `应为 1 到 64 的整数，而不是 ${flag ?? String(configured)}` }])
  }
  if (n > 1 && role !== 'all' && role !== 'api') {
    throw new ConfigError('--processes', [{ path: '--processes', reason: '多进程只用于 API（--role all 或 api）' }])
  }
  // The embedded database lives inside one process; several processes need a PostgreSQL server.
  if (n > 1 && databaseUrl === undefined) {
    throw new ConfigError('--processes', [{ path: '--processes', reason: '多个进程需要 PostgreSQL（设置 DATABASE_URL），嵌入式 PGlite 只能由一个进程使用' }])
  }
  return n
}

/** The primary of a cluster: supervises the API processes until a stop signal. */
function superviseUntilSignal (processes: number, logger: ReturnType<typeof createLogger>): void {
  const supervisor = superviseWorkers(processes, logger)
  logger.info({ processes }, 'houshi-hub supervising API processes')
  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting')
      for (const pid of supervisor.pids()) process.kill(pid, 'SIGKILL')
      process.exit(1)
    }
    stopping = true
    logger.info({ signal }, 'shutting down the hub processes')
    void supervisor.stop(signal).then(code => process.exit(code))
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
  // A database or Redis that cannot be reached (or a database that does not exist) is the
  // deployment's to fix too: say which, without a stack trace; 69 is EX_UNAVAILABLE.
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) {
    process.stderr.write(`houshi-hub 无法启动：所依赖的服务不可用（${code}）：${(err as Error).message}\n`)
    process.exit(69)
  }
  process.stderr.write(`houshi-hub failed to start: ${(err as Error).stack ?? String(err)}\n`)
  process.exit(1)
})

/** Which database this process uses, for the start line: host and name, never the password. */
function databaseShown (database: { url?: string, dataDir: string }): string {
  if (database.url === undefined) return `pglite ${database.dataDir}`
  try {
    const u = new URL(database.url)
    return `postgres ${u.host === '' ? (u.searchParams.get('host') ?? 'local socket') : u.host}${u.pathname}`
  } catch {
    return 'postgres'
  }
}

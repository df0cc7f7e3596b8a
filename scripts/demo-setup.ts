import { randomBytes } from 'node:crypto'
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { loadConfigFile, resolveConfig, type ConfigEnv } from '../src/config/load.js'
import type { HubConfig } from '../src/config/schema.js'
import { generateMasterKey, parseMasterKey } from '../src/security/crypto.js'

/** Files and settings of `npm run demo`: everything it writes stays under `./data/demo`. */

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
export const DEMO_DIR = join(ROOT, 'data', 'demo')
export const CONFIG_FILE = join(ROOT, 'config', 'hub.yaml')
export const KEY_FILE = join(DEMO_DIR, 'dev-master-key')
export const PGLITE_DIR = join(DEMO_DIR, 'pglite')
export const LOG_FILE = join(DEMO_DIR, 'hub.log')
/** BullMQ key prefix of the demo, so it never touches a real hub's queues in a shared Redis. */
export const REDIS_PREFIX = 'houshi-demo'

/** A path relative to the project, for messages. */
export const shown = (path: string): string => relative(ROOT, path) || '.'

/** A random secret for the simulators' tokens, passwords and signing secrets (fresh each run). */
export const secret = (): string => randomBytes(18).toString('base64url')

/**
 * The development master key, created on first run with mode 0600 and kept for the next runs.
 * @returns the key and whether it was created now
 */
export async function devMasterKey (): Promise<{ key: string, created: boolean }> {
  await mkdir(DEMO_DIR, { recursive: true })
  try {
    const key = (await readFile(KEY_FILE, 'utf8')).trim()
    parseMasterKey(key)
    if (((await stat(KEY_FILE)).mode & 0o077) !== 0) await chmod(KEY_FILE, 0o600)
    return { key, created: false }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`${shown(KEY_FILE)} is not a usable key (${(err as Error).message}); delete it and run the demo again`)
    }
  }
  const key = generateMasterKey()
  await writeFile(KEY_FILE, `${key}\n`, { mode: 0o600, flag: 'wx' })
  return { key, created: true }
}

/** Removes the previous run's embedded database, so each run starts clean. */
export async function freshDatabaseDir (): Promise<void> {
  await rm(PGLITE_DIR, { recursive: true, force: true })
  await mkdir(DEMO_DIR, { recursive: true })
}

/** The demo's batch files are written every two seconds, not once a day at 18:00. */
export const DEMO_BATCH_CRON = '*/2 * * * * *'
/** Retries after a fraction of a second, so 医保's failed first try is retried within the demo. */
export const DEMO_RETRY = { baseDelayMs: 300, maxDelayMs: 1_000, windowMs: 600_000 }
export const SFTP_DIR = join(DEMO_DIR, 'sftp')

/**
 * The sample county config (config/hub.yaml) with the demo's environment, then the few settings
 * the environment cannot override: the embedded database directory, the Redis key prefix, and
 * never a DATABASE_URL; the simulators' SFTP ports (a number in the file), a batch cron of
 * seconds and short retry delays. Both steps validate, exactly as the hub does at boot.
 * @param sftpPorts the SFTP server's port per target code
 */
export function demoConfig (env: ConfigEnv, sftpPorts: Readonly<Record<string, number>>): Readonly<HubConfig> {
  const fromFile = loadConfigFile(CONFIG_FILE, env)
  const copy = structuredClone(fromFile) as HubConfig
  const { url: _ignored, ...database } = copy.database
  const targets = copy.targets.map(t => {
    const port = sftpPorts[t.code]
    const sftp = t.sftp === undefined
      ? undefined
      : { ...t.sftp, ...(port !== undefined ? { port } : {}), ...(t.sftp.mode === 'batch' ? { batchCron: DEMO_BATCH_CRON } : {}) }
    return { ...t, retry: DEMO_RETRY, ...(sftp !== undefined ? { sftp } : {}) }
  })
  return resolveConfig({
    ...copy,
    database: { ...database, dataDir: PGLITE_DIR },
    redis: { ...copy.redis, prefix: REDIS_PREFIX },
    log: { level: 'info' },
    targets
  }, {}, `${shown(CONFIG_FILE)} + demo overrides`)
}

/** Deletes the demo's own keys (a previous interrupted run may have left jobs behind). */
export async function clearDemoKeys (url: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true })
  redis.on('error', () => {})
  try {
    await redis.connect()
    let cursor = '0'
    let deleted = 0
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${REDIS_PREFIX}:*`, 'COUNT', 1000)
      if (keys.length > 0) deleted += await redis.del(...keys)
      cursor = next
    } while (cursor !== '0')
    return deleted
  } finally {
    redis.disconnect()
  }
}

import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from './free-port.js'

/** A Redis the caller may use; `stop()` only stops a server this module started. */
export interface RedisHandle {
  url: string
  /** `true` when this module spawned the redis-server (and `stop()` kills it). */
  started: boolean
  /** Pid of the spawned redis-server, when `started`. */
  pid?: number
  stop (): Promise<void>
}

const DEFAULT_URL = 'redis://127.0.0.1:6379'
const HOW_TO_GET_REDIS =
  'Install it with `apt-get install redis-server` (Debian/Ubuntu; the tests start their own redis-server when it is on PATH), ' +
  'or point at a running Redis (>= 6.2) or Valkey with REDIS_URL=redis://host:6379.'

/** The URL with any password replaced, safe for error messages and logs. */
export function redactUrl (url: string): string {
  try {
    const u = new URL(url)
    if (u.password !== '') u.password = '***'
    return u.toString()
  } catch {
    return '<unparseable URL>'
  }
}

/** Resolves when `url` answers PING within `timeoutMs`; rejects with the reason otherwise. */
export async function pingRedis (url: string, timeoutMs = 1500): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    retryStrategy: () => null
  })
  // ioredis rejects with "Connection is closed."; the 'error' event has the real reason.
  let connectionError: Error | undefined
  client.on('error', (err: Error) => { connectionError ??= err })
  try {
    await client.connect()
    const pong = await client.ping()
    if (pong !== 'PONG') throw new Error(`PING answered ${pong}`)
  } catch (err) {
    throw connectionError ?? err
  } finally {
    client.disconnect()
  }
}

/** Absolute path of an executable on `env.PATH`, or `undefined`. */
export async function findOnPath (command: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, command)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

/**
 * Finds a Redis for tests, benchmarks and the demo, in this order:
 * 1. `REDIS_URL`, which must answer PING (no fallback: a wrong URL is a mistake to report);
 * 2. a private `redis-server` on a free port, without persistence, killed by `stop()`;
 * 3. a Redis already listening on 127.0.0.1:6379.
 * Throws an Error saying how to get Redis when none of these works.
 */
export async function ensureRedis (env: NodeJS.ProcessEnv = process.env): Promise<RedisHandle> {
  const configured = env.REDIS_URL
  if (configured !== undefined && configured !== '') {
    try {
      await pingRedis(configured)
    } catch (err) {
      throw new Error(`REDIS_URL=${redactUrl(configured)} does not answer PING (${(err as Error).message}). ` +
        `Start that Redis, or unset REDIS_URL to let the tests start their own. ${HOW_TO_GET_REDIS}`, { cause: err })
    }
    return { url: configured, started: false, stop: async () => {} }
  }

  const bin = await findOnPath('redis-server', env)
  if (bin !== undefined) return await startRedisServer(bin)

  try {
    await pingRedis(DEFAULT_URL)
    return { url: DEFAULT_URL, started: false, stop: async () => {} }
  } catch {}

  throw new Error('Redis is required but none was found: REDIS_URL is not set, redis-server is not on PATH ' +
    `and nothing answers on ${DEFAULT_URL}. ${HOW_TO_GET_REDIS}`)
}

async function startRedisServer (bin: string): Promise<RedisHandle> {
  let lastFailure = ''
  // freePort() can race with another process taking the port: try a few.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = await freePort()
    const child = spawn(bin, [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--dir', tmpdir()
    ], { stdio: ['ignore', 'pipe', 'pipe'] })
    const output: string[] = []
    const keep = (chunk: Buffer): void => {
      output.push(...chunk.toString('utf8').split('\n').filter(l => l.trim() !== ''))
      if (output.length > 20) output.splice(0, output.length - 20)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    let spawnError: Error | undefined
    child.on('error', err => { spawnError = err })

    const url = `redis://127.0.0.1:${port}`
    const deadline = Date.now() + 10_000
    while (Date.now() < deadline && child.exitCode === null && child.signalCode === null && spawnError === undefined) {
      try {
        await pingRedis(url, 500)
        return handleFor(child, url)
      } catch {
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    }
    await kill(child)
    lastFailure = spawnError !== undefined
      ? `could not run ${bin}: ${spawnError.message}`
      : `${bin} on port ${port} did not answer PING within 10 s; its last output:\n${output.join('\n')}`
    if (spawnError !== undefined || !output.some(l => l.includes('Address already in use'))) break
  }
  throw new Error(`${lastFailure}\n${HOW_TO_GET_REDIS}`)
}

function handleFor (child: ChildProcess, url: string): RedisHandle {
  // Never outlive the process that started it, even when a caller forgets stop().
  const onExit = (): void => { child.kill('SIGKILL') }
  process.on('exit', onExit)
  child.unref()
  ;(child.stdout as Socket | null)?.unref()
  ;(child.stderr as Socket | null)?.unref()
  return {
    url,
    started: true,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    async stop () {
      process.off('exit', onExit)
      await kill(child)
    }
  }
}

async function kill (child: ChildProcess): Promise<void> {
  // No pid: the spawn itself failed, there is nothing to stop.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from '../../../scripts/free-port.js'
import { findOnPath, pingRedis } from '../../../scripts/redis.js'
import { sleep } from './hub-process.js'

/**
 * A redis-server of the scenario's own, on a free port and without persistence, so it can be
 * flushed, killed and started again empty on the same port (what a Redis restart without
 * persistence does to the hub's queues) without touching the Redis other tests share.
 *
 * API: `startRedisServer()` → `{ url, port, flushAll(), stop(), start(), restart(), close() }`;
 * `restart()` is stop + start: every key is gone.
 */
export interface RedisServer {
  readonly url: string
  readonly port: number
  flushAll (): Promise<void>
  /** Kills the server (SIGKILL: nothing is saved anyway). */
  stop (): Promise<void>
  /** Starts it again, empty, on the same port. */
  start (): Promise<void>
  restart (): Promise<void>
  /** Stops it for good and removes its directory. */
  close (): Promise<void>
}

export async function startRedisServer (): Promise<RedisServer> {
  const bin = await findOnPath('redis-server')
  if (bin === undefined) throw new Error('redis-server is not on PATH (apt-get install redis-server)')
  const dir = mkdtempSync(join(tmpdir(), 'hub-faults-redis-'))
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  const onExit = (): void => { child?.kill('SIGKILL') }
  process.on('exit', onExit)

  const start = async (): Promise<void> => {
    const c = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--daemonize', 'no', '--dir', dir], { stdio: 'ignore' })
    child = c
    exited = new Promise(resolve => c.once('exit', () => resolve()))
    const deadline = Date.now() + 10_000
    for (;;) {
      try {
        await pingRedis(url, 500)
        return
      } catch (err) {
        if (Date.now() > deadline || c.exitCode !== null) throw new Error(`redis-server on port ${port} did not start: ${(err as Error).message}`)
        await sleep(50)
      }
    }
  }
  const stop = async (): Promise<void> => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await exited
  }
  await start()
  return {
    url,
    port,
    async flushAll () {
      const r = new Redis(url, { maxRetriesPerRequest: 1 })
      try { await r.flushall() } finally { r.disconnect() }
    },
    stop,
    start,
    async restart () {
      await stop()
      await start()
    },
    async close () {
      await stop()
      process.off('exit', onExit)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

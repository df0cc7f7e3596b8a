import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../scripts/free-port.js'
import { ensureRedis, findOnPath, pingRedis, type RedisHandle } from '../../scripts/redis.js'

const hasRedisServer = await findOnPath('redis-server') !== undefined
const handles: RedisHandle[] = []

afterEach(async () => {
  await Promise.all(handles.splice(0).map(async h => await h.stop()))
})

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

describe('ensureRedis', () => {
  it.skipIf(!hasRedisServer)('starts its own redis-server on a free port when REDIS_URL is unset, and stop() stops it', async () => {
    const redis = await ensureRedis({ PATH: process.env.PATH })
    handles.push(redis)

    expect(redis.started).toBe(true)
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    expect(redis.url).not.toBe('redis://127.0.0.1:6379')
    await expect(pingRedis(redis.url)).resolves.toBeUndefined()
    const pid = redis.pid as number
    expect(isAlive(pid)).toBe(true)

    await redis.stop()
    expect(isAlive(pid)).toBe(false)
    await expect(pingRedis(redis.url, 300)).rejects.toThrow()
    await redis.stop() // a second stop is harmless
  })

  it.skipIf(!hasRedisServer)('uses a REDIS_URL that answers, without starting or stopping anything', async () => {
    const own = await ensureRedis({ PATH: process.env.PATH })
    handles.push(own)

    const redis = await ensureRedis({ REDIS_URL: own.url, PATH: process.env.PATH })
    expect(redis).toMatchObject({ url: own.url, started: false })
    await redis.stop()
    await expect(pingRedis(own.url)).resolves.toBeUndefined()
  })

  it('throws a clear error, without the password, when REDIS_URL does not answer', async () => {
    const port = await freePort()
    const error = await ensureRedis({ REDIS_URL: `redis://:s3cret@127.0.0.1:${port}` }).catch((err: unknown) => err as Error)

    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toContain(`REDIS_URL=redis://:***@127.0.0.1:${port} does not answer PING`)
    expect((error as Error).message).toContain('apt-get install redis-server')
    expect((error as Error).message).not.toContain('s3cret')
  })
})

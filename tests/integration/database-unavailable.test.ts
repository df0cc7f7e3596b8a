import { randomBytes } from 'node:crypto'
import net from 'node:net'
import { Writable } from 'node:stream'
import type { LightMyRequestResponse } from 'fastify'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config/load.js'
import { startHub, type Hub } from '../../src/hub.js'
import { createLogger } from '../../src/logger.js'
import { createPostgresDb } from '../../src/store/postgres.js'
import { migrate } from '../../src/store/migrate.js'
import { makeCremation } from '../fixtures/cremation.js'
import { createTestDb, type TestDb } from '../helpers/databases.js'
import { startSilentProxy, type SilentProxy } from '../helpers/silent-proxy.js'
import { deleteKeys, TEST_MASTER_KEY, TEST_REDIS_URL } from '../helpers/test-hub.js'
import { eventually } from '../helpers/waits.js'

/**
 * A funeral home posting while the database is away must learn to post again: 503
 * HUB_ERR_UNAVAILABLE with Retry-After, never a 500 that reads like the hub's own bug (a
 * request cut off mid-commit may well have been stored, and the re-post is idempotent).
 */
describe('while the PostgreSQL server is away', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  /** A hub whose database connections go through `port` (a proxy in front of the test database). */
  async function hubThrough (testDb: TestDb, port: number, queryTimeoutMs = 1_500): Promise<{ hub: Hub, logs: () => string }> {
    const url = new URL(testDb.url!)
    url.port = String(port)
    const db = createPostgresDb(url.toString(), 4, { queryTimeoutMs, connectTimeoutMs: 1_000 })
    cleanups.push(async () => { await db.close() })
    const prefix = `houshi-test-${randomBytes(5).toString('hex')}`
    const config = resolveConfig({
      county: { code: '430621', name: '岳阳县', timeZone: 'Asia/Shanghai' },
      redis: { url: TEST_REDIS_URL, prefix },
      crypto: { keyId: 'k1', masterKey: TEST_MASTER_KEY },
      reconciler: { cron: '0 0 * * * *' },
      targets: [{
        code: 'gongan', department: 'gongan', name: 'gongan', transport: 'rest', mapping: 'gongan-rest-v1',
        events: ['notice.created'],
        rest: { url: 'http://127.0.0.1:9/notices', auth: { type: 'none' }, signingSecret: 'test-signing-secret-0123456789' }
      }]
    }, {})
    const chunks: string[] = []
    const logger = createLogger('info', new Writable({ write (c: Buffer, _e, cb) { chunks.push(c.toString()); cb() } }))
    const hub = await startHub(config, { logger, db })
    cleanups.push(async () => {
      await hub.close(100)
      const redis = new Redis(TEST_REDIS_URL)
      await deleteKeys(redis, `${prefix}:*`)
      await redis.quit()
    })
    return { hub, logs: () => chunks.join('') }
  }

  async function database (): Promise<TestDb> {
    const testDb = await createTestDb('postgres')
    cleanups.push(async () => { await testDb.drop() })
    return testDb
  }

  const post = async (hub: Hub, i: number): Promise<LightMyRequestResponse> =>
    await hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: makeCremation(i) })

  it('answers 503 HUB_ERR_UNAVAILABLE with Retry-After while the server is stopped, and 201 to the re-post once it is back', async () => {
    const testDb = await database()
    const direct = new URL(testDb.url!)
    const server = await startStoppableProxy(direct.hostname, Number(direct.port))
    cleanups.push(async () => { await server.close() })
    const { hub, logs } = await hubThrough(testDb, server.port)
    expect((await post(hub, 1)).statusCode).toBe(201)

    await server.stop()
    const refused = await post(hub, 2)
    expect(refused.statusCode).toBe(503)
    expect(refused.json()).toEqual({ code: 'HUB_ERR_UNAVAILABLE', message: expect.stringContaining('幂等') })
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
    const ready = await hub.app.inject({ method: 'GET', url: '/readyz' })
    expect(ready.statusCode).toBe(503)
    expect(ready.json().checks).toMatchObject({ database: 'down' })
    // Ops still learn why, once per request, as a warning rather than an internal error.
    expect(logs()).toContain('database unavailable')

    await server.start()
    const again = await post(hub, 2)
    expect(again.statusCode).toBe(201)
    expect((await post(hub, 1)).statusCode).toBe(200)
  })

  it('answers 503 HUB_ERR_UNAVAILABLE once a statement to a server that went silent times out', async () => {
    const testDb = await database()
    const direct = new URL(testDb.url!)
    const proxy: SilentProxy = await startSilentProxy(direct.hostname, Number(direct.port))
    cleanups.push(async () => { await proxy.close() })
    const { hub } = await hubThrough(testDb, proxy.port)
    expect((await post(hub, 1)).statusCode).toBe(201)

    proxy.silence()
    const frozen = await post(hub, 2)
    expect(frozen.statusCode).toBe(503)
    expect(frozen.json().code).toBe('HUB_ERR_UNAVAILABLE')
    expect(frozen.headers['retry-after']).toBeDefined()

    proxy.resume()
    // Whether or not the cut-off request was stored, its re-post succeeds and says which.
    expect([200, 201]).toContain((await post(hub, 2)).statusCode)
  })

  it('says it is not ready within seconds while the server is silent, whatever the statement timeout', async () => {
    const testDb = await database()
    const direct = new URL(testDb.url!)
    const proxy: SilentProxy = await startSilentProxy(direct.hostname, Number(direct.port))
    cleanups.push(async () => { await proxy.close() })
    // A statement timeout long enough for a big migration; a readiness probe cannot wait that long.
    const { hub } = await hubThrough(testDb, proxy.port, 60_000)
    await eventually(async () => (await hub.app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200 ? true : undefined, 10_000, 'ready')

    proxy.silence()
    const probe = hub.app.inject({ method: 'GET', url: '/readyz' })
    const answer = await Promise.race([probe, new Promise<'no answer'>(resolve => setTimeout(() => resolve('no answer'), 10_000))])
    expect(answer === 'no answer' ? answer : { status: answer.statusCode, checks: answer.json().checks })
      .toEqual({ status: 503, checks: expect.objectContaining({ database: 'down' }) })
    // Cut rather than resume: the bytes sent while silent are lost, and the statement would wait its minute.
    await proxy.close()
  })
})

/**
 * The database server as its clients see it stop and start again: `stop()` ends every
 * connection and refuses new ones (nothing listens), `start()` listens on the same port again.
 */
async function startStoppableProxy (host: string, targetPort: number): Promise<{ port: number, stop (): Promise<void>, start (): Promise<void>, close (): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  let server: net.Server | undefined
  const listen = async (port: number): Promise<number> => {
    const s = net.createServer((client) => {
      const upstream = net.connect(targetPort, host)
      for (const sock of [client, upstream]) {
        sockets.add(sock)
        sock.on('error', () => { client.destroy(); upstream.destroy() })
        sock.on('close', () => { sockets.delete(sock) })
      }
      client.pipe(upstream).pipe(client)
    })
    server = s
    await new Promise<void>(resolve => s.listen(port, '127.0.0.1', resolve))
    return (s.address() as net.AddressInfo).port
  }
  const stop = async (): Promise<void> => {
    const s = server
    server = undefined
    for (const sock of sockets) sock.destroy()
    if (s !== undefined) await new Promise<void>(resolve => s.close(() => resolve()))
  }
  const port = await listen(0)
  return { port, stop, start: async () => { await listen(port) }, close: stop }
}

import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../scripts/free-port.js'
import { startRestDepartment, type RestDepartmentSim } from '../../sim/rest-department.js'
import { makeCremation, validCremation } from '../fixtures/cremation.js'
import { createTestDb } from '../helpers/databases.js'
import { deleteKeys, TEST_MASTER_KEY, TEST_REDIS_URL } from '../helpers/test-hub.js'
import { eventually } from '../helpers/waits.js'

interface Run { child: ChildProcess, output: () => string, exited: Promise<number | null> }

function runServer (args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { out += d.toString() })
  const exited = new Promise<number | null>(resolve => child.on('exit', code => { resolve(code) }))
  return { child, output: () => out, exited }
}

describe('the hub process', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('refuses to start on a wrong config, printing the path and the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-e2e-'))
    cleanups.push(() => { rmSync(dir, { recursive: true, force: true }) })
    const file = join(dir, 'hub.yaml')
    writeFileSync(file, readFileSync('config/hub.yaml', 'utf8').replace("code: '430621'", "code: '4306'"))
    const run = runServer(['--config', file], { HUB_MASTER_KEY: TEST_MASTER_KEY })
    expect(await run.exited).toBe(78)
    expect(run.output()).toContain('/county/code')
    expect(run.output()).toContain('环境变量 GONGAN_URL 未设置')
  })

  it('prints its usage for --help and refuses an unknown option', async () => {
    const help = runServer(['--help'], {})
    expect(await help.exited).toBe(0)
    expect(help.output()).toContain('--role')
    const bogus = runServer(['--bogus'], {})
    expect(await bogus.exited).toBe(64)
    expect(bogus.output()).toContain('usage:')
  })

  it('refuses a separate role on the embedded database, which only one process can use', async () => {
    const run = runServer(['--role', 'worker'], { ...sampleEnv('http://127.0.0.1:1/x'), HUB_MASTER_KEY: TEST_MASTER_KEY })
    expect(await run.exited).toBe(78)
    expect(run.output()).toContain('DATABASE_URL')
  })

  it('refuses to start without a master key, listing it with the other problems', async () => {
    const run = runServer([], sampleEnv('http://127.0.0.1:1/x'))
    expect(await run.exited).toBe(78)
    expect(run.output()).toContain('/crypto/masterKey: 未设置主密钥：请设置环境变量 HUB_MASTER_KEY')
    const { YIBAO_PASSWORD: _, ...withoutPassword } = sampleEnv('http://127.0.0.1:1/x')
    const both = runServer([], withoutPassword)
    expect(await both.exited).toBe(78)
    expect(both.output()).toContain('环境变量 YIBAO_PASSWORD 未设置')
    expect(both.output()).toContain('HUB_MASTER_KEY')
  })

  it('says plainly that its database cannot be reached or does not exist, without a stack trace', async () => {
    const env = { ...sampleEnv('http://127.0.0.1:1/x'), HUB_MASTER_KEY: TEST_MASTER_KEY }
    const missing = runServer([], { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/houshi_e2e_no_such_database' })
    expect(await missing.exited).toBe(69)
    expect(missing.output()).toContain('houshi-hub 无法启动：所依赖的服务不可用（3D000）')
    expect(missing.output()).not.toContain('    at ')
    const closed = runServer([], { ...env, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x' })
    expect(await closed.exited).toBe(69)
    expect(closed.output()).toContain('ECONNREFUSED')
  })

  it('serves the sample config on the embedded database, delivers, and stops cleanly on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hub-e2e-'))
    cleanups.push(() => { rmSync(dir, { recursive: true, force: true }) })
    const sim = await startRestDepartment({ name: 'gongan' })
    cleanups.push(async () => { await sim.close() })
    const prefix = `houshi-e2e-${process.pid}`
    const redis = new Redis(TEST_REDIS_URL)
    cleanups.push(async () => { await deleteKeys(redis, `${prefix}:*`); await redis.quit() })
    const file = join(dir, 'hub.yaml')
    writeFileSync(file, readFileSync('config/hub.yaml', 'utf8')
      .replace('dataDir: ./data/pglite', `dataDir: ${join(dir, 'pglite')}`)
      .replace('prefix: houshi', `prefix: ${prefix}`)
      .replace('level: info', 'level: warn'))
    const port = await freePort()
    const run = runServer(['--config', file], { ...sampleEnv(sim.url, sim), PORT: String(port), REDIS_URL: TEST_REDIS_URL, HUB_MASTER_KEY: TEST_MASTER_KEY })
    cleanups.push(() => { run.child.kill('SIGKILL') })

    await eventually(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined, 30_000, `readyz (${run.output()})`)
    const res = await fetch(`http://127.0.0.1:${port}/v1/cremations`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(validCremation)
    })
    expect(res.status).toBe(201)
    await sim.waitFor(s => s.acceptedCount >= 1, 15_000)

    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
  })

  it('serves the API from several processes on PostgreSQL and stops them all on SIGTERM', async () => {
    const testDb = await createTestDb('postgres')
    cleanups.push(async () => { await testDb.drop() })
    const sim = await startRestDepartment({ name: 'gongan' })
    cleanups.push(async () => { await sim.close() })
    const prefix = `houshi-e2e-cluster-${process.pid}`
    const redis = new Redis(TEST_REDIS_URL)
    cleanups.push(async () => { await deleteKeys(redis, `${prefix}:*`); await redis.quit() })
    const dir = mkdtempSync(join(tmpdir(), 'hub-e2e-'))
    cleanups.push(() => { rmSync(dir, { recursive: true, force: true }) })
    const file = join(dir, 'hub.yaml')
    writeFileSync(file, readFileSync('config/hub.yaml', 'utf8').replace('prefix: houshi', `prefix: ${prefix}`))
    const port = await freePort()
    const run = runServer(['--config', file, '--processes', '2'], {
      ...sampleEnv(sim.url), PORT: String(port), REDIS_URL: TEST_REDIS_URL, HUB_MASTER_KEY: TEST_MASTER_KEY, DATABASE_URL: testDb.url!
    })
    cleanups.push(() => { run.child.kill('SIGKILL') })
    const started = (): Array<{ pid: number, role: string }> => run.output().split('\n').filter(l => l.includes('houshi-hub started')).map(l => JSON.parse(l))
    await eventually(async () => started().length === 2 ? true : undefined, 30_000, `two processes started (${run.output()})`)
    expect(new Set(started().map(s => s.pid)).size).toBe(2)
    expect(started().map(s => s.role).sort()).toEqual(['all', 'api'])
    // Which database and Redis prefix each process uses, and never the database's password.
    const { host, pathname } = new URL(testDb.url!)
    expect(started()).toEqual([0, 1].map(() => expect.objectContaining({ database: `postgres ${host}${pathname}`, redisPrefix: prefix })))
    const posts = await Promise.all([validCremation, makeCremation(2), makeCremation(3), makeCremation(4)].map(async body =>
      (await fetch(`http://127.0.0.1:${port}/v1/cremations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status))
    expect(posts).toEqual([201, 201, 201, 201])
    await sim.waitFor(s => s.acceptedCount >= 4, 15_000)

    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    for (const { pid } of started()) expect(() => process.kill(pid, 0)).toThrow()
  })

  it('stops every API process when SIGTERM comes while they are still starting', async () => {
    const testDb = await createTestDb('postgres')
    cleanups.push(async () => { await testDb.drop() })
    const port = await freePort()
    const run = runServer(['--processes', '2'], {
      ...sampleEnv('http://127.0.0.1:1/x'), PORT: String(port), REDIS_URL: TEST_REDIS_URL, HUB_MASTER_KEY: TEST_MASTER_KEY,
      DATABASE_URL: testDb.url!
    })
    cleanups.push(() => { run.child.kill('SIGKILL') })
    await eventually(async () => run.output().includes('supervising API processes') ? true : undefined, 15_000, 'the supervisor')
    run.child.kill('SIGTERM')
    expect(await run.exited).toBe(0)
    const workers = run.output().split('\n').filter(l => l.includes('"pid"')).map(l => (JSON.parse(l) as { pid: number }).pid)
    for (const pid of new Set(workers)) expect(() => process.kill(pid, 0)).toThrow()
  })

  it('refuses several processes on the embedded database', async () => {
    const run = runServer(['--processes', '2'], { ...sampleEnv('http://127.0.0.1:1/x'), HUB_MASTER_KEY: TEST_MASTER_KEY })
    expect(await run.exited).toBe(78)
    expect(run.output()).toContain('PGlite')
  })
})

/**
 * Every ${NAME} of config/hub.yaml: the REST departments at `url`; SOAP and SFTP at closed
 * loopback ports (their deliveries just retry), and a feed nobody pulls.
 */
function sampleEnv (url: string, _sim?: RestDepartmentSim): Record<string, string> {
  const env: Record<string, string> = { GONGAN_RONGJIAWAN_URL: url, GONGAN_TOKEN: 't', YIBAO_PASSWORD: 'p', MINZHENG_TOKEN: 't' }
  for (const d of ['GONGAN', 'YIBAO', 'MINZHENG']) {
    env[`${d}_URL`] = url
    env[`${d}_SIGNING_SECRET`] = 'e2e-signing-secret-0123456789'
  }
  for (const d of ['GONGJIJIN', 'CANLIAN']) {
    env[`${d}_SFTP_HOST`] = '127.0.0.1'
    env[`${d}_SFTP_KEY_FILE`] = '/nonexistent/houshi-e2e-key'
    env[`${d}_SFTP_HOST_KEY`] = `SHA256:${'A'.repeat(43)}`
  }
  return {
    ...env,
    RENSHE_SOAP_URL: 'http://127.0.0.1:1/houshi/services/DeathNoticeService', RENSHE_SOAP_USERNAME: 'houshi', RENSHE_SOAP_PASSWORD: 'p',
    TUIYI_FEED_TOKEN: 'e2e-feed-token-0123456789'
  }
}

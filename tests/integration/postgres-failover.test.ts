import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createPostgresDb } from '../../src/store/postgres.js'
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/databases.js'
import { startSilentProxy, type SilentProxy } from '../helpers/silent-proxy.js'

describe('a PostgreSQL connection that dies mid-transaction', () => {
  let t: TestDb | undefined
  afterEach(async () => { await t?.drop(); t = undefined })

  it('fails that transaction only: the process survives and the next query runs', async () => {
    t = await createTestDb('postgres')
    const db = t.db
    const inFlight = db.transaction(async (tx) => {
      await tx.query("SELECT set_config('application_name', 'hub-doomed', false)")
      await tx.query('SELECT pg_sleep(5)')
    }).then(() => undefined, (err: unknown) => err)
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await admin.connect()
    try {
      // Wait until the doomed backend is asleep, then kill it as a failover would.
      for (let i = 0; i < 100; i++) {
        const r = await admin.query("SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE application_name = 'hub-doomed'")
        if (r.rowCount !== null && r.rowCount > 0) break
        await new Promise(resolve => setTimeout(resolve, 50))
      }
    } finally {
      await admin.end()
    }
    expect(await inFlight).toMatchObject({ code: '57P01' })
    expect((await db.query<{ ok: number }>('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
  })
})

describe('a PostgreSQL server that stops answering without closing its connections', () => {
  let t: TestDb | undefined
  let proxy: SilentProxy | undefined
  afterEach(async () => {
    await proxy?.close()
    await t?.drop()
    proxy = undefined
    t = undefined
  })

  it('fails the waiting statements after the timeout, recovers when the server is back, and closes without waiting for it', async () => {
    t = await createTestDb('postgres')
    const direct = new URL(t.url!)
    proxy = await startSilentProxy(direct.hostname, Number(direct.port))
    const url = new URL(t.url!)
    url.port = String(proxy.port)
    const db = createPostgresDb(url.toString(), 2, { queryTimeoutMs: 1_500, connectTimeoutMs: 1_000 })
    try {
      expect((await db.query<{ ok: number }>('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }])
      let started = 0
      // The server goes silent in the middle of a transaction, and under a plain statement.
      const outcomes = await Promise.allSettled([
        db.transaction(async (tx) => {
          await tx.query('SELECT 1')
          proxy!.silence()
          started = Date.now()
          await tx.query('SELECT 2')
        }),
        (async () => {
          while (started === 0) await new Promise(resolve => setTimeout(resolve, 10))
          await db.query('SELECT 3')
        })()
      ])
      expect(outcomes.map(o => o.status)).toEqual(['rejected', 'rejected'])
      // One timeout each: the transaction drops its connection rather than wait a second
      // timeout for a ROLLBACK queued behind the statement that got no answer.
      expect(Date.now() - started).toBeLessThan(2_700)
      proxy.resume()
      expect((await db.query<{ ok: number }>('SELECT 2 AS ok')).rows).toEqual([{ ok: 2 }])
      proxy.silence()
    } finally {
      const closing = Date.now()
      await db.close()
      expect(Date.now() - closing).toBeLessThan(6_000)
    }
  })
})

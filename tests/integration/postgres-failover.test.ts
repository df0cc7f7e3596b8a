import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { createTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/databases.js'

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

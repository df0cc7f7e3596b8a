import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/store/migrations/index.js'
import { migrate } from '../../src/store/migrate.js'
import { createPostgresDb } from '../../src/store/postgres.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'

async function admin (sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try { await client.query(sql) } finally { await client.end() }
}

describe('migrations', () => {
  it('apply once when several hub processes start together on a new PostgreSQL database', async () => {
    const name = `houshi_test_${randomBytes(6).toString('hex')}`
    await admin(`CREATE DATABASE ${name}`)
    const url = new URL(TEST_DATABASE_URL)
    url.pathname = `/${name}`
    // As with `server.ts --processes 6`: each process migrates through its own connection.
    const dbs = Array.from({ length: 6 }, () => createPostgresDb(url.toString(), 1, { prepared: false }))
    try {
      const applied = await Promise.all(dbs.map(async db => await migrate(db)))
      expect(applied.flat().sort((a, b) => a - b)).toEqual(MIGRATIONS.map(m => m.version))
      const seen = await dbs[0]!.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      expect(seen.rows.map(r => r.version)).toEqual(MIGRATIONS.map(m => m.version))
    } finally {
      await Promise.all(dbs.map(async db => await db.close()))
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  })
})

import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { Db } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrate.js'
import { pgliteDb } from '../../src/store/pglite.js'
import { createPostgresDb } from '../../src/store/postgres.js'

export type Engine = 'pglite' | 'postgres'
export const ENGINES: readonly Engine[] = ['pglite', 'postgres']

/** The PostgreSQL server the tests may create databases on (CI: trust auth as postgres). */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDb {
  db: Db
  /** The URL of the PostgreSQL database, when the engine is `postgres`. */
  url?: string
  drop (): Promise<void>
}

/** A fresh, migrated database of its own: in-memory PGlite, or a new database on the server. */
export async function createTestDb (engine: Engine): Promise<TestDb> {
  if (engine === 'pglite') {
    // A copy of the migrated template: its own memory, so nothing one test writes reaches another.
    const db = pgliteDb(await PGlite.create({ dataDir: 'memory://', loadDataDir: await pgliteTemplate() }))
    return { db, drop: async () => { await db.close() } }
  }
  const name = `houshi_test_${randomBytes(6).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name}`)
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  const db = createPostgresDb(url.toString(), 10)
  await migrate(db)
  return {
    db,
    url: url.toString(),
    drop: async () => {
      await db.close()
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  }
}

/**
 * The data directory of a PGlite that ran initdb and every migration, built once per test
 * file. initdb is most of a new PGlite's cost (seconds; migrating adds ~0.2 s), and loading
 * this tarball skips both. Built from the migrations imported when the file starts, so a new
 * migration needs no change here.
 */
let template: Promise<Blob> | undefined
async function pgliteTemplate (): Promise<Blob> {
  template ??= (async () => {
    const pglite = await PGlite.create('memory://')
    try {
      await migrate(pgliteDb(pglite))
      // Uncompressed: gzip saves memory but costs more to pack and unpack than it saves here.
      return await pglite.dumpDataDir('none')
    } finally {
      await pglite.close()
    }
  })()
  // A failed build is not cached: the next test tries again and reports its own error.
  template.catch(() => { template = undefined })
  return await template
}

async function adminQuery (sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

import { createHash, randomBytes } from 'node:crypto'
import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import type { Db } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrate.js'
import { MIGRATIONS } from '../../src/store/migrations/index.js'
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
 * The data directory of a PGlite that ran initdb and every migration. initdb is most of a new
 * PGlite's cost (1.5–6 s; migrating adds ~0.2 s), and loading this tarball skips both.
 * Built once per test file at most: kept in memory for the file, and on disk for the files
 * after it, under a name that hashes the PGlite version and every migration's SQL, so a new or
 * edited migration (or a PGlite upgrade) builds a new template with no change here.
 */
let template: Promise<Blob> | undefined
async function pgliteTemplate (): Promise<Blob> {
  template ??= (async () => {
    const file = join(tmpdir(), `${TEMPLATE_PREFIX}${await templateKey()}.tar`)
    const saved = await readFile(file).catch(() => undefined)
    if (saved !== undefined) return new Blob([saved])
    const built = await buildPgliteTemplate()
    // Only a shortcut for later files: a disk that refuses it costs them time, not their tests.
    await saveTemplate(file, built).catch(async () => { await rm(`${file}.${process.pid}.partial`, { force: true }) })
    return built
  })()
  // A failed build is not cached: the next test tries again and reports its own error.
  template.catch(() => { template = undefined })
  return await template
}

const TEMPLATE_PREFIX = 'houshi-pglite-template-'

async function buildPgliteTemplate (): Promise<Blob> {
  const pglite = await PGlite.create('memory://')
  try {
    await migrate(pgliteDb(pglite))
    // Uncompressed: gzip saves disk but costs more to pack and unpack than it saves here.
    return await pglite.dumpDataDir('none')
  } finally {
    await pglite.close()
  }
}

async function templateKey (): Promise<string> {
  const pgliteDir = dirname(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')))
  const { version } = JSON.parse(await readFile(join(pgliteDir, 'package.json'), 'utf8')) as { version: string }
  return createHash('sha256').update(JSON.stringify({ version, MIGRATIONS })).digest('hex').slice(0, 16)
}

/** Written under a temporary name, then renamed: a parallel worker never reads half a file. */
async function saveTemplate (file: string, template: Blob): Promise<void> {
  const partial = `${file}.${process.pid}.partial`
  await writeFile(partial, new Uint8Array(await template.arrayBuffer()))
  await rename(partial, file)
  // Templates of earlier migrations are 40 MB each and will not be read again.
  for (const name of await readdir(tmpdir())) {
    if (name.startsWith(TEMPLATE_PREFIX) && name.endsWith('.tar') && join(tmpdir(), name) !== file) {
      await rm(join(tmpdir(), name), { force: true })
    }
  }
}

/** One statement on its own connection to a PostgreSQL server (CREATE / DROP DATABASE). */
export async function adminQuery (sql: string, serverUrl = TEST_DATABASE_URL): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

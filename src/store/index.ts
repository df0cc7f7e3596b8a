import type { HubConfig } from '../config/schema.js'
import type { Db } from './db.js'
import { migrate } from './migrate.js'
import { createPgliteDb } from './pglite.js'
import { createPostgresDb } from './postgres.js'

/** Opens the configured database (PostgreSQL when a URL is set, else PGlite) and migrates it. */
export async function openDb (config: HubConfig['database']): Promise<Db> {
  const db = config.url !== undefined
    ? createPostgresDb(config.url, config.poolSize, config.preparedStatements)
    : await createPgliteDb(config.dataDir)
  try {
    await migrate(db)
  } catch (err) {
    await db.close()
    throw err
  }
  return db
}

export type { Db, Queryable } from './db.js'

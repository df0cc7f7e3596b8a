import type { HubConfig } from '../config/schema.js'
import type { Db } from './db.js'
import { migrate } from './migrate.js'
import { createPgliteDb } from './pglite.js'
import { createPostgresDb } from './postgres.js'

/** Opens the configured database (PostgreSQL when a URL is set, else PGlite) and migrates it. */
export async function openDb (config: HubConfig['database']): Promise<Db> {
  if (config.url === undefined) {
    const db = await createPgliteDb(config.dataDir)
    try {
      await migrate(db)
    } catch (err) {
      await db.close()
      throw err
    }
    return db
  }
  // Migrations may rightly run longer than any everyday statement (an index over a province's
  // records): they get a connection of their own, without the statement timeout.
  const migrator = createPostgresDb(config.url, 1, { prepared: false, connectTimeoutMs: config.connectTimeoutMs })
  try {
    await migrate(migrator)
  } finally {
    await migrator.close()
  }
  return createPostgresDb(config.url, config.poolSize, {
    prepared: config.preparedStatements,
    queryTimeoutMs: config.queryTimeoutMs,
    connectTimeoutMs: config.connectTimeoutMs
  })
}

export type { Db, Queryable } from './db.js'

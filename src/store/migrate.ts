import type { Db } from './db.js'
import { MIGRATIONS } from './migrations/index.js'

/** Arbitrary constant: serialises migrations when several hub processes start at once. */
const MIGRATION_LOCK = 7_301_001

/** Applies every migration the database has not seen yet, each in its own transaction. */
export async function migrate (db: Db): Promise<number[]> {
  // Under the lock too: processes starting together on a new database would otherwise race
  // in CREATE TABLE IF NOT EXISTS, which PostgreSQL can fail with a unique violation.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
  })
  const applied: number[] = []
  for (const m of MIGRATIONS) {
    const done = await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK])
      const seen = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version])
      if (seen.rowCount > 0) return false
      await tx.exec(m.sql)
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
      return true
    })
    if (done) applied.push(m.version)
  }
  return applied
}

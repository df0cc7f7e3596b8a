import { describe, expect, it } from 'vitest'
import { MIGRATIONS } from '../../src/store/migrations/index.js'
import { createTestDb, ENGINES } from '../helpers/databases.js'

// The PGlite test databases are copies of one migrated template: these tests hold the helper
// to what every other test assumes of it.
describe.each(ENGINES)('a test database on %s', (engine) => {
  it('has every migration of the source tree applied', async () => {
    const { db, drop } = await createTestDb(engine)
    try {
      const { rows } = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')
      expect(rows.map(r => r.version)).toEqual(MIGRATIONS.map(m => m.version))
    } finally {
      await drop()
    }
  })

  it('shares nothing with another test database, whether created before or after a write', async () => {
    const first = await createTestDb(engine)
    const second = await createTestDb(engine)
    try {
      await first.db.query('INSERT INTO schema_migrations (version, name) VALUES (9999, $1)', ['written-by-one-test'])
      const third = await createTestDb(engine)
      try {
        for (const other of [second, third]) {
          const { rows } = await other.db.query('SELECT 1 FROM schema_migrations WHERE version = 9999')
          expect(rows).toEqual([])
        }
      } finally {
        await third.drop()
      }
    } finally {
      await first.drop()
      await second.drop()
    }
  })
})

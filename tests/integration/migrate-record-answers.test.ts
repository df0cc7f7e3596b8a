import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import type { Db } from '../../src/store/db.js'
import { migrate } from '../../src/store/migrate.js'
import { MIGRATIONS } from '../../src/store/migrations/index.js'
import { createPgliteDb } from '../../src/store/pglite.js'
import { createPostgresDb } from '../../src/store/postgres.js'
import { ENGINES, TEST_DATABASE_URL, type Engine } from '../helpers/databases.js'

async function admin (sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try { await client.query(sql) } finally { await client.end() }
}

/** A database as the hub left it before migration 7, with migrations 1–6 applied; `drop` removes it. */
async function databaseAtVersion6 (engine: Engine): Promise<{ db: Db, drop: () => Promise<void> }> {
  let db: Db
  let drop: () => Promise<void>
  if (engine === 'pglite') {
    db = await createPgliteDb('memory://')
    drop = async () => { await db.close() }
  } else {
    const name = `houshi_test_${randomBytes(6).toString('hex')}`
    await admin(`CREATE DATABASE ${name}`)
    const url = new URL(TEST_DATABASE_URL)
    url.pathname = `/${name}`
    db = createPostgresDb(url.toString(), 2)
    drop = async () => {
      await db.close()
      await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
    }
  }
  await db.exec('CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())')
  for (const m of MIGRATIONS.filter(m => m.version <= 6)) {
    await db.exec(m.sql)
    await db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name])
  }
  return { db, drop }
}

/** One stored record version, as the hub before migration 7 wrote it (no answer columns yet). */
async function oldRecord (db: Db, id: string, kind: string, documentNo: string, version: number, status: string): Promise<void> {
  await db.query(
    `INSERT INTO records (id, kind, source, document_no, version, status, notice_id, subject_key, content_hash, key_id, personal_enc, data)
     VALUES ($1, $2, 'FH01', $3, $4, $5, 'ntc_a', 'subject-a', 'hash-' || $1, 'k1', 'sealed', '{}')`, [id, kind, documentNo, version, status])
}

async function oldEvent (db: Db, at: string, action: string, entity: string, details: unknown): Promise<void> {
  await db.query('INSERT INTO audit_events (at, actor, action, entity, details) VALUES ($1, $2, $3, $4, $5::json)',
    [at, 'api', action, entity, JSON.stringify(details)])
}

describe.each(ENGINES)('migration 7 on a database with records (%s)', (engine) => {
  it('fills in each record\'s notice version and its void from the audit events the hub wrote before', async () => {
    const { db, drop } = await databaseAtVersion6(engine)
    try {
      await db.query("INSERT INTO notices (id, subject_key, version, status) VALUES ('ntc_a', 'subject-a', 5, 'active')")
      // Reported under A-1, corrected (notice v2), voided (v3), then reported again under B-1 (v4),
      // which was voided (v5) and then reported again under C-1 (v6); and a death certificate.
      await oldRecord(db, 'rec_a1', 'cremation', 'A-1', 1, 'superseded')
      await oldRecord(db, 'rec_a2', 'cremation', 'A-1', 2, 'voided')
      await oldRecord(db, 'rec_b1', 'cremation', 'B-1', 1, 'voided')
      await oldRecord(db, 'rec_c1', 'cremation', 'C-1', 1, 'active')
      await oldRecord(db, 'rec_dc', 'death-certificate', 'dc-key', 1, 'active')
      await oldEvent(db, '2026-11-01T01:00:00.000Z', 'record.received', 'record:rec_a1', { kind: 'cremation', version: 1 })
      await oldEvent(db, '2026-11-01T02:00:00.000Z', 'record.corrected', 'record:rec_a2', { version: 2, previous: 'rec_a1' })
      await oldEvent(db, '2026-11-01T03:00:00.123Z', 'record.voided', 'record:rec_a2', { version: 3, reason: '报错了人' })
      await oldEvent(db, '2026-11-01T04:00:00.000Z', 'record.received', 'record:rec_b1', { kind: 'cremation', version: 4, afterVoid: true })
      await oldEvent(db, '2026-11-01T05:00:00.456Z', 'record.voided', 'record:rec_b1', { version: 5, reason: '证号填错' })
      // An event without a version: such a record was answered with its certificate version.
      await oldEvent(db, '2026-11-01T06:00:00.000Z', 'record.received', 'record:rec_c1', { kind: 'cremation', afterVoid: true })
      await oldEvent(db, '2026-11-01T07:00:00.000Z', 'record.received', 'record:rec_dc', { kind: 'death-certificate', noticeId: 'ntc_a' })
      const events = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events')

      expect(await migrate(db)).toEqual([7])

      const r = await db.query<{ id: string, notice_version: number | null, void_version: number | null, void_reason: string | null, voided_at: Date | null }>(
        'SELECT id, notice_version, void_version, void_reason, voided_at FROM records ORDER BY id')
      expect(r.rows.map(row => ({ ...row, voided_at: row.voided_at?.toISOString() ?? null }))).toEqual([
        { id: 'rec_a1', notice_version: 1, void_version: null, void_reason: null, voided_at: null },
        { id: 'rec_a2', notice_version: 2, void_version: 3, void_reason: '报错了人', voided_at: '2026-11-01T03:00:00.123Z' },
        { id: 'rec_b1', notice_version: 4, void_version: 5, void_reason: '证号填错', voided_at: '2026-11-01T05:00:00.456Z' },
        { id: 'rec_c1', notice_version: 1, void_version: null, void_reason: null, voided_at: null },
        { id: 'rec_dc', notice_version: null, void_version: null, void_reason: null, voided_at: null }
      ])
      // The trail itself is untouched, and a second start applies nothing again.
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_events')).rows[0]!.n).toBe(events.rows[0]!.n)
      expect(await migrate(db)).toEqual([])
    } finally {
      await drop()
    }
  })
})

import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { adminQuery, TEST_DATABASE_URL } from '../../helpers/databases.js'

/**
 * The scenario's database: an empty database of its own on the shared PostgreSQL server (the
 * hub migrates it when it starts), or an embedded one's directory read after the hub stopped;
 * and the question every scenario ends with: how many deliveries are in each status (no `dead`).
 */

export interface ScenarioDatabase {
  readonly url: string
  deliveryStatuses (): Promise<Record<string, number>>
  drop (): Promise<void>
}

/** A fresh empty database on `serverUrl` (default: the tests' PostgreSQL). */
export async function createScenarioDatabase (serverUrl = TEST_DATABASE_URL): Promise<ScenarioDatabase> {
  const name = `houshi_faults_${randomBytes(5).toString('hex')}`
  await adminQuery(`CREATE DATABASE ${name}`, serverUrl)
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    deliveryStatuses: async () => await postgresDeliveryStatuses(url.toString()),
    drop: async () => { await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`, serverUrl) }
  }
}

const STATUS_SQL = 'SELECT status, count(*)::int AS n FROM deliveries GROUP BY status ORDER BY status'

export async function postgresDeliveryStatuses (url: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const r = await client.query<{ status: string, n: number }>(STATUS_SQL)
    return Object.fromEntries(r.rows.map(row => [row.status, row.n]))
  } finally {
    await client.end()
  }
}

/** Reads an embedded database's directory: only once the hub that owns it has stopped. */
export async function pgliteDeliveryStatuses (dataDir: string): Promise<Record<string, number>> {
  const db = await PGlite.create(dataDir)
  try {
    const r = await db.query<{ status: string, n: number }>(STATUS_SQL)
    return Object.fromEntries(r.rows.map(row => [row.status, row.n]))
  } finally {
    await db.close()
  }
}

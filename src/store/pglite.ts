import { mkdir } from 'node:fs/promises'
import { PGlite } from '@electric-sql/pglite'
import type { Db, Queryable, QueryResult, Transaction } from './db.js'

/**
 * The embedded default: a real PostgreSQL compiled to WebAssembly, with its files under
 * `dataDir` (or in memory for `memory://`). One connection, so transactions run one at a time.
 */
export async function createPgliteDb (dataDir: string): Promise<Db> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true })
  return pgliteDb(await PGlite.create(dataDir))
}

/** The hub's database interface over a PGlite instance already open (tests load one from a template). */
export function pgliteDb (pglite: PGlite): Db {
  function wrap (q: Pick<PGlite, 'query'>): Queryable {
    return {
      async query<T> (sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
        const r = await q.query<T>(sql, params as unknown[] | undefined)
        // PGlite reports no affectedRows for SELECT; pg reports the row count: make them agree.
        return { rows: r.rows, rowCount: Math.max(r.affectedRows ?? 0, r.rows.length) }
      }
    }
  }

  const root = wrap(pglite)
  return {
    engine: 'pglite',
    query: root.query,
    transaction: async (fn) => await pglite.transaction(async (tx) => {
      const t: Transaction = { ...wrap(tx), exec: async (sql: string) => { await tx.exec(sql) } }
      return await fn(t)
    }),
    async exec (sql) {
      await pglite.exec(sql)
    },
    async close () {
      await pglite.close()
    }
  }
}

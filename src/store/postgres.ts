import { createHash } from 'node:crypto'
import pg from 'pg'
import type { Db, QueryResult, Transaction } from './db.js'

const guarded = new WeakSet<pg.PoolClient>()

export interface PostgresOptions {
  /** Named prepared statements for hot statements. @defaultValue true */
  prepared?: boolean
  /** A statement unanswered this long fails and its connection is dropped; 0: wait forever. @defaultValue 0 */
  queryTimeoutMs?: number
  /** How long opening a connection, or waiting for a free one of the pool, may take. @defaultValue 30000 */
  connectTimeoutMs?: number
}

/** pg's own message for `query_timeout`. */
function isQueryTimeout (err: unknown): boolean {
  return err instanceof Error && err.message === 'Query read timeout'
}

/** A PostgreSQL server (or a 信创 database speaking its protocol) through a `pg` pool. */
export function createPostgresDb (url: string, poolSize: number, options: PostgresOptions = {}): Db {
  const prepared = options.prepared ?? true
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 30_000,
    // pg destroys a connection whose statement timed out rather than wait for its answer.
    ...(options.queryTimeoutMs !== undefined && options.queryTimeoutMs > 0 ? { query_timeout: options.queryTimeoutMs } : {}),
    // Idle connections to a server that went away are found by TCP rather than by the next query.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000
  })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})

  async function query<T> (sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const r = await pool.query(statement(sql, params, prepared))
    return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 }
  }

  return {
    engine: 'postgres',
    query,
    async transaction (fn) {
      const client = await pool.connect()
      // A checked-out client has no pool listener: without one, a backend that dies mid-
      // transaction (failover, restart) emits an unhandled 'error', even after release, and
      // takes the process down. The failing query rejects anyway, which is how callers learn.
      if (!guarded.has(client)) {
        client.on('error', () => {})
        guarded.add(client)
      }
      const release = (err?: Error): void => { client.release(err) }
      const tx: Transaction = {
        async query<T> (sql: string, params?: readonly unknown[]) {
          const r = await client.query(statement(sql, params, prepared))
          return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 }
        },
        // Without parameters pg uses the simple protocol, which runs a whole script.
        async exec (sql: string) {
          await client.query(sql)
        }
      }
      try {
        await client.query('BEGIN')
        const result = await fn(tx)
        await client.query('COMMIT')
        release()
        return result
      } catch (err) {
        // A statement that timed out is still waiting on the connection; a ROLLBACK would queue
        // behind it for another timeout. Dropping the connection rolls back on the server.
        if (isQueryTimeout(err)) {
          release(err as Error)
          throw err
        }
        const rollback = await client.query('ROLLBACK').then(() => undefined, (e: unknown) => e as Error)
        // A client that cannot even roll back is broken: destroy it rather than reuse it.
        release(rollback)
        throw err
      }
    },
    async exec (sql) {
      await pool.query(sql)
    },
    async close () {
      await pool.end()
    }
  }
}

/** Beyond this many distinct texts, statements run unnamed (the server keeps each per connection). */
const MAX_PREPARED = 200
const preparedNames = new Map<string, string>()

/**
 * Parameterised statements run as named prepared statements: PostgreSQL then parses and plans
 * each text once per connection instead of on every call, which halves its CPU per statement
 * on the hot paths (ingest, claim, finish). The name is derived from the text.
 */
function statement (sql: string, params: readonly unknown[] | undefined, prepared: boolean): pg.QueryConfig {
  const values = params as unknown[] | undefined
  if (values === undefined || values.length === 0) return { text: sql }
  if (!prepared) return { text: sql, values }
  let name = preparedNames.get(sql)
  if (name === undefined && preparedNames.size < MAX_PREPARED) {
    name = `hub_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`
    preparedNames.set(sql, name)
  }
  return name === undefined ? { text: sql, values } : { name, text: sql, values }
}

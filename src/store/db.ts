/**
 * The one database interface the hub speaks. PostgreSQL (`pg`) and the embedded PGlite both
 * implement it with the same SQL, so every query and migration runs on both.
 */
export interface QueryResult<T> {
  rows: T[]
  rowCount: number
}

export interface Queryable {
  query<T = Record<string, unknown>> (sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>
}

/** A connection inside a transaction. */
export interface Transaction extends Queryable {
  /** Runs a script of several statements without parameters (migrations). */
  exec (sql: string): Promise<void>
}

export interface Db extends Queryable {
  readonly engine: 'postgres' | 'pglite'
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T> (fn: (tx: Transaction) => Promise<T>): Promise<T>
  /** Runs a script of several statements without parameters. */
  exec (sql: string): Promise<void>
  close (): Promise<void>
}

import { sql as init } from './001-init.js'

/** Every migration, in order. A migration is never edited once it has landed: add a new one. */
export const MIGRATIONS: ReadonlyArray<{ version: number, name: string, sql: string }> = [
  { version: 1, name: 'init', sql: init }
]

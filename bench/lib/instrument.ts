import net from 'node:net'
import { performance } from 'node:perf_hooks'
import pg from 'pg'

/**
 * Bench-only instrumentation of this process (src/ is untouched): every SQL statement sent by
 * `pg` (count and time to its answer, by statement) and every socket write (one syscall each)
 * by destination port. Installed once; `reset` starts a new count.
 */
export interface StatementStat { count: number, ms: number }

export const statements = new Map<string, StatementStat>()
export const socketWrites = { pg: 0, redis: 0, http: 0 }

let installed = false

export function instrument (pgPort = 5432, redisPort = 6379): void {
  if (installed) return
  installed = true
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
  const query = proto.query
  proto.query = function (this: unknown, config: unknown, values?: unknown, callback?: unknown): unknown {
    const text = typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text ?? '?'
    const started = performance.now()
    const done = (): void => {
      const key = label(text)
      const s = statements.get(key) ?? { count: 0, ms: 0 }
      s.count++
      s.ms += performance.now() - started
      statements.set(key, s)
    }
    if (typeof values === 'function') { callback = values; values = undefined }
    if (typeof callback === 'function') {
      const cb = callback as (err: unknown, res: unknown) => void
      return query.call(this, config, values, (err: unknown, res: unknown) => { done(); cb(err, res) })
    }
    const result = query.call(this, config, values)
    if (result !== null && typeof (result as Promise<unknown>).then === 'function') {
      return (result as Promise<unknown>).then((r) => { done(); return r }, (e: unknown) => { done(); throw e })
    }
    return result
  }
  const socket = net.Socket.prototype as unknown as { _writeGeneric: (...args: unknown[]) => unknown, remotePort?: number }
  const writeGeneric = socket._writeGeneric
  socket._writeGeneric = function (this: net.Socket, ...args: unknown[]): unknown {
    if (this.remotePort === pgPort) socketWrites.pg++
    else if (this.remotePort === redisPort) socketWrites.redis++
    else socketWrites.http++
    return writeGeneric.apply(this, args)
  }
}

export function resetCounts (): void {
  statements.clear()
  socketWrites.pg = socketWrites.redis = socketWrites.http = 0
}

/** `INSERT INTO deliveries`, `WITH c AS ( UPDATE deliveries`, `BEGIN`… */
function label (sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').trim()
  const m = /^(WITH \w+ AS \( ?(?:UPDATE|INSERT INTO) \w+|INSERT INTO \w+|UPDATE \w+|DELETE FROM \w+|SELECT .*? FROM \w+|\w+)/i.exec(flat)
  return (m?.[1] ?? flat).slice(0, 60)
}

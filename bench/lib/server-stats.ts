import { Redis } from 'ioredis'
import { adminQuery, BENCH_REDIS_URL } from './env.js'
import { sleep } from './stats.js'

/**
 * What the database and Redis servers did during a phase: commits, rows, WAL flushes
 * (PostgreSQL statistics of the bench database; WAL counters are cluster-wide) and Redis
 * commands (INFO commandstats, server-wide: other users of the server count too).
 * PostgreSQL backends publish their counters lazily (up to 10 s late while idle) but always when
 * they exit: take PostgreSQL snapshots while no hub is connected to the database.
 */
export interface ServerSnapshot {
  pg?: Record<string, number>
  redis: Map<string, { calls: number, usec: number }>
}

export async function serverSnapshot (database: string | undefined, redis: Redis): Promise<ServerSnapshot> {
  let pg: Record<string, number> | undefined
  if (database !== undefined) {
    // Let the backends that just ended publish their counters.
    await sleep(1_200)
    const rows = await adminQuery<Record<string, string>>(
      `SELECT d.xact_commit, d.xact_rollback, d.tup_inserted, d.tup_updated, d.tup_fetched,
              w.wal_records, w.wal_bytes, w.wal_write, w.wal_sync
         FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = $1`, [database])
    pg = Object.fromEntries(Object.entries(rows[0] ?? {}).map(([k, v]) => [k, Number(v)]))
  }
  const text = await redis.info('commandstats')
  const cmds = new Map<string, { calls: number, usec: number }>()
  for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    cmds.set(m[1]!, { calls: Number(m[2]), usec: Number(m[3]) })
  }
  return { pg, redis: cmds }
}

/** Per-unit figures (per record, per delivery…) between two snapshots. */
export function serverDiff (a: ServerSnapshot, b: ServerSnapshot, units: number, unit: string): string[] {
  const lines: string[] = []
  if (a.pg !== undefined && b.pg !== undefined) {
    const d = (k: string): number => (b.pg![k] ?? 0) - (a.pg![k] ?? 0)
    const per = (k: string): string => (d(k) / units).toFixed(2)
    lines.push(`postgres per ${unit}: ${per('xact_commit')} commits, ${per('tup_inserted')} rows inserted, ` +
      `${per('tup_updated')} updated, ${(d('wal_bytes') / units / 1024).toFixed(1)} KiB WAL, ` +
      `${per('wal_sync')} WAL fsyncs (${(d('xact_commit') / Math.max(1, d('wal_sync'))).toFixed(1)} commits per fsync)`)
  }
  if (b.redis.size === 0) return lines
  const rows = [...b.redis].map(([cmd, s]) => {
    const before = a.redis.get(cmd) ?? { calls: 0, usec: 0 }
    return { cmd, calls: s.calls - before.calls, usec: s.usec - before.usec }
  }).filter(r => r.calls > 0).sort((x, y) => y.usec - x.usec)
  const calls = rows.reduce((s, r) => s + r.calls, 0)
  const usec = rows.reduce((s, r) => s + r.usec, 0)
  lines.push(`redis per ${unit}: ${(calls / units).toFixed(1)} commands, ${(usec / units).toFixed(0)} µs of redis CPU ` +
    `(${rows.slice(0, 5).map(r => `${r.cmd} ${(r.calls / units).toFixed(2)}×/${(r.usec / units).toFixed(0)}µs`).join(', ')})`)
  return lines
}

export function benchRedis (): Redis {
  return new Redis(BENCH_REDIS_URL, { maxRetriesPerRequest: null })
}

/** Only the PostgreSQL part of a snapshot (for a diff over a longer span than Redis's). */
export function pgOnly (s: ServerSnapshot): ServerSnapshot {
  return { pg: s.pg, redis: new Map() }
}

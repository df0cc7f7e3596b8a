import { execFileSync } from 'node:child_process'
import os from 'node:os'
import pg from 'pg'
import { Redis } from 'ioredis'
import { BENCH_PG_URL, BENCH_REDIS_URL } from './env.js'

/** One paragraph saying what the figures were measured on. */
export async function describeMachine (): Promise<string> {
  const cpus = os.cpus()
  const lines = [
    `machine : ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown cpu'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.platform()} ${os.release()}`,
    `node    : ${process.version}${v8Flags()}; load average ${os.loadavg().map(l => l.toFixed(2)).join(' ')} (other work on the machine skews figures)`
  ]
  lines.push(`code    : ${gitState()}`)
  try {
    const client = new pg.Client({ connectionString: BENCH_PG_URL })
    await client.connect()
    const r = await client.query<{ v: string, sc: string, fs: string }>(
      "SELECT split_part(version(), ' on ', 1) AS v, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fs")
    await client.end()
    const row = r.rows[0]
    lines.push(`postgres: ${row?.v ?? '?'} at ${redactUrl(BENCH_PG_URL)} (synchronous_commit=${row?.sc ?? '?'}, fsync=${row?.fs ?? '?'})` +
      (process.env.BENCH_SYNC_COMMIT === 'off' ? ' — BENCH_SYNC_COMMIT=off: bench databases do NOT wait for the WAL flush (diagnosis only)' : ''))
  } catch (err) {
    lines.push(`postgres: unreachable (${(err as Error).message})`)
  }
  const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 })
  try {
    await redis.connect()
    const info = await redis.info('server')
    lines.push(`redis   : ${/redis_version:(\S+)/.exec(info)?.[1] ?? '?'} at ${BENCH_REDIS_URL}`)
  } catch (err) {
    lines.push(`redis   : unreachable (${(err as Error).message})`)
  } finally {
    redis.disconnect()
  }
  return lines.join('\n')
}

/** The V8 flags the figures ran under (`npm start` uses the same), without tsx's loader arguments. */
function v8Flags (): string {
  const flags = process.execArgv.filter(a => /^--max-(semi|old)-space-size=/.test(a))
  return flags.length === 0 ? ' (no heap flags)' : ` ${flags.join(' ')}`
}

function redactUrl (url: string): string {
  const u = new URL(url)
  if (u.password !== '') u.password = '***'
  return u.toString()
}

/** The commit measured, and whether the work tree differed from it. */
function gitState (): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() !== ''
    return `commit ${head}${dirty ? ' + uncommitted changes in src/' : ''}`
  } catch {
    return 'not a git checkout'
  }
}

import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { adminQuery } from './env.js'
import { waitForQuiet } from './quiet.js'

/**
 * CPU used by each process during a phase, from /proc (Linux): what `top` shows, but summed
 * over exactly the phase. Tells whether the hub's event loop, PostgreSQL or Redis is the limit.
 */
const HZ = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100 } catch { return 100 }
})()

interface Snapshot {
  at: number
  /** pid → [comm, CPU ticks (user + system)] */
  procs: Map<number, [string, number]>
  /** Machine-wide busy and total ticks over every core. */
  busy: number
  total: number
}

export function cpuSnapshot (): Snapshot {
  const procs = new Map<number, [string, number]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8')
      const close = text.lastIndexOf(')')
      const comm = text.slice(text.indexOf('(') + 1, close)
      const f = text.slice(close + 2).split(' ')
      procs.set(Number(name), [comm, Number(f[11]) + Number(f[12])])
    } catch { /* the process ended */ }
  }
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number)
  const idle = cpu[3]! + cpu[4]!
  const total = cpu.reduce((a, b) => a + b, 0)
  return { at: performance.now(), procs, busy: total - idle, total }
}

/** Groups of processes, by pid list or by a predicate on the command name. */
export type Groups = Record<string, number[] | ((pid: number, comm: string) => boolean)>

/** CPU of each group between two snapshots, in % of one core; `other` is the rest of the machine. */
export function cpuUsage (a: Snapshot, b: Snapshot, groups: Groups): Record<string, number> {
  const seconds = (b.at - a.at) / 1000
  const out: Record<string, number> = {}
  let grouped = 0
  for (const [name, sel] of Object.entries(groups)) {
    let ticks = 0
    for (const [pid, [comm, t]] of b.procs) {
      const match = Array.isArray(sel) ? sel.includes(pid) : sel(pid, comm)
      if (!match) continue
      const before = a.procs.get(pid)
      ticks += t - (before !== undefined && before[0] === comm ? before[1] : 0)
    }
    out[name] = ticks / HZ / seconds * 100
    grouped += ticks
  }
  const cores = (b.total - a.total) / HZ / seconds
  out.other = Math.max(0, ((b.busy - a.busy) - grouped) / HZ / seconds * 100)
  out.idle = Math.max(0, (b.total - a.total - (b.busy - a.busy)) / HZ / seconds * 100)
  out.cores = cores
  return out
}

/** Pids of PostgreSQL's processes working for `database` (its backends, and the WAL writer & co). */
export async function postgresPids (database: string): Promise<number[]> {
  const rows = await adminQuery<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = $1 OR backend_type IN
       ('walwriter', 'checkpointer', 'background writer', 'autovacuum launcher', 'autovacuum worker')`, [database])
  return rows.map(r => r.pid)
}

export const isRedis = (_pid: number, comm: string): boolean => comm.startsWith('redis-server')

/** One line: `hub 97% · postgres 61% · redis 9% · other 4% · idle 29% (of 200%)`. */
export function formatCpu (usage: Record<string, number>): string {
  const { cores = 0, idle = 0, ...rest } = usage
  const parts = Object.entries(rest).map(([k, v]) => `${k} ${v.toFixed(0)}%`)
  return `${parts.join(' · ')} · idle ${idle.toFixed(0)}% (of ${(cores * 100).toFixed(0)}%)`
}

/**
 * CPU per unit of work (µs of one core) of each group, and the rate at which every core of the
 * machine would be busy at that cost: a ceiling that holds however the work is split among
 * processes, and so tells whether more processes could help.
 */
export function cpuPerUnit (usage: Record<string, number>, rate: number, groups: readonly string[], unit: string): string {
  const per = groups.map(g => [g, (usage[g] ?? 0) / 100 / rate * 1e6] as const)
  const sum = per.reduce((a, [, v]) => a + v, 0)
  const ceiling = (usage.cores ?? 0) * 1e6 / sum
  return `${per.map(([g, v]) => `${g} ${v.toFixed(0)}`).join(' · ')} · all ${sum.toFixed(0)} µs per ${unit}` +
    ` → every core busy at ${Math.round(ceiling).toLocaleString('en-US')} ${unit === 'delivery' ? 'deliveries' : `${unit}s`}/s`
}

export interface Measured<T> {
  result: T
  /** % of one core per group, plus `other`, `idle` and `cores`. */
  usage: Record<string, number>
  cpu: string
  /** Other processes took more than a quarter of a core even after a second try. */
  skewed: boolean
}

/** Above this much CPU (% of one core) taken by processes outside the bench, a phase is redone. */
export const OTHER_LIMIT = 25

/**
 * Runs `phase` and reports the CPU of each group while it ran. When other processes on the
 * machine took more than OTHER_LIMIT, waits for a quiet moment and runs it once more.
 */
export async function measureQuiet<T> (groups: Groups | (() => Promise<Groups>), phase: () => Promise<T>, tries = 2): Promise<Measured<T>> {
  for (let attempt = 1; ; attempt++) {
    const before = cpuSnapshot()
    const result = await phase()
    const after = cpuSnapshot()
    const usage = cpuUsage(before, after, typeof groups === 'function' ? await groups() : groups)
    const skewed = (usage.other ?? 0) > OTHER_LIMIT
    if (!skewed || attempt >= tries) return { result, usage, cpu: formatCpu(usage), skewed }
    console.log(`    (other processes took ${(usage.other ?? 0).toFixed(0)}% CPU during that phase: running it again)`)
    await waitForQuiet()
  }
}

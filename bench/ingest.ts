/**
 * Ingest alone (DESIGN §10): `POST /v1/cremations` over loopback HTTP into the hub with role
 * `api` (no worker consumes), each request a distinct record, answered after the commit.
 * Beside it, in the same run and with the same load generator: a bare Fastify POST → 201.
 *   npm run bench:ingest -- [--engine postgres|pglite|both] [--seconds 5] [--connections 32] [--rate 500]
 */
import { pathToFileURL } from 'node:url'
import { makeCremation } from '../tests/fixtures/cremation.js'
import { benchArgs, type BenchArgs, type Engine } from './lib/args.js'
import { startChild } from './lib/child.js'
import { withCleanup, type Cleanup } from './lib/cleanup.js'
import type { EventLoopUtilization } from 'node:perf_hooks'
import { isRedis, measureQuiet, postgresPids, type Groups, type Measured } from './lib/cpu.js'
import { benchConfigInput, freshDatabase, freshPrefix } from './lib/env.js'
import { closedLoop, openLoop, type LoadResult } from './lib/load.js'
import { describeMachine } from './lib/machine.js'
import { waitForQuiet } from './lib/quiet.js'
import { benchRedis, pgOnly, serverDiff, serverSnapshot } from './lib/server-stats.js'
import { fmt, table } from './lib/stats.js'

export interface IngestFigures {
  engine: Engine
  raw: LoadResult
  hub: LoadResult
  /** At the offered rate of DESIGN §10 (`--rate`, 500/s). */
  fixed: LoadResult & { offered: number }
  /** At half the hub's closed-loop rate, when that is below `--rate`: latency with headroom. */
  half?: LoadResult & { offered: number }
  /** CPU taken by other processes during each phase (% of one core). */
  other: { raw: number, hub: number, fixed: number }
}

const WARMUP_SECONDS = 1

function bodies (start = 0): () => string {
  let i = start
  return () => JSON.stringify(makeCremation(i++))
}

async function rawBaseline (args: BenchArgs, cleanup: Cleanup): Promise<Measured<LoadResult>> {
  const child = await startChild('./ingest-server.ts', cleanup)
  try {
    const { port } = await child.call<{ port: number }>('start-raw')
    const url = `http://127.0.0.1:${port}/v1/cremations`
    const next = bodies(20_000_000)
    await waitForQuiet()
    await closedLoop({ url, connections: args.connections, seconds: WARMUP_SECONDS, nextBody: next })
    const m = await measureQuiet({ fastify: [child.pid], generator: [process.pid] },
      async () => await closedLoop({ url, connections: args.connections, seconds: args.seconds, nextBody: next }))
    console.log(`  cpu (raw)  : ${m.cpu}`)
    return m
  } finally {
    await child.stop()
  }
}

export async function benchIngest (args: BenchArgs, engine: Engine, cleanup: Cleanup): Promise<IngestFigures> {
  const processesNote = engine === 'postgres' && args.processes > 1 ? ` · ${args.processes} API processes` : ''
  console.log(`\n== ingest · ${engine} · ${args.targets} targets · ${args.connections} connections · ${args.seconds} s per phase · ` +
    `pool ${args.pool} · log ${args.logLevel}${processesNote} ==`)
  const raw = await rawBaseline(args, cleanup)

  const { db, drop: dropDb } = await freshDatabase(engine, cleanup)
  const { prefix, drop: dropKeys } = freshPrefix(cleanup, 'bench-ingest')
  const child = await startChild('./ingest-server.ts', cleanup)
  const redis = benchRedis()
  try {
    const config = benchConfigInput({ db, prefix, targets: args.targets, poolSize: args.pool, logLevel: args.logLevel })
    const pg0 = pgOnly(await serverSnapshot(db.name, redis))
    // Several API processes share the port like `server.ts --processes N`; PGlite is one process.
    const processes = engine === 'postgres' ? args.processes : 1
    const { port, pids: hubPids } = await child.call<{ port: number, pids: number[] }>('start-hub', { config, logLevel: args.logLevel, processes })
    const url = `http://127.0.0.1:${port}/v1/cremations`
    const next = bodies()
    await waitForQuiet()
    await closedLoop({ url, connections: args.connections, seconds: WARMUP_SECONDS, nextBody: next })

    const pids = db.name === undefined ? [] : await postgresPids(db.name)
    const groups: Groups = { hub: [...new Set([child.pid, ...hubPids])], generator: [process.pid], postgres: pids, redis: isRedis }
    const s0 = await serverSnapshot(undefined, redis)
    const elu0 = await child.call<EventLoopUtilization>('elu')
    const hub = await measureQuiet(groups, async () => await closedLoop({ url, connections: args.connections, seconds: args.seconds, nextBody: next }))
    const elu = await child.call<EventLoopUtilization>('elu', elu0)
    const s1 = await serverSnapshot(undefined, redis)
    // With one API process: how busy its event loop was (near 100 % means Node is the limit).
    console.log(`  cpu (hub)  : ${hub.cpu}${processes === 1 ? ` · event loop busy ${Math.round(elu.utilization * 100)}%` : ''}`)
    for (const line of serverDiff(s0, s1, hub.result.ok, 'record')) console.log(`  ${line}`)
    await waitForQuiet()
    const fixed = await measureQuiet(groups, async () => await openLoop({ url, rate: args.rate, seconds: args.seconds, nextBody: next }))
    console.log(`  cpu (${args.rate}/s): ${fixed.cpu}`)
    let half: (LoadResult & { offered: number }) | undefined
    const halfRate = Math.floor(hub.result.rps / 2)
    if (halfRate < args.rate && halfRate > 0) {
      await waitForQuiet()
      half = (await measureQuiet(groups, async () => await openLoop({ url, rate: halfRate, seconds: args.seconds, nextBody: next }))).result
    }
    const counts = await child.call<{ records: number, deliveries: number }>('counts')
    const answers = [raw.result, hub.result, fixed.result, ...(half === undefined ? [] : [half])]
    const failed = answers.slice(1).reduce((n, r) => n + r.failed, 0)
    await child.stop()
    const pg1 = pgOnly(await serverSnapshot(db.name, redis))
    for (const line of serverDiff(pg0, pg1, counts.records, 'record (all phases)')) console.log(`  ${line}`)
    console.log(`  stored     : ${counts.records} records, ${counts.deliveries} deliveries (${args.targets} per record); ` +
      (failed === 0 ? 'every request answered 201' : `${failed} requests FAILED: ${answers.slice(1).map(r => JSON.stringify(r.statuses)).join(' ')}`))
    const r: IngestFigures = {
      engine, raw: raw.result, hub: hub.result, fixed: fixed.result, half,
      other: { raw: raw.usage.other ?? 0, hub: hub.usage.other ?? 0, fixed: fixed.usage.other ?? 0 }
    }
    console.log(formatIngest([r]))
    return r
  } finally {
    await redis.quit().catch(() => redis.disconnect())
    await child.stop()
    await dropKeys()
    await dropDb()
  }
}

export function formatIngest (figures: IngestFigures[]): string {
  const rows = [['engine · phase', 'records/s', 'p50 ms', 'p99 ms', 'max ms', 'vs raw', 'other CPU']]
  const line = (name: string, r: LoadResult, vs: string, other?: number): string[] =>
    [name, fmt.rate(r.rps), fmt.ms(r.latency.p50), fmt.ms(r.latency.p99), fmt.ms(r.latency.max), vs, other === undefined ? '' : fmt.pct(other)]
  for (const f of figures) {
    rows.push(line(`${f.engine} · raw Fastify POST → 201`, f.raw, '100 %', f.other.raw))
    rows.push(line(`${f.engine} · hub POST /v1/cremations`, f.hub, fmt.ratio(f.hub.rps / f.raw.rps), f.other.hub))
    rows.push(line(`${f.engine} · hub at ${f.fixed.offered}/s offered`, f.fixed, '', f.other.fixed))
    if (f.half !== undefined) rows.push(line(`${f.engine} · hub at ${f.half.offered}/s (½ capacity)`, f.half, ''))
  }
  return table(rows).split('\n').map(l => `  ${l}`).join('\n')
}

export async function runIngest (args: BenchArgs, cleanup: Cleanup): Promise<IngestFigures[]> {
  const out: IngestFigures[] = []
  for (const engine of args.engines) out.push(await benchIngest(args, engine, cleanup))
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = benchArgs()
  await withCleanup(async (cleanup) => {
    console.log(await describeMachine())
    const figures = await runIngest(args, cleanup)
    console.log('\n== ingest summary (durable: the 201 follows the commit; workers not running) ==')
    console.log(formatIngest(figures))
    console.log(`  targets (DESIGN §10, PostgreSQL): ≥ 1,500 records/s; p99 ≤ 50 ms at 500 records/s offered`)
  })
}

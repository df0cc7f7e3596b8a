/**
 * Deliveries alone (DESIGN §10): N records pre-ingested with no worker running (N × targets
 * deliveries on their queues), then a hub with role `worker` delivers them to local REST sinks
 * (another process, answering 200, counting only); timed until the database shows every
 * delivery `delivered`. Beside it, same jobs / queues / concurrency: raw BullMQ no-op jobs, and
 * raw axios (configured like the REST adapter) and raw undici POSTs to the same sinks.
 *   npm run bench:deliver -- [--engine postgres|pglite|both] [--records 3000] [--concurrency 16,32,64] [--pool 10]
 */
import { pathToFileURL } from 'node:url'
import { benchArgs, type BenchArgs, type Engine } from './lib/args.js'
import { rawAxios, rawBullmq, rawUndici, type RateResult } from './lib/baselines.js'
import { startChild } from './lib/child.js'
import { withCleanup, type Cleanup } from './lib/cleanup.js'
import { cpuPerUnit, isRedis, measureQuiet, OTHER_LIMIT, type Groups } from './lib/cpu.js'
import { hubTrial } from './lib/deliver-trial.js'
import { freshPrefix, targetCodes } from './lib/env.js'
import { describeMachine } from './lib/machine.js'
import { waitForQuiet } from './lib/quiet.js'
import { benchRedis } from './lib/server-stats.js'
import { fmt, table } from './lib/stats.js'

export interface DeliverTrial {
  engine: Engine
  concurrency: number
  hub: RateResult
  bullmq: RateResult
  axios: RateResult
  undici: RateResult
  cpu: string
  /** CPU taken by other processes during the hub's trial (% of one core). */
  other: number
}

export async function benchDeliver (args: BenchArgs, engine: Engine, cleanup: Cleanup): Promise<DeliverTrial[]> {
  const codes = targetCodes(args.targets)
  console.log(`\n== deliver · ${engine} · ${args.records} records × ${codes.length} targets = ${args.records * codes.length} deliveries · ` +
    `pool ${args.pool} · log ${args.logLevel}${engine === 'postgres' && args.processes > 1 ? ` · ${args.processes} worker processes` : ''} ==`)
  const sinks = await startChild('./sink-server.ts', cleanup)
  const redis = benchRedis()
  const trials: DeliverTrial[] = []
  try {
    const sinkUrls = await sinks.call<Record<string, string>>('start', { codes })
    for (const concurrency of args.concurrency) {
      console.log(`  -- concurrency ${concurrency} per target (${concurrency * codes.length} in flight)`)
      const { prefix, drop } = freshPrefix(cleanup, 'bench-raw')
      const groups: Groups = { bench: [process.pid], sinks: [sinks.pid], redis: isRedis }
      const urls = codes.map(c => sinkUrls[c]!)
      // Warm-up (JIT, connections, Lua scripts loaded), not measured.
      await rawBullmq({ redis, prefix, queues: codes.length, jobsPerQueue: 300, concurrency })
      await rawAxios({ urls, perTarget: 300, concurrency })
      await rawUndici({ urls, perTarget: 300, concurrency })
      await waitForQuiet()
      const bullmq = await measureQuiet(groups, async () => await rawBullmq({ redis, prefix, queues: codes.length, jobsPerQueue: args.records, concurrency }))
      await drop()
      console.log(`    cpu (raw BullMQ, adding + consuming): ${bullmq.cpu}`)
      await waitForQuiet()
      const axios = await measureQuiet(groups, async () => await rawAxios({ urls, perTarget: args.records, concurrency }))
      console.log(`    cpu (raw axios): ${axios.cpu}`)
      await waitForQuiet()
      const undici = await measureQuiet(groups, async () => await rawUndici({ urls, perTarget: args.records, concurrency }))
      console.log(`    cpu (raw undici): ${undici.cpu}`)
      let hub = await hubTrial(args, engine, concurrency, sinks, sinkUrls, cleanup)
      if (hub.other > OTHER_LIMIT) {
        console.log(`    (other processes took ${hub.other.toFixed(0)}% CPU during that trial: running it again)`)
        hub = await hubTrial(args, engine, concurrency, sinks, sinkUrls, cleanup)
      }
      console.log(`    cpu (hub): ${hub.cpu}`)
      console.log(`    cpu per delivery: ${cpuPerUnit(hub.usage, hub.rate.rate, ['hub worker', 'sinks', 'postgres', 'redis'], 'delivery')}`)
      const trial: DeliverTrial = { engine, concurrency, hub: hub.rate, bullmq: bullmq.result, axios: axios.result, undici: undici.result, cpu: hub.cpu, other: hub.other }
      console.log(formatDeliver([trial]))
      trials.push(trial)
    }
  } finally {
    await redis.quit().catch(() => redis.disconnect())
    await sinks.stop()
  }
  return trials
}

export function formatDeliver (trials: DeliverTrial[]): string {
  const rows = [['engine · concurrency', 'hub deliveries/s', 'raw BullMQ jobs/s', 'hub/BullMQ', 'raw axios req/s', 'hub/axios', 'raw undici req/s', 'other CPU']]
  for (const t of trials) {
    rows.push([`${t.engine} · ${t.concurrency}/target`, fmt.rate(t.hub.rate), fmt.rate(t.bullmq.rate), fmt.ratio(t.hub.rate / t.bullmq.rate),
      fmt.rate(t.axios.rate), fmt.ratio(t.hub.rate / t.axios.rate), fmt.rate(t.undici.rate), fmt.pct(t.other)])
  }
  return table(rows).split('\n').map(l => `    ${l}`).join('\n')
}

export function bestTrial (trials: DeliverTrial[]): DeliverTrial | undefined {
  return trials.reduce<DeliverTrial | undefined>((best, t) => best === undefined || t.hub.rate > best.hub.rate ? t : best, undefined)
}

export async function runDeliver (args: BenchArgs, cleanup: Cleanup): Promise<DeliverTrial[]> {
  const out: DeliverTrial[] = []
  for (const engine of args.engines) out.push(...await benchDeliver(args, engine, cleanup))
  return out
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = benchArgs()
  await withCleanup(async (cleanup) => {
    console.log(await describeMachine())
    const trials = await runDeliver(args, cleanup)
    console.log('\n== deliver summary (deliveries/s to local REST sinks; baselines in the same run) ==')
    console.log(formatDeliver(trials))
    for (const engine of args.engines) {
      const best = bestTrial(trials.filter(t => t.engine === engine))
      if (best !== undefined) console.log(`  best ${engine}: ${fmt.rate(best.hub.rate)} deliveries/s at concurrency ${best.concurrency} per target`)
    }
    console.log('  target (DESIGN §10, PostgreSQL): ≥ 4,000 deliveries/s')
  })
}

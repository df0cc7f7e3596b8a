/**
 * Every benchmark in turn (ingest, then deliver), then one summary table against DESIGN §10.
 *   npm run bench -- [--engine postgres|pglite|both] [--seconds 5] [--records 3000] [--concurrency 16,32,64]
 */
import { benchArgs } from './lib/args.js'
import { withCleanup } from './lib/cleanup.js'
import { describeMachine } from './lib/machine.js'
import { fmt, table } from './lib/stats.js'
import { bestTrial, formatDeliver, runDeliver } from './deliver.js'
import { formatIngest, runIngest } from './ingest.js'

const args = benchArgs()
await withCleanup(async (cleanup) => {
  const machine = await describeMachine()
  console.log(machine)
  const ingest = await runIngest(args, cleanup)
  const deliver = await runDeliver(args, cleanup)

  console.log('\n================ summary ================')
  console.log(machine)
  console.log(`\ningest (${args.targets} targets, ${args.connections} connections, ${args.seconds} s per phase, durable, workers not running):`)
  console.log(formatIngest(ingest))
  console.log(`\ndeliver (${args.records} records × ${args.targets} targets, to local REST sinks):`)
  console.log(formatDeliver(deliver))

  const rows = [['DESIGN §10 target', 'engine', 'measured', 'target', 'baseline (same run)', 'met']]
  for (const f of ingest) {
    const goal = f.engine === 'postgres' ? 1500 : 300
    rows.push(['ingest records/s', f.engine, fmt.rate(f.hub.rps), `≥ ${fmt.rate(goal)}`,
      `raw Fastify ${fmt.rate(f.raw.rps)} (hub = ${fmt.ratio(f.hub.rps / f.raw.rps)})`, f.hub.rps >= goal ? 'yes' : 'NO'])
    if (f.half !== undefined) {
      rows.push([`ingest p99 at ${f.half.offered}/s (½ capacity)`, f.engine, `${fmt.ms(f.half.latency.p99)} ms`, '—', '', ''])
    }
    rows.push([`ingest p99 at ${f.fixed.offered}/s offered`, f.engine, `${fmt.ms(f.fixed.latency.p99)} ms (${fmt.rate(f.fixed.rps)}/s done)`, '≤ 50 ms',
      `raw Fastify p99 ${fmt.ms(f.raw.latency.p99)} ms (closed loop)`, f.fixed.latency.p99 <= 50 ? 'yes' : 'NO'])
  }
  for (const engine of args.engines) {
    const best = bestTrial(deliver.filter(t => t.engine === engine))
    if (best === undefined) continue
    rows.push([`deliveries/s (best: ${best.concurrency}/target)`, engine, fmt.rate(best.hub.rate), engine === 'postgres' ? '≥ 4,000' : '—',
      `BullMQ no-op ${fmt.rate(best.bullmq.rate)} (${fmt.ratio(best.hub.rate / best.bullmq.rate)}), axios ${fmt.rate(best.axios.rate)} (${fmt.ratio(best.hub.rate / best.axios.rate)}), undici ${fmt.rate(best.undici.rate)}`,
      engine === 'postgres' ? (best.hub.rate >= 4000 ? 'yes' : 'NO') : ''])
  }
  console.log(`\n${table(rows)}`)
})

/**
 * Where one record's and one delivery's time goes: each step of the ingest and delivery paths
 * run alone, one at a time, in this process (wall time and this process's CPU per operation,
 * socket writes = syscalls, SQL statements and their latency). Explains bench/ingest.ts and
 * bench/deliver.ts; not a throughput figure.
 *   npm run bench:profile -- [--engine postgres|pglite] [--records 1000] [--targets 3]
 */
import { performance } from 'node:perf_hooks'
import { pino } from 'pino'
import { createDeliverer } from '../src/adapters/index.js'
import { routeEvent } from '../src/domain/routing.js'
import { validateCremation } from '../src/domain/validate-cremation.js'
import { startHub } from '../src/hub.js'
import { createLogger } from '../src/logger.js'
import { mappingByName } from '../src/mappings/index.js'
import { processDelivery, type TargetRuntime } from '../src/queues/process-delivery.js'
import { createFieldCrypto, parseMasterKey } from '../src/security/crypto.js'
import { canonicalJson } from '../src/store/canonical-json.js'
import { ingestCremation, type IngestResult } from '../src/store/cremations.js'
import { makeCremation } from '../tests/fixtures/cremation.js'
import { benchArgs, type BenchArgs, type Engine } from './lib/args.js'
import { rawBullmq } from './lib/baselines.js'
import { startChild } from './lib/child.js'
import { withCleanup, type Cleanup } from './lib/cleanup.js'
import { cpuSnapshot, cpuUsage, postgresPids } from './lib/cpu.js'
import { benchConfig, freshDatabase, freshPrefix, targetCodes } from './lib/env.js'
import { instrument, resetCounts, socketWrites, statements } from './lib/instrument.js'
import { describeMachine } from './lib/machine.js'
import { openBenchDb } from './lib/preingest.js'
import { waitForQuiet } from './lib/quiet.js'
import { benchRedis, serverSnapshot } from './lib/server-stats.js'
import { table } from './lib/stats.js'

type Row = string[]

async function profile (args: BenchArgs, engine: Engine, cleanup: Cleanup): Promise<void> {
  const n = Math.min(args.records, 2000)
  const par = args.parallel
  console.log(`\n== profile · ${engine} · ${n} operations per step, ${par === 1 ? 'one at a time' : `${par} in flight`} · ${args.targets} targets ==`)
  const { db: where } = await freshDatabase(engine, cleanup)
  const { prefix } = freshPrefix(cleanup, 'bench-profile')
  const sinks = await startChild('./sink-server.ts', cleanup)
  const sinkUrls = await sinks.call<Record<string, string>>('start', { codes: targetCodes(args.targets) })
  const config = benchConfig({ db: where, prefix, targets: args.targets, sinkUrls, concurrency: 1, poolSize: args.pool, logLevel: args.logLevel })
  const db = await openBenchDb(where, args.pool)
  cleanup.add('close profile db', async () => { await db.close() })
  const redis = benchRedis()
  cleanup.add('close profile redis', async () => { await redis.quit() })
  const crypto = createFieldCrypto(parseMasterKey(config.crypto.masterKey!), config.crypto.keyId)
  const targets = routeEvent(config.targets, 'notice.created')
  const logger = createLogger(args.logLevel, pino.destination({ dest: '/dev/null', sync: true }))
  const hub = await startHub(config, { logger, role: 'api', db })
  cleanup.add('close profile hub', async () => { await hub.close() })
  const dispatcher = hub.dispatcher
  const now = new Date()
  const rows: Row[] = [['step (per operation)', par === 1 ? 'wall µs' : 'µs/op', 'CPU µs', 'sys µs', 'pg writes', 'pg CPU µs', 'redis writes', 'redis cmds', 'redis µs']]
  const sql: Row[] = [['SQL statement (per operation)', 'count', 'mean ms', 'step']]

  async function step (name: string, count: number, fn: (i: number) => unknown, parallel = par): Promise<void> {
    resetCounts()
    const r0 = await serverSnapshot(undefined, redis)
    const c0 = process.cpuUsage()
    const p0 = cpuSnapshot()
    const t0 = performance.now()
    let next = 0
    await Promise.all(Array.from({ length: parallel }, async () => { for (let i = next++; i < count; i = next++) await fn(i) }))
    const wall = performance.now() - t0
    const cpu = process.cpuUsage(c0)
    const p1 = cpuSnapshot()
    // PostgreSQL's CPU for this step: the backends serving this database, and the WAL writer & co.
    const pgCpu = where.name === undefined ? NaN : cpuUsage(p0, p1, { pg: await postgresPids(where.name) }).pg! * (p1.at - p0.at) / 100 * 1000
    const r1 = await serverSnapshot(undefined, redis)
    let cmds = 0
    let usec = 0
    for (const [k, v] of r1.redis) { cmds += v.calls - (r0.redis.get(k)?.calls ?? 0); usec += v.usec - (r0.redis.get(k)?.usec ?? 0) }
    const per = (v: number, digits = 1): string => (v / count).toFixed(digits)
    rows.push([name, per(wall * 1000, 0), per(cpu.user + cpu.system, 0), per(cpu.system, 0), per(socketWrites.pg), per(pgCpu, 0), per(socketWrites.redis), per(cmds - 1), per(usec, 0)])
    for (const [k, s] of statements) if (!k.includes('pg_stat_activity')) sql.push([k, per(s.count, 2), (s.ms / s.count).toFixed(3), name.split(' ')[0]!])
  }

  const values = Array.from({ length: 2 * n + 200 }, (_, i) => {
    const v = validateCremation(makeCremation(100_000 + i), now, { timeZone: config.county.timeZone })
    if (!v.ok) throw new Error('invalid fixture')
    return v.value
  })
  const results: IngestResult[] = []
  // Warm-up: JIT, pool connections, Lua scripts loaded.
  for (let i = n; i < n + 200; i++) await dispatcher.enqueue((await ingestCremation(db, crypto, values[i]!, targets, 'bench')).deliveries)

  await waitForQuiet()
  await step('validate (ajv schema + rules)', n, i => validateCremation(makeCremation(200_000 + i), now, { timeZone: config.county.timeZone }))
  await step('blind index ×2 + canonical JSON', n, i => [crypto.blindIndex(`1:${values[i]!.deceased.idNumber}`), crypto.blindIndex(canonicalJson(values[i]))])
  await step('ingestCremation (1 transaction)', n, async i => { results[i] = await ingestCremation(db, crypto, values[i]!, targets, 'bench') })
  await step('dispatcher.enqueue (addBulk per target)', n, async i => { await dispatcher.enqueue(results[i]!.deliveries) })

  const inject = async (i: number): Promise<void> => {
    const res = await hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: makeCremation(300_000 + i) })
    if (res.statusCode !== 201) throw new Error(`POST answered ${res.statusCode}: ${res.body}`)
  }
  // Warm-up of Fastify's and the route's code paths (JIT), then the two log levels.
  for (let i = 0; i < 500; i++) await inject(n + 1000 + i)
  logger.level = 'silent'
  await step('POST via app.inject (log silent)', n, async i => await inject(n + 2000 + i))
  logger.level = args.logLevel
  await step(`POST via app.inject (log ${args.logLevel})`, n, inject)
  if (par === 1) await step('ingestCremation, 10 in flight', n, async i => { await ingestCremation(db, crypto, values[n + 200 + i]!, targets, 'bench') }, 10)

  const runtimes = new Map<string, TargetRuntime>(targets.map(t => [t.code, { config: t, mapping: mappingByName(t.mapping)!, deliverer: createDeliverer(t, mappingByName(t.mapping)!) }]))
  const deps = { db, crypto, targets: runtimes, timeZone: config.county.timeZone, countyCode: config.county.code, logger }
  const ids = results.flatMap(r => r.deliveries.map(d => d.id))
  await step('processDelivery (claim, map, POST, finish)', Math.min(n, ids.length), async i => {
    const outcome = await processDelivery(ids[i]!, deps)
    if (outcome.kind !== 'delivered') throw new Error(`delivery ${ids[i]!}: ${JSON.stringify(outcome)}`)
  })
  const deliverer = runtimes.get(targets[0]!.code)!.deliverer
  const message = { deliveryId: 'dlv_x', noticeId: 'ntc_x', version: 1, event: 'notice.created' as const, idempotencyKey: 'k', createdAt: new Date(), body: values[0] }
  await step('deliverer.deliver alone (axios POST)', n, async () => { await deliverer.deliver(message, AbortSignal.timeout(10_000)) })
  for (const rt of runtimes.values()) await rt.deliverer.close?.()
  const c0 = process.cpuUsage()
  const r0 = await serverSnapshot(undefined, redis)
  const raw = await rawBullmq({ redis, prefix: freshPrefix(cleanup, 'bench-profile-raw').prefix, queues: 1, jobsPerQueue: n, concurrency: par })
  const cpu = process.cpuUsage(c0)
  const r1 = await serverSnapshot(undefined, redis)
  const evalsha = (r1.redis.get('evalsha')?.usec ?? 0) - (r0.redis.get('evalsha')?.usec ?? 0)
  rows.push([`BullMQ no-op job, concurrency ${par} (CPU incl. adding)`, (raw.seconds * 1e6 / n).toFixed(0) + ' (consume)',
    ((cpu.user + cpu.system) / n).toFixed(0), (cpu.system / n).toFixed(0), '0', '', '', '', (evalsha / n).toFixed(0) + ' (evalsha)'])

  console.log(table(rows).split('\n').map(l => `  ${l}`).join('\n'))
  console.log()
  console.log(table(sql).split('\n').map(l => `  ${l}`).join('\n'))
}

if (process.argv[1]?.endsWith('profile.ts') === true) {
  const args = benchArgs()
  instrument()
  await withCleanup(async (cleanup) => {
    console.log(await describeMachine())
    for (const engine of args.engines) await profile(args, engine, cleanup)
  })
}

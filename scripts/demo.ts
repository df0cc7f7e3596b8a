/**
 * `npm run demo`: the whole death-notice flow on one machine, in about ten seconds. A funeral
 * home POSTs cremation records over HTTP; the hub validates, stores (embedded PGlite) and
 * delivers them through Redis queues to three simulated departments (公安, 医保, 民政), one of
 * which fails once so that a retry is visible. Everything it writes is under ./data/demo.
 */
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { ConfigError } from '../src/config/load.js'
import { startHub, type Hub } from '../src/hub.js'
import { createLogger } from '../src/logger.js'
import { alwaysOk, failFirst, startRestDepartment, type RestDepartmentSim } from '../sim/rest-department.js'
import { demoRecords } from './demo-records.js'
import { bold, deliveryText, dim, green, heading, line, pad, printDepartment, printFieldErrors, red, statusText, type DeliveryView } from './demo-print.js'
import { clearDemoKeys, demoConfig, devMasterKey, freshDatabaseDir, LOG_FILE, PGLITE_DIR, REDIS_PREFIX, secret, shown, KEY_FILE } from './demo-setup.js'
import { ensureRedis } from './redis.js'

const DEPARTMENTS = [
  { code: 'gongan', label: '公安', flaky: false },
  { code: 'yibao', label: '医保', flaky: true },
  { code: 'minzheng', label: '民政', flaky: false }
] as const
const SETTLE_TIMEOUT_MS = 30_000
const FINAL = new Set(['delivered', 'dead', 'superseded', 'cancelled'])

interface Answer { status: number, json: Record<string, unknown> }
interface Status { deliveries: Array<DeliveryView & { id: string }> }

async function call (url: string, init?: RequestInit): Promise<Answer> {
  const res = await fetch(url, init)
  return { status: res.status, json: await res.json() as Record<string, unknown> }
}

const post = async (base: string, body: unknown): Promise<Answer> => await call(`${base}/v1/cremations`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
})

async function main (cleanups: Array<() => Promise<unknown>>): Promise<number> {
  const t0 = Date.now()
  console.log(bold('houshi-hub demo — 身后一件事联办 数据交换中枢 (death notice → 公安 / 医保 / 民政)'))

  heading('[0] 准备环境 setup')
  let redis
  try {
    redis = await ensureRedis()
  } catch (err) {
    console.error(red(`\nRedis 不可用 — the demo needs Redis.\n${(err as Error).message}`))
    return 1
  }
  cleanups.push(async () => await redis.stop())
  const stale = await clearDemoKeys(redis.url)
  // Runs after hub.close() (cleanups run in reverse): a shared Redis keeps nothing of the demo.
  cleanups.push(async () => await clearDemoKeys(redis.url))
  line(`Redis       ${redis.url} ${redis.started ? '(private redis-server, stopped at the end)' : '(REDIS_URL / running server)'}` +
    `, key prefix ${REDIS_PREFIX}${stale > 0 ? `, ${stale} stale keys removed` : ''}`)

  await freshDatabaseDir()
  line(`数据库 DB   embedded PGlite in ${shown(PGLITE_DIR)} (wiped each run)` +
    (process.env.DATABASE_URL !== undefined && process.env.DATABASE_URL !== '' ? dim(' — DATABASE_URL is set but ignored by the demo') : ''))
  const { key, created } = await devMasterKey()
  line(`主密钥 key  ${shown(KEY_FILE)} ${created ? '(created now, mode 0600)' : '(mode 0600)'} — ${red('development key — never use in production')}`)

  const env: Record<string, string> = { REDIS_URL: redis.url, PORT: '0', HUB_MASTER_KEY: key }
  const sims: Record<string, RestDepartmentSim> = {}
  for (const d of DEPARTMENTS) {
    const signingSecret = secret()
    const sim = await startRestDepartment({
      name: d.code, signingSecret, requireSignature: true, behaviour: d.flaky ? failFirst(1, 503) : alwaysOk()
    })
    cleanups.push(async () => await sim.close())
    sims[d.code] = sim
    const up = d.code.toUpperCase()
    Object.assign(env, { [`${up}_URL`]: sim.url, [`${up}_SIGNING_SECRET`]: signingSecret, [`${up}_TOKEN`]: secret(), [`${up}_PASSWORD`]: secret() })
    line(`部门 ${d.label}     ${pad(d.code, 8)} simulator ${sim.url}${d.flaky ? ' — flaky: 1st request per notice → HTTP 503' : ''}`)
  }

  const config = demoConfig(env)
  const dest = pino.destination({ dest: LOG_FILE, sync: true, mkdir: true, append: false })
  const logger = createLogger('info', dest)
  const hub: Hub = await startHub(config, { logger })
  cleanups.push(async () => await hub.close())
  await hub.app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`
  line(`Hub         ${base}  config ${config.county.name} ${config.county.code}, ` +
    `targets ${config.targets.filter(t => t.enabled).map(t => t.code).join(' ')}; hub log → ${shown(LOG_FILE)}`)

  heading('[1] 殡仪馆提交火化记录 POST /v1/cremations')
  let ok = true
  const records = demoRecords(new Date())
  const expectTo = (status: number, expected: number): string => { if (status !== expected) ok = false; return statusText(status, expected) }
  for (const r of records.valid) {
    const a = await post(base, r.body)
    const n = Array.isArray(a.json.deliveries) ? a.json.deliveries.length : 0
    line(`${r.body.certificateNo}  ${pad(r.label, 20)} → ${expectTo(a.status, 201)} ${String(a.json.outcome ?? a.json.code)}  notice ${String(a.json.noticeId ?? '-')}, ${n} deliveries`)
  }
  const bad = await post(base, records.invalid.body)
  line(`${records.invalid.body.certificateNo}  ${records.invalid.label} → ${expectTo(bad.status, 422)} ${String(bad.json.code)} ${String(bad.json.message)}`)
  printFieldErrors(Array.isArray(bad.json.errors) ? bad.json.errors as Array<{ pointer: string, code: string, message: string }> : [])
  const first = records.valid[0]!.body
  const again = await post(base, first)
  line(`${first.certificateNo}  再次提交 same record again → ${expectTo(again.status, 200)} ${String(again.json.outcome)} (idempotent: nothing new is sent)`)

  heading('[2] 等待投递 waiting for deliveries (delivered or dead)')
  const t1 = Date.now()
  const statuses = new Map<string, Status>()
  for (;;) {
    for (const r of records.valid) {
      const a = await call(`${base}/v1/cremations/${encodeURIComponent(r.body.certificateNo)}`)
      if (a.status === 200) statuses.set(r.body.certificateNo, a.json as unknown as Status)
    }
    const all = [...statuses.values()].flatMap(s => s.deliveries)
    const settled = statuses.size === records.valid.length && all.every(d => FINAL.has(d.status))
    if (settled || Date.now() - t1 > SETTLE_TIMEOUT_MS) {
      line(settled
        ? `${all.length} deliveries settled in ${((Date.now() - t1) / 1000).toFixed(1)} s`
        : red(`timed out after ${SETTLE_TIMEOUT_MS / 1000} s: ${all.filter(d => !FINAL.has(d.status)).length} deliveries still pending`))
      break
    }
    await new Promise(resolve => setTimeout(resolve, 200))
  }

  heading('[3] 各部门收到的通知 what each department received (name / ID masked)')
  for (const d of DEPARTMENTS) {
    const target = config.targets.find(t => t.code === d.code)
    printDepartment(`${d.label} ${d.code} — ${target?.name ?? ''}`, sims[d.code]!.received)
    if (!sims[d.code]!.received.every(m => m.signatureValid === true)) ok = false
  }

  heading('[4] 投递状态 delivery status per record (GET /v1/cremations/:certificateNo)')
  const answersOf = (deliveryId: string): number[] => Object.values(sims).flatMap(s => s.received)
    .filter(m => m.headers['x-hub-delivery-id'] === deliveryId).map(m => m.status ?? 0)
  let delivered = 0
  let total = 0
  for (const r of records.valid) {
    const s = statuses.get(r.body.certificateNo)
    line(bold(r.body.certificateNo))
    for (const d of s?.deliveries ?? []) {
      total++
      if (d.status === 'delivered') delivered++
      line(`  ${deliveryText(d, answersOf(d.id))}`)
    }
  }
  const expected = records.valid.length * DEPARTMENTS.length
  if (delivered !== expected || total !== expected) ok = false

  heading('[5] 结果 result')
  line(`${delivered}/${expected} delivered in ${((Date.now() - t0) / 1000).toFixed(1)} s — ` +
    (ok ? green('演示成功 demo OK') : red('演示失败 demo FAILED (see above and data/demo/hub.log)')))
  return ok ? 0 : 1
}

const cleanups: Array<() => Promise<unknown>> = []
async function cleanUp (): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
}
process.once('SIGINT', () => {
  console.log('\ninterrupted — stopping the hub, simulators and Redis')
  void cleanUp().finally(() => process.exit(130))
})

main(cleanups).then(async code => {
  await cleanUp()
  process.exit(code)
}, async (err: unknown) => {
  await cleanUp()
  // Config errors are for the reader to fix: the message says what; a stack adds nothing.
  console.error(red(`\ndemo failed: ${err instanceof ConfigError ? err.message : (err as Error).stack ?? String(err)}`))
  process.exit(1)
})

/**
 * `npm run demo`: the whole death-notice flow on one machine, in about ten seconds. A funeral
 * home POSTs cremation records over HTTP; the hub validates, stores (embedded PGlite) and
 * delivers them to the seven departments of the sample config (config/hub.yaml) over all four
 * transports: REST (公安 per 派出所, 医保 — which fails once so a retry shows —, 民政), SOAP (人社),
 * SFTP files in GBK (公积金 in a batch, 残联 one per notice) and the pull feed (退役军人, which the
 * demo pulls and acknowledges as the department would). Then one correction and one void.
 * Everything it writes is under ./data/demo. Exit code 0 only if every delivery arrived.
 */
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { ConfigError } from '../src/config/load.js'
import { startHub, type Hub } from '../src/hub.js'
import { createLogger } from '../src/logger.js'
import { showCorrectionAndVoid } from './demo-changes.js'
import { hubClient, waitForPushes, type RecordStatus } from './demo-client.js'
import { deliveryProblems, departmentViews, printPushedDepartment } from './demo-departments.js'
import { feedReader } from './demo-feed.js'
import { bold, deliveryText, dim, green, heading, line, pad, printFieldErrors, red, statusText } from './demo-print.js'
import { demoRecords } from './demo-records.js'
import {
  clearDemoKeys, demoConfig, devMasterKey, freshDatabaseDir, KEY_FILE, LOG_FILE, PGLITE_DIR, REDIS_PREFIX, SFTP_DIR, shown
} from './demo-setup.js'
import { printSims } from './demo-sims-print.js'
import { startDemoSims } from './demo-sims.js'
import { ensureRedis } from './redis.js'

const SETTLE_TIMEOUT_MS = 20_000

async function main (cleanups: Array<() => Promise<unknown>>): Promise<number> {
  const t0 = Date.now()
  console.log(bold('houshi-hub demo — 身后一件事联办 数据交换中枢: one death notice → 7 departments over REST, SOAP, SFTP and a pull feed'))

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

  const sims = await startDemoSims({ sftpRoot: SFTP_DIR })
  cleanups.push(async () => await sims.close())
  const config = demoConfig({ ...sims.env, REDIS_URL: redis.url, PORT: '0', HUB_MASTER_KEY: key }, sims.sftpPorts)
  printSims(sims, config)

  const dest = pino.destination({ dest: LOG_FILE, sync: true, mkdir: true, append: false })
  const hub: Hub = await startHub(config, { logger: createLogger('info', dest) })
  cleanups.push(async () => await hub.close())
  await hub.app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(hub.app.server.address() as AddressInfo).port}`
  const client = hubClient(base)
  line(`Hub         ${base}  config ${shown('config/hub.yaml')} (${config.county.name} ${config.county.code}), ${config.targets.filter(t => t.enabled).length} targets` +
    dim(' — demo overrides: simulators\' SFTP ports, batch cron every 2 s, retries after 0.3 s') + `; hub log → ${shown(LOG_FILE)}`)

  heading('[1] 殡仪馆提交火化记录 POST /v1/cremations')
  let ok = true
  const records = demoRecords(new Date())
  const expectTo = (status: number, expected: number): string => { if (status !== expected) ok = false; return statusText(status, expected) }
  for (const r of records.valid) {
    const a = await client.post('/v1/cremations', r.body)
    const targets = Array.isArray(a.json.deliveries) ? (a.json.deliveries as Array<{ target: string }>).map(d => d.target) : []
    line(`${r.body.certificateNo}  ${pad(r.label, 20)} → ${expectTo(a.status, 201)} ${String(a.json.outcome ?? a.json.code)}  notice ${String(a.json.noticeId ?? '-')}, ` +
      `${targets.length} deliveries ${dim(`(公安 → ${targets.find(t => t.startsWith('gongan')) ?? '-'})`)}`)
  }
  const bad = await client.post('/v1/cremations', records.invalid.body)
  line(`${records.invalid.body.certificateNo}  ${records.invalid.label} → ${expectTo(bad.status, 422)} ${String(bad.json.code)} ${String(bad.json.message)}`)
  printFieldErrors(Array.isArray(bad.json.errors) ? bad.json.errors as Array<{ pointer: string, code: string, message: string }> : [])
  const first = records.valid[0]!.body
  const again = await client.post('/v1/cremations', first)
  line(`${first.certificateNo}  再次提交 same record again → ${expectTo(again.status, 200)} ${String(again.json.outcome)} (idempotent: nothing new is sent)`)

  heading('[2] 等待投递 waiting for the pushes (REST, SOAP, SFTP per notice) and the batch file; the feed waits to be pulled')
  const feedTarget = config.targets.find(t => t.enabled && t.transport === 'feed')!
  const isPulled = (code: string): boolean => code === feedTarget.code
  const certificateNos = records.valid.map(r => r.body.certificateNo)
  const t1 = Date.now()
  const pushed = await waitForPushes(client, certificateNos, isPulled, SETTLE_TIMEOUT_MS)
  const all = [...pushed.statuses.values()].flatMap(s => s.deliveries)
  line(pushed.settled
    ? `${all.length - all.filter(d => isPulled(d.target)).length} pushed deliveries settled in ${((Date.now() - t1) / 1000).toFixed(1)} s; ` +
      `${all.filter(d => isPulled(d.target)).length} wait in the ${feedTarget.code} feed`
    : red(`timed out after ${SETTLE_TIMEOUT_MS / 1000} s: ${pushed.pending.map(d => `${d.target} ${d.status}`).join(', ')}`))
  if (!pushed.settled) ok = false

  heading('[3] 各部门收到的通知 what each department received (name / ID masked)')
  const feed = feedReader(client, feedTarget)
  for (const view of departmentViews(config, sims, feed).values()) {
    if (view.target.transport !== 'feed') printPushedDepartment(view, sims)
  }
  line(`${bold(`${feedTarget.name} ${feedTarget.code}`)}  FEED  nothing is pushed: the department pulls its feed with its token, then acknowledges`)
  if (!await feed.pullAndAck('  ')) ok = false

  heading('[4] 投递状态 delivery status per record (GET /v1/cremations/:certificateNo)')
  const statuses = new Map<string, RecordStatus>()
  for (const no of certificateNos) {
    const s = await client.status(no)
    if (s !== undefined) statuses.set(no, s)
    line(bold(no))
    for (const d of s?.deliveries ?? []) line(`  ${deliveryText(d)}`)
  }
  // Each record reaches every department once (公安 through one of its two targets).
  const perRecord = new Set(config.targets.filter(t => t.enabled).map(t => t.department)).size
  const expectedFirst = records.valid.length * perRecord
  const problems = deliveryProblems(statuses, departmentViews(config, sims, feed))
  const deliveredFirst = [...statuses.values()].flatMap(s => s.deliveries).filter(d => d.status === 'delivered').length
  if (deliveredFirst !== expectedFirst) problems.push(`${deliveredFirst} of ${expectedFirst} expected deliveries delivered`)

  heading('[5] 更正与作废 a correction (→ notice.updated) and a void (→ notice.voided), to the departments that had the notice')
  const changes = await showCorrectionAndVoid({
    client, config, sims, feed, corrected: records.valid[0]!.body, voided: records.valid[1]!.body, timeoutMs: SETTLE_TIMEOUT_MS
  })
  if (!changes.ok) ok = false
  problems.push(...deliveryProblems(changes.statuses, changes.views).filter(p => !problems.includes(p)))
  const changed = [...changes.statuses.values()].flatMap(s => s.deliveries).filter(d => d.event !== 'notice.created')
  const expectedChanged = 2 * perRecord
  if (changed.length !== expectedChanged) problems.push(`${changed.length} update/void deliveries planned, ${expectedChanged} expected`)

  heading('[6] 结果 result')
  for (const p of problems) line(red(p))
  if (problems.length > 0) ok = false
  const delivered = deliveredFirst + changed.filter(d => d.status === 'delivered').length
  line(`${delivered}/${expectedFirst + expectedChanged} deliveries delivered (${expectedFirst} notices, ${expectedChanged / 2} updates, ${expectedChanged / 2} voids) ` +
    `in ${((Date.now() - t0) / 1000).toFixed(1)} s — ` +
    (ok ? green('演示成功 demo OK') : red(`演示失败 demo FAILED (see above and ${shown(LOG_FILE)})`)))
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

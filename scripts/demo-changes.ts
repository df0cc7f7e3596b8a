import type { HubConfig } from '../src/config/schema.js'
import type { CremationBody } from '../src/domain/cremation-schema.js'
import type { Answer, HubClient, RecordStatus } from './demo-client.js'
import { waitForPushes } from './demo-client.js'
import { departmentViews, type DepartmentView } from './demo-departments.js'
import type { FeedReader } from './demo-feed.js'
import { bold, dim, line, pad, red, statusText } from './demo-print.js'
import { DEMO_VOID_REASON, demoCorrection } from './demo-records.js'
import type { DemoSims } from './demo-sims.js'

/**
 * Section [5]: the funeral home corrects one record (→ `notice.updated` to every department
 * that had it) and withdraws another (→ `notice.voided`, with the reason, so benefits can be
 * restored); the demo waits for the pushes and the next batch file, 退役军人 pulls again, and
 * each department's new messages are shown on one line.
 */
export interface ChangesContext {
  client: HubClient
  config: Readonly<HubConfig>
  sims: DemoSims
  feed: FeedReader
  /** The record to correct and the one to void (both delivered everywhere by now). */
  corrected: CremationBody
  voided: CremationBody
  timeoutMs: number
}

export interface ChangesOutcome {
  ok: boolean
  statuses: Map<string, RecordStatus>
  views: Map<string, DepartmentView>
}

const hhmm = (iso: string): string => iso.slice(5, 16).replace('T', ' ')

function plannedEvents (a: Answer): string {
  const deliveries = Array.isArray(a.json.deliveries) ? a.json.deliveries as Array<{ event: string }> : []
  const events = [...new Set(deliveries.map(d => d.event))].join(', ')
  return `${deliveries.length} deliveries${events === '' ? '' : ` (${events})`}`
}

export async function showCorrectionAndVoid (ctx: ChangesContext): Promise<ChangesOutcome> {
  const { client } = ctx
  let ok = true
  const expectTo = (status: number, expected: number): string => { if (status !== expected) ok = false; return statusText(status, expected) }

  const fixed = demoCorrection(ctx.corrected)
  const no = fixed.certificateNo
  const put = await client.put(`/v1/cremations/${no}`, fixed)
  line(`${bold(`PUT /v1/cremations/${no}`)}  死亡时间更正 death time ${hhmm(ctx.corrected.death.time)} → ${hhmm(fixed.death.time)}` +
    ` → ${expectTo(put.status, 200)} ${String(put.json.outcome ?? put.json.code)} v${String(put.json.version ?? '-')}, ${plannedEvents(put)}`)

  const voidNo = ctx.voided.certificateNo
  const funeralHome = ctx.voided.funeralHome.code
  const voided = await client.post(`/v1/cremations/${voidNo}/void`, { reason: DEMO_VOID_REASON, funeralHome })
  const cancelled = Array.isArray(voided.json.cancelled) ? voided.json.cancelled.length : 0
  line(`${bold(`POST /v1/cremations/${voidNo}/void`)} {"reason":"${DEMO_VOID_REASON}","funeralHome":"${funeralHome}"}`)
  line(`  → ${expectTo(voided.status, 200)} ${String(voided.json.outcome ?? voided.json.code)} v${String(voided.json.version ?? '-')}, ` +
    `${plannedEvents(voided)}, ${cancelled} undelivered cancelled`)

  const isPulled = (code: string): boolean => code === ctx.feed.target.code
  const t0 = Date.now()
  const wait = await waitForPushes(client, [no, voidNo], isPulled, ctx.timeoutMs)
  line(wait.settled
    ? dim(`pushes and the next batch file done in ${((Date.now() - t0) / 1000).toFixed(1)} s; 退役军人 pulls again:`)
    : red(`timed out after ${ctx.timeoutMs / 1000} s: ${wait.pending.map(d => `${d.target} ${d.event}`).join(', ')} still pending`))
  if (!wait.settled) ok = false
  if (!await ctx.feed.pullAndAck()) ok = false

  const statuses = new Map<string, RecordStatus>()
  for (const c of [no, voidNo]) {
    const s = await client.status(c)
    if (s !== undefined) statuses.set(c, s)
  }
  const views = departmentViews(ctx.config, ctx.sims, ctx.feed)
  line()
  line(dim('what each department received since (name / ID masked as above):'))
  for (const v of views.values()) {
    const news = v.arrivals.filter(a => a.event !== 'notice.created' && (a.certificateNo === no || a.certificateNo === voidNo))
    const text = news.length === 0
      ? dim('— had neither notice (routed elsewhere), so is told nothing')
      : news.map(a => `${a.event} v${a.version} ${a.certificateNo}${a.event === 'notice.updated' && a.deathDate !== undefined ? ` (deathDate ${a.deathDate})` : ''}`).join('  ·  ')
    line(`  ${pad(`${v.target.name}`, 22)} ${pad(v.target.transport.toUpperCase(), 4)}  ${text}`)
    const files = v.files.filter(f => f.rows.some(r => r.event !== 'notice.created')).map(f => f.name)
    if (files.length > 0) line(`  ${pad('', 22)}       ${dim(`in ${files.join(', ')}`)}`)
  }
  return { ok, statuses, views }
}

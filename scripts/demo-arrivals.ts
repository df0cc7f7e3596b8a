import type { ReceivedMessage } from '../sim/rest-department.js'
import type { SoapReceivedMessage } from '../sim/soap-department.js'
import type { FeedMessage } from './demo-client.js'
import type { ReceivedFile } from './demo-files.js'

/**
 * What a department got, whatever the transport: one Arrival per notice message it accepted
 * (the first accepted copy of each idempotency key, or each file line, or each feed message).
 * The demo prints these and checks every delivered delivery against them.
 */
export interface Arrival {
  noticeId: string
  event: string
  version: number
  certificateNo: string
  name: string
  idNumber: string
  /** Which date the department acts on, e.g. `stopFrom 停发 2026-12-01`. */
  actionDate: string
  /** `YYYY-MM-DD`, when the department is told the date of death. */
  deathDate: string | undefined
  voidReason: string | undefined
  /** How it came: `HTTP 503→200`, `ack renshe-3`, a file name, `cursor 4`. */
  how: string
  /** Answers that took more than one request (a retry), for colouring. */
  retried: boolean
  /** Field names as the department received them. */
  fields: string[]
}

type Body = Record<string, unknown>

/** Files carry `YYYYMMDD`; shown like the JSON dates. */
const date = (v: unknown): string => typeof v === 'string' && /^\d{8}$/.test(v) ? `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6)}` : String(v)

/** The date the department acts on, whatever its mapping calls it. */
function actionDate (body: Body): string {
  if (body.effectiveDate !== undefined) return `effectiveDate 生效 ${date(body.effectiveDate)}`
  if (body.sealFrom !== undefined) return `sealFrom 封存 ${date(body.sealFrom)}`
  if (body.stopFrom !== undefined) return `stopFrom 停发 ${date(body.stopFrom)}`
  return ''
}

function fromBody (body: Body, how: string, retried = false): Arrival {
  const reason = body.voidReason
  return {
    noticeId: String(body.noticeId),
    event: String(body.event),
    version: Number(body.version),
    certificateNo: String(body.certificateNo),
    name: String(body.name),
    idNumber: String(body.idNumber),
    actionDate: actionDate(body),
    deathDate: body.deathDate === undefined ? undefined : date(body.deathDate),
    voidReason: typeof reason === 'string' && reason !== '' ? reason : undefined,
    how,
    retried,
    fields: Object.keys(body)
  }
}

/** Requests per idempotency key, in arrival order. */
function byKey<M extends { idempotencyKey: string | undefined, seq: number }> (messages: readonly M[]): M[][] {
  const groups = new Map<string, M[]>()
  for (const m of messages) {
    const key = m.idempotencyKey ?? `#${m.seq}`
    groups.set(key, [...(groups.get(key) ?? []), m])
  }
  return [...groups.values()]
}

export function restArrivals (messages: readonly ReceivedMessage[]): Arrival[] {
  return byKey(messages).flatMap(attempts => {
    const ok = attempts.find(m => m.status !== undefined && m.status >= 200 && m.status < 300)
    if (ok === undefined) return []
    const answers = attempts.map(m => m.status ?? '-').join('→')
    return [fromBody(ok.body as Body, `HTTP ${answers}`, attempts.length > 1)]
  })
}

export function soapArrivals (messages: readonly SoapReceivedMessage[]): Arrival[] {
  return byKey(messages).flatMap(attempts => {
    const ok = attempts.find(m => m.outcome === 'accepted')
    if (ok === undefined) return []
    const outcomes = attempts.map(m => m.outcome ?? '-').join('→')
    return [fromBody(ok.body, `${outcomes} ack ${ok.ackId ?? '-'}`, attempts.length > 1)]
  })
}

export function fileArrivals (files: readonly ReceivedFile[]): Arrival[] {
  return files.flatMap(f => f.rows.map(row => fromBody(row, f.name)))
}

export function feedArrivals (messages: readonly FeedMessage[]): Arrival[] {
  return messages.map(m => fromBody(m.body, `cursor ${m.cursor}`))
}

/** The arrival that a delivery of this notice, event and version produced, if any. */
export function arrivalOf (arrivals: readonly Arrival[], d: { event: string, version: number }, noticeId: string): Arrival | undefined {
  return arrivals.find(a => a.noticeId === noticeId && a.event === d.event && a.version === d.version)
}

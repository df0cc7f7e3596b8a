import type { ReceivedMessage } from '../sim/rest-department.js'

/**
 * Console output of `npm run demo`. Even a demo prints no personal data in full: names and ID
 * numbers are masked, and the only other things shown are field names, ids, codes and dates.
 */

/** 李桂英 → 李*英, 张丽 → 张*, 热依拉·买买提 → 热*****提. */
export function maskName (name: string): string {
  const chars = [...name]
  if (chars.length <= 1) return '*'
  if (chars.length === 2) return `${chars[0]!}*`
  return chars[0]! + '*'.repeat(chars.length - 2) + chars[chars.length - 1]!
}

/** 430621193805120041 → 430621********0041 (area code and last four kept). */
export function maskId (id: string): string {
  if (id.length <= 10) return '*'.repeat(id.length)
  return id.slice(0, 6) + '*'.repeat(id.length - 10) + id.slice(-4)
}

/** Columns on a terminal: CJK and full-width characters take two. */
function width (s: string): number {
  let w = 0
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1
  return w
}

export function pad (s: string, columns: number): string {
  return s + ' '.repeat(Math.max(0, columns - width(s)))
}

const useColour = process.stdout.isTTY && process.env.NO_COLOR === undefined
const paint = (code: number) => (s: string): string => useColour ? `\u001b[${code}m${s}\u001b[0m` : s
export const green = paint(32)
export const red = paint(31)
export const yellow = paint(33)
export const bold = paint(1)
export const dim = paint(2)

export function heading (text: string): void {
  console.log(`\n${bold(text)}`)
}

export function line (text = ''): void {
  console.log(`  ${text}`)
}

export function statusText (status: number, expected: number): string {
  return status === expected ? green(String(status)) : red(`${status} (expected ${expected})`)
}

export interface FieldErrorLike { pointer: string, code: string, message: string }

export function printFieldErrors (errors: readonly FieldErrorLike[]): void {
  const w = Math.max(...errors.map(e => e.pointer.length))
  const c = Math.max(...errors.map(e => e.code.length))
  for (const e of errors) line(`    ${pad(e.pointer, w)}  ${pad(e.code, c)}  ${e.message}`)
}

type Body = Record<string, unknown>

/** Which date the department acts on, whatever its mapping calls it. */
function actionDate (body: Body): string {
  if (typeof body.effectiveDate === 'string') return `effectiveDate 生效 ${body.effectiveDate}`
  if (typeof body.stopFrom === 'string') return `stopFrom 停发 ${body.stopFrom}`
  return 'no action date'
}

/**
 * One department's view: every notice it accepted (first accepted copy per idempotency key),
 * the field names it received (personal values masked), and the HTTP answers per notice.
 */
export function printDepartment (title: string, messages: readonly ReceivedMessage[]): void {
  const byKey = new Map<string, ReceivedMessage[]>()
  for (const m of messages) {
    const key = m.idempotencyKey ?? `#${m.seq}`
    byKey.set(key, [...(byKey.get(key) ?? []), m])
  }
  const signatures = messages.every(m => m.signatureValid === true) ? green('all signatures valid 签名全部有效') : red('BAD SIGNATURE')
  line(`${bold(title)}  ${messages.length} POSTs, ${byKey.size} notices, ${signatures}`)
  const allFields = [...new Set(messages.flatMap(m => Object.keys(m.body as Body)))]
  line(`  fields 字段: ${allFields.join(', ')}`)
  for (const attempts of byKey.values()) {
    const ok = attempts.find(m => m.status !== undefined && m.status >= 200 && m.status < 300)
    const body = (ok ?? attempts[attempts.length - 1]!).body as Body
    const missing = allFields.filter(f => !(f in body))
    const answers = attempts.map(m => m.status === undefined ? '-' : m.status >= 300 ? yellow(String(m.status)) : String(m.status)).join('→')
    line(`  ${String(body.noticeId)} ${String(body.event)} v${String(body.version)}  ` +
      `${pad(maskName(String(body.name)), 8)} ${maskId(String(body.idNumber))}  ${actionDate(body)}  HTTP ${answers}` +
      (missing.length > 0 ? dim(`  (无 ${missing.join(', ')})`) : ''))
  }
}

export interface DeliveryView {
  target: string
  status: string
  attempts: number
  lastError: string | null
  receipt: unknown
}

/** `gongan delivered ×1 ack=gongan-1`, with the answers the department gave when it took retries. */
export function deliveryText (d: DeliveryView, answers: readonly number[]): string {
  const status = d.status === 'delivered' ? green(d.status) : red(d.status)
  const ack = (d.receipt as { ackId?: unknown } | null)?.ackId
  const history = answers.length > 1 ? yellow(` (HTTP ${answers.join('→')}, retried)`) : ''
  const error = d.status !== 'delivered' && d.lastError !== null ? red(` ${d.lastError}`) : ''
  return `${pad(d.target, 8)} ${status} attempts=${d.attempts}${typeof ack === 'string' ? ` ack=${ack}` : ''}${history}${error}`
}

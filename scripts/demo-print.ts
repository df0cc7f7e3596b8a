import { csvField } from '../src/adapters/sftp/file-format.js'
import type { FileColumn } from '../src/mappings/index.js'
import type { Arrival } from './demo-arrivals.js'
import type { ReceivedFile } from './demo-files.js'

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

/** `1 file`, `3 files`. */
export function count (n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
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

/** One notice as the department got it: which notice, whose (masked), the date it acts on, how it came. */
export function arrivalLine (a: Arrival): string {
  const how = a.retried ? yellow(`${a.how} (retried)`) : a.how
  const reason = a.voidReason !== undefined ? `  撤销原因 “${a.voidReason}”` : ''
  return `${a.noticeId} ${pad(a.event, 14)} v${a.version}  ${pad(maskName(a.name), 10)} ${maskId(a.idNumber)}  ${a.actionDate}  ${dim(how)}${reason}`
}

/** Field names the department received: what data minimisation left of the record. */
export function fieldsLine (arrivals: readonly Arrival[]): string {
  return `fields 字段: ${[...new Set(arrivals.flatMap(a => a.fields))].join(', ')}`
}

/** A file row with the deceased's name and ID number masked. */
function maskedRow (row: Readonly<Record<string, string>>): Record<string, string> {
  return { ...row, ...(row.name !== undefined ? { name: maskName(row.name) } : {}), ...(row.idNumber !== undefined ? { idNumber: maskId(row.idNumber) } : {}) }
}

/**
 * One received file: its name, then its decoded lines with personal values masked. CSV lines
 * as written; fixed-width lines with their padding trimmed and `|` between the fields.
 */
export function printFile (file: ReceivedFile, columns: readonly FileColumn[], format: 'csv' | 'fixed-width', indent = '    '): void {
  line(`${indent}${bold(file.name)}  ${file.bytes} bytes${file.doneFile ? ' + .ok done-file' : ''}`)
  if (file.header !== undefined) line(`${indent}  ${dim(file.header.join(','))}`)
  for (const row of file.rows) {
    const masked = maskedRow(row)
    const values = columns.map(c => masked[c.key] ?? '')
    line(`${indent}  ${format === 'csv' ? values.map(csvField).join(',') : values.join('|')}`)
  }
}

export interface DeliveryView {
  target: string
  event: string
  version: number
  status: string
  attempts: number
  lastError: string | null
  receipt: unknown
}

/** `gongan-rongjiawan  notice.created v1  delivered attempts=1 ack=gongan-rongjiawan-1`. */
export function deliveryText (d: DeliveryView): string {
  const status = d.status === 'delivered' ? green(d.status) : red(d.status)
  const ack = (d.receipt as { ackId?: unknown } | null)?.ackId
  const attempts = d.attempts > 1 ? yellow(`attempts=${d.attempts}`) : `attempts=${d.attempts}`
  const error = d.status !== 'delivered' && d.lastError !== null ? red(` ${d.lastError}`) : ''
  return `${pad(d.target, 18)} ${pad(d.event, 14)} v${d.version}  ${status} ${attempts}${typeof ack === 'string' ? dim(` ack=${ack}`) : ''}${error}`
}

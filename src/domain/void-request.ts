import type { FieldError, Validated } from './field-error.js'
import type { FieldDictionary } from './field-labels.js'
import { gbkCanCarry } from './gbk-strict.js'
import { toHalfWidth } from './text.js'
import { isUnsafeText } from './unsafe-text.js'

/** `POST /v1/cremations/:certificateNo/void`: why the record is withdrawn. */
export interface VoidRequest {
  reason: string
  /**
   * The funeral home whose certificate it is. Required: certificate numbers are unique only
   * within one funeral home, and a void is the one request that withdraws a person's report, so
   * a mistyped number must not withdraw another funeral home's.
   */
  funeralHome: string
}

/** Chinese names of the request's fields, for the errors the body parser reports. */
export const VOID_FIELDS: FieldDictionary = Object.freeze({
  '': { label: '请求体' }, '/reason': { label: '作废原因' }, '/funeralHome': { label: '殡仪馆代码' }
})

/** Fits every department file: 100 汉字 are 200 bytes in GBK. */
const MAX_REASON = 100
// The reason travels to every department and into the audit trail: it must not carry an ID
// number or a mobile number, however it is written (full-width digits, spaces, hyphens).
const ID_NUMBER_LIKE = /\d{15}|\d{17}[\dX]/u
const MOBILE_LIKE = /1[3-9]\d{9}/u

/**
 * Checks a void request; every failing field at once, like the records themselves. The funeral
 * home may also come from the query string (`?funeralHome=`), passed here as `fromQuery`.
 */
export function validateVoidRequest (body: unknown, fromQuery?: string): Validated<VoidRequest> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, kind: 'schema', errors: [{ pointer: '', code: 'HUB_ERR_TYPE', message: '请求体必须是 JSON 对象' }] }
  }
  const errors: FieldError[] = []
  for (const key of Object.keys(body)) {
    if (key !== 'reason' && key !== 'funeralHome') {
      errors.push({ pointer: `/${key}`, code: 'HUB_ERR_UNKNOWN_FIELD', message: `不接受的字段 ${key}` })
    }
  }
  const { reason, funeralHome } = body as Record<string, unknown>
  if (typeof reason !== 'string') {
    errors.push({ pointer: '/reason', code: 'HUB_ERR_REQUIRED', message: '作废原因（reason）必填，且须为文本' })
  }
  if (funeralHome === undefined && fromQuery === undefined) {
    errors.push({ pointer: '/funeralHome', code: 'HUB_ERR_REQUIRED', message: '作废须注明殡仪馆代码（funeralHome）：火化证明编号只在本馆内唯一，以免误作废他馆的记录' })
  } else if (funeralHome !== undefined && !isFuneralHomeCode(funeralHome)) {
    errors.push({ pointer: '/funeralHome', code: 'HUB_ERR_TYPE', message: FUNERAL_HOME_MESSAGE })
  }
  if (errors.length > 0) return { ok: false, kind: 'schema', errors }

  // Line breaks typed in a form's text area (U+2028/U+2029 too) are whitespace: folded to one
  // space. What else `isUnsafeText` refuses (controls, bidi overrides…) would reach every
  // department's system and file as it is.
  const text = (reason as string).trim().replace(/\s+/gu, ' ')
  if (text.length < 2 || text.length > MAX_REASON || isUnsafeText(text)) {
    errors.push({ pointer: '/reason', code: 'HUB_ERR_VOID_REASON', message: `作废原因须为 2–${MAX_REASON} 个字符，且不含控制字符` })
  } else if (containsPersonalNumber(text)) {
    errors.push({ pointer: '/reason', code: 'HUB_ERR_VOID_REASON_PERSONAL', message: '作废原因会发给各部门并写入审计记录，不得包含证件号码或手机号码' })
  } else if (!gbkCanCarry(text)) {
    // 公积金 and 残联 read GBK files: a character GBK lacks would stop the void reaching them.
    errors.push({ pointer: '/reason', code: 'HUB_ERR_VOID_REASON_CHARACTERS', message: '作废原因含有 GBK 无法表示的字符（如表情符号、生僻字），请改用常用汉字' })
  }
  if (errors.length > 0) return { ok: false, kind: 'rule', errors }
  return { ok: true, value: { reason: text, funeralHome: typeof funeralHome === 'string' ? funeralHome.trim() : fromQuery! } }
}

export const FUNERAL_HOME_MESSAGE = '殡仪馆代码（funeralHome）须为 1–40 个字符的文本，且不含控制字符'

/** A funeral home code as a record's `funeralHome.code` may be: 1–40 characters, no control ones. */
export function isFuneralHomeCode (value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= 40 && !isUnsafeText(value)
}

function containsPersonalNumber (text: string): boolean {
  const digits = toHalfWidth(text).toUpperCase().replace(/[\s\-_.·,，、]/gu, '')
  return ID_NUMBER_LIKE.test(digits) || MOBILE_LIKE.test(digits)
}

import type { FieldError, Validated } from './field-error.js'

/** `POST /v1/cremations/:certificateNo/void`: why the record is withdrawn. */
export interface VoidRequest {
  reason: string
  /** Which funeral home's certificate, when several use the same number. */
  funeralHome?: string
}

const MAX_REASON = 200
// Control characters other than ordinary spaces would reach department systems and files.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u
// The reason travels to every department and into the audit trail: it must not carry an ID number.
const ID_NUMBER_LIKE = /\d{15}|\d{17}[\dXx]/u

/** Checks a void request; every failing field at once, like the records themselves. */
export function validateVoidRequest (body: unknown): Validated<VoidRequest> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, kind: 'schema', errors: [{ pointer: '', code: 'HUB_ERR_SCHEMA_TYPE', message: '请求体必须是 JSON 对象' }] }
  }
  const errors: FieldError[] = []
  for (const key of Object.keys(body)) {
    if (key !== 'reason' && key !== 'funeralHome') {
      errors.push({ pointer: `/${key}`, code: 'HUB_ERR_SCHEMA_UNKNOWN_FIELD', message: `不接受的字段 ${key}` })
    }
  }
  const { reason, funeralHome } = body as Record<string, unknown>
  if (typeof reason !== 'string') {
    errors.push({ pointer: '/reason', code: 'HUB_ERR_SCHEMA_REQUIRED', message: '作废原因（reason）必填，且须为文本' })
  }
  if (funeralHome !== undefined && (typeof funeralHome !== 'string' || funeralHome.trim() === '' || funeralHome.length > 40)) {
    errors.push({ pointer: '/funeralHome', code: 'HUB_ERR_SCHEMA_TYPE', message: '殡仪馆代码（funeralHome）须为 1–40 个字符的文本' })
  }
  if (errors.length > 0) return { ok: false, kind: 'schema', errors }

  const text = (reason as string).trim().replace(/\s+/gu, ' ')
  if (text.length < 2 || text.length > MAX_REASON || CONTROL.test(text)) {
    errors.push({ pointer: '/reason', code: 'HUB_ERR_VOID_REASON', message: `作废原因须为 2–${MAX_REASON} 个字符，且不含控制字符` })
  } else if (ID_NUMBER_LIKE.test(text)) {
    errors.push({ pointer: '/reason', code: 'HUB_ERR_VOID_REASON_PERSONAL', message: '作废原因会发给各部门并写入审计记录，不得包含证件号码' })
  }
  if (errors.length > 0) return { ok: false, kind: 'rule', errors }
  return { ok: true, value: { reason: text, ...(typeof funeralHome === 'string' ? { funeralHome: funeralHome.trim() } : {}) } }
}

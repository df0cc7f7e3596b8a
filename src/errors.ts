import type { FieldError } from './domain/field-error.js'

/**
 * An error the hub answers with: a stable code, a Chinese message for the caller and the HTTP
 * status. Every caller-facing error is made here, so codes stay stable and documented.
 */
export class HubError extends Error {
  override readonly name = 'HubError'

  constructor (
    readonly code: string,
    message: string,
    readonly statusCode: number,
    readonly errors?: FieldError[]
  ) {
    super(message)
  }
}

export const schemaInvalid = (errors: FieldError[]): HubError =>
  new HubError('HUB_ERR_SCHEMA', `请求格式不正确：${errors.length} 个字段有误`, 400, errors)

export const rulesViolated = (errors: FieldError[]): HubError =>
  new HubError('HUB_ERR_VALIDATION', `记录未通过校验：${errors.length} 个字段有误`, 422, errors)

export const certificateConflict = (): HubError =>
  new HubError('HUB_ERR_CERTIFICATE_CONFLICT',
    '该火化证明编号已提交过内容不同的记录；如需更正，请使用更正接口', 409)

export const subjectConflict = (): HubError =>
  new HubError('HUB_ERR_SUBJECT_CONFLICT', '该逝者已有另一份火化证明编号的记录', 409)

export const cremationNotFound = (): HubError =>
  new HubError('HUB_ERR_NOT_FOUND', '未找到该火化证明编号的记录', 404)

export const ambiguousCertificate = (funeralHomes: readonly string[]): HubError =>
  new HubError('HUB_ERR_AMBIGUOUS', `多个殡仪馆使用了该火化证明编号，请用 ?funeralHome= 指定（${funeralHomes.join('、')}）`, 409)

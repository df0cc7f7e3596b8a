import type { FieldError, Validated } from './domain/field-error.js'

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

/**
 * An answer lists at most this many failing fields, and its message counts all of them: a body
 * of thousands of unknown keys must not get an answer megabytes long.
 */
export const MAX_LISTED_ERRORS = 20

/** "N 个字段有误", saying when only the first `MAX_LISTED_ERRORS` are listed. */
const counted = (errors: readonly FieldError[]): string => errors.length > MAX_LISTED_ERRORS
  ? `${errors.length} 个字段有误（仅列出前 ${MAX_LISTED_ERRORS} 个）`
  : `${errors.length} 个字段有误`

export const schemaInvalid = (errors: FieldError[]): HubError =>
  new HubError('HUB_ERR_SCHEMA', `请求格式不正确：${counted(errors)}`, 400, errors.slice(0, MAX_LISTED_ERRORS))

export const rulesViolated = (errors: FieldError[]): HubError =>
  new HubError('HUB_ERR_VALIDATION', `请求未通过校验：${counted(errors)}`, 422, errors.slice(0, MAX_LISTED_ERRORS))

/** A JSON body in another charset than UTF-8: departments would get its bytes misread. */
export const badCharset = (): HubError =>
  new HubError('HUB_ERR_MEDIA_TYPE', '请求体必须是 UTF-8 编码的 application/json（charset 只能省略或为 utf-8）', 415)

/** The validated value, or the 400 (shape) / 422 (rules) that lists every failing field. */
export function validOrThrow<T> (checked: Validated<T>): T {
  if (!checked.ok) throw checked.kind === 'schema' ? schemaInvalid(checked.errors) : rulesViolated(checked.errors)
  return checked.value
}

export const certificateConflict = (): HubError =>
  new HubError('HUB_ERR_CERTIFICATE_CONFLICT',
    '该火化证明编号已提交过内容不同的记录；如需更正，请使用更正接口', 409)

export const subjectConflict = (): HubError =>
  new HubError('HUB_ERR_SUBJECT_CONFLICT', '该逝者已有另一份火化证明编号的记录', 409)

export const cremationNotFound = (): HubError =>
  new HubError('HUB_ERR_NOT_FOUND', '未找到该火化证明编号的记录', 404)

export const ambiguousCertificate = (funeralHomes: readonly string[]): HubError =>
  new HubError('HUB_ERR_AMBIGUOUS', `多个殡仪馆使用了该火化证明编号，请用 ?funeralHome= 指定（${funeralHomes.join('、')}）`, 409)

export const certificateVersionChanged = (current: number, named: number): HubError =>
  new HubError('HUB_ERR_VERSION_CHANGED', named < current
    ? `该火化证明已有更新的版本（当前为第 ${current} 版），与 If-Match 不符；请先查询最新内容，再以 If-Match: "${current}" 更正`
    : `该火化证明没有第 ${named} 版（当前为第 ${current} 版）；请以 If-Match: "${current}" 更正`, 412)

export const badIfMatch = (): HubError =>
  new HubError('HUB_ERR_IF_MATCH', 'If-Match 应为要更正的证明版本号，如 "2"（或 *）', 400)

export const noticeVoided = (): HubError =>
  new HubError('HUB_ERR_VOIDED', '该记录已作废，不能再更正；如确有死亡事实，请以新的火化证明编号重新上报', 409)

export const subjectChanged = (): HubError =>
  new HubError('HUB_ERR_SUBJECT_CHANGED',
    '更正不能改变逝者身份（证件类型或号码）；报错了人请作废原记录，再以正确身份重新上报', 422, [
      { pointer: '/deceased/idNumber', code: 'HUB_ERR_SUBJECT_CHANGED', message: '证件号码与原记录不是同一人' }
    ])

export const certificateNoMismatch = (): HubError =>
  new HubError('HUB_ERR_CERTIFICATE_NO_MISMATCH', '路径中的火化证明编号与请求体中的 certificateNo 不一致', 400, [
    { pointer: '/certificateNo', code: 'HUB_ERR_CERTIFICATE_NO_MISMATCH', message: '与路径中的火化证明编号不一致' }
  ])

export const deathCertificateConflict = (): HubError =>
  new HubError('HUB_ERR_CERTIFICATE_CONFLICT', '该死亡医学证明编号已提交过内容不同的记录', 409)

export const feedNotFound = (): HubError =>
  new HubError('HUB_ERR_FEED_NOT_FOUND', '该部门不存在或未开通拉取方式', 404)

export const feedUnauthorized = (): HubError =>
  new HubError('HUB_ERR_UNAUTHORIZED', '缺少或无效的访问令牌（Authorization: Bearer <令牌>）', 401)

export const feedForbidden = (): HubError =>
  new HubError('HUB_ERR_FORBIDDEN', '该令牌只能读取本部门的消息', 403)

/** A query parameter the caller got wrong, named so the department's developer can fix it. */
export const badParameter = (name: string, reason: string): HubError =>
  new HubError('HUB_ERR_BAD_PARAMETER', `参数 ${name} 无效：${reason}`, 400,
    [{ pointer: `/${name}`, code: 'HUB_ERR_BAD_PARAMETER', message: `参数 ${name} 无效：${reason}` }])

export const cursorNotServed = (cursor: number, servedUpTo: number): HubError =>
  new HubError('HUB_ERR_CURSOR_NOT_SERVED',
    `游标 ${cursor} 超出已拉取的位置 ${servedUpTo}：不能确认尚未拉取的消息`, 400)

export const feedUnavailable = (): HubError =>
  new HubError('HUB_ERR_FEED_UNAVAILABLE', '暂时无法读取该部门的消息，请稍后重试', 503)

/**
 * The database (or another dependency a request needs) cannot be reached. The request may or
 * may not have been committed: the caller re-posts it, which is idempotent.
 */
export const serviceUnavailable = (): HubError =>
  new HubError('HUB_ERR_UNAVAILABLE', '服务暂时不可用，请稍后重试；重发同一请求是安全的（幂等）', 503)

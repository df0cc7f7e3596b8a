import { localDate } from './business-date.js'
import { checkCreditCode, normaliseCreditCode } from './credit-code.js'
import type { CertifiedDeceased, DeathCertificate } from './death-certificate.js'
import {
  DEATH_CERTIFICATE_FIELDS, DeathCertificateBodySchema, type DeathCertificateBody
} from './death-certificate-schema.js'
import type { FieldError, Validated } from './field-error.js'
import { fieldLabel } from './field-labels.js'
import { checkIdNumber, normaliseIdNumber } from './id-number.js'
import { createSchemaValidator } from './schema-errors.js'
import { normaliseName, toHalfWidth } from './text.js'
import { carriesCitizenNumber, parseInstant } from './validate-cremation.js'

/**
 * Validation and normalisation of `POST /v1/death-certificates` (DESIGN §5), in the two steps of
 * `validateCremation`: shape (`kind: 'schema'`, HTTP 400), then rules (`kind: 'rule'`, HTTP 422)
 * with every failing field at once. The deceased is checked exactly as on the cremation record,
 * so the two documents of one person normalise to the same identity. Pure: the clock is `now`.
 */

/** Codes of the rule step (`kind: 'rule'`), besides the schema codes of `schema-errors.ts`. */
export type DeathCertificateRuleCode =
  | 'HUB_ERR_ID_FORMAT' | 'HUB_ERR_ID_CHECKSUM' | 'HUB_ERR_ID_BIRTH_DATE'
  | 'HUB_ERR_BIRTH_DATE_MISMATCH' | 'HUB_ERR_GENDER_MISMATCH' | 'HUB_ERR_NAME'
  | 'HUB_ERR_CREDIT_CODE_FORMAT' | 'HUB_ERR_CREDIT_CODE_CHECKSUM'
  | 'HUB_ERR_CERTIFICATE_NO_MISMATCH' | 'HUB_ERR_CERTIFICATE_NO_FORMAT'
  | 'HUB_ERR_DATE_RANGE' | 'HUB_ERR_DATE_FUTURE' | 'HUB_ERR_DEATH_AFTER_ISSUE'
  | 'HUB_ERR_DEATH_BEFORE_BIRTH' | 'HUB_ERR_FORMAT'

export interface DeathCertificateValidationOptions {
  /** Zone of the calendar dates (the numbering rule's first day, birth vs death, "today"). @defaultValue 'Asia/Shanghai' */
  timeZone?: string
  /** How far ahead of `now` a sender's clock may be. @defaultValue 300000 (5 minutes) */
  clockSkewMs?: number
}

/**
 * From this day (in the county's time zone) the certificate number is the deceased's ID number,
 * or `<issuer credit code>-<serial>` for a deceased without one; before it, any number.
 */
export const ID_NUMBERED_CERTIFICATES_FROM = '2026-07-01'

/** DESIGN §5: no date before 1900, in Beijing time. */
const EARLIEST_INSTANT = Date.parse('1900-01-01T00:00:00+08:00')
const EARLIEST_DATE = '1900-01-01'

/** Keys a client might use to send the cause of death, which the hub refuses to receive. */
const CAUSE_OF_DEATH_KEY = /cause|^icd|diagnos|死因|死亡原因/i

const checkShape = createSchemaValidator<DeathCertificateBody>(DeathCertificateBodySchema, DEATH_CERTIFICATE_FIELDS)

export function validateDeathCertificate (
  body: unknown, now: Date, options: DeathCertificateValidationOptions = {}
): Validated<DeathCertificate> {
  const shape = checkShape(body)
  if (!shape.ok) return { ok: false, kind: 'schema', errors: shape.errors.map(explainCauseOfDeath) }

  const { timeZone = 'Asia/Shanghai', clockSkewMs = 300_000 } = options
  const b = shape.value
  const errors: FieldError[] = []
  const fail = (pointer: string, code: DeathCertificateRuleCode, detail: string): void => {
    errors.push({ pointer, code, message: `${fieldLabel(pointer, DEATH_CERTIFICATE_FIELDS)}：${detail}` })
  }

  const deceased = checkDeceased(b.deceased, now, timeZone, fail)

  const issuer = checkCreditCode(b.issuer.creditCode)
  if (!issuer.ok) fail('/issuer/creditCode', issuer.code, issuer.message)
  const creditCode = issuer.ok ? issuer.value : normaliseCreditCode(b.issuer.creditCode)

  // Time line: 1900 ≤ birth ≤ death ≤ issuedAt ≤ now (+ skew). An instant already out of range
  // is not compared again.
  const latest = now.getTime() + clockSkewMs
  const instant = (pointer: string, value: string): number | undefined => {
    const t = parseInstant(value)
    if (Number.isNaN(t)) fail(pointer, 'HUB_ERR_FORMAT', '不是有效的时间')
    else if (t < EARLIEST_INSTANT) fail(pointer, 'HUB_ERR_DATE_RANGE', `不能早于 ${EARLIEST_DATE}`)
    else if (t > latest) fail(pointer, 'HUB_ERR_DATE_FUTURE', '不能晚于当前时间')
    else return t
    return undefined
  }
  const death = instant('/death/time', b.death.time)
  const issuedAt = instant('/issuedAt', b.issuedAt)
  if (death !== undefined && issuedAt !== undefined && death > issuedAt) {
    fail('/issuedAt', 'HUB_ERR_DEATH_AFTER_ISSUE', '不能早于死亡时间')
  }
  const birthDate = deceased.birthDate
  if (death !== undefined && birthDate !== undefined && localDate(new Date(death), timeZone) < birthDate) {
    fail('/death/time', 'HUB_ERR_DEATH_BEFORE_BIRTH', `不能早于出生日期 ${birthDate}`)
  }

  // The numbering rule depends on the day of issue; without a valid issuedAt it cannot be decided
  // (and the issuedAt error is already reported).
  let certificateNo = toHalfWidth(b.certificateNo).replace(/\s/gu, '').toUpperCase()
  if (issuedAt !== undefined && localDate(new Date(issuedAt), timeZone) >= ID_NUMBERED_CERTIFICATES_FROM) {
    if (carriesCitizenNumber(b.deceased.idType)) {
      // Compared in the ID number's canonical spelling, so a 15-digit legacy number or a
      // lower-case x matches; the stored number is then the 18-character one.
      certificateNo = normaliseIdNumber(b.certificateNo)
      if (certificateNo !== deceased.idNumber) {
        fail('/certificateNo', 'HUB_ERR_CERTIFICATE_NO_MISMATCH',
          `自 ${ID_NUMBERED_CERTIFICATES_FROM} 起应与逝者身份证号码一致`)
      }
    } else {
      const m = /^([0-9A-Z]{18})-[0-9A-Z]+$/.exec(certificateNo)
      if (m === null) {
        fail('/certificateNo', 'HUB_ERR_CERTIFICATE_NO_FORMAT',
          '逝者无身份证号码时应为开具机构的 18 位统一社会信用代码、“-”和序号（字母或数字）')
      } else if (m[1] !== creditCode) {
        fail('/certificateNo', 'HUB_ERR_CERTIFICATE_NO_MISMATCH', '所含的统一社会信用代码与开具机构的不一致')
      }
    }
  }

  if (errors.length > 0 || deceased.value === undefined || death === undefined || issuedAt === undefined) {
    return { ok: false, kind: 'rule', errors }
  }
  return {
    ok: true,
    value: {
      certificateNo,
      deceased: deceased.value,
      death: { time: new Date(death).toISOString(), place: b.death.place },
      issuer: { creditCode, name: b.issuer.name.trim() },
      issuedAt: new Date(issuedAt).toISOString()
    }
  }
}

type Fail = (pointer: string, code: DeathCertificateRuleCode, detail: string) => void

interface DeceasedCheck {
  /** The normalised deceased, when none of its fields failed. */
  value?: CertifiedDeceased
  /** The number in its canonical spelling, even when invalid (to compare the certificate number with). */
  idNumber: string
  /** The birth date to compare the death with, when it is trustworthy. */
  birthDate?: string
}

/**
 * The deceased's identity, checked and normalised as `validateCremation` does it (same codes,
 * same messages): the ID number's own birth date and sex digit are the reference for the other
 * fields.
 */
function checkDeceased (d: DeathCertificateBody['deceased'], now: Date, timeZone: string, report: Fail): DeceasedCheck {
  let failed = false
  const fail: Fail = (...args) => { failed = true; report(...args) }

  let idNumber: string
  let idBirthDate: string | undefined
  // 身份证 and 户口簿 both carry the 公民身份号码: the same checks, the same blind index.
  if (carriesCitizenNumber(d.idType)) {
    const id = checkIdNumber(d.idNumber, now, timeZone)
    if (id.ok) {
      idNumber = id.value
      idBirthDate = id.birthDate
      const expected = id.sex === 'male' ? '1' : '2'
      // GB/T 2261.1 codes 0 (未知) and 9 (未说明) make no claim to compare.
      if ((d.gender === '1' || d.gender === '2') && d.gender !== expected) {
        fail('/deceased/gender', 'HUB_ERR_GENDER_MISMATCH', `与身份证号码的性别位不一致（号码为${id.sex === 'male' ? '男' : '女'}性）`)
      }
    } else {
      idNumber = normaliseIdNumber(d.idNumber)
      fail('/deceased/idNumber', id.code, id.message)
    }
  } else {
    idNumber = toHalfWidth(d.idNumber).trim().toUpperCase()
    if (!/^[A-Z0-9-]{1,30}$/.test(idNumber)) fail('/deceased/idNumber', 'HUB_ERR_ID_FORMAT', '应为 1–30 位字母、数字或“-”')
  }

  const today = localDate(now, timeZone)
  let birthDate = d.birthDate ?? idBirthDate
  if (d.birthDate !== undefined) {
    if (d.birthDate < EARLIEST_DATE) {
      fail('/deceased/birthDate', 'HUB_ERR_DATE_RANGE', `不能早于 ${EARLIEST_DATE}`)
      birthDate = undefined
    } else if (d.birthDate > today) {
      fail('/deceased/birthDate', 'HUB_ERR_DATE_FUTURE', '不能晚于今天')
      birthDate = undefined
    } else if (idBirthDate !== undefined && d.birthDate !== idBirthDate) {
      fail('/deceased/birthDate', 'HUB_ERR_BIRTH_DATE_MISMATCH', `与身份证号码中的出生日期 ${idBirthDate} 不一致`)
    }
  }

  const name = normaliseName(d.name)
  if (!name.ok) fail('/deceased/name', name.code, name.message)

  const known = { idNumber, ...optional('birthDate', birthDate) }
  if (failed || !name.ok) return known
  return {
    ...known,
    value: {
      name: name.value,
      gender: d.gender,
      idType: d.idType,
      idNumber,
      ...optional('birthDate', birthDate),
      ...optional('ethnicity', d.ethnicity?.trim())
    }
  }
}

/**
 * The schema's "unknown field" error, with the reason when the field is a cause of death: the
 * sender should stop sending it, not look for the right field name.
 */
function explainCauseOfDeath (error: FieldError): FieldError {
  const key = error.pointer.slice(error.pointer.lastIndexOf('/') + 1)
  if (error.code !== 'HUB_ERR_UNKNOWN_FIELD' || !CAUSE_OF_DEATH_KEY.test(key)) return error
  return { ...error, message: `${error.message}（本中枢不接收死亡原因：联办流程中没有部门需要它，请勿发送）` }
}

/** `{ key: value }` when the value is present, `{}` otherwise: absent fields stay absent, never `undefined`. */
function optional<K extends string, V> (key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

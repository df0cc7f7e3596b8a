import { localDate } from './business-date.js'
import { carriesCitizenNumber, checkDeathAfterBirth, checkDeceased } from './check-deceased.js'
import { instantChecker } from './check-instant.js'
import { checkCreditCode, normaliseCreditCode } from './credit-code.js'
import type { DeathCertificate } from './death-certificate.js'
import {
  DEATH_CERTIFICATE_FIELDS, DeathCertificateBodySchema, type DeathCertificateBody
} from './death-certificate-schema.js'
import type { FieldError, Validated } from './field-error.js'
import { fieldLabel } from './field-labels.js'
import { normaliseIdNumber } from './id-number.js'
import { createSchemaValidator } from './schema-errors.js'
import { toHalfWidth } from './text.js'

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
  const instant = instantChecker(fail, now.getTime() + clockSkewMs)
  const death = instant('/death/time', b.death.time)
  const issuedAt = instant('/issuedAt', b.issuedAt)
  if (death !== undefined && issuedAt !== undefined && death > issuedAt) {
    fail('/issuedAt', 'HUB_ERR_DEATH_AFTER_ISSUE', '不能早于死亡时间')
  }
  checkDeathAfterBirth(death, deceased.birthDate, timeZone, fail)

  // The numbering rule depends on the day of issue; without a valid issuedAt it cannot be decided
  // (and the issuedAt error is already reported).
  let certificateNo = toHalfWidth(b.certificateNo).replace(/\s/gu, '').toUpperCase()
  if (issuedAt !== undefined && localDate(new Date(issuedAt), timeZone) >= ID_NUMBERED_CERTIFICATES_FROM) {
    // A 驾驶证 numbered with the 公民身份号码 counts as an ID number; `deceased.idNumber` is in its
    // canonical spelling even when it failed its checks (that error is already reported).
    if (carriesCitizenNumber({ idType: b.deceased.idType, idNumber: deceased.idNumber })) {
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

/**
 * The schema's "unknown field" error, with the reason when the field is a cause of death: the
 * sender should stop sending it, not look for the right field name.
 */
function explainCauseOfDeath (error: FieldError): FieldError {
  const key = error.pointer.slice(error.pointer.lastIndexOf('/') + 1)
  if (error.code !== 'HUB_ERR_UNKNOWN_FIELD' || !CAUSE_OF_DEATH_KEY.test(key)) return error
  return { ...error, message: `${error.message}（本中枢不接收死亡原因：联办流程中没有部门需要它，请勿发送）` }
}

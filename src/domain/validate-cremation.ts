import { localDate } from './business-date.js'
import { checkDeathAfterBirth, checkDeceased } from './check-deceased.js'
import { optional } from './check-fields.js'
import { instantChecker } from './check-instant.js'
import { CremationBodySchema, type CremationBody } from './cremation-schema.js'
import type { CremationRecord, Deceased, Informant } from './cremation-record.js'
import { CREMATION_FIELDS, fieldLabel } from './field-labels.js'
import type { FieldError, Validated } from './field-error.js'
import { createSchemaValidator } from './schema-errors.js'
import { normaliseName, normalisePhone } from './text.js'

/**
 * Validation and normalisation of `POST /v1/cremations` (DESIGN §5). Two steps:
 * 1. shape (JSON Schema) — failures are `kind: 'schema'` (HTTP 400), and step 2 does not run;
 * 2. rules (ID number, names, phone, dates) — every failing field at once, `kind: 'rule'` (422).
 * Pure: the clock is `now`, so tests and re-validation of stored bodies are deterministic.
 */

/** Codes of the rule step (`kind: 'rule'`), besides the schema codes of `schema-errors.ts`. */
export type CremationRuleCode =
  | 'HUB_ERR_ID_FORMAT' | 'HUB_ERR_ID_CHECKSUM' | 'HUB_ERR_ID_BIRTH_DATE'
  | 'HUB_ERR_BIRTH_DATE_MISMATCH' | 'HUB_ERR_GENDER_MISMATCH' | 'HUB_ERR_NAME' | 'HUB_ERR_PHONE'
  | 'HUB_ERR_DATE_RANGE' | 'HUB_ERR_DATE_FUTURE' | 'HUB_ERR_DEATH_AFTER_CREMATION'
  | 'HUB_ERR_ISSUED_BEFORE_DEATH' | 'HUB_ERR_DEATH_BEFORE_BIRTH' | 'HUB_ERR_FORMAT'

export interface CremationValidationOptions {
  /** Zone of the calendar dates (birth date vs date of death, "today"). @defaultValue 'Asia/Shanghai' */
  timeZone?: string
  /** How far ahead of `now` a sender's clock may be. @defaultValue 300000 (5 minutes) */
  clockSkewMs?: number
}

// Shared with the death certificate; still exported here, where their importers look for them.
export { carriesCitizenNumber } from './check-deceased.js'
export { parseInstant } from './check-instant.js'

const checkShape = createSchemaValidator<CremationBody>(CremationBodySchema, CREMATION_FIELDS)

export function validateCremation (body: unknown, now: Date, options: CremationValidationOptions = {}): Validated<CremationRecord> {
  const shape = checkShape(body)
  if (!shape.ok) return { ok: false, kind: 'schema', errors: shape.errors }

  const { timeZone = 'Asia/Shanghai', clockSkewMs = 300_000 } = options
  const b = shape.value
  const errors: FieldError[] = []
  const fail = (pointer: string, code: CremationRuleCode, detail: string): void => {
    errors.push({ pointer, code, message: `${fieldLabel(pointer)}：${detail}` })
  }

  // Checked exactly as on the death certificate, so both documents of one person agree.
  const identity = checkDeceased(b.deceased, now, timeZone, fail)

  let informant: Informant | undefined
  if (b.informant !== undefined) {
    const name = normaliseName(b.informant.name)
    if (!name.ok) fail('/informant/name', name.code, name.message)
    const phone = normalisePhone(b.informant.phone)
    if (!phone.ok) fail('/informant/phone', phone.code, phone.message)
    if (name.ok && phone.ok) informant = { name: name.value, relation: b.informant.relation.trim(), phone: phone.value }
  }

  // Time line: 1900 ≤ birth ≤ death ≤ cremation ≤ now (+ skew); day of death ≤ day of issue,
  // issuedAt ≤ now (+ skew). A certificate may be issued before the cremation it attests (booked
  // in advance), so cremation ≤ issuedAt is not required. An instant already out of range is not
  // compared again.
  const instant = instantChecker(fail, now.getTime() + clockSkewMs)
  const death = instant('/death/time', b.death.time)
  const cremation = instant('/cremation/time', b.cremation.time)
  const issuedAt = instant('/issuedAt', b.issuedAt)
  if (death !== undefined && cremation !== undefined && death > cremation) {
    fail('/cremation/time', 'HUB_ERR_DEATH_AFTER_CREMATION', '不能早于死亡时间')
  }
  // Calendar dates, not instants: a death time is often estimated (found at home in the
  // morning), and a certificate issued the same day must not be refused over an hour.
  if (death !== undefined && issuedAt !== undefined) {
    const deathDate = localDate(new Date(death), timeZone)
    if (localDate(new Date(issuedAt), timeZone) < deathDate) {
      fail('/issuedAt', 'HUB_ERR_ISSUED_BEFORE_DEATH', `不能早于死亡日期 ${deathDate}`)
    }
  }
  checkDeathAfterBirth(death, identity.birthDate, timeZone, fail)

  if (errors.length > 0 || identity.value === undefined || death === undefined || cremation === undefined ||
    issuedAt === undefined) {
    return { ok: false, kind: 'rule', errors }
  }

  const deceased: Deceased = {
    ...identity.value,
    ...optional('householdAddress', b.deceased.householdAddress?.trim()),
    ...optional('householdDivision', b.deceased.householdDivision),
    ...optional('policeStation', b.deceased.policeStation && {
      code: b.deceased.policeStation.code.trim(), name: b.deceased.policeStation.name.trim()
    })
  }
  return {
    ok: true,
    value: {
      certificateNo: b.certificateNo.trim().toUpperCase(),
      funeralHome: { code: b.funeralHome.code.trim(), name: b.funeralHome.name.trim() },
      deceased,
      death: {
        time: new Date(death).toISOString(),
        place: b.death.place,
        circumstance: b.death.circumstance,
        ...optional('medicalCertificateNo', b.death.medicalCertificateNo?.trim())
      },
      cremation: { time: new Date(cremation).toISOString(), ...optional('operator', b.cremation.operator?.trim()) },
      ...optional('informant', informant),
      issuedAt: new Date(issuedAt).toISOString()
    }
  }
}

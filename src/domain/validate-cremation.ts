import { localDate } from './business-date.js'
import { CremationBodySchema, type CremationBody } from './cremation-schema.js'
import type { CremationRecord, Deceased, Informant } from './cremation-record.js'
import { CREMATION_FIELDS, fieldLabel } from './field-labels.js'
import type { FieldError, Validated } from './field-error.js'
import { checkIdNumber } from './id-number.js'
import { createSchemaValidator } from './schema-errors.js'
import { normaliseName, normalisePhone, toHalfWidth } from './text.js'

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
  | 'HUB_ERR_DEATH_BEFORE_BIRTH' | 'HUB_ERR_FORMAT'

export interface CremationValidationOptions {
  /** Zone of the calendar dates (birth date vs date of death, "today"). @defaultValue 'Asia/Shanghai' */
  timeZone?: string
  /** How far ahead of `now` a sender's clock may be. @defaultValue 300000 (5 minutes) */
  clockSkewMs?: number
}

/** DESIGN §5: no date before 1900, in Beijing time. */
const EARLIEST_INSTANT = Date.parse('1900-01-01T00:00:00+08:00')
const EARLIEST_DATE = '1900-01-01'

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
  const today = localDate(now, timeZone)
  const latest = now.getTime() + clockSkewMs

  // Identity. The number's own birth date and sex digit are the reference for the other fields.
  let idNumber: string
  let idBirthDate: string | undefined
  // 身份证 and 户口簿 both carry the 公民身份号码: the same person must get the same number, the
  // same checks and so the same blind index, whichever document the funeral home saw.
  if (carriesCitizenNumber(b.deceased.idType)) {
    const id = checkIdNumber(b.deceased.idNumber, now, timeZone)
    if (id.ok) {
      idNumber = id.value
      idBirthDate = id.birthDate
      const expected = id.sex === 'male' ? '1' : '2'
      // GB/T 2261.1 codes 0 (未知) and 9 (未说明) make no claim to compare.
      if ((b.deceased.gender === '1' || b.deceased.gender === '2') && b.deceased.gender !== expected) {
        fail('/deceased/gender', 'HUB_ERR_GENDER_MISMATCH', `与身份证号码的性别位不一致（号码为${id.sex === 'male' ? '男' : '女'}性）`)
      }
    } else {
      idNumber = b.deceased.idNumber.trim()
      fail('/deceased/idNumber', id.code, id.message)
    }
  } else {
    idNumber = toHalfWidth(b.deceased.idNumber).trim().toUpperCase()
    if (!/^[A-Z0-9-]{1,30}$/.test(idNumber)) fail('/deceased/idNumber', 'HUB_ERR_ID_FORMAT', '应为 1–30 位字母、数字或“-”')
  }

  let birthDate = b.deceased.birthDate ?? idBirthDate
  if (b.deceased.birthDate !== undefined) {
    if (b.deceased.birthDate < EARLIEST_DATE) {
      fail('/deceased/birthDate', 'HUB_ERR_DATE_RANGE', `不能早于 ${EARLIEST_DATE}`)
      birthDate = undefined
    } else if (b.deceased.birthDate > today) {
      fail('/deceased/birthDate', 'HUB_ERR_DATE_FUTURE', '不能晚于今天')
      birthDate = undefined
    } else if (idBirthDate !== undefined && b.deceased.birthDate !== idBirthDate) {
      fail('/deceased/birthDate', 'HUB_ERR_BIRTH_DATE_MISMATCH', `与身份证号码中的出生日期 ${idBirthDate} 不一致`)
    }
  }

  const deceasedName = normaliseName(b.deceased.name)
  if (!deceasedName.ok) fail('/deceased/name', deceasedName.code, deceasedName.message)

  let informant: Informant | undefined
  if (b.informant !== undefined) {
    const name = normaliseName(b.informant.name)
    if (!name.ok) fail('/informant/name', name.code, name.message)
    const phone = normalisePhone(b.informant.phone)
    if (!phone.ok) fail('/informant/phone', phone.code, phone.message)
    if (name.ok && phone.ok) informant = { name: name.value, relation: b.informant.relation.trim(), phone: phone.value }
  }

  // Time line: 1900 ≤ birth ≤ death ≤ cremation ≤ now (+ skew); issuedAt ≤ now (+ skew).
  // A certificate may be issued before the cremation it attests (booked in advance), so
  // cremation ≤ issuedAt is not required. An instant already out of range is not compared again.
  const instant = (pointer: string, value: string): number | undefined => {
    const t = parseInstant(value)
    if (Number.isNaN(t)) fail(pointer, 'HUB_ERR_FORMAT', '不是有效的时间')
    else if (t < EARLIEST_INSTANT) fail(pointer, 'HUB_ERR_DATE_RANGE', `不能早于 ${EARLIEST_DATE}`)
    else if (t > latest) fail(pointer, 'HUB_ERR_DATE_FUTURE', '不能晚于当前时间')
    else return t
    return undefined
  }
  const death = instant('/death/time', b.death.time)
  const cremation = instant('/cremation/time', b.cremation.time)
  const issuedAt = instant('/issuedAt', b.issuedAt)
  if (death !== undefined && cremation !== undefined && death > cremation) {
    fail('/cremation/time', 'HUB_ERR_DEATH_AFTER_CREMATION', '不能早于死亡时间')
  }
  if (death !== undefined && birthDate !== undefined && localDate(new Date(death), timeZone) < birthDate) {
    fail('/death/time', 'HUB_ERR_DEATH_BEFORE_BIRTH', `不能早于出生日期 ${birthDate}`)
  }

  if (errors.length > 0 || death === undefined || cremation === undefined || issuedAt === undefined ||
    !deceasedName.ok) {
    return { ok: false, kind: 'rule', errors }
  }

  const deceased: Deceased = {
    name: deceasedName.value,
    gender: b.deceased.gender,
    idType: b.deceased.idType,
    idNumber,
    ...optional('birthDate', birthDate),
    ...optional('ethnicity', b.deceased.ethnicity?.trim()),
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

/** `{ key: value }` when the value is present, `{}` otherwise: absent fields stay absent, never `undefined`. */
function optional<K extends string, V> (key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}

/**
 * Epoch milliseconds of an RFC 3339 date-time as ajv-formats accepts it (`T`, `t` or a space
 * between date and time; `Z`, `±hh`, `±hhmm` or `±hh:mm`; a leap second `:60`), computed here
 * rather than by `Date.parse`, whose handling of the non-ISO variants is implementation-defined.
 */
export function parseInstant (value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt\s](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):?(\d{2})?)$/.exec(value)
  if (m === null) return Number.NaN
  const [, y, mo, d, h, mi, s, frac = '', sign, oh = '0', om = '0'] = m
  const t = new Date(0)
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  t.setUTCFullYear(Number(y), Number(mo) - 1, Number(d))
  t.setUTCHours(Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3)))
  const offsetMs = (Number(oh) * 60 + Number(om)) * 60_000
  return t.getTime() - (sign === '-' ? -offsetMs : sign === '+' ? offsetMs : 0)
}

/** Document types whose number is the GB 11643 公民身份号码. */
export function carriesCitizenNumber (idType: string): boolean {
  return idType === '1' || idType === '2'
}

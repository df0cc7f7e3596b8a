import { localDate } from './business-date.js'
import { optional, type Fail } from './check-fields.js'
import { EARLIEST_DATE } from './check-instant.js'
import type { CremationBody } from './cremation-schema.js'
import type { CertifiedDeceased } from './death-certificate.js'
import { checkIdNumber, normaliseIdNumber, type IdNumberErrorCode } from './id-number.js'
import { normaliseName, toHalfWidth } from './text.js'

/**
 * The deceased's identity as both the cremation record and the death certificate carry it,
 * checked and normalised one way (same codes, same messages), so the two documents of one person
 * normalise to the same identity and the same blind index.
 */

export type DeceasedRuleCode =
  | IdNumberErrorCode | 'HUB_ERR_BIRTH_DATE_MISMATCH' | 'HUB_ERR_GENDER_MISMATCH' | 'HUB_ERR_NAME'
  | 'HUB_ERR_DATE_RANGE' | 'HUB_ERR_DATE_FUTURE'

/** The identity fields of the deceased as posted (shape-checked, not yet normalised). */
export type DeceasedIdentityBody = Pick<CremationBody['deceased'], 'name' | 'gender' | 'idType' | 'idNumber' | 'birthDate' | 'ethnicity'>

export interface DeceasedCheck {
  /** The normalised identity, when none of its fields failed. */
  value?: CertifiedDeceased
  /** The number in its canonical spelling, even when invalid (to compare a certificate number with). */
  idNumber: string
  /** The birth date to compare the death with, when it is trustworthy. */
  birthDate?: string
}

/**
 * Checks the ID number (GB 11643 for 身份证/户口簿, and for a 驾驶证 numbered with the 公民身份号码),
 * the gender and birth date against it, and the name, reporting every failure under
 * `/deceased/…`. The number's own birth date and sex digit are the reference for the other fields.
 */
export function checkDeceased (d: DeceasedIdentityBody, now: Date, timeZone: string, report: Fail<DeceasedRuleCode>): DeceasedCheck {
  let failed = false
  const fail: Fail<DeceasedRuleCode> = (...args) => { failed = true; report(...args) }

  let idNumber: string
  let idBirthDate: string | undefined
  // 身份证 and 户口簿 both carry the 公民身份号码, and so does a 驾驶证 numbered with it: the same
  // person must get the same number, the same checks and so the same blind index, whichever
  // document the sender saw.
  if (checkedAsCitizenNumber(d.idType, d.idNumber)) {
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
      fail('/deceased/birthDate', 'HUB_ERR_BIRTH_DATE_MISMATCH', '与身份证号码中的出生日期不一致')
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
 * Death not before birth, compared as calendar dates in `timeZone`. Either side `undefined`
 * (already reported, or unknown) means nothing to compare.
 */
export function checkDeathAfterBirth (
  death: number | undefined, birthDate: string | undefined, timeZone: string, fail: Fail<'HUB_ERR_DEATH_BEFORE_BIRTH'>
): void {
  if (death !== undefined && birthDate !== undefined && localDate(new Date(death), timeZone) < birthDate) {
    fail('/death/time', 'HUB_ERR_DEATH_BEFORE_BIRTH', '不能早于出生日期')
  }
}

/**
 * Whether a posted number is checked as a 公民身份号码: always on a 身份证 or 户口簿; on a 驾驶证
 * (idType 5) when, spelled canonically (15 digits widened to 18), it is shaped like one, since
 * the licence of a citizen is numbered with the holder's 公民身份号码. Other licence numbers (a
 * foreigner's) stay opaque.
 */
function checkedAsCitizenNumber (idType: string, idNumber: string): boolean {
  return carriesCitizenNumber({ idType, idNumber: normaliseIdNumber(idNumber) })
}

/**
 * Whether a stored (normalised) identity is a GB 11643 公民身份号码: 身份证 and 户口簿, and a
 * 驾驶证 whose number is 18 characters, which `checkDeceased` only lets through as a valid one.
 */
export function carriesCitizenNumber<T extends { idType: string, idNumber: string }> (
  identity: T
): identity is T & { idType: '1' | '2' | '5' } {
  const { idType, idNumber } = identity
  return idType === '1' || idType === '2' || (idType === '5' && /^\d{17}[\dX]$/.test(idNumber))
}

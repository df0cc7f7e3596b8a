import { localDate } from './business-date.js'
import { toHalfWidth } from './text.js'

/**
 * Citizen identity numbers of the People's Republic of China.
 * @see GB 11643-1999 公民身份号码
 * @see ISO 7064:1983 MOD 11-2 (the check character)
 *
 * Layout of the 18 characters: 6-digit address code (GB/T 2260), 8-digit birth date `YYYYMMDD`,
 * 3-digit sequence (odd last digit = male), 1 check character `0`–`9` or `X`.
 * Legacy 15-digit numbers (issued before 1999) have a 2-digit year and no check character.
 */

export type IdNumberCheck =
  | { ok: true, value: string, birthDate: string, sex: 'male' | 'female' }
  | { ok: false, code: IdNumberErrorCode, message: string }

export type IdNumberErrorCode = 'HUB_ERR_ID_FORMAT' | 'HUB_ERR_ID_CHECKSUM' | 'HUB_ERR_ID_BIRTH_DATE'

/** Weight of position i is 2^(17−i) mod 11. */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const
/** Check character for each value of Σ(aᵢ·Wᵢ) mod 11. */
const CHECK_CHARS = '10X98765432'

/** No birth date in a valid number is earlier than this (DESIGN §5: no date before 1900). */
const EARLIEST_BIRTH_DATE = '1900-01-01'

/**
 * The check character (`0`–`9` or `X`) of the first 17 digits.
 * @throws RangeError when `first17` is not exactly 17 ASCII digits.
 */
export function computeCheckDigit (first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('computeCheckDigit expects 17 digits')
  let sum = 0
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!
  return CHECK_CHARS[sum % 11]!
}

/**
 * The canonical spelling of a number as people type it: full-width characters to half-width,
 * all whitespace removed (U+3000 included), `x` → `X`, and a 15-digit legacy number widened to
 * 18 (century `19` inserted before `yyMMdd`, check character appended). Anything else is returned
 * as cleaned, unvalidated: `checkIdNumber` decides whether it is a number at all.
 */
export function normaliseIdNumber (raw: string): string {
  const cleaned = toHalfWidth(raw).replace(/\s/gu, '').replaceAll('x', 'X')
  if (/^\d{15}$/.test(cleaned)) {
    // Every 15-digit number was issued to someone born in the 1900s.
    const first17 = `${cleaned.slice(0, 6)}19${cleaned.slice(6)}`
    return first17 + computeCheckDigit(first17)
  }
  return cleaned
}

/**
 * Validates and normalises one number. `today` is the caller's clock (the function is pure):
 * a birth date is "in the future" when it is after today's calendar date in `timeZone`.
 * A failure's `message` does not name the field; the caller knows whose number it is.
 */
export function checkIdNumber (raw: string, today: Date, timeZone = 'Asia/Shanghai'): IdNumberCheck {
  const value = normaliseIdNumber(raw)
  // The area code starts with a province digit 1–9; the address table itself is not checked
  // because numbers stay valid after the division that issued them is renamed or merged.
  if (!/^[1-9]\d{16}[\dX]$/.test(value)) {
    return fail('HUB_ERR_ID_FORMAT', '应为 18 位（末位可为 X）或 15 位数字，首位不为 0')
  }
  // The expected check character is deliberately not quoted: it would invite "fixing" the last
  // character when the typo is elsewhere, and the number would then pass as someone else's.
  if (value[17] !== computeCheckDigit(value.slice(0, 17))) {
    return fail('HUB_ERR_ID_CHECKSUM', '校验位错误，请逐位核对号码')
  }
  const birthDate = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`
  if (!isCalendarDate(birthDate)) {
    return fail('HUB_ERR_ID_BIRTH_DATE', '号码中的出生日期不是有效日期')
  }
  if (birthDate < EARLIEST_BIRTH_DATE) {
    return fail('HUB_ERR_ID_BIRTH_DATE', '号码中的出生日期早于 1900-01-01')
  }
  if (birthDate > localDate(today, timeZone)) {
    return fail('HUB_ERR_ID_BIRTH_DATE', '号码中的出生日期晚于今天')
  }
  const sex = Number(value[16]) % 2 === 1 ? 'male' : 'female'
  return { ok: true, value, birthDate, sex }
}

/** True when `YYYY-MM-DD` names a day that exists in the proleptic Gregorian calendar. */
export function isCalendarDate (date: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (m === null) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = new Date(Date.UTC(y, mo - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d
}

function fail (code: IdNumberErrorCode, message: string): IdNumberCheck {
  return { ok: false, code, message }
}

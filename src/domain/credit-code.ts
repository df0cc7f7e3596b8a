import { toHalfWidth } from './text.js'

/**
 * Unified social credit codes (统一社会信用代码) of legal persons and other organisations, such as
 * the health institution that issues a death medical certificate.
 * @see GB 32100-2015 法人和其他组织统一社会信用代码编码规则
 *
 * Layout of the 18 characters: registration authority (1), organisation category (1), GB/T 2260
 * division of the registering office (6 digits), GB 11714 organisation code (9), check character
 * (1). The character set is the digits and the upper-case letters without I, O, Z, S, V (31 in
 * all), so that none can be misread as a digit or as another letter.
 */

export type CreditCodeErrorCode = 'HUB_ERR_CREDIT_CODE_FORMAT' | 'HUB_ERR_CREDIT_CODE_CHECKSUM'

export type CreditCodeCheck =
  | { ok: true, value: string }
  | { ok: false, code: CreditCodeErrorCode, message: string }

/** The 31 code characters in value order: the value of a character is its index. */
const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
/** Weight of position i is 3^i mod 31. */
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/

/**
 * The check character of the first 17 characters: C18 = 31 − (Σ Cᵢ·Wᵢ mod 31), where 31 is
 * written `0`. 31 is prime and no weight is 0 mod 31, so any single mistyped character changes it.
 * @throws RangeError when `first17` is not 17 characters of the code's character set.
 */
export function computeCreditCheckChar (first17: string): string {
  if (first17.length !== 17 || [...first17].some(c => !CHARSET.includes(c))) {
    throw new RangeError('computeCreditCheckChar expects 17 code characters')
  }
  let sum = 0
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17[i]!) * WEIGHTS[i]!
  return CHARSET[(31 - (sum % 31)) % 31]!
}

/** The canonical spelling: full-width to half-width, all whitespace removed, upper case. */
export function normaliseCreditCode (raw: string): string {
  return toHalfWidth(raw).replace(/\s/gu, '').toUpperCase()
}

/**
 * Validates and normalises one code. A failure's `message` does not name the field; the caller
 * knows whose code it is. The inner GB 11714 check character (position 17) is not verified:
 * GB 32100's own check character already covers every position.
 */
export function checkCreditCode (raw: string): CreditCodeCheck {
  const value = normaliseCreditCode(raw)
  if (!SHAPE.test(value)) {
    return {
      ok: false,
      code: 'HUB_ERR_CREDIT_CODE_FORMAT',
      message: '应为 18 位数字或大写字母（不含 I、O、Z、S、V），第 3–8 位为行政区划代码'
    }
  }
  // As for ID numbers, the expected character is not quoted: the typo may be anywhere.
  if (value[17] !== computeCreditCheckChar(value.slice(0, 17))) {
    return { ok: false, code: 'HUB_ERR_CREDIT_CODE_CHECKSUM', message: '校验码错误，请逐位核对代码' }
  }
  return { ok: true, value }
}

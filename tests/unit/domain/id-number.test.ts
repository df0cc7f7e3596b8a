import { describe, expect, it } from 'vitest'
import { checkIdNumber, computeCheckDigit, normaliseIdNumber } from '../../../src/domain/id-number.js'

const today = new Date('2026-11-28T12:00:00+08:00')
/** A number with a correct check character, so only the part under test is wrong. */
const withCheck = (first17: string): string => first17 + computeCheckDigit(first17)

describe('computeCheckDigit', () => {
  it('computes the ISO 7064 MOD 11-2 check character of published example numbers', () => {
    expect(computeCheckDigit('11010519491231002')).toBe('X')
    expect(computeCheckDigit('44052418800101001')).toBe('4')
    expect(computeCheckDigit('43062119380512004')).toBe('1')
  })

  it('refuses input that is not exactly 17 digits', () => {
    expect(() => computeCheckDigit('1101051949123100')).toThrow(RangeError)
    expect(() => computeCheckDigit('1101051949123100X')).toThrow(RangeError)
  })
})

describe('normaliseIdNumber', () => {
  it.each([
    ['full-width digits and letter', '１１０１０５１９４９１２３１００２Ｘ', '11010519491231002X'],
    ['a lowercase x', '11010519491231002x', '11010519491231002X'],
    ['spaces, tabs and ideographic spaces', ' 110105 1949\t1231\u3000002x ', '11010519491231002X'],
    ['a 15-digit legacy number', '110105491231002', '11010519491231002X'],
    ['a full-width 15-digit legacy number', '１１０１０５４９１２３１００２', '11010519491231002X']
  ])('cleans up %s', (_, raw, expected) => {
    expect(normaliseIdNumber(raw)).toBe(expected)
  })

  it('leaves text that is no number recognisably alone for the checker to reject', () => {
    expect(normaliseIdNumber('护照 E123')).toBe('护照E123')
  })
})

describe('checkIdNumber', () => {
  it.each([
    ['11010519491231002X', '1949-12-31', 'female'],
    ['430621193805120041', '1938-05-12', 'female'],
    ['430621194508170039', '1945-08-17', 'male'],
    [withCheck('43062120000229001'), '2000-02-29', 'male'],
    [withCheck('43062119000101002'), '1900-01-01', 'female'],
    [withCheck('43062120261128003'), '2026-11-28', 'male']
  ] as const)('accepts %s, born %s, %s', (number, birthDate, sex) => {
    expect(checkIdNumber(number, today)).toEqual({ ok: true, value: number, birthDate, sex })
  })

  it('returns the 18-digit form of messy and legacy input', () => {
    expect(checkIdNumber(' １１０１０５４９１２３１００２ ', today)).toEqual({
      ok: true, value: '11010519491231002X', birthDate: '1949-12-31', sex: 'female'
    })
    expect(checkIdNumber('11010519491231002x', today)).toMatchObject({ ok: true, value: '11010519491231002X' })
  })

  it.each([
    ['17 digits', '11010519491231002', 'HUB_ERR_ID_FORMAT'],
    ['16 digits', '1101051949123100', 'HUB_ERR_ID_FORMAT'],
    ['19 digits', '1101051949123100211', 'HUB_ERR_ID_FORMAT'],
    ['a letter other than X', '11010519491231002Y', 'HUB_ERR_ID_FORMAT'],
    ['an X inside the number', '1101051949123X0021', 'HUB_ERR_ID_FORMAT'],
    ['a 15-character number ending in X', '11010549123100X', 'HUB_ERR_ID_FORMAT'],
    ['an area code starting with 0', withCheck('01010519491231002'), 'HUB_ERR_ID_FORMAT'],
    ['an empty string', '', 'HUB_ERR_ID_FORMAT'],
    ['a wrong check digit', '110105194912310021', 'HUB_ERR_ID_CHECKSUM'],
    ['two swapped digits', '110105194912130020', 'HUB_ERR_ID_CHECKSUM'],
    ['30 February', withCheck('11010519900230001'), 'HUB_ERR_ID_BIRTH_DATE'],
    ['29 February of a non-leap year (1900)', withCheck('11010519000229001'), 'HUB_ERR_ID_BIRTH_DATE'],
    ['month 13', withCheck('11010519901301001'), 'HUB_ERR_ID_BIRTH_DATE'],
    ['day 00', withCheck('11010519900100001'), 'HUB_ERR_ID_BIRTH_DATE'],
    ['a birth in 1899', withCheck('11010518991231001'), 'HUB_ERR_ID_BIRTH_DATE'],
    ['a birth in 1880 (valid check digit)', '440524188001010014', 'HUB_ERR_ID_BIRTH_DATE'],
    ['a birth tomorrow', withCheck('11010520261129001'), 'HUB_ERR_ID_BIRTH_DATE'],
    ['a 15-digit number with 31 April', '110105490431002', 'HUB_ERR_ID_BIRTH_DATE']
  ])('rejects %s', (_, number, code) => {
    const result = checkIdNumber(number, today)
    expect(result).toMatchObject({ ok: false, code })
    expect(result.ok ? '' : result.message).toMatch(/\p{Script=Han}/u)
    // A birth date read out of the number is part of the person's identity: never echoed back.
    expect((result.ok ? '' : result.message).replace('1900-01-01', '')).not.toMatch(/\d{4}-\d{2}-\d{2}|\d{8}/)
  })

  it('does not quote the expected check digit, so a typo elsewhere is not "fixed" at the end', () => {
    const result = checkIdNumber('110105194912310021', today)
    expect(result.ok ? '' : result.message).not.toContain('X')
  })

  it('judges a birth date "in the future" by the calendar date in Beijing, not in UTC', () => {
    // 17:00 UTC on 28 November is already 01:00 on 29 November in Beijing.
    const lateUtc = new Date('2026-11-28T17:00:00Z')
    expect(checkIdNumber(withCheck('11010520261129001'), lateUtc)).toMatchObject({ ok: true })
    expect(checkIdNumber(withCheck('11010520261129001'), lateUtc, 'UTC')).toMatchObject({ ok: false, code: 'HUB_ERR_ID_BIRTH_DATE' })
  })

  it('reads the sex from the parity of the 17th digit', () => {
    for (let d = 0; d <= 9; d++) {
      const result = checkIdNumber(withCheck(`4306211950010100${d}`), today)
      expect(result).toMatchObject({ ok: true, sex: d % 2 === 1 ? 'male' : 'female' })
    }
  })
})

import { computeCheckDigit } from '../../../src/domain/id-number.js'
import { validCremation } from '../../fixtures/cremation.js'
import { json, OTHER_ID_NUMBER, type HostileCase } from '../harness.js'
import { setAt } from './edit.js'

/**
 * Cases of the cremation record itself (`POST` and `PUT /v1/cremations`): wrong types, oversize
 * fields, injection strings, impossible and far-off dates, and ID numbers at their edges.
 */

/** The record's free-text fields: anything but controls and broken Unicode goes, within a length. */
export const CREMATION_TEXT_FIELDS = [
  '/funeralHome/name', '/deceased/householdAddress', '/deceased/ethnicity', '/deceased/policeStation/name',
  '/cremation/operator', '/informant/relation', '/death/medicalCertificateNo', '/deceased/name'
] as const

const SCHEMA = { status: 400, code: 'HUB_ERR_SCHEMA' } as const
const RULES = { status: 422, code: 'HUB_ERR_VALIDATION' } as const

/** A case whose body is the fixture with one value replaced. */
function edit (what: string, pointer: string, value: unknown, expected: typeof SCHEMA | typeof RULES, code: string, at = pointer): HostileCase {
  return { what, payload: json(setAt(validCremation, pointer, value)), ...expected, fields: [[at, code]] }
}

export function wrongTypes (): HostileCase[] {
  const cases: Array<[string, unknown]> = [
    ['/certificateNo', 815], ['/deceased', '李桂英'], ['/deceased', []], ['/deceased/gender', 2], ['/deceased/idType', 1],
    ['/deceased/idNumber', 430621193805120041], ['/deceased/idNumber', { length: 18 }], ['/deceased/name', ['李', '桂英']],
    ['/deceased/birthDate', 19380512], ['/deceased/policeStation', '荣家湾派出所'], ['/death', null], ['/death/time', 1763592000000],
    ['/death/place', true], ['/cremation', []], ['/informant', 'self'], ['/informant/phone', 13907301234], ['/issuedAt', false],
    ['/funeralHome/code', {}], ['/deceased/gender', 1e400], ['/deceased/householdDivision', 430621]
  ]
  return cases.map(([pointer, value]) => edit(`${JSON.stringify(value) ?? String(value)} as ${pointer}`, pointer, value, SCHEMA, 'HUB_ERR_TYPE'))
}

export function missingAndUnknown (): HostileCase[] {
  return [
    edit('a record without its certificate number', '/certificateNo', undefined, SCHEMA, 'HUB_ERR_REQUIRED'),
    edit('a deceased without an ID number', '/deceased/idNumber', undefined, SCHEMA, 'HUB_ERR_REQUIRED'),
    edit('an unknown member of the deceased', '/deceased/nickname', '阿英', SCHEMA, 'HUB_ERR_UNKNOWN_FIELD'),
    edit('an unknown top-level member', '/isAdmin', true, SCHEMA, 'HUB_ERR_UNKNOWN_FIELD'),
    { what: 'a key that is an ID number', payload: json({ ...validCremation, [OTHER_ID_NUMBER]: 1 }), ...SCHEMA, fields: [['', 'HUB_ERR_UNKNOWN_FIELD']] },
    { what: 'a key holding a line feed', payload: json({ ...validCremation, 'a\nb': 1 }), ...SCHEMA, fields: [['', 'HUB_ERR_UNKNOWN_FIELD']] }
  ]
}

export function oversize (): HostileCase[] {
  return [
    edit('a name of 101 characters', '/deceased/name', '李'.repeat(101), SCHEMA, 'HUB_ERR_LENGTH'),
    edit('an address of 100,000 characters', '/deceased/householdAddress', '路'.repeat(100_000), SCHEMA, 'HUB_ERR_LENGTH'),
    edit('a certificate number of 41 characters', '/certificateNo', 'A'.repeat(41), SCHEMA, 'HUB_ERR_LENGTH'),
    edit('an ID number of 41 characters', '/deceased/idNumber', '4'.repeat(41), SCHEMA, 'HUB_ERR_LENGTH'),
    edit('a phone of 31 characters', '/informant/phone', '1'.repeat(31), SCHEMA, 'HUB_ERR_LENGTH'),
    edit('an operator of 51 characters', '/cremation/operator', '周'.repeat(51), SCHEMA, 'HUB_ERR_LENGTH'),
    edit('a name of 60 characters in 60 code points of Extension B', '/deceased/name', '𠀀'.repeat(60), RULES, 'HUB_ERR_NAME'),
    edit('a blank name', '/deceased/name', '   ', SCHEMA, 'HUB_ERR_PATTERN'),
    edit('an empty funeral home code', '/funeralHome/code', '', SCHEMA, 'HUB_ERR_LENGTH')
  ]
}

export function injections (): HostileCase[] {
  return [
    edit('SQL in the certificate number', '/certificateNo', "A' OR '1'='1", SCHEMA, 'HUB_ERR_PATTERN'),
    edit('a path in the certificate number', '/certificateNo', '../../etc/passwd', SCHEMA, 'HUB_ERR_PATTERN'),
    edit('a MongoDB operator as the ID number', '/deceased/idNumber', { $gt: '' }, SCHEMA, 'HUB_ERR_UNKNOWN_FIELD'),
    edit('SQL in the ID number', '/deceased/idNumber', "'; DROP TABLE records; --", RULES, 'HUB_ERR_ID_FORMAT'),
    edit('a script tag as the name', '/deceased/name', '<script>alert(1)</script>', RULES, 'HUB_ERR_NAME'),
    edit('a template expression as the name', '/deceased/name', '${7*7}', RULES, 'HUB_ERR_NAME'),
    edit('a SQL comment as the informant', '/informant/name', "王志强'--", RULES, 'HUB_ERR_NAME'),
    edit('SQL in the division code', '/deceased/householdDivision', "430621' OR '1'='1", SCHEMA, 'HUB_ERR_PATTERN'),
    edit('SQL as the gender code', '/deceased/gender', "1' OR 1=1", SCHEMA, 'HUB_ERR_ENUM'),
    edit('a header injection in the funeral home name', '/funeralHome/name', '殡仪馆\r\nSet-Cookie: a=b', SCHEMA, 'HUB_ERR_CHARACTERS'),
    edit('a forged log line in the operator', '/cremation/operator', '周\n{"level":60,"msg":"pwned"}', SCHEMA, 'HUB_ERR_CHARACTERS'),
    edit('a format string as the phone', '/informant/phone', '%s%s%n', RULES, 'HUB_ERR_PHONE'),
    edit('a JSON pointer trick as the date', '/deceased/birthDate', '1938-05-12/../..', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('a Unicode-escaped NUL in the certificate number', '/certificateNo', 'A\u0000B', SCHEMA, 'HUB_ERR_CHARACTERS')
  ]
}

export function dates (): HostileCase[] {
  return [
    edit('29 February of a common year', '/death/time', '2026-02-29T06:40:00+08:00', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('the 31st of November as a birth date', '/deceased/birthDate', '1938-11-31', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('hour 25', '/cremation/time', '2026-11-22T25:15:00+08:00', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('a leap second outside 23:59 UTC', '/cremation/time', '2026-11-22T09:15:60+08:00', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('a time without a zone', '/death/time', '2026-11-20T06:40:00', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('a date where an instant belongs', '/issuedAt', '2026-11-22', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('an offset of +24:00', '/issuedAt', '2026-11-22T10:05:00+24:00', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('full-width digits in a date', '/deceased/birthDate', '１９３８-05-12', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('an expanded year', '/death/time', '+002026-11-20T06:40:00+08:00', SCHEMA, 'HUB_ERR_FORMAT'),
    edit('the year 9999', '/cremation/time', '9999-12-31T23:59:59+08:00', RULES, 'HUB_ERR_DATE_FUTURE'),
    edit('the year 1', '/death/time', '0001-01-01T00:00:00Z', RULES, 'HUB_ERR_DATE_RANGE'),
    edit('one second before 1900 in Beijing', '/death/time', '1899-12-31T23:59:59+08:00', RULES, 'HUB_ERR_DATE_RANGE'),
    edit('a birth date before 1900', '/deceased/birthDate', '1899-12-31', RULES, 'HUB_ERR_DATE_RANGE'),
    edit('a cremation before the death', '/cremation/time', '2026-11-19T09:15:00+08:00', RULES, 'HUB_ERR_DEATH_AFTER_CREMATION'),
    edit('a certificate issued before the day of death', '/issuedAt', '2026-11-19T10:05:00+08:00', RULES, 'HUB_ERR_ISSUED_BEFORE_DEATH'),
    edit('a death tomorrow', '/death/time', '2099-01-01T06:40:00+08:00', RULES, 'HUB_ERR_DATE_FUTURE')
  ]
}

/** A valid 18-digit number with `first17`'s check digit. */
const withCheck = (first17: string): string => first17 + computeCheckDigit(first17)

export function idNumbers (): HostileCase[] {
  const id = validCremation.deceased.idNumber
  const wrongCheck = id.slice(0, 17) + (id[17] === '0' ? '1' : '0')
  const cases: Array<[string, string, string, string?]> = [
    ['a wrong check digit', wrongCheck, 'HUB_ERR_ID_CHECKSUM'],
    ['17 digits', id.slice(0, 17), 'HUB_ERR_ID_FORMAT'],
    ['19 digits', `${id}1`, 'HUB_ERR_ID_FORMAT'],
    ['eighteen zeros', '0'.repeat(18), 'HUB_ERR_ID_FORMAT'],
    ['a letter other than X', `${id.slice(0, 17)}A`, 'HUB_ERR_ID_FORMAT'],
    ['Arabic-Indic digits', '٤٣٠٦٢١١٩٣٨٠٥١٢٠٠٤١', 'HUB_ERR_ID_FORMAT'],
    ['a zero-width space inside', `${id.slice(0, 9)}\u200B${id.slice(9)}`, 'HUB_ERR_ID_FORMAT'],
    ['a leading plus sign', `+${id}`, 'HUB_ERR_ID_FORMAT'],
    ['29 February 1900', withCheck('43062119000229002'), 'HUB_ERR_ID_BIRTH_DATE'],
    ['a birth before 1900', withCheck('43062118991231002'), 'HUB_ERR_ID_BIRTH_DATE'],
    ['a birth in 2099', withCheck('43062120991231002'), 'HUB_ERR_ID_BIRTH_DATE'],
    ['a 15-digit number with month 13', '430621381305004', 'HUB_ERR_ID_BIRTH_DATE'],
    ['the number of a man', withCheck('43062119380512003'), 'HUB_ERR_GENDER_MISMATCH', '/deceased/gender'],
    ['another birth date than birthDate', OTHER_ID_NUMBER, 'HUB_ERR_BIRTH_DATE_MISMATCH', '/deceased/birthDate']
  ]
  return cases.map(([what, value, code, at]) => ({
    ...edit(`an ID number with ${what}`, '/deceased/idNumber', value, RULES, code, at),
    personal: [value]
  }))
}

/** Every cremation-record case of this file. */
export function cremationCases (): HostileCase[] {
  return [...wrongTypes(), ...missingAndUnknown(), ...oversize(), ...injections(), ...dates(), ...idNumbers()]
}

import { afterAll, beforeAll, describe, it } from 'vitest'
import { deathCertificateWith, issuerCreditCode, passportDeathCertificate, validDeathCertificate } from '../fixtures/death-certificate.js'
import type { TestHubWithDepartments } from '../helpers/test-hub.js'
import { documentCases } from './cases/body-cases.js'
import { expectRefused, json, OTHER_ID_NUMBER, sentence, startHostileHub, type HostileCase } from './harness.js'

const SCHEMA = { status: 400, code: 'HUB_ERR_SCHEMA' } as const
const RULES = { status: 422, code: 'HUB_ERR_VALIDATION' } as const

const edit = (what: string, patch: Record<string, unknown>, expected: typeof SCHEMA | typeof RULES, at: string, code: string): HostileCase =>
  ({ what, payload: json(deathCertificateWith(patch)), ...expected, fields: [[at, code]] })

/** The certificate's own rules: no cause of death, numbers that must agree, the issuer's code. */
const certificateCases: HostileCase[] = [
  edit('a cause of death', { causeOfDeath: '肺癌' }, SCHEMA, '/causeOfDeath', 'HUB_ERR_UNKNOWN_FIELD'),
  edit('an ICD-10 code', { icd10: 'C34.9' }, SCHEMA, '/icd10', 'HUB_ERR_UNKNOWN_FIELD'),
  edit('a diagnosis inside death', { death: { diagnosis: '心梗' } }, SCHEMA, '/death/diagnosis', 'HUB_ERR_UNKNOWN_FIELD'),
  edit('the informant of a cremation record', { informant: { name: '王志强' } }, SCHEMA, '/informant', 'HUB_ERR_UNKNOWN_FIELD'),
  edit('a number that is another person\'s ID number', { certificateNo: OTHER_ID_NUMBER }, RULES, '/certificateNo', 'HUB_ERR_CERTIFICATE_NO_MISMATCH'),
  edit('a number that is no ID number', { certificateNo: 'Y430621202611200017' }, RULES, '/certificateNo', 'HUB_ERR_CERTIFICATE_NO_MISMATCH'),
  edit('a number with SQL in it', { certificateNo: "4306' OR '1'='1" }, SCHEMA, '/certificateNo', 'HUB_ERR_PATTERN'),
  edit('a number of dashes only', { certificateNo: '----' }, SCHEMA, '/certificateNo', 'HUB_ERR_PATTERN'),
  edit('a number of 41 characters', { certificateNo: '4'.repeat(41) }, SCHEMA, '/certificateNo', 'HUB_ERR_LENGTH'),
  edit('a number holding a NUL', { certificateNo: '430621\u0000193805120041' }, SCHEMA, '/certificateNo', 'HUB_ERR_CHARACTERS'),
  edit('a credit code with a wrong check character', { issuer: { creditCode: `${issuerCreditCode.slice(0, 17)}0` } }, RULES, '/issuer/creditCode', 'HUB_ERR_CREDIT_CODE_CHECKSUM'),
  edit('a credit code of 17 characters', { issuer: { creditCode: issuerCreditCode.slice(0, 17) } }, RULES, '/issuer/creditCode', 'HUB_ERR_CREDIT_CODE_FORMAT'),
  edit('a credit code with the letter I', { issuer: { creditCode: `${issuerCreditCode.slice(0, 10)}I${issuerCreditCode.slice(11)}` } }, RULES, '/issuer/creditCode', 'HUB_ERR_CREDIT_CODE_FORMAT'),
  edit('a credit code that is a number', { issuer: { creditCode: 124306214487654315 } }, SCHEMA, '/issuer/creditCode', 'HUB_ERR_TYPE'),
  edit('an issuer that is a string', { issuer: '岳阳县荣家湾镇卫生院' }, SCHEMA, '/issuer', 'HUB_ERR_TYPE'),
  edit('a gender given as a number', { deceased: { gender: 2 } }, SCHEMA, '/deceased/gender', 'HUB_ERR_TYPE'),
  edit('an ID type outside the table', { deceased: { idType: '8' } }, SCHEMA, '/deceased/idType', 'HUB_ERR_ENUM'),
  edit('an ID number with a wrong check digit', { deceased: { idNumber: '430621193805120042' }, certificateNo: '430621193805120042' }, RULES, '/deceased/idNumber', 'HUB_ERR_ID_CHECKSUM'),
  edit('an ID number of eighteen nines', { deceased: { idNumber: '9'.repeat(18) }, certificateNo: '9'.repeat(18) }, RULES, '/deceased/idNumber', 'HUB_ERR_ID_CHECKSUM'),
  edit('a birth date other than the ID number\'s', { deceased: { birthDate: '1938-05-13' } }, RULES, '/deceased/birthDate', 'HUB_ERR_BIRTH_DATE_MISMATCH'),
  edit('a name with digits', { deceased: { name: '李桂英2' } }, RULES, '/deceased/name', 'HUB_ERR_NAME'),
  edit('a name of HTML', { deceased: { name: '<b>李</b>' } }, RULES, '/deceased/name', 'HUB_ERR_NAME'),
  edit('a certificate issued before the death', { issuedAt: '2026-11-20T06:00:00+08:00' }, RULES, '/issuedAt', 'HUB_ERR_DEATH_AFTER_ISSUE'),
  edit('a death in the year 9999', { death: { time: '9999-01-01T00:00:00Z' } }, RULES, '/death/time', 'HUB_ERR_DATE_FUTURE'),
  edit('a death in 1899', { death: { time: '1899-06-01T00:00:00+08:00' } }, RULES, '/death/time', 'HUB_ERR_DATE_RANGE'),
  edit('a death on 30 February', { death: { time: '2026-02-30T08:00:00+08:00' } }, SCHEMA, '/death/time', 'HUB_ERR_FORMAT'),
  edit('an issue time without a zone', { issuedAt: '2026-11-20T09:30:00' }, SCHEMA, '/issuedAt', 'HUB_ERR_FORMAT'),
  edit('a death place outside the table', { death: { place: '5' } }, SCHEMA, '/death/place', 'HUB_ERR_ENUM'),
  {
    what: 'a passport holder\'s certificate numbered with another issuer\'s credit code',
    payload: json({ ...passportDeathCertificate(), certificateNo: '91430621MA4L0XXXXX-2026000123' }),
    ...RULES,
    fields: [['/certificateNo', 'HUB_ERR_CERTIFICATE_NO_MISMATCH']]
  },
  {
    what: 'a passport number holding a right-to-left override',
    payload: json({ ...passportDeathCertificate(), deceased: { ...passportDeathCertificate().deceased, idNumber: 'C0123\u202E4567' } }),
    ...SCHEMA,
    fields: [['/deceased/idNumber', 'HUB_ERR_CHARACTERS']]
  }
]

const cases = [...documentCases(validDeathCertificate(), ['/issuer/name', '/deceased/ethnicity', '/deceased/name'], 'death certificate'), ...certificateCases]

describe('hostile input to POST /v1/death-certificates', () => {
  let th: TestHubWithDepartments
  beforeAll(async () => { th = await startHostileHub() })
  afterAll(async () => { await th.close() })

  for (const c of cases) {
    it(sentence(c), async () => { await expectRefused(th, c, { method: 'POST', url: '/v1/death-certificates' }) })
  }
})

import { describe, expect, it } from 'vitest'
import { checkCreditCode, computeCreditCheckChar } from '../../../src/domain/credit-code.js'
import { deathCertificateSubject, type DeathCertificate } from '../../../src/domain/death-certificate.js'
import type { FieldError, Validated } from '../../../src/domain/field-error.js'
import { subjectIdentity } from '../../../src/domain/subject.js'
import { validateCremation } from '../../../src/domain/validate-cremation.js'
import { validateDeathCertificate } from '../../../src/domain/validate-death-certificate.js'
import { cremationWith, validCremation } from '../../fixtures/cremation.js'
import {
  certificateNow as now, deathCertificateWith, issuerCreditCode, passportDeathCertificate, validDeathCertificate
} from '../../fixtures/death-certificate.js'

const shanghai = { timeZone: 'Asia/Shanghai' }

/** Pointer and code of each error, the part of a report that clients program against. */
function codes (result: Validated<DeathCertificate>): Array<Pick<FieldError, 'pointer' | 'code'>> {
  if (result.ok) throw new Error('expected the certificate to be rejected')
  return result.errors.map(({ pointer, code }) => ({ pointer, code }))
}

function messages (result: Validated<DeathCertificate>): string[] {
  if (result.ok) throw new Error('expected the certificate to be rejected')
  return result.errors.map(e => e.message)
}

function accepted (result: Validated<DeathCertificate>): DeathCertificate {
  if (!result.ok) throw new Error(`expected the certificate to be accepted: ${JSON.stringify(result.errors)}`)
  return result.value
}

describe('validateDeathCertificate — accepted certificates', () => {
  it('accepts the reference certificate and returns its canonical form with UTC instants', () => {
    expect(validateDeathCertificate(validDeathCertificate(), now, shanghai)).toEqual({
      ok: true,
      value: {
        certificateNo: '430621193805120041',
        deceased: {
          name: '李桂英', gender: '2', idType: '1', idNumber: '430621193805120041', birthDate: '1938-05-12', ethnicity: '汉族'
        },
        death: { time: '2026-11-19T22:40:00.000Z', place: '3' },
        issuer: { creditCode: '124306214487654315', name: '岳阳县荣家湾镇卫生院' },
        issuedAt: '2026-11-20T01:30:00.000Z'
      }
    })
  })

  it('accepts a certificate for a deceased without an ID number, numbered by the issuer’s credit code', () => {
    const certificate = accepted(validateDeathCertificate(passportDeathCertificate(), now, shanghai))
    expect(certificate.certificateNo).toBe(`${issuerCreditCode}-2026000123`)
    expect(Object.keys(certificate.deceased).sort()).toEqual(['gender', 'idNumber', 'idType', 'name'])
  })

  it('fills in the birth date from the ID number when it is not sent', () => {
    const body = deathCertificateWith({ deceased: { birthDate: undefined, ethnicity: undefined } })
    const certificate = accepted(validateDeathCertificate(body, now, shanghai))
    expect(certificate.deceased.birthDate).toBe('1938-05-12')
    expect(Object.keys(certificate.deceased)).not.toContain('ethnicity')
  })

  it('normalises what people type: widths, spaces, case, names and offsets', () => {
    const certificate = accepted(validateDeathCertificate(deathCertificateWith({
      certificateNo: ' ４３０６２１ １９３８０５１２ ００４１ ',
      deceased: { name: ' 李 桂英 ', idNumber: '４３０６２１３８０５１２００４', ethnicity: ' 汉族 ' },
      death: { time: '2026-11-20 06:40:00.5+0800' },
      issuer: { creditCode: ' １２４３０６２１ 4487654315 ', name: ' 岳阳县荣家湾镇卫生院 ' }
    }), now, shanghai))
    expect(certificate).toMatchObject({
      certificateNo: '430621193805120041',
      deceased: { name: '李桂英', idNumber: '430621193805120041', ethnicity: '汉族' },
      death: { time: '2026-11-19T22:40:00.500Z' },
      issuer: { creditCode: '124306214487654315', name: '岳阳县荣家湾镇卫生院' }
    })
  })

  it('normalises a passport number and a credit-code certificate number to upper case', () => {
    const certificate = accepted(validateDeathCertificate(deathCertificateWith({
      certificateNo: `${issuerCreditCode.toLowerCase()}-2026000123`,
      deceased: { idNumber: ' ｃ01234567 ' }
    }, passportDeathCertificate()), now, shanghai))
    expect(certificate.certificateNo).toBe(`${issuerCreditCode}-2026000123`)
    expect(certificate.deceased.idNumber).toBe('C01234567')
  })

  it('does not compare the ID sex digit with gender codes 0 (unknown) and 9 (unspecified)', () => {
    for (const gender of ['0', '9']) {
      expect(validateDeathCertificate(deathCertificateWith({ deceased: { gender } }), now, shanghai)).toMatchObject({ ok: true })
    }
  })

  it('tolerates five minutes of clock skew on the sender side, and no more', () => {
    const at = (issuedAt: string) => validateDeathCertificate(deathCertificateWith({ issuedAt }), now, shanghai)
    expect(at('2026-11-28T12:04:30+08:00')).toMatchObject({ ok: true })
    expect(codes(at('2026-11-28T12:05:01+08:00'))).toEqual([{ pointer: '/issuedAt', code: 'HUB_ERR_DATE_FUTURE' }])
  })

  it('leaves its input untouched', () => {
    const body = deathCertificateWith({ certificateNo: ' 430621193805120041 ', issuer: { name: ' 卫生院 ' } })
    const copy = structuredClone(body)
    validateDeathCertificate(body, now, shanghai)
    expect(body).toEqual(copy)
  })
})

describe('death certificate and cremation record of the same person', () => {
  const cremation = () => {
    const result = validateCremation(validCremation, now)
    if (!result.ok) throw new Error('the cremation fixture must be valid')
    return result.value
  }

  it('give the same subject identity, so they merge into one notice', () => {
    const certificate = accepted(validateDeathCertificate(validDeathCertificate(), now, shanghai))
    expect(deathCertificateSubject(certificate)).toBe(subjectIdentity(cremation().deceased))
    expect(deathCertificateSubject(certificate)).toBe('cn:430621193805120041')
  })

  it('normalise the deceased to the same fields', () => {
    const { name, gender, idType, idNumber, birthDate, ethnicity } = cremation().deceased
    const certificate = accepted(validateDeathCertificate(validDeathCertificate(), now, shanghai))
    expect(certificate.deceased).toEqual({ name, gender, idType, idNumber, birthDate, ethnicity })
    expect(certificate.death.time).toBe(cremation().death.time)
  })

  it('merge when the certificate saw the 户口簿 and a legacy 15-digit number', () => {
    const certificate = accepted(validateDeathCertificate(deathCertificateWith({
      certificateNo: '430621380512004',
      deceased: { idType: '2', idNumber: '430621380512004' }
    }), now, shanghai))
    expect(certificate.certificateNo).toBe('430621193805120041')
    expect(deathCertificateSubject(certificate)).toBe(subjectIdentity(cremation().deceased))
  })

  it('merge when the cremation record saw a 驾驶证 numbered with the 公民身份号码', () => {
    const licence = validateCremation(cremationWith({ deceased: { idType: '5', idNumber: '430621380512004' } }), now)
    if (!licence.ok) throw new Error(JSON.stringify(licence.errors))
    const certificate = accepted(validateDeathCertificate(validDeathCertificate(), now, shanghai))
    expect(subjectIdentity(licence.value.deceased)).toBe('cn:430621193805120041')
    expect(deathCertificateSubject(certificate)).toBe(subjectIdentity(licence.value.deceased))
  })

  it('merge by document type and number when the deceased had only a passport', () => {
    const certificate = accepted(validateDeathCertificate(passportDeathCertificate(), now, shanghai))
    const passportCremation = validateCremation(cremationWith({
      deceased: { idType: '3', idNumber: 'c01234567', gender: '2', birthDate: undefined, name: 'Anna Maria Schmidt' }
    }), now)
    if (!passportCremation.ok) throw new Error(JSON.stringify(passportCremation.errors))
    expect(deathCertificateSubject(certificate)).toBe(subjectIdentity(passportCremation.value.deceased))
    expect(deathCertificateSubject(certificate)).not.toBe(deathCertificateSubject({ deceased: { idType: '1', idNumber: 'C01234567' } }))
  })
})

describe('subjectIdentity', () => {
  it('is the same for a 驾驶证 and a 身份证 with the same 公民身份号码', () => {
    expect(subjectIdentity({ idType: '5', idNumber: '11010519491231002X' }))
      .toBe(subjectIdentity({ idType: '1', idNumber: '11010519491231002X' }))
    expect(subjectIdentity({ idType: '5', idNumber: '11010519491231002X' })).toBe('cn:11010519491231002X')
  })

  it('keeps another 驾驶证 number unique only among 驾驶证', () => {
    expect(subjectIdentity({ idType: '5', idNumber: 'B1234567' })).toBe('5:B1234567')
  })
})

describe('validateDeathCertificate — the certificate number rule from 2026-07-01', () => {
  /** A death on 30 June 2026 with a pre-reform number, issued at `issuedAt`. */
  const issued = (issuedAt: string, patch: Record<string, unknown> = {}) => deathCertificateWith({
    certificateNo: 'Y430621202606300017', death: { time: '2026-06-30T20:00:00+08:00' }, issuedAt, ...patch
  })
  const passport = (certificateNo: string, issuedAt: string) => deathCertificateWith({
    certificateNo, death: { time: '2026-06-30T20:00:00+08:00' }, issuedAt
  }, passportDeathCertificate())

  it.each([
    ['one second before midnight, Beijing time', '2026-06-30T23:59:59+08:00', true],
    ['at midnight, Beijing time', '2026-07-01T00:00:00+08:00', false],
    ['at 00:30 Beijing time, still 30 June in UTC', '2026-06-30T16:30:00Z', false],
    ['at 23:59:59 Beijing time written in UTC', '2026-06-30T15:59:59Z', true]
  ])('for an ID card holder, accepts any number or requires the ID number when issued %s', (_, issuedAt, accepts) => {
    const result = validateDeathCertificate(issued(issuedAt), now, shanghai)
    if (accepts) expect(accepted(result).certificateNo).toBe('Y430621202606300017')
    else expect(codes(result)).toEqual([{ pointer: '/certificateNo', code: 'HUB_ERR_CERTIFICATE_NO_MISMATCH' }])
  })

  it('decides the day of issue in the configured time zone', () => {
    expect(validateDeathCertificate(issued('2026-06-30T16:30:00Z'), now, { timeZone: 'UTC' })).toMatchObject({ ok: true })
  })

  it('explains the rule without quoting the ID number', () => {
    const result = validateDeathCertificate(issued('2026-07-01T00:00:00+08:00'), now, shanghai)
    expect(messages(result)).toEqual(['死亡医学证明编号：自 2026-07-01 起应与逝者身份证号码一致'])
  })

  it('accepts the ID number as the certificate number at midnight', () => {
    const result = validateDeathCertificate(issued('2026-07-01T00:00:00+08:00', { certificateNo: '430621193805120041' }), now, shanghai)
    expect(accepted(result).certificateNo).toBe('430621193805120041')
  })

  it('requires the 户口簿 number too, since it is the same 公民身份号码', () => {
    const body = deathCertificateWith({ certificateNo: 'Y430621202611200017', deceased: { idType: '2' } })
    expect(codes(validateDeathCertificate(body, now, shanghai)))
      .toEqual([{ pointer: '/certificateNo', code: 'HUB_ERR_CERTIFICATE_NO_MISMATCH' }])
  })

  it('requires the 公民身份号码 of a 驾驶证 numbered with it, and accepts it in its legacy spelling', () => {
    const licence = { deceased: { idType: '5', idNumber: '430621380512004' } }
    expect(codes(validateDeathCertificate(deathCertificateWith({ ...licence, certificateNo: `${issuerCreditCode}-1` }), now, shanghai)))
      .toEqual([{ pointer: '/certificateNo', code: 'HUB_ERR_CERTIFICATE_NO_MISMATCH' }])
    const certificate = accepted(validateDeathCertificate(deathCertificateWith({ ...licence, certificateNo: '430621380512004' }), now, shanghai))
    expect(certificate.certificateNo).toBe('430621193805120041')
    expect(certificate.deceased).toMatchObject({ idType: '5', idNumber: '430621193805120041' })
  })

  it('numbers the certificate of a deceased with another kind of 驾驶证 like one without an ID number', () => {
    const body = deathCertificateWith({
      certificateNo: `${issuerCreditCode}-1`, deceased: { idType: '5', idNumber: 'B1234567', birthDate: '1938-05-12' }
    })
    expect(accepted(validateDeathCertificate(body, now, shanghai)).certificateNo).toBe(`${issuerCreditCode}-1`)
  })

  it.each([
    ['another person’s ID number', '430621194508170039', 'HUB_ERR_CERTIFICATE_NO_MISMATCH'],
    ['the number without its check character', '43062119380512004', 'HUB_ERR_CERTIFICATE_NO_MISMATCH'],
    ['the issuer’s credit code form', `${issuerCreditCode}-1`, 'HUB_ERR_CERTIFICATE_NO_MISMATCH']
  ])('rejects %s as the number of an ID card holder’s certificate', (_, certificateNo, code) => {
    expect(codes(validateDeathCertificate(deathCertificateWith({ certificateNo }), now, shanghai)))
      .toEqual([{ pointer: '/certificateNo', code }])
  })

  it.each([
    ['accepts any number before', 'P-000123', '2026-06-30T23:59:59+08:00', []],
    ['accepts the issuer’s credit code and a serial from', `${issuerCreditCode}-1`, '2026-07-01T00:00:00+08:00', []],
    ['rejects a bare serial from', '2026000123', '2026-07-01T00:00:00+08:00', ['HUB_ERR_CERTIFICATE_NO_FORMAT']],
    ['rejects the credit code without a serial from', `${issuerCreditCode}-`, '2026-07-01T00:00:00+08:00', ['HUB_ERR_CERTIFICATE_NO_FORMAT']],
    ['rejects the passport number from', 'C01234567', '2026-07-01T00:00:00+08:00', ['HUB_ERR_CERTIFICATE_NO_FORMAT']],
    ['rejects another institution’s credit code from', '91350100M000100Y43-1', '2026-07-01T00:00:00+08:00', ['HUB_ERR_CERTIFICATE_NO_MISMATCH']]
  ])('for a deceased without an ID number, %s 2026-07-01', (_, certificateNo, issuedAt, expected) => {
    const result = validateDeathCertificate(passport(certificateNo, issuedAt), now, shanghai)
    if (expected.length === 0) expect(result).toMatchObject({ ok: true })
    else expect(codes(result)).toEqual(expected.map(code => ({ pointer: '/certificateNo', code })))
  })
})

describe('validateDeathCertificate — schema errors (HTTP 400)', () => {
  it('refuses a cause of death by name and says the hub does not take it', () => {
    const result = validateDeathCertificate(deathCertificateWith({ causeOfDeath: '脑出血' }), now, shanghai)
    expect(result).toEqual({
      ok: false,
      kind: 'schema',
      errors: [{
        pointer: '/causeOfDeath',
        code: 'HUB_ERR_UNKNOWN_FIELD',
        message: '不允许的字段：/causeOfDeath（本中枢不接收死亡原因：联办流程中没有部门需要它，请勿发送）'
      }]
    })
  })

  it.each([['/death/cause', { death: { cause: { a: 'I61.9' } } }], ['/death/icd10', { death: { icd10: 'I61.9' } }], ['/diagnosis', { diagnosis: '脑出血' }]])(
    'refuses %s as a cause of death too', (pointer, patch) => {
      const result = validateDeathCertificate(deathCertificateWith(patch), now, shanghai)
      expect(codes(result)).toEqual([{ pointer, code: 'HUB_ERR_UNKNOWN_FIELD' }])
      expect(messages(result)[0]).toContain('本中枢不接收死亡原因')
    })

  it('rejects other unknown fields, including the cremation record’s household fields, without that remark', () => {
    const result = validateDeathCertificate(deathCertificateWith({ remark: '加急', deceased: { householdDivision: '430621' } }), now, shanghai)
    expect(result).toMatchObject({ ok: false, kind: 'schema' })
    expect(result.ok ? [] : [...result.errors].sort((x, y) => x.pointer.localeCompare(y.pointer))).toEqual([
      { pointer: '/deceased/householdDivision', code: 'HUB_ERR_UNKNOWN_FIELD', message: '不允许的字段：/deceased/householdDivision' },
      { pointer: '/remark', code: 'HUB_ERR_UNKNOWN_FIELD', message: '不允许的字段：/remark' }
    ])
  })

  it('names a missing field with its Chinese label and pointer', () => {
    const result = validateDeathCertificate(deathCertificateWith({ issuer: { creditCode: undefined } }), now, shanghai)
    expect(result).toEqual({
      ok: false,
      kind: 'schema',
      errors: [{ pointer: '/issuer/creditCode', code: 'HUB_ERR_REQUIRED', message: '缺少必填字段：开具机构统一社会信用代码（/issuer/creditCode）' }]
    })
  })

  it('lists every schema error of a certificate at once', () => {
    const result = validateDeathCertificate(deathCertificateWith({
      certificateNo: '4306/2119',
      deceased: { gender: 2, idType: '8' },
      death: { time: '2026-11-20T06:40:00', place: '5' },
      issuer: { name: '' },
      issuedAt: undefined
    }), now, shanghai)
    expect(result).toMatchObject({ ok: false, kind: 'schema' })
    expect(codes(result)).toEqual(expect.arrayContaining([
      { pointer: '/certificateNo', code: 'HUB_ERR_PATTERN' },
      { pointer: '/deceased/gender', code: 'HUB_ERR_TYPE' },
      { pointer: '/deceased/idType', code: 'HUB_ERR_ENUM' },
      { pointer: '/death/time', code: 'HUB_ERR_FORMAT' },
      { pointer: '/death/place', code: 'HUB_ERR_ENUM' },
      { pointer: '/issuer/name', code: 'HUB_ERR_LENGTH' },
      { pointer: '/issuedAt', code: 'HUB_ERR_REQUIRED' }
    ]))
    expect(codes(result)).toHaveLength(7)
    expect(messages(result)).toEqual(expect.arrayContaining([
      '死亡医学证明编号格式不正确：只能包含字母、数字和“-”',
      '死亡地点代码不在死亡地点代码表中（允许 0、1、2、3、4、9）',
      '开具机构名称不能为空'
    ]))
  })

  it.each([['only dashes', '--'], ['only spaces', '   '], ['a slash', 'Y4306/21'], ['Chinese text', '第123号'], ['41 characters', '1'.repeat(41)]])(
    'rejects a certificate number made of %s', (_, certificateNo) => {
      expect(codes(validateDeathCertificate(deathCertificateWith({ certificateNo }), now, shanghai)))
        .toEqual([{ pointer: '/certificateNo', code: expect.stringMatching(/^HUB_ERR_(PATTERN|LENGTH)$/) }])
    })

  it('rejects a death time that is not a calendar date', () => {
    expect(codes(validateDeathCertificate(deathCertificateWith({ death: { time: '2026-02-30T10:00:00+08:00' } }), now, shanghai)))
      .toEqual([{ pointer: '/death/time', code: 'HUB_ERR_FORMAT' }])
  })

  it('refuses control characters in any string field', () => {
    const result = validateDeathCertificate(deathCertificateWith({ issuer: { name: '卫生院\u0000' } }), now, shanghai)
    expect(codes(result)).toEqual([{ pointer: '/issuer/name', code: 'HUB_ERR_CHARACTERS' }])
  })

  it.each([['null', null], ['an array', []], ['a string', '430621193805120041']])('rejects %s as the body', (_, body) => {
    expect(codes(validateDeathCertificate(body, now, shanghai))).toEqual([{ pointer: '', code: 'HUB_ERR_TYPE' }])
  })
})

describe('validateDeathCertificate — rule errors (HTTP 422)', () => {
  it('reports every failing field of a certificate at once, with pointers, codes and messages', () => {
    const result = validateDeathCertificate(deathCertificateWith({
      deceased: { idNumber: '430621193805120042', name: '李桂英2' },
      death: { time: '2026-11-20T10:00:00+08:00' },
      issuer: { creditCode: '124306214487654316' }
    }), now, shanghai)
    expect(result).toMatchObject({ ok: false, kind: 'rule' })
    expect(codes(result)).toEqual([
      { pointer: '/deceased/idNumber', code: 'HUB_ERR_ID_CHECKSUM' },
      { pointer: '/deceased/name', code: 'HUB_ERR_NAME' },
      { pointer: '/issuer/creditCode', code: 'HUB_ERR_CREDIT_CODE_CHECKSUM' },
      { pointer: '/issuedAt', code: 'HUB_ERR_DEATH_AFTER_ISSUE' },
      { pointer: '/certificateNo', code: 'HUB_ERR_CERTIFICATE_NO_MISMATCH' }
    ])
    expect(messages(result)).toEqual([
      '逝者证件号码：校验位错误，请逐位核对号码',
      '逝者姓名：不能包含数字',
      '开具机构统一社会信用代码：校验码错误，请逐位核对代码',
      '死亡医学证明开具时间：不能早于死亡时间',
      '死亡医学证明编号：自 2026-07-01 起应与逝者身份证号码一致'
    ])
  })

  it.each([
    ['a birth date that differs from the ID number', { deceased: { birthDate: '1938-05-21' } }, '/deceased/birthDate', 'HUB_ERR_BIRTH_DATE_MISMATCH'],
    ['a gender that contradicts the sex digit', { deceased: { gender: '1' } }, '/deceased/gender', 'HUB_ERR_GENDER_MISMATCH'],
    ['an ID number of 17 digits', { deceased: { idNumber: '43062119380512004' }, certificateNo: '43062119380512004' }, '/deceased/idNumber', 'HUB_ERR_ID_FORMAT'],
    ['an ID number born before 1900', { deceased: { idNumber: '440524188001010014', birthDate: undefined }, certificateNo: '440524188001010014' }, '/deceased/idNumber', 'HUB_ERR_ID_BIRTH_DATE'],
    ['a name of punctuation', { deceased: { name: '李-桂英' } }, '/deceased/name', 'HUB_ERR_NAME'],
    ['a credit code with a letter O', { issuer: { creditCode: '12430621448765431O' } }, '/issuer/creditCode', 'HUB_ERR_CREDIT_CODE_FORMAT'],
    ['a credit code of 17 characters', { issuer: { creditCode: '12430621448765431' } }, '/issuer/creditCode', 'HUB_ERR_CREDIT_CODE_FORMAT'],
    ['a death more than five minutes in the future', { death: { time: '2026-11-28T12:06:00+08:00' } }, '/death/time', 'HUB_ERR_DATE_FUTURE']
  ])('rejects %s', (_, patch, pointer, code) => {
    const result = validateDeathCertificate(deathCertificateWith(patch), now, shanghai)
    expect(result).toMatchObject({ ok: false, kind: 'rule' })
    expect(codes(result)).toEqual([{ pointer, code }])
  })

  it('passes the ID number and gender rules through with the cremation record’s messages', () => {
    const result = validateDeathCertificate(deathCertificateWith({ deceased: { gender: '1' } }), now, shanghai)
    expect(result.ok ? [] : result.errors).toEqual([{
      pointer: '/deceased/gender', code: 'HUB_ERR_GENDER_MISMATCH', message: '逝者性别：与身份证号码的性别位不一致（号码为女性）'
    }])
  })

  it('rejects dates before 1900 without also comparing them with the other dates', () => {
    expect(codes(validateDeathCertificate(deathCertificateWith({
      deceased: { birthDate: '1899-12-31' }, death: { time: '1899-12-31T23:00:00+08:00' }
    }, passportDeathCertificate()), now, shanghai))).toEqual([
      { pointer: '/deceased/birthDate', code: 'HUB_ERR_DATE_RANGE' },
      { pointer: '/death/time', code: 'HUB_ERR_DATE_RANGE' }
    ])
  })

  it('rejects a death before the birth date, comparing calendar dates in Beijing time', () => {
    const bornOn20th = (time: string) => deathCertificateWith({ deceased: { birthDate: '2026-11-20' }, death: { time } }, passportDeathCertificate())
    // 00:30 on the 20th in Beijing is still the 19th in UTC: not before birth.
    expect(validateDeathCertificate(bornOn20th('2026-11-20T00:30:00+08:00'), now, shanghai)).toMatchObject({ ok: true })
    expect(codes(validateDeathCertificate(bornOn20th('2026-11-19T23:30:00+08:00'), now, shanghai)))
      .toEqual([{ pointer: '/death/time', code: 'HUB_ERR_DEATH_BEFORE_BIRTH' }])
  })

  it('does not decide the numbering rule when the issue time itself is wrong', () => {
    expect(codes(validateDeathCertificate(deathCertificateWith({ certificateNo: 'Y1', issuedAt: '2026-12-01T00:00:00+08:00' }), now, shanghai)))
      .toEqual([{ pointer: '/issuedAt', code: 'HUB_ERR_DATE_FUTURE' }])
  })
})

describe('GB 32100 unified social credit codes', () => {
  it.each([
    ['the example of GB 32100-2015', '91350100M000100Y43'],
    ['a company registered in 深圳 (check character 6)', '914403001922038216'],
    ['a company registered in 深圳 (check character T)', '91440300708461136T'],
    ['a public institution (事业单位)', '123502001549897397'],
    ['a code whose check character is X', '91350213678251743X'],
    ['the fixture’s issuer', issuerCreditCode]
  ])('accepts %s', (_, code) => {
    expect(checkCreditCode(code)).toEqual({ ok: true, value: code })
  })

  it('normalises widths, spaces and case before checking', () => {
    expect(checkCreditCode(' ９１３５０１００ m000100y43 ')).toEqual({ ok: true, value: '91350100M000100Y43' })
  })

  it.each([
    ['17 characters', '91350100M000100Y4'],
    ['19 characters', '91350100M000100Y433'],
    ['a letter I', '91350100M000100I43'],
    ['a letter S', '91350100S000100Y43'],
    ['a letter in the division code', '913501A0M000100Y43'],
    ['punctuation', '91350100-M000100Y4']
  ])('rejects a code with %s as malformed', (_, code) => {
    expect(checkCreditCode(code)).toMatchObject({ ok: false, code: 'HUB_ERR_CREDIT_CODE_FORMAT' })
  })

  it('detects every single mistyped character', () => {
    const charset = '0123456789ABCDEFGHJKLMNPQRTUWXY'
    let variants = 0
    for (let i = 0; i < 18; i++) {
      for (const c of charset) {
        if (c === issuerCreditCode[i] || (i >= 2 && i < 8 && !/\d/.test(c))) continue
        const typo = issuerCreditCode.slice(0, i) + c + issuerCreditCode.slice(i + 1)
        expect(checkCreditCode(typo), typo).toMatchObject({ ok: false, code: 'HUB_ERR_CREDIT_CODE_CHECKSUM' })
        variants++
      }
    }
    expect(variants).toBe(12 * 30 + 6 * 9)
  })

  it('detects two swapped neighbours among the first 17 characters', () => {
    for (let i = 0; i < 16; i++) {
      const [a, b] = [issuerCreditCode[i]!, issuerCreditCode[i + 1]!]
      if (a === b) continue
      const swapped = issuerCreditCode.slice(0, i) + b + a + issuerCreditCode.slice(i + 2)
      expect(checkCreditCode(swapped).ok, swapped).toBe(false)
    }
  })

  it('computes the check character of the first 17 characters, and refuses anything else', () => {
    expect(computeCreditCheckChar('91350100M000100Y4')).toBe('3')
    expect(() => computeCreditCheckChar('91350100M000100Y')).toThrow(RangeError)
    expect(() => computeCreditCheckChar('91350100M000100O4')).toThrow(RangeError)
  })
})

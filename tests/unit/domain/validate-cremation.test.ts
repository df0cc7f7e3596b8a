import { describe, expect, it } from 'vitest'
import type { CremationRecord } from '../../../src/domain/cremation-record.js'
import type { FieldError, Validated } from '../../../src/domain/field-error.js'
import { validateCremation } from '../../../src/domain/validate-cremation.js'
import {
  cremationNow as now, cremationWith, hospitalCremation, makeCremation, minimalCremation, validCremation, validCremations
} from '../../fixtures/cremation.js'

/** Pointer and code of each error, the part of a report that clients program against. */
function codes (result: Validated<CremationRecord>): Array<Pick<FieldError, 'pointer' | 'code'>> {
  if (result.ok) throw new Error('expected the record to be rejected')
  return result.errors.map(({ pointer, code }) => ({ pointer, code }))
}

function accepted (result: Validated<CremationRecord>): CremationRecord {
  if (!result.ok) throw new Error(`expected the record to be accepted: ${JSON.stringify(result.errors)}`)
  return result.value
}

describe('validateCremation — accepted records', () => {
  it('accepts the reference record and returns its canonical form with UTC instants', () => {
    expect(validateCremation(validCremation, now)).toEqual({
      ok: true,
      value: {
        certificateNo: 'YYX-2026-0815',
        funeralHome: { code: '430621-BYG', name: '岳阳县殡仪馆' },
        deceased: {
          name: '李桂英',
          gender: '2',
          idType: '1',
          idNumber: '430621193805120041',
          birthDate: '1938-05-12',
          ethnicity: '汉族',
          householdAddress: '湖南省岳阳市岳阳县荣家湾镇建设北路 18 号',
          householdDivision: '430621',
          policeStation: { code: '430621001', name: '荣家湾派出所' }
        },
        death: {
          time: '2026-11-19T22:40:00.000Z',
          place: '3',
          circumstance: 'home-natural',
          medicalCertificateNo: 'Y430621202611200017'
        },
        cremation: { time: '2026-11-22T01:15:00.000Z', operator: '周建国' },
        informant: { name: '王志强', relation: '子', phone: '13907301234' },
        issuedAt: '2026-11-22T02:05:00.000Z'
      }
    })
  })

  it.each(validCremations.map(r => [r.certificateNo, r] as const))('accepts the fixture %s', (_, record) => {
    expect(validateCremation(record, now)).toMatchObject({ ok: true })
  })

  it('fills in the birth date from the ID number when it is not sent', () => {
    expect(accepted(validateCremation(hospitalCremation, now)).deceased.birthDate).toBe('1945-08-17')
  })

  it('leaves absent optional fields absent rather than undefined', () => {
    const record = accepted(validateCremation(minimalCremation, now))
    expect(Object.keys(record)).not.toContain('informant')
    expect(Object.keys(record.deceased).sort()).toEqual(['birthDate', 'gender', 'idNumber', 'idType', 'name'])
    expect(Object.keys(record.cremation)).toEqual(['time'])
  })

  it('accepts a certificate issued before the cremation it attests', () => {
    expect(minimalCremation.issuedAt < minimalCremation.cremation.time).toBe(true)
    expect(validateCremation(minimalCremation, now)).toMatchObject({ ok: true })
  })

  it('accepts a thousand generated records, each with a distinct ID number and certificate number', () => {
    const records = Array.from({ length: 1000 }, (_, i) => accepted(validateCremation(makeCremation(i * 997), now)))
    expect(new Set(records.map(r => r.deceased.idNumber)).size).toBe(1000)
    expect(new Set(records.map(r => r.certificateNo)).size).toBe(1000)
    expect(records[1]!.certificateNo).toBe('HH2026-000997')
  })

  it('normalises what people type: case, widths, spaces, dots, legacy numbers and phone formats', () => {
    const record = accepted(validateCremation(cremationWith({
      certificateNo: '  yyx-2026-0815 ',
      funeralHome: { name: ' 岳阳县殡仪馆 ' },
      deceased: { name: ' 李 桂英 ', idNumber: '４３０６２１３８０５１２００４', ethnicity: ' 汉族 ' },
      death: { time: '2026-11-20 06:40:00.5+0800' },
      informant: { name: '阿依古丽 • 买买提', phone: '+86 139-0730-1234' }
    }), now))
    expect(record.certificateNo).toBe('YYX-2026-0815')
    expect(record.funeralHome.name).toBe('岳阳县殡仪馆')
    expect(record.deceased).toMatchObject({ name: '李桂英', idNumber: '430621193805120041', ethnicity: '汉族' })
    expect(record.death.time).toBe('2026-11-19T22:40:00.500Z')
    expect(record.informant).toEqual({ name: '阿依古丽·买买提', relation: '子', phone: '13907301234' })
  })

  it('keeps a landline as digits only', () => {
    expect(accepted(validateCremation(hospitalCremation, now)).informant?.phone).toBe('07308123456')
  })

  it('normalises the number of a document other than the ID card to upper-case half-width', () => {
    const record = accepted(validateCremation(cremationWith({
      deceased: { idType: '3', idNumber: ' ｅ１２３４５６７８ ', birthDate: '1938-05-12' }
    }), now))
    expect(record.deceased.idNumber).toBe('E12345678')
  })

  it('normalises a 驾驶证 numbered with the 公民身份号码 like a 身份证: 15 digits widened to 18', () => {
    const record = accepted(validateCremation(cremationWith({
      deceased: { idType: '5', idNumber: '430621380512004', birthDate: undefined }
    }), now))
    expect(record.deceased).toMatchObject({ idType: '5', idNumber: '430621193805120041', birthDate: '1938-05-12' })
  })

  it('normalises a 驾驶证 number in full-width digits with a lower-case x to the 18-character form', () => {
    const record = accepted(validateCremation(cremationWith({
      deceased: { idType: '5', idNumber: ' １１０１０５１９４９１２３１００２ｘ ', birthDate: '1949-12-31', gender: '2' }
    }), now))
    expect(record.deceased).toMatchObject({ idType: '5', idNumber: '11010519491231002X' })
  })

  it('checks a 驾驶证 number written in groups with spaces as a 公民身份号码, as it would a 身份证', () => {
    const record = accepted(validateCremation(cremationWith({
      deceased: { idType: '5', idNumber: '430621 19380512 0041' }
    }), now))
    expect(record.deceased).toMatchObject({ idType: '5', idNumber: '430621193805120041' })
  })

  it('keeps accepting a 驾驶证 number that is not a 公民身份号码, as an opaque upper-case number', () => {
    const record = accepted(validateCremation(cremationWith({
      deceased: { idType: '5', idNumber: ' b1234567 ', birthDate: '1938-05-12', gender: '1' }
    }), now))
    expect(record.deceased).toMatchObject({ idType: '5', idNumber: 'B1234567', gender: '1' })
  })

  it('does not compare the ID sex digit with gender codes 0 (unknown) and 9 (unspecified)', () => {
    expect(validateCremation(cremationWith({ deceased: { gender: '9' } }), now)).toMatchObject({ ok: true })
    expect(validateCremation(cremationWith({ deceased: { gender: '0' } }), now)).toMatchObject({ ok: true })
  })

  it('tolerates five minutes of clock skew on the sender side', () => {
    const fourMinutesAhead = cremationWith({ cremation: { time: '2026-11-28T12:04:00+08:00' }, issuedAt: '2026-11-28T12:04:30+08:00' })
    expect(validateCremation(fourMinutesAhead, now)).toMatchObject({ ok: true })
  })

  it('leaves its input untouched', () => {
    const body = cremationWith({ certificateNo: ' yyx-1 ' })
    const copy = structuredClone(body)
    validateCremation(body, now)
    expect(body).toEqual(copy)
  })
})

describe('validateCremation — schema errors (HTTP 400)', () => {
  it('rejects unknown fields at any depth, naming each one', () => {
    const result = validateCremation(cremationWith({ remark: '加急', deceased: { foo: 1 } }), now)
    expect(result).toMatchObject({ ok: false, kind: 'schema' })
    const errors = result.ok ? [] : [...result.errors].sort((x, y) => x.pointer.localeCompare(y.pointer))
    expect(errors).toEqual([
      { pointer: '/deceased/foo', code: 'HUB_ERR_UNKNOWN_FIELD', message: '不允许的字段：/deceased/foo' },
      { pointer: '/remark', code: 'HUB_ERR_UNKNOWN_FIELD', message: '不允许的字段：/remark' }
    ])
  })

  it('names a missing field with its Chinese label and pointer', () => {
    const result = validateCremation(cremationWith({ deceased: { idNumber: undefined } }), now)
    expect(result).toEqual({
      ok: false,
      kind: 'schema',
      errors: [{ pointer: '/deceased/idNumber', code: 'HUB_ERR_REQUIRED', message: '缺少必填字段：逝者身份证号码（/deceased/idNumber）' }]
    })
  })

  it('explains a code outside its national table and lists the allowed codes', () => {
    const result = validateCremation(cremationWith({ deceased: { gender: '5' } }), now)
    expect(result.ok ? [] : result.errors).toEqual([{
      pointer: '/deceased/gender', code: 'HUB_ERR_ENUM', message: '逝者性别代码不在 GB/T 2261.1 代码表中（允许 0、1、2、9）'
    }])
  })

  it('rejects codes sent as numbers with a type error only', () => {
    expect(codes(validateCremation(cremationWith({ deceased: { gender: 1 }, death: { place: 3 } }), now))).toEqual([
      { pointer: '/deceased/gender', code: 'HUB_ERR_TYPE' },
      { pointer: '/death/place', code: 'HUB_ERR_TYPE' }
    ])
  })

  it('rejects a date-time without a time-zone offset', () => {
    expect(codes(validateCremation(cremationWith({ death: { time: '2026-11-20T06:40:00' } }), now)))
      .toEqual([{ pointer: '/death/time', code: 'HUB_ERR_FORMAT' }])
  })

  it.each(['2026-11-20T31:59:30+08:00', '2026-11-20T24:59:30+01:00', '2026-11-20T06:61:00+08:00'])(
    'rejects an impossible clock time %s rather than rolling it into another day', (time) => {
      const r = validateCremation(cremationWith({ death: { time } }), now)
      expect(codes(r)).toEqual([{ pointer: '/death/time', code: 'HUB_ERR_FORMAT' }])
    })

  it('rejects a birth date that is not a calendar date', () => {
    expect(codes(validateCremation(cremationWith({ deceased: { birthDate: '1938-02-30' } }), now)))
      .toEqual([{ pointer: '/deceased/birthDate', code: 'HUB_ERR_FORMAT' }])
  })

  it('reports an empty string once, and a blank one as blank', () => {
    const result = validateCremation(cremationWith({ funeralHome: { code: '', name: '   ' } }), now)
    expect(result.ok ? [] : result.errors).toEqual([
      { pointer: '/funeralHome/code', code: 'HUB_ERR_LENGTH', message: '殡仪馆代码不能为空' },
      { pointer: '/funeralHome/name', code: 'HUB_ERR_PATTERN', message: '殡仪馆名称不能为空白' }
    ])
  })

  it('refuses NUL, other control characters and broken surrogates in any string field', () => {
    const result = validateCremation(cremationWith({ certificateNo: 'A\u0000B', cremation: { operator: '周\u0007' }, informant: { relation: '\uDC00子' } }), now)
    expect(result).toMatchObject({ ok: false, kind: 'schema' })
    expect(codes(result)).toEqual(expect.arrayContaining([
      { pointer: '/cremation/operator', code: 'HUB_ERR_CHARACTERS' },
      { pointer: '/informant/relation', code: 'HUB_ERR_CHARACTERS' },
      { pointer: '/certificateNo', code: 'HUB_ERR_CHARACTERS' }
    ]))
    expect(accepted(validateCremation(cremationWith({ deceased: { name: '𠀋𠀋' } }), now)).deceased.name).toBe('𠀋𠀋')
  })

  it('lists every schema error of a record at once', () => {
    const result = validateCremation(cremationWith({
      certificateNo: 'YYX/2026/0815',
      funeralHome: undefined,
      deceased: { idType: '8', householdDivision: '43062', policeStation: { name: 'x'.repeat(101) } },
      death: { circumstance: 'accident' },
      cremation: { time: 'yesterday' },
      issuedAt: undefined
    }), now)
    expect(result).toMatchObject({ ok: false, kind: 'schema' })
    expect(codes(result)).toEqual(expect.arrayContaining([
      { pointer: '/certificateNo', code: 'HUB_ERR_PATTERN' },
      { pointer: '/funeralHome', code: 'HUB_ERR_REQUIRED' },
      { pointer: '/issuedAt', code: 'HUB_ERR_REQUIRED' },
      { pointer: '/deceased/idType', code: 'HUB_ERR_ENUM' },
      { pointer: '/deceased/householdDivision', code: 'HUB_ERR_PATTERN' },
      { pointer: '/deceased/policeStation/name', code: 'HUB_ERR_LENGTH' },
      { pointer: '/death/circumstance', code: 'HUB_ERR_ENUM' },
      { pointer: '/cremation/time', code: 'HUB_ERR_FORMAT' }
    ]))
    expect(codes(result)).toHaveLength(8)
    const messages = result.ok ? [] : result.errors.map(e => e.message)
    expect(messages).toContain('火化证明编号格式不正确：只能包含字母、数字和“-”')
    expect(messages).toContain('派出所名称长度应为 1–100 个字符')
  })

  it.each([['null', null], ['an array', []], ['a string', 'HH2026'], ['a number', 42]])('rejects %s as the body', (_, body) => {
    expect(codes(validateCremation(body, now))).toEqual([{ pointer: '', code: 'HUB_ERR_TYPE' }])
  })
})

describe('validateCremation — rule errors (HTTP 422)', () => {
  it('reports every failing field of a record at once, with pointers and codes', () => {
    const result = validateCremation(cremationWith({
      deceased: { idNumber: '430621193805120042', name: '李桂英2' },
      informant: { name: 'Wang Zhiqiang 3', phone: '12345' },
      death: { time: '2026-11-23T06:40:00+08:00' },
      issuedAt: '2026-11-29T10:00:00+08:00'
    }), now)
    expect(result).toMatchObject({ ok: false, kind: 'rule' })
    expect(codes(result)).toEqual([
      { pointer: '/deceased/idNumber', code: 'HUB_ERR_ID_CHECKSUM' },
      { pointer: '/deceased/name', code: 'HUB_ERR_NAME' },
      { pointer: '/informant/name', code: 'HUB_ERR_NAME' },
      { pointer: '/informant/phone', code: 'HUB_ERR_PHONE' },
      { pointer: '/issuedAt', code: 'HUB_ERR_DATE_FUTURE' },
      { pointer: '/cremation/time', code: 'HUB_ERR_DEATH_AFTER_CREMATION' }
    ])
    expect(result.ok ? [] : result.errors.map(e => e.message)).toEqual(expect.arrayContaining([
      '逝者身份证号码：校验位错误，请逐位核对号码',
      '申报人电话：应为 11 位手机号或带区号的固定电话（如 0730-8123456）',
      '火化时间：不能早于死亡时间'
    ]))
  })

  it('rejects a birth date that differs from the one in the ID number', () => {
    expect(codes(validateCremation(cremationWith({ deceased: { birthDate: '1938-05-21' } }), now)))
      .toEqual([{ pointer: '/deceased/birthDate', code: 'HUB_ERR_BIRTH_DATE_MISMATCH' }])
  })

  it('rejects a gender that contradicts the sex digit of the ID number', () => {
    const result = validateCremation(cremationWith({ deceased: { gender: '1' } }), now)
    expect(result.ok ? [] : result.errors).toEqual([{
      pointer: '/deceased/gender', code: 'HUB_ERR_GENDER_MISMATCH', message: '逝者性别：与身份证号码的性别位不一致（号码为女性）'
    }])
  })

  it('passes the ID number errors of GB 11643 through with their own codes', () => {
    expect(codes(validateCremation(cremationWith({ deceased: { idNumber: '43062119380512004' } }), now)))
      .toEqual([{ pointer: '/deceased/idNumber', code: 'HUB_ERR_ID_FORMAT' }])
    expect(codes(validateCremation(cremationWith({ deceased: { idNumber: '440524188001010014', birthDate: undefined } }), now)))
      .toEqual([{ pointer: '/deceased/idNumber', code: 'HUB_ERR_ID_BIRTH_DATE' }])
  })

  it('rejects a passport number with characters other than letters, digits and dashes', () => {
    expect(codes(validateCremation(cremationWith({ deceased: { idType: '3', idNumber: 'E1234 5678' } }), now)))
      .toEqual([{ pointer: '/deceased/idNumber', code: 'HUB_ERR_ID_FORMAT' }])
  })

  it('rejects a cremation more than five minutes in the future', () => {
    expect(codes(validateCremation(cremationWith({ cremation: { time: '2026-11-28T12:06:00+08:00' } }), now)))
      .toEqual([{ pointer: '/cremation/time', code: 'HUB_ERR_DATE_FUTURE' }])
  })

  it('checks the number on a 户口簿 as strictly as on a 身份证: it is the same 公民身份号码', () => {
    expect(codes(validateCremation(cremationWith({ deceased: { idType: '2', idNumber: '430621193805120042' } }), now)))
      .toEqual([{ pointer: '/deceased/idNumber', code: 'HUB_ERR_ID_CHECKSUM' }])
    expect(accepted(validateCremation(cremationWith({ deceased: { idType: '2', idNumber: '430621380512004' } }), now)).deceased.idNumber)
      .toBe('430621193805120041')
  })

  it('checks a 驾驶证 number shaped like a 公民身份号码 as one: a wrong check digit is refused', () => {
    const result = validateCremation(cremationWith({ deceased: { idType: '5', idNumber: '430621193805120042' } }), now)
    expect(result.ok ? [] : result.errors).toEqual([{
      pointer: '/deceased/idNumber', code: 'HUB_ERR_ID_CHECKSUM', message: '逝者身份证号码：校验位错误，请逐位核对号码'
    }])
  })

  it('refuses a gender or a birth date that contradicts the 公民身份号码 on a 驾驶证', () => {
    expect(codes(validateCremation(cremationWith({ deceased: { idType: '5', gender: '1' } }), now)))
      .toEqual([{ pointer: '/deceased/gender', code: 'HUB_ERR_GENDER_MISMATCH' }])
    expect(codes(validateCremation(cremationWith({ deceased: { idType: '5', birthDate: '1938-05-21' } }), now)))
      .toEqual([{ pointer: '/deceased/birthDate', code: 'HUB_ERR_BIRTH_DATE_MISMATCH' }])
    expect(codes(validateCremation(cremationWith({ deceased: { idType: '5', idNumber: '440524188001010014', birthDate: undefined } }), now)))
      .toEqual([{ pointer: '/deceased/idNumber', code: 'HUB_ERR_ID_BIRTH_DATE' }])
  })

  it('rejects dates before 1900 without also comparing them with the other dates', () => {
    expect(codes(validateCremation(cremationWith({
      deceased: { idType: '3', idNumber: 'E12345678', birthDate: '1899-12-31' },
      death: { time: '1899-12-31T23:00:00+08:00' }
    }), now))).toEqual([
      { pointer: '/deceased/birthDate', code: 'HUB_ERR_DATE_RANGE' },
      { pointer: '/death/time', code: 'HUB_ERR_DATE_RANGE' }
    ])
  })

  it('rejects a death before the birth date, comparing calendar dates in Beijing time', () => {
    const bornOn20th = { deceased: { idType: '3', idNumber: 'E12345678', birthDate: '2026-11-20' } }
    // 00:30 on the 20th in Beijing is still the 19th in UTC: not before birth.
    expect(validateCremation(cremationWith({ ...bornOn20th, death: { time: '2026-11-20T00:30:00+08:00' } }), now))
      .toMatchObject({ ok: true })
    expect(codes(validateCremation(cremationWith({ ...bornOn20th, death: { time: '2026-11-19T23:30:00+08:00' } }), now)))
      .toEqual([{ pointer: '/death/time', code: 'HUB_ERR_DEATH_BEFORE_BIRTH' }])
  })

  it('rejects a certificate issued on a day before the death, naming the date of death', () => {
    const result = validateCremation(cremationWith({ issuedAt: '2026-11-19T18:00:00+08:00' }), now)
    expect(result).toEqual({
      ok: false,
      kind: 'rule',
      errors: [{ pointer: '/issuedAt', code: 'HUB_ERR_ISSUED_BEFORE_DEATH', message: '火化证明开具时间：不能早于死亡日期 2026-11-20' }]
    })
  })

  it('accepts a certificate issued hours before an estimated death time on the same day', () => {
    // Death estimated at 06:40 on 20 November; the certificate dated 00:10 that day.
    expect(validateCremation(cremationWith({ issuedAt: '2026-11-20T00:10:00+08:00' }), now)).toMatchObject({ ok: true })
  })

  it('compares the day of issue with the day of death in Beijing time, not in UTC', () => {
    // Died 09:00 on the 20th (01:00Z on the 20th), issued 07:00 the same day (23:00Z on the 19th).
    expect(validateCremation(cremationWith({
      death: { time: '2026-11-20T09:00:00+08:00' }, issuedAt: '2026-11-20T07:00:00+08:00'
    }), now)).toMatchObject({ ok: true })
    // Died 06:40 on the 20th (22:40Z on the 19th), issued 20:00 on the 19th (12:00Z on the 19th).
    expect(codes(validateCremation(cremationWith({ issuedAt: '2026-11-19T20:00:00+08:00' }), now)))
      .toEqual([{ pointer: '/issuedAt', code: 'HUB_ERR_ISSUED_BEFORE_DEATH' }])
  })

  it('decides the days of death and of issue in the configured time zone', () => {
    // Death 2026-11-19T22:40Z, issued 2026-11-19T12:00Z: the same day in UTC.
    const body = cremationWith({ issuedAt: '2026-11-19T20:00:00+08:00' })
    expect(validateCremation(body, now, { timeZone: 'UTC' })).toMatchObject({ ok: true })
  })

  it('rejects a birth date in the future', () => {
    expect(codes(validateCremation(cremationWith({ deceased: { idType: '3', idNumber: 'E12345678', birthDate: '2026-11-29' } }), now)))
      .toEqual(expect.arrayContaining([{ pointer: '/deceased/birthDate', code: 'HUB_ERR_DATE_FUTURE' }]))
  })
})

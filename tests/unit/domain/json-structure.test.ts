import { describe, expect, it } from 'vitest'
import { isFieldName, jsonStructureError } from '../../../src/domain/json-structure.js'
import { CREMATION_FIELDS } from '../../../src/domain/field-labels.js'
import { makeCremation } from '../../fixtures/cremation.js'

const check = (text: string, limits?: { maxDepth: number, maxValues: number }): { pointer: string, code: string } | undefined => {
  JSON.parse(text.replace(/^\uFEFF/, '')) // these cases are JSON (secure-json-parse drops a BOM)
  const e = jsonStructureError(text, CREMATION_FIELDS, limits)
  return e && { pointer: e.pointer, code: e.code }
}

describe('jsonStructureError', () => {
  it('finds nothing wrong in the records funeral homes send', () => {
    for (let i = 0; i < 50; i++) expect(check(JSON.stringify(makeCremation(i)))).toBeUndefined()
  })

  it('names a key given twice by its pointer, at any depth', () => {
    expect(check('{"a":1,"a":2}')).toEqual({ pointer: '/a', code: 'HUB_ERR_DUPLICATE_KEY' })
    expect(check('{"deceased":{"idNumber":"1","name":"x","idNumber":"2"}}')).toEqual({ pointer: '/deceased/idNumber', code: 'HUB_ERR_DUPLICATE_KEY' })
    expect(check('{"x":[{"a":1},{"b":1,"b":2}]}')).toEqual({ pointer: '/x/1/b', code: 'HUB_ERR_DUPLICATE_KEY' })
  })

  it('sees a key spelled with escapes as the key it decodes to', () => {
    expect(check('{"name":1,"n\\u0061me":2}')).toEqual({ pointer: '/name', code: 'HUB_ERR_DUPLICATE_KEY' })
  })

  it('allows the same key in sibling objects and after its object closed', () => {
    expect(check('{"a":{"k":1},"b":{"k":1},"c":[{"k":1},{"k":2}]}')).toBeUndefined()
  })

  it('is not fooled by quotes, colons and braces inside strings', () => {
    expect(check('{"a":"\\"a\\":1,{","b":"\\\\","c":"x\\\\\\"y:"}')).toBeUndefined()
    expect(check('{"a":"\\\\","a":1}')).toEqual({ pointer: '/a', code: 'HUB_ERR_DUPLICATE_KEY' })
  })

  it('reads past a byte-order mark and whitespace around every token', () => {
    expect(check('\uFEFF { "a" : 1 ,\r\n\t"a" : [ true , null , -1.5e+3 ] }')).toEqual({ pointer: '/a', code: 'HUB_ERR_DUPLICATE_KEY' })
  })

  it('refuses a key that is no field name without echoing it', () => {
    for (const key of ['', '1a', 'a b', 'a-b', '430621193805120041', 'id430621x', '名字', 'a\u0000', 'k'.repeat(65)]) {
      expect(check(JSON.stringify({ deceased: { [key]: 1 } }))).toEqual({ pointer: '/deceased', code: 'HUB_ERR_UNKNOWN_FIELD' })
    }
  })

  it('takes camelCase and snake_case names of up to 64 characters, with short numbers', () => {
    for (const key of ['certificateNo', '_x', 'line2', 'a12345b', 'k'.repeat(64)]) expect(isFieldName(key)).toBe(true)
  })

  it('refuses a body nested deeper than the limit, and one with too many values', () => {
    expect(check('[[[1]]]', { maxDepth: 3, maxValues: 100 })).toBeUndefined()
    expect(check('[[[[1]]]]', { maxDepth: 3, maxValues: 100 })).toEqual({ pointer: '', code: 'HUB_ERR_BODY_TOO_COMPLEX' })
    expect(check('[1,2,3]', { maxDepth: 3, maxValues: 4 })).toBeUndefined()
    expect(check('[1,"2",{}]', { maxDepth: 3, maxValues: 3 })).toEqual({ pointer: '', code: 'HUB_ERR_BODY_TOO_COMPLEX' })
  })

  it('stops at the first value over the limit, however large the body', () => {
    const huge = `[${new Array(500_000).fill('1').join(',')}]`
    expect(check(huge)).toEqual({ pointer: '', code: 'HUB_ERR_BODY_TOO_COMPLEX' })
  })

  it('finds nothing, and never throws or hangs, on text that is not JSON', () => {
    for (const text of ['{"a', '{"a":1,"a', '["k":1]', '"k":1', '}}}]]]', '{"a\\x":1}', '{"\\u12":1}', "{'a':1,'a':2}", '{"a":"b\\"}', '\\', '']) {
      expect(jsonStructureError(text, CREMATION_FIELDS)).toBeUndefined()
    }
    let seed = 7
    const random = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    for (let n = 0; n < 2000; n++) {
      const text = Array.from({ length: Math.floor(random() * 40) }, () => '{}[]",:\\ a1'[Math.floor(random() * 13)]).join('')
      jsonStructureError(text, CREMATION_FIELDS)
    }
  })

  it('reports what it read before the text stopped being JSON', () => {
    expect(jsonStructureError('{"a":1,"a":2', CREMATION_FIELDS)?.code).toBe('HUB_ERR_DUPLICATE_KEY')
  })

  it('says what is wrong in Chinese, naming the field by its label', () => {
    const e = jsonStructureError('{"deceased":{"name":"a","name":"b"}}', CREMATION_FIELDS)
    expect(e?.message).toBe('逝者姓名（/deceased/name）在请求体中出现了不止一次')
  })
})

import { describe, expect, it } from 'vitest'
import { CREMATION_FIELDS } from '../../../src/domain/field-labels.js'
import { undecodableErrors } from '../../../src/domain/undecodable.js'
import { isUnsafeText, unsafeTextErrors } from '../../../src/domain/unsafe-text.js'

describe('isUnsafeText', () => {
  it.each([
    ['NUL', '\u0000'], ['a tab', '\t'], ['DEL', '\u007F'], ['the C1 control NEL', '\u0085'], ['the C1 control U+009B (CSI)', '\u009B'],
    ['LINE SEPARATOR', '\u2028'], ['PARAGRAPH SEPARATOR', '\u2029'], ['RIGHT-TO-LEFT OVERRIDE', '\u202E'],
    ['LEFT-TO-RIGHT EMBEDDING', '\u202A'], ['FIRST STRONG ISOLATE', '\u2068'], ['RIGHT-TO-LEFT MARK', '\u200F'],
    ['ARABIC LETTER MARK', '\u061C'], ['a lone high surrogate', '\uD83D'], ['a lone low surrogate', '\uDE00'],
    ['the noncharacter U+FDEF', '\uFDEF'], ['the noncharacter U+FFFF', '\uFFFF'], ['the noncharacter U+10FFFF', '\u{10FFFF}'],
    ['the replacement character', '\uFFFD']
  ])('refuses %s in the middle of a name', (_, ch) => {
    expect(isUnsafeText(`李${ch}桂英`)).toBe(true)
  })

  it.each([
    ['a name in Extension B', '𠀀𪚥'], ['an emoji (a valid surrogate pair)', '🙏'], ['a no-break space', '湖南\u00A0岳阳'],
    ['the ideographic space', '李\u3000桂英'], ['a zero-width space, which names drop', '李\u200B桂英'], ['the interpunct', '阿依古丽·买买提'],
    ['Latin letters with accents', 'Zoë Müller-Łukasz']
  ])('lets %s through', (_, text) => {
    expect(isUnsafeText(text)).toBe(false)
  })

  it('names every field holding such a character, by its label', () => {
    expect(unsafeTextErrors({ funeralHome: { name: '殡仪馆\u202E' }, deceased: { householdAddress: '路\u0085' } }, CREMATION_FIELDS)).toEqual([
      { pointer: '/funeralHome/name', code: 'HUB_ERR_CHARACTERS', message: '殡仪馆名称含有控制字符、双向文本控制符或无效字符' },
      { pointer: '/deceased/householdAddress', code: 'HUB_ERR_CHARACTERS', message: '逝者户籍地址含有控制字符、双向文本控制符或无效字符' }
    ])
  })
})

describe('undecodableErrors', () => {
  const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map(p => typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)))

  it('names each field whose bytes are not UTF-8', () => {
    const body = bytes('{"deceased":{"name":"李', [0xFF], '","ethnicity":"汉族"},"funeralHome":{"name":"', [0xC0, 0xEE], '"}}')
    expect(undecodableErrors(body, CREMATION_FIELDS).map(e => [e.pointer, e.code])).toEqual([
      ['/deceased/name', 'HUB_ERR_CHARACTERS'], ['/funeralHome/name', 'HUB_ERR_CHARACTERS']
    ])
  })

  it('names the object of a key that is not UTF-8, without echoing the key', () => {
    const errors = undecodableErrors(bytes('{"deceased":{"na', [0x80], 'me":"x"}}'), CREMATION_FIELDS)
    expect(errors).toEqual([{ pointer: '/deceased', code: 'HUB_ERR_CHARACTERS', message: '逝者信息含有不是 UTF-8 编码的字节（请求体须以 UTF-8 编码发送）' }])
  })

  it('names the whole body when the bad bytes are outside any string', () => {
    expect(undecodableErrors(bytes('{"a":1,', [0xFE], '"b":2}'), CREMATION_FIELDS).map(e => e.pointer)).toEqual([''])
  })
})

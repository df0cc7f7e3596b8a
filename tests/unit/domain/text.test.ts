import { describe, expect, it } from 'vitest'
import { normaliseName, normalisePhone, toHalfWidth } from '../../../src/domain/text.js'

describe('toHalfWidth', () => {
  it('turns full-width ASCII and the ideographic space into their half-width forms', () => {
    expect(toHalfWidth('ＡＢｃ１２３（）－\u3000')).toBe('ABc123()- ')
  })
})

describe('normaliseName', () => {
  it.each([
    ['a plain Chinese name', '李桂英', '李桂英'],
    ['surrounding spaces, ideographic ones included', '\u3000 李桂英 \t', '李桂英'],
    ['spaces typed between Chinese characters', '张  建 华', '张建华'],
    ['ideographic spaces between Chinese characters', '张\u3000建华', '张建华'],
    ['runs of spaces between Latin words', 'Maria   Anna \u3000 Müller', 'Maria Anna Müller'],
    ['a space between a Chinese and a Latin word', '李 John', '李 John'],
    ['the bullet as interpunct', '阿依古丽•买买提', '阿依古丽·买买提'],
    ['the full-width full stop as interpunct', '阿依古丽．买买提', '阿依古丽·买买提'],
    ['the katakana middle dot as interpunct', '阿依古丽・买买提', '阿依古丽·买买提'],
    ['the hyphenation point as interpunct', '阿依古丽‧买买提', '阿依古丽·买买提'],
    ['spaces around the interpunct', '热依拉 · 买买提', '热依拉·买买提'],
    ['a decomposed accent (NFD) recomposed to NFC', 'Mu\u0308ller', 'Müller'],
    ['a zero-width space pasted from a web page', '李\u200B桂英', '李桂英'],
    ['a rare character outside the BMP (CJK Ext. B)', '王𠀀', '王𠀀'],
    ['a name of exactly 50 characters', '阿'.repeat(50), '阿'.repeat(50)],
    ['an ASCII full stop typed as the interpunct', '阿依古丽.买买提', '阿依古丽·买买提'],
    ['ASCII full stops between Latin words as interpuncts', 'Anna.Maria.Schmidt', 'Anna·Maria·Schmidt'],
    ['a hyphen between two letters of a foreign name', 'Jean-Pierre DUPONT', 'Jean-Pierre DUPONT'],
    ['an apostrophe between two letters of a foreign name', "O'NEILL SEAN", "O'NEILL SEAN"],
    ['a typographic apostrophe, normalised to the ASCII one', 'O’Brien', "O'Brien"],
    ['a hyphen and an apostrophe in one name', "Mary-Kate D'Arcy", "Mary-Kate D'Arcy"],
    ['a hyphen after a combining mark', 'Zoe\u0301-Anne', 'Zoé-Anne']
  ])('accepts %s', (_, raw, expected) => {
    expect(normaliseName(raw)).toEqual({ ok: true, value: expected })
  })

  it.each([
    ['an empty name', ''],
    ['a name of spaces only', ' \u3000 '],
    ['a name of 51 characters', '阿'.repeat(51)],
    ['a digit', '张三2'],
    ['a full-width digit', '张三２'],
    ['punctuation', '张三！'],
    ['an ASCII full stop at the end', '买买提.'],
    ['an ASCII full stop at the start', '.买买提'],
    ['an ASCII full stop after a space', '阿依古丽 .买买提'],
    ['an ASCII full stop before a space', 'J. Smith'],
    ['a leading hyphen', '-Jean'],
    ['a trailing apostrophe', "Jean'"],
    ['a doubled hyphen', 'Jean--Pierre'],
    ['a hyphen and an apostrophe in a row', "Jean-'Pierre"],
    ['a hyphen next to a space', 'Jean -Pierre'],
    ['an apostrophe next to the interpunct', "O'·Neill"],
    ['a hyphen alone', '-'],
    ['a hyphen between Chinese characters', '李-桂英'],
    ['an apostrophe after a Chinese character', "李'John"],
    ['a leading interpunct', '·买买提'],
    ['two interpuncts in a row', '阿依古丽··买买提'],
    ['a private-use character', '王\uE000']
  ])('rejects %s', (_, raw) => {
    expect(normaliseName(raw)).toMatchObject({ ok: false, code: 'HUB_ERR_NAME' })
  })

  it('explains where a hyphen or an apostrophe may stand', () => {
    expect(normaliseName('Jean- Pierre')).toEqual({
      ok: false,
      code: 'HUB_ERR_NAME',
      message: '只能由文字组成，词与词之间可用间隔号“·”或单个空格分隔，外文姓名的两个字母之间可用连字符“-”或撇号“\'”'
    })
  })

  it('counts characters, not UTF-16 units, against the 50-character limit', () => {
    expect(normaliseName('𠀀'.repeat(50))).toMatchObject({ ok: true })
  })
})

describe('normalisePhone', () => {
  it.each([
    ['a mobile', '13907301234', '13907301234'],
    ['a mobile with spaces and dashes', '139 0730-1234', '13907301234'],
    ['a mobile with +86', '+86 139 0730 1234', '13907301234'],
    ['a mobile with 0086', '0086-13907301234', '13907301234'],
    ['a mobile dialled with a leading 0', '013907301234', '13907301234'],
    ['a mobile in full-width digits', '１３９０７３０１２３４', '13907301234'],
    ['a landline with a dash', '0730-8123456', '07308123456'],
    ['a landline with the area code in parentheses', '(0730) 8123456', '07308123456'],
    ['a landline with full-width parentheses', '（０７３０）８１２３４５６', '07308123456'],
    ['a Beijing landline', '010-62345678', '01062345678'],
    ['a landline with a 02x area code', '021-64371234', '02164371234'],
    ['a 4-digit area code with an 8-digit number', '0755-86001234', '075586001234'],
    ['a landline written internationally', '+86 730 8123456', '07308123456']
  ])('accepts %s', (_, raw, expected) => {
    expect(normalisePhone(raw)).toEqual({ ok: true, value: expected })
  })

  it.each([
    ['a number too short for a mobile', '1390730123'],
    ['a mobile prefix that does not exist', '12907301234'],
    ['a landline without area code', '8123456'],
    ['letters', '1390730abcd'],
    ['an extension', '0730-8123456-801'],
    ['a 4-digit area code one digit short', '0730-812345'],
    ['a 4-digit area code with 9 digits', '0730-812345678'],
    ['a Beijing number with 7 digits', '010-1234567'],
    ['a 02x number with 7 digits', '021-6437123'],
    ['a 02x number with 9 digits', '021-643712345'],
    ['an area code beginning 01 other than 010', '0118-1234567'],
    ['an area code beginning 00', '00730-8123456'],
    ['an empty string', '']
  ])('rejects %s', (_, raw) => {
    expect(normalisePhone(raw)).toMatchObject({ ok: false, code: 'HUB_ERR_PHONE' })
  })
})

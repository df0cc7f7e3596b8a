import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { canEncode, encodeStrict, UnencodableError } from '../../../src/adapters/sftp/encoding.js'
import { csvField, FileFormatError, renderFile, renderLine, voidRowFor } from '../../../src/adapters/sftp/file-format.js'
import { dataFileName, doneFileName, partFileName } from '../../../src/adapters/sftp/file-name.js'
import { canlianCsvMapping } from '../../../src/mappings/canlian-csv.js'
import { gongjijinCsvMapping } from '../../../src/mappings/gongjijin-csv.js'
import type { FileColumn, FileMapping } from '../../../src/mappings/mapping.js'
import { ctx, diedAt, fullRecord, voidedCtx } from '../mappings/fixtures.js'

const columns: readonly FileColumn[] = Object.freeze([
  { key: 'no', label: '证明编号', width: 8 },
  { key: 'name', label: '姓名', width: 6 },
  { key: 'note', label: '备注', width: 4 }
])
const gbk = (text: string): Buffer => iconv.encode(text, 'gbk')

describe('CSV files', () => {
  it('quotes fields with commas, quotes and line breaks, doubling the quotes (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('line\r\nbreak')).toBe('"line\r\nbreak"')
    expect(csvField('')).toBe('')
  })

  it('writes a header of labels and CRLF line ends, in GBK', () => {
    const file = renderFile(columns, [{ no: 'HH-1', name: '张三', note: '含,逗号' }, { no: 'HH-2', name: '欧阳·娜娜', note: '' }],
      { format: 'csv', encoding: 'gbk', header: true })
    expect(file).toEqual(gbk('证明编号,姓名,备注\r\nHH-1,张三,"含,逗号"\r\nHH-2,欧阳·娜娜,\r\n'))
  })

  it('leaves the header out when the target asks for none, and writes UTF-8 when configured', () => {
    const file = renderFile(columns, [{ no: 'HH-1', name: '张三', note: '' }], { format: 'csv', encoding: 'utf-8', header: false })
    expect(file.toString('utf8')).toBe('HH-1,张三,\r\n')
  })

  it('writes a missing value as an empty field', () => {
    expect(renderLine(columns, { no: 'HH-1' }, { format: 'csv', encoding: 'gbk', header: true })).toEqual(gbk('HH-1,,\r\n'))
  })
})

describe('a void\'s row', () => {
  it('keeps what the encoding can carry and writes ? for each character it cannot', () => {
    expect(voidRowFor({ name: '王𠀀明', idNumber: '430621193805120041', reason: '误报' }, 'gbk'))
      .toEqual({ name: '王?明', idNumber: '430621193805120041', reason: '误报' })
    expect(voidRowFor({ name: '王𠀀明' }, 'utf-8')).toEqual({ name: '王𠀀明' })
  })
})

describe('fixed-width files', () => {
  const layout = { format: 'fixed-width', encoding: 'gbk', header: true } as const

  it('pads each column with spaces to its width in GBK bytes (a 汉字 takes two)', () => {
    const line = renderLine(columns, { no: 'HH-1', name: '张三', note: 'ok' }, layout)
    expect(line).toEqual(gbk('HH-1    张三  ok  \r\n'))
    expect(line.length).toBe(8 + 6 + 4 + 2)
  })

  it('refuses a value longer than its column rather than cutting it, naming the column but not the value', () => {
    // A cut ID number or name could match another person.
    const narrow: FileColumn[] = [{ key: 'name', label: '姓名', width: 5 }]
    expect(() => renderLine(narrow, { name: '欧阳娜娜' }, layout)).toThrow(FileFormatError)
    expect(() => renderLine(narrow, { name: '欧阳娜娜' }, layout)).toThrow('姓名')
    expect(() => renderLine(narrow, { name: '欧阳娜娜' }, layout)).not.toThrow('欧阳')
    // 6 bytes hold 欧阳娜 exactly in GBK.
    expect(renderLine([{ key: 'name', label: '姓名', width: 6 }], { name: '欧阳娜' }, layout)).toEqual(gbk('欧阳娜\r\n'))
  })

  it('counts UTF-8 bytes when the file is UTF-8 (a 汉字 takes three)', () => {
    const column = [{ key: 'name', label: '姓名', width: 7 }]
    expect(renderLine(column, { name: '张三' }, { ...layout, encoding: 'utf-8' }).toString('utf8')).toBe('张三 \r\n')
    expect(() => renderLine(column, { name: '张三丰' }, { ...layout, encoding: 'utf-8' })).toThrow(FileFormatError)
  })

  it('refuses a line break inside a field, naming the column', () => {
    expect(() => renderLine(columns, { no: 'a\nb', name: '', note: '' }, layout)).toThrow(FileFormatError)
    expect(() => renderLine(columns, { no: 'a\nb', name: '', note: '' }, layout)).toThrow('证明编号')
  })

  it('cuts a free-text column that does not fit at the last whole character, never inside a 汉字', () => {
    const reason: FileColumn[] = [{ key: 'voidReason', label: '撤销原因', width: 7, cut: true }]
    expect(renderLine(reason, { voidReason: '误报当事人健在' }, layout)).toEqual(gbk('误报当 \r\n'))
    expect(renderLine(reason, { voidReason: 'ok误报当事人' }, layout)).toEqual(gbk('ok误报 \r\n'))
    expect(renderLine(reason, { voidReason: '误报' }, layout)).toEqual(gbk('误报   \r\n'))
  })

  it('cuts a free-text column by bytes of the file\'s encoding (UTF-8: a 汉字 takes three)', () => {
    const reason: FileColumn[] = [{ key: 'voidReason', label: '撤销原因', width: 8, cut: true }]
    expect(renderLine(reason, { voidReason: '误报当事人' }, { ...layout, encoding: 'utf-8' }).toString('utf8')).toBe('误报  \r\n')
  })

  it('checks only what a free-text column writes: a character GBK lacks past the cut does not refuse the line', () => {
    const reason: FileColumn[] = [{ key: 'voidReason', label: '撤销原因', width: 4, cut: true }]
    expect(renderLine(reason, { voidReason: '误报😀' }, layout)).toEqual(gbk('误报\r\n'))
    expect(renderLine([{ ...reason[0]!, width: 5 }], { voidReason: '误报当😀' }, layout)).toEqual(gbk('误报 \r\n'))
    expect(() => renderLine(reason, { voidReason: '误😀' }, layout)).toThrow(UnencodableError)
  })

  it('never cuts an identity column next to a free-text one', () => {
    const narrow: FileColumn[] = [{ key: 'idNumber', label: '证件号码', width: 18 }, { key: 'voidReason', label: '撤销原因', width: 4, cut: true }]
    expect(() => renderLine(narrow, { idNumber: 'E'.repeat(19), voidReason: '误报当事人' }, layout)).toThrow('证件号码')
  })

  it('has no header line even when the target asks for one', () => {
    expect(renderFile(columns, [{ no: '1', name: '', note: '' }], layout)).toEqual(gbk('1                 \r\n'))
  })
})

describe('department files at the limits validation allows', () => {
  const layout = { format: 'fixed-width', encoding: 'gbk', header: false } as const
  /** 50 characters, the most a name may have, 100 bytes in GBK. */
  const LONGEST_NAME = '阿'.repeat(24) + '·' + '买'.repeat(25)
  /** A document other than the ID card: up to 30 characters. */
  const LONGEST_DOCUMENT_NO = 'E'.repeat(29) + '9'
  const record = diedAt(fullRecord.death.time, { name: LONGEST_NAME, idType: '3', idNumber: LONGEST_DOCUMENT_NO })
  const lineWidth = (mapping: FileMapping): number => mapping.columns.reduce((sum, c) => sum + c.width, 0) + 2

  it.each([gongjijinCsvMapping, canlianCsvMapping])('$name writes the longest name and document number into a fixed-width line whole', (mapping) => {
    const line = renderLine(mapping.columns, mapping.map(record, ctx), layout)
    expect(line.length).toBe(lineWidth(mapping))
    const text = iconv.decode(line, 'gbk')
    expect(text).toContain(LONGEST_NAME)
    expect(text).toContain(LONGEST_DOCUMENT_NO)
  })

  it.each([gongjijinCsvMapping, canlianCsvMapping])('$name still writes the void of that person when the reason is longer than its column, cut at a whole character', (mapping) => {
    // The API takes at most 100 汉字; an older or longer reason must not keep the void from the department.
    const reason = '误报当事人健在请恢复待遇'.repeat(20)
    const line = renderLine(mapping.columns, mapping.map(record, { ...voidedCtx, voidReason: 'x' + reason }), layout)
    expect(line.length).toBe(lineWidth(mapping))
    const text = iconv.decode(line, 'gbk')
    expect(text).toContain(LONGEST_NAME)
    // 'x' plus 99 汉字 is 199 bytes: the 100th 汉字 does not fit whole, so a space pads the column.
    expect(text).toContain(`x${reason.slice(0, 99)} \r\n`)
    expect(text).not.toContain('\ufffd')
  })

  it.each([gongjijinCsvMapping, canlianCsvMapping])('$name may cut only the void reason', (mapping) => {
    expect(mapping.columns.filter(c => c.cut === true).map(c => c.key)).toEqual(['voidReason'])
  })
})

describe('the GBK round-trip check', () => {
  it('accepts what GBK has: Roman numerals, the interpunct of minority names, rare-but-GBK 汉字', () => {
    expect(encodeStrict('Ⅻ·喆堃犇淼燚赟', 'gbk', '姓名')).toEqual(gbk('Ⅻ·喆堃犇淼燚赟'))
    expect(renderLine(columns, { no: 'HH-1', name: '欧阳·娜娜', note: '' }, { format: 'csv', encoding: 'gbk', header: false }))
      .toEqual(gbk('HH-1,欧阳·娜娜,\r\n'))
    expect(canEncode('欧阳·娜娜', 'gbk')).toBe(true)
  })

  it.each([
    ['an emoji', '王😀'],
    ['Mongolian script', 'ᠮᠣᠩᠭᠣᠯ'],
    ['a CJK Extension B character', '王𠀀'],
    ['a non-breaking space', '王\u00a0三'],
    // iconv-lite writes these (GB18030's two-byte part), GBK readers do not read them back.
    ['a GB18030 addition at FE9F (䶮)', '刘䶮'],
    ['a GB18030 addition at FE56 (㑇)', '王㑇'],
    ['the euro sign, the single byte 0x80', '王€'],
    ['a GB18030 addition at A8BC (ḿ)', '王ḿ'],
    ['a private-use character in a user-defined area (AAA1)', '王\ue000'],
    ['a private-use character in a user-defined area (A140)', '王\ue4c6']
  ])('refuses %s instead of writing "?", naming the column but not the value', (_what, value) => {
    const render = (): Buffer => renderLine(columns, { no: 'HH-1', name: value, note: '' }, { format: 'csv', encoding: 'gbk', header: true })
    expect(render).toThrow(UnencodableError)
    try {
      render()
    } catch (err) {
      expect((err as UnencodableError).column).toBe('姓名')
      expect((err as Error).message).toContain('姓名')
      expect((err as Error).message).not.toContain(value)
    }
  })

  it.each(['王𠀀', '刘䶮', '王€'])('refuses %s in a fixed-width file too, even where the column would cut it off', (value) => {
    const render = (): Buffer => renderLine([{ key: 'name', label: '姓名', width: 2 }], { name: value }, { format: 'fixed-width', encoding: 'gbk', header: false })
    expect(render).toThrow(UnencodableError)
    expect(render).toThrow('姓名')
  })

  it('tells an API beforehand which text a GBK file can carry', () => {
    expect(canEncode('误报：当事人健在，请恢复待遇', 'gbk')).toBe(true)
    expect(canEncode('误报€', 'gbk')).toBe(false)
    expect(canEncode('误报䶮', 'gbk')).toBe(false)
    expect(canEncode('误报䶮', 'utf-8')).toBe(true)
  })

  it('refuses a lone surrogate in UTF-8 files rather than writing U+FFFD', () => {
    expect(() => encodeStrict('王\ud800', 'utf-8', '姓名')).toThrow(UnencodableError)
  })

  it('keeps a real question mark', () => {
    expect(encodeStrict('?', 'gbk', '备注')).toEqual(Buffer.from('?'))
  })
})

describe('file names', () => {
  const parts = {
    prefix: 'houshi', target: 'gongjijin', createdAt: new Date('2026-01-31T16:30:05Z'), timeZone: 'Asia/Shanghai', id: 'dlv_abc', format: 'csv'
  } as const

  it('names prefix, target, local creation time and the delivery or batch id', () => {
    expect(dataFileName(parts)).toBe('houshi_gongjijin_20260201003005_dlv_abc.csv')
    expect(dataFileName({ ...parts, format: 'fixed-width', id: 'bat_1' })).toBe('houshi_gongjijin_20260201003005_bat_1.txt')
  })

  it('gives the same name every time for the same delivery, so a retry rewrites the same file', () => {
    expect(dataFileName({ ...parts })).toBe(dataFileName({ ...parts, createdAt: new Date(parts.createdAt) }))
  })

  it('writes under a hidden temporary name and signals completion with .ok', () => {
    expect(partFileName('a.csv')).toBe('.a.csv.part')
    expect(doneFileName('a.csv')).toBe('a.csv.ok')
  })
})

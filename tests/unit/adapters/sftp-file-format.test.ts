import iconv from 'iconv-lite'
import { describe, expect, it } from 'vitest'
import { encodeStrict, UnencodableError } from '../../../src/adapters/sftp/encoding.js'
import { csvField, FileFormatError, renderFile, renderLine } from '../../../src/adapters/sftp/file-format.js'
import { dataFileName, doneFileName, partFileName } from '../../../src/adapters/sftp/file-name.js'
import type { FileColumn } from '../../../src/mappings/mapping.js'

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

  it('has no header line even when the target asks for one', () => {
    expect(renderFile(columns, [{ no: '1', name: '', note: '' }], layout)).toEqual(gbk('1                 \r\n'))
  })
})

describe('the GBK round-trip check', () => {
  it('accepts what GBK has: Roman numerals, the interpunct of minority names, rare-but-GBK 汉字', () => {
    expect(encodeStrict('Ⅻ·喆䶮', 'gbk', '姓名')).toEqual(gbk('Ⅻ·喆䶮'))
  })

  it.each([
    ['an emoji', '王😀'],
    ['Mongolian script', 'ᠮᠣᠩᠭᠣᠯ'],
    ['a CJK Extension B character', '王𠀀'],
    ['a non-breaking space', '王\u00a0三']
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

  it('refuses an unencodable character even where a fixed-width column would cut it off', () => {
    expect(() => renderLine([{ key: 'name', label: '姓名', width: 2 }], { name: '王𠀀' }, { format: 'fixed-width', encoding: 'gbk', header: false }))
      .toThrow(UnencodableError)
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

import type { FileColumn } from '../../mappings/mapping.js'
import { canEncode, encodeChar, encodeChars, encodeStrict, type FileEncoding } from './encoding.js'

/** How a department's file is laid out (the target's `sftp.format`, `encoding`, `header`). */
export interface FileLayout {
  format: 'csv' | 'fixed-width'
  encoding: FileEncoding
  /** A first line of column labels; CSV only (a fixed-width reader counts bytes from line 1). */
  header: boolean
}

/** A value that cannot be laid out in the file (other than an unencodable character). */
export class FileFormatError extends Error {
  override readonly name = 'FileFormatError'

  constructor (readonly column: string, reason: string) {
    super(`列“${column}”${reason}`)
  }
}

/** Windows line ends: the receiving systems are mostly Windows-era, and RFC 4180 asks for them. */
const CRLF = Buffer.from('\r\n', 'ascii')
const SPACE = 0x20

/**
 * The first line of the file, or undefined when the layout has none. Labels are the
 * department's own wording, so they too must survive the encoding.
 */
export function renderHeader (columns: readonly FileColumn[], layout: FileLayout): Buffer | undefined {
  if (layout.format !== 'csv' || !layout.header) return undefined
  const text = columns.map(c => csvField(c.label)).join(',')
  return Buffer.concat([encodeStrict(text, layout.encoding, '表头'), CRLF])
}

/**
 * One data line, CRLF included. Throws UnencodableError or FileFormatError naming the column,
 * so a batch can leave the one bad row out and still send the others. A key missing from the
 * row is an empty field (optional data the record does not have).
 */
export function renderLine (columns: readonly FileColumn[], row: Readonly<Record<string, string>>, layout: FileLayout): Buffer {
  if (layout.format === 'csv') {
    const fields = columns.map(c => encodeStrict(csvField(row[c.key] ?? ''), layout.encoding, c.label))
    const parts: Buffer[] = []
    fields.forEach((f, i) => { if (i > 0) parts.push(Buffer.from(',')); parts.push(f) })
    parts.push(CRLF)
    return Buffer.concat(parts)
  }
  return Buffer.concat([...columns.map(c => fixedWidthField(row[c.key] ?? '', c, layout.encoding)), CRLF])
}

/** What stands in, in a void's row, for a character the file's encoding cannot carry. */
export const UNENCODABLE_IN_VOID = '?'

/**
 * The row of a `notice.voided` message as its file can carry it: each character the encoding
 * lacks (a rare character in a name, say) becomes `?`. A void must reach the department
 * whatever the name holds: it matches on the ID number, and a void gone dead would leave a
 * living person's benefit stopped. Other messages still refuse such a character, since they
 * would write a wrong name into the department's records.
 */
export function voidRowFor (row: Readonly<Record<string, string>>, encoding: FileEncoding): Record<string, string> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) =>
    [k, canEncode(v, encoding) ? v : Array.from(v, ch => canEncode(ch, encoding) ? ch : UNENCODABLE_IN_VOID).join('')]))
}

/** The row a file in `encoding` carries for a message of `event`: as mapped, but for a void. */
export function fileRowFor (event: string, row: Readonly<Record<string, string>>, encoding: FileEncoding): Readonly<Record<string, string>> {
  return event === 'notice.voided' ? voidRowFor(row, encoding) : row
}

/** The whole file: the header (if any) then one line per row. */
export function renderFile (columns: readonly FileColumn[], rows: ReadonlyArray<Readonly<Record<string, string>>>, layout: FileLayout): Buffer {
  const header = renderHeader(columns, layout)
  return Buffer.concat([...(header === undefined ? [] : [header]), ...rows.map(r => renderLine(columns, r, layout))])
}

/**
 * A CSV field, quoted when it holds a comma, a quote or a line break; quotes doubled.
 * @see RFC 4180 §2
 */
export function csvField (value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/**
 * A fixed-width field: exactly `width` bytes in the file's encoding (a GBK 汉字 is 2 bytes),
 * right-padded with spaces. A value that does not fit is refused, never cut: a shortened ID
 * number or name could match another person. Only a free-text column (`cut`) is cut, at the
 * last whole character that fits: a shortened void reason still voids, a refused one would
 * leave a living person's benefits stopped.
 */
function fixedWidthField (value: string, column: FileColumn, encoding: FileEncoding): Buffer {
  // A line break inside a field would shift every following byte of the file.
  if (/[\r\n]/.test(value)) throw new FileFormatError(column.label, '含有换行符，无法写入定长文件')
  const out = Buffer.alloc(column.width, SPACE)
  let used = 0
  if (column.cut === true) {
    // Character by character, so what lies past the cut is neither written nor checked.
    for (const ch of value) {
      if (used === column.width) break
      const bytes = encodeChar(ch, encoding, column.label)
      if (used + bytes.length > column.width) break
      used += bytes.copy(out, used)
    }
    return out
  }
  for (const bytes of encodeChars(value, encoding, column.label)) {
    if (used + bytes.length > column.width) throw new FileFormatError(column.label, `超出定长 ${column.width} 字节，不能截断`)
    used += bytes.copy(out, used)
  }
  return out
}

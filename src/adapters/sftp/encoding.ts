import iconv from 'iconv-lite'

/** The character sets department files are written in (the target's `sftp.encoding`). */
export type FileEncoding = 'utf-8' | 'gbk'

/**
 * A value holds a character the file's encoding cannot carry. Names the column, never the value:
 * the value is personal data (a name, an address).
 */
export class UnencodableError extends Error {
  override readonly name = 'UnencodableError'

  constructor (readonly column: string, readonly encoding: FileEncoding) {
    super(`列“${column}”含有 ${encoding.toUpperCase()} 编码无法表示的字符`)
  }
}

/**
 * The bytes of `text` in `encoding`, one Buffer per character (code point), each checked by a
 * round trip: encoders replace what they cannot encode with `?` (or U+FFFD for a lone
 * surrogate) and say nothing, and a department would then stop the wrong person's benefit.
 * Per character, so a fixed-width column can be cut between characters, never inside one
 * (GBK and UTF-8 are stateless: the concatenation is the encoding of the whole text).
 */
export function encodeChars (text: string, encoding: FileEncoding, column: string): Buffer[] {
  const out: Buffer[] = []
  for (const ch of text) {
    const bytes = encoding === 'gbk' ? iconv.encode(ch, 'gbk') : Buffer.from(ch, 'utf8')
    const back = encoding === 'gbk' ? iconv.decode(bytes, 'gbk') : bytes.toString('utf8')
    if (back !== ch) throw new UnencodableError(column, encoding)
    out.push(bytes)
  }
  return out
}

/** The whole of `text` in `encoding`, with the same round-trip check (one pass, for CSV). */
export function encodeStrict (text: string, encoding: FileEncoding, column: string): Buffer {
  const bytes = encoding === 'gbk' ? iconv.encode(text, 'gbk') : Buffer.from(text, 'utf8')
  const back = encoding === 'gbk' ? iconv.decode(bytes, 'gbk') : bytes.toString('utf8')
  if (back !== text) throw new UnencodableError(column, encoding)
  return bytes
}

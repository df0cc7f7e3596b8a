import iconv from 'iconv-lite'
import type { SftpTransportConfig } from '../src/config/schema.js'
import type { FileColumn } from '../src/mappings/index.js'
import type { SftpDepartmentSim } from '../sim/sftp-department.js'
import { csvFields } from '../sim/csv-fields.js'

/**
 * Reads back the files an SFTP department received, as its import job would: decoded from the
 * target's encoding (GBK in the sample county), CSV split by commas, fixed-width cut by bytes.
 */

export interface ReceivedFile {
  name: string
  bytes: number
  /** A `<name>.ok` done-file is beside it. */
  doneFile: boolean
  /** The header line's labels (CSV with a header), else none. */
  header: string[] | undefined
  /** One row per data line, keyed by the column keys of the target's mapping. */
  rows: Array<Record<string, string>>
}

/** Every finished data file under the sim's `remoteDir`, oldest name first. */
export function receivedFiles (sim: SftpDepartmentSim, sftp: SftpTransportConfig, columns: readonly FileColumn[]): ReceivedFile[] {
  const dir = sftp.remoteDir.replace(/^\/+|\/+$/g, '')
  const all = sim.files().filter(f => dir === '' || f.startsWith(`${dir}/`))
  return all.filter(f => !f.endsWith('.ok')).map(path => {
    const content = sim.read(path)
    const lines = splitLines(content)
    const csv = sftp.format === 'csv'
    const header = csv && sftp.header && lines.length > 0 ? csvFields(decode(lines.shift()!, sftp.encoding)) : undefined
    const rows = lines.map(line => csv
      ? Object.fromEntries(csvFields(decode(line, sftp.encoding)).map((v, i) => [columns[i]?.key ?? `#${i}`, v]))
      : fixedWidthRow(line, columns, sftp.encoding))
    return { name: path.slice(path.lastIndexOf('/') + 1), bytes: content.length, doneFile: all.includes(`${path}.ok`), header, rows }
  })
}

const decode = (bytes: Buffer, encoding: SftpTransportConfig['encoding']): string =>
  iconv.decode(bytes, encoding === 'gbk' ? 'gbk' : 'utf8')

/** Lines end in CRLF (src/adapters/sftp/file-format.ts); split on bytes, before decoding. */
function splitLines (content: Buffer): Buffer[] {
  const lines: Buffer[] = []
  let start = 0
  for (let i = content.indexOf('\r\n'); i >= 0; i = content.indexOf('\r\n', start)) {
    lines.push(content.subarray(start, i))
    start = i + 2
  }
  if (start < content.length) lines.push(content.subarray(start))
  return lines
}

/** Each column is `width` bytes of the encoding, right-padded with spaces. */
function fixedWidthRow (line: Buffer, columns: readonly FileColumn[], encoding: SftpTransportConfig['encoding']): Record<string, string> {
  const row: Record<string, string> = {}
  let at = 0
  for (const c of columns) {
    row[c.key] = decode(line.subarray(at, at + c.width), encoding).trimEnd()
    at += c.width
  }
  return row
}

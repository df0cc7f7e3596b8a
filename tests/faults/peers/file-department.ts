import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs'
import { join } from 'node:path'
import iconv from 'iconv-lite'
import type { FileColumn } from '../../../src/mappings/mapping.js'
import { csvFields } from '../../../sim/csv-fields.js'

/** How the department's files are laid out (the target's `sftp` settings). */
export interface FileLayout {
  format: 'csv' | 'fixed-width'
  encoding: 'gbk' | 'utf-8'
  header: boolean
  columns: readonly FileColumn[]
}

/** One data line, as the department's importer reads it. */
export interface FileLine {
  file: string
  noticeId: string
  version: string
  event: string
  certificateNo: string
}

/**
 * A department that takes files in a folder (the remote folder of a real sshd), as its importer
 * sees them: a watcher notes each time a data file lands under its final name (the hub's rename
 * from `.<name>.part`); a name landing again, with a new inode, is a repeat of the same key.
 */
export interface FileDepartment {
  /** Data files now in the folder, sorted. */
  files (): string[]
  /** Landings beyond the first of each file name: the same file delivered again. */
  repeatedLandings (): number
  /** Every data line of every file now in the folder. */
  lines (): FileLine[]
  close (): void
}

export function watchFileDepartment (dir: string, layout: FileLayout): FileDepartment {
  /** Inode of each name's last landing: a rename event for a file already seen is not a new landing. */
  const landed = new Map<string, number>()
  let repeats = 0
  const onRename = (name: string): void => {
    if (!isDataFile(name)) return
    let inode: number
    try {
      inode = statSync(join(dir, name)).ino
    } catch {
      return // gone again (replaced by a later rename): that one has its own event
    }
    const before = landed.get(name)
    if (before === inode) return
    if (before !== undefined) repeats++
    landed.set(name, inode)
  }
  const watcher: FSWatcher = watch(dir, (event, name) => { if (event === 'rename' && name !== null) onRename(name) })
  const files = (): string[] => readdirSync(dir).filter(isDataFile).sort()
  return {
    files,
    repeatedLandings: () => repeats,
    lines: () => files().flatMap(file => parseFile(file, readFileSync(join(dir, file)), layout)),
    close: () => { watcher.close() }
  }
}

/** A file a department's poller would pick: not a hidden upload in progress, not a done-file. */
function isDataFile (name: string): boolean {
  return !name.startsWith('.') && !name.endsWith('.ok')
}

function parseFile (file: string, content: Buffer, layout: FileLayout): FileLine[] {
  const rows = layout.format === 'csv' ? csvRows(content, layout) : fixedWidthRows(content, layout)
  return rows.map(row => ({
    file,
    noticeId: row.noticeId ?? '',
    version: row.version ?? '',
    event: row.event ?? '',
    certificateNo: row.certificateNo ?? ''
  }))
}

function csvRows (content: Buffer, layout: FileLayout): Array<Record<string, string>> {
  const lines = iconv.decode(content, layout.encoding).split('\r\n').filter(line => line !== '')
  const data = layout.header ? lines.slice(1) : lines
  return data.map(line => {
    const values = csvFields(line)
    return Object.fromEntries(layout.columns.map((c, i) => [c.key, values[i] ?? '']))
  })
}

/** Columns are cut by bytes in the file's encoding (a GBK 汉字 takes 2), as the department's reader does. */
function fixedWidthRows (content: Buffer, layout: FileLayout): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = []
  const lineBytes = layout.columns.reduce((n, c) => n + c.width, 0) + 2
  for (let at = 0; at + lineBytes <= content.length; at += lineBytes) {
    let offset = at
    const row: Record<string, string> = {}
    for (const c of layout.columns) {
      row[c.key] = iconv.decode(content.subarray(offset, offset + c.width), layout.encoding).trimEnd()
      offset += c.width
    }
    rows.push(row)
  }
  return rows
}

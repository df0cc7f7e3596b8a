import type { Stats } from 'node:fs'
import { lstat, mkdir, open, readdir, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises'
import { basename } from 'node:path'
import ssh2, { type Attributes, type FileEntry, type SFTPWrapper } from 'ssh2'
import { announceExtensions, readStrings } from './sftp-extensions.js'
import { localPath, OutsideRootError, remotePath } from './sftp-paths.js'

const { STATUS_CODE, flagsToString } = ssh2.utils.sftp

/** A NAME packet must stay under the client's packet limit (34 000 bytes for ssh2). */
const ENTRIES_PER_READDIR = 64

type OpenHandle =
  | { kind: 'file', file: FileHandle }
  | { kind: 'dir', entries: FileEntry[] | undefined, path: string }

/** An SFTP request failure that carries the status code the client should see. */
class SftpStatus extends Error {
  constructor (readonly code: number, message: string) { super(message) }
}

/**
 * Answers one SFTP session's requests from the local folder `root`, which the client sees as
 * `/`. Covers what an uploader needs (ssh2-sftp-client's put, get, rename, posixRename, exists,
 * stat, list, mkdir, delete); SETSTAT/FSETSTAT are accepted and ignored, and anything else is
 * answered OP_UNSUPPORTED by ssh2 itself.
 */
export function serveSftp (sftp: SFTPWrapper, root: string): void {
  const handles = new Map<number, OpenHandle>()
  let nextHandle = 0

  announceExtensions(sftp, { 'posix-rename@openssh.com': '1' })

  /** Runs `work` and answers the request with its failure; `work` answers success itself. */
  function serve (reqId: number, work: () => Promise<void>): void {
    work().catch((err: unknown) => {
      const { code, message } = toStatus(err)
      sftp.status(reqId, code, message)
    })
  }

  function addHandle (h: OpenHandle): Buffer {
    const id = nextHandle++
    handles.set(id, h)
    const handle = Buffer.alloc(4)
    handle.writeUInt32BE(id)
    return handle
  }

  const handleId = (handle: Buffer): number => handle.length === 4 ? handle.readUInt32BE(0) : -1

  function findHandle (handle: Buffer): OpenHandle {
    const h = handles.get(handleId(handle))
    if (h === undefined) throw new SftpStatus(STATUS_CODE.FAILURE, '无效的句柄')
    return h
  }

  function file (handle: Buffer): FileHandle {
    const h = findHandle(handle)
    if (h.kind !== 'file') throw new SftpStatus(STATUS_CODE.FAILURE, '句柄不是文件')
    return h.file
  }

  const local = (path: string): string => localPath(root, path)
  const ok = (reqId: number): void => sftp.status(reqId, STATUS_CODE.OK)

  sftp.on('OPEN', (reqId, filename, flags, attrs) => serve(reqId, async () => {
    const mode = flagsToString(flags)
    if (mode === null) throw new SftpStatus(STATUS_CODE.BAD_MESSAGE, '不支持的打开方式')
    const f = await open(local(filename), mode, typeof attrs.mode === 'number' ? attrs.mode & 0o777 : 0o644)
    sftp.handle(reqId, addHandle({ kind: 'file', file: f }))
  }))
  sftp.on('READ', (reqId, handle, offset, length) => serve(reqId, async () => {
    const { buffer, bytesRead } = await file(handle).read(Buffer.alloc(length), 0, length, offset)
    if (bytesRead === 0) sftp.status(reqId, STATUS_CODE.EOF)
    else sftp.data(reqId, buffer.subarray(0, bytesRead))
  }))
  sftp.on('WRITE', (reqId, handle, offset, data) => serve(reqId, async () => {
    await file(handle).write(data, 0, data.length, offset)
    ok(reqId)
  }))
  sftp.on('FSTAT', (reqId, handle) => serve(reqId, async () => {
    sftp.attrs(reqId, toAttributes(await file(handle).stat()))
  }))
  sftp.on('CLOSE', (reqId, handle) => serve(reqId, async () => {
    const h = findHandle(handle)
    handles.delete(handleId(handle))
    if (h.kind === 'file') await h.file.close()
    ok(reqId)
  }))
  // Modes and times are the department's business; accepting keeps ssh2's write stream happy.
  sftp.on('FSETSTAT', (reqId, handle) => serve(reqId, async () => { findHandle(handle); ok(reqId) }))
  sftp.on('SETSTAT', (reqId, path) => serve(reqId, async () => { await stat(local(path)); ok(reqId) }))

  sftp.on('STAT', (reqId, path) => serve(reqId, async () => { sftp.attrs(reqId, toAttributes(await stat(local(path)))) }))
  sftp.on('LSTAT', (reqId, path) => serve(reqId, async () => { sftp.attrs(reqId, toAttributes(await lstat(local(path)))) }))
  sftp.on('REALPATH', (reqId, path) => serve(reqId, async () => {
    const normalised = remotePath(path)
    sftp.name(reqId, [{ filename: normalised, longname: normalised } as FileEntry])
  }))

  sftp.on('OPENDIR', (reqId, path) => serve(reqId, async () => {
    if (!(await stat(local(path))).isDirectory()) throw new SftpStatus(STATUS_CODE.FAILURE, '不是目录')
    sftp.handle(reqId, addHandle({ kind: 'dir', entries: undefined, path: local(path) }))
  }))
  sftp.on('READDIR', (reqId, handle) => serve(reqId, async () => {
    const h = findHandle(handle)
    if (h.kind !== 'dir') throw new SftpStatus(STATUS_CODE.FAILURE, '句柄不是目录')
    h.entries ??= await listEntries(h.path)
    const batch = h.entries.splice(0, ENTRIES_PER_READDIR)
    if (batch.length === 0) sftp.status(reqId, STATUS_CODE.EOF)
    else sftp.name(reqId, batch)
  }))

  sftp.on('MKDIR', (reqId, path) => serve(reqId, async () => { await mkdir(local(path)); ok(reqId) }))
  sftp.on('RMDIR', (reqId, path) => serve(reqId, async () => { await rmdir(local(path)); ok(reqId) }))
  sftp.on('REMOVE', (reqId, path) => serve(reqId, async () => { await unlink(local(path)); ok(reqId) }))
  // SFTP v3 RENAME must not replace an existing file (OpenSSH's server refuses too).
  sftp.on('RENAME', (reqId, from, to) => serve(reqId, async () => {
    const [source, target] = [local(from), local(to)]
    await lstat(source)
    if (await exists(target)) throw new SftpStatus(STATUS_CODE.FAILURE, '目标文件已存在')
    await rename(source, target)
    ok(reqId)
  }))
  sftp.on('EXTENDED', (reqId, name, data) => serve(reqId, async () => {
    if (name !== 'posix-rename@openssh.com') throw new SftpStatus(STATUS_CODE.OP_UNSUPPORTED, '不支持的扩展请求')
    const paths = readStrings(data, 2)
    if (paths?.[0] === undefined || paths[1] === undefined) throw new SftpStatus(STATUS_CODE.BAD_MESSAGE, '扩展请求格式错误')
    await rename(local(paths[0]), local(paths[1])) // POSIX rename: replaces the target atomically
    ok(reqId)
  }))

  // EOF from the client means no more requests: close the channel as OpenSSH's sftp-server
  // does when it exits, or OpenSSH's `sftp -b` waits for ever at the end of its batch.
  sftp.on('end', () => sftp.end())
  // A client that disconnects mid-upload leaves its files open; close them.
  sftp.on('close', () => {
    for (const h of handles.values()) if (h.kind === 'file') void h.file.close().catch(() => {})
    handles.clear()
  })
}

async function exists (path: string): Promise<boolean> {
  return await lstat(path).then(() => true, () => false)
}

async function listEntries (dir: string): Promise<FileEntry[]> {
  const entries: FileEntry[] = []
  for (const name of await readdir(dir)) {
    // A file renamed away between readdir and lstat is simply not listed.
    const stats = await lstat(`${dir}/${name}`).catch(() => undefined)
    if (stats !== undefined) entries.push({ filename: name, longname: longname(name, stats), attrs: toAttributes(stats) })
  }
  return entries
}

function toAttributes (s: Stats): Attributes {
  return {
    mode: s.mode,
    uid: s.uid,
    gid: s.gid,
    size: s.size,
    atime: Math.floor(s.atimeMs / 1000),
    mtime: Math.floor(s.mtimeMs / 1000)
  }
}

/** `ls -l` style, which ssh2-sftp-client's `list()` reads the type and rights from. */
function longname (name: string, s: Stats): string {
  const type = s.isDirectory() ? 'd' : s.isSymbolicLink() ? 'l' : '-'
  const rights = [6, 3, 0].map(shift => {
    const bits = (s.mode >> shift) & 7
    return `${bits & 4 ? 'r' : '-'}${bits & 2 ? 'w' : '-'}${bits & 1 ? 'x' : '-'}`
  }).join('')
  const date = s.mtime.toISOString().slice(0, 16).replace('T', ' ')
  return `${type}${rights} 1 ${s.uid} ${s.gid} ${String(s.size).padStart(8)} ${date} ${basename(name)}`
}

function toStatus (err: unknown): { code: number, message: string } {
  if (err instanceof SftpStatus) return { code: err.code, message: err.message }
  if (err instanceof OutsideRootError) return { code: STATUS_CODE.PERMISSION_DENIED, message: err.message }
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT': return { code: STATUS_CODE.NO_SUCH_FILE, message: '文件或目录不存在' }
    case 'EACCES':
    case 'EPERM': return { code: STATUS_CODE.PERMISSION_DENIED, message: '没有权限' }
    case 'EEXIST': return { code: STATUS_CODE.FAILURE, message: '文件或目录已存在' }
    default: return { code: STATUS_CODE.FAILURE, message: '操作失败' }
  }
}

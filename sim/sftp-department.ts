import { timingSafeEqual } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ssh2, { type Connection, type ParsedKey } from 'ssh2'
import { hostKeyFingerprint } from '../src/adapters/sftp/upload.js'
import { serveSftp } from './sftp-file-system.js'
import { generateEd25519 } from './ssh-keys.js'
import { localPath } from './sftp-paths.js'

const { Server, utils } = ssh2

/**
 * A department that takes files over SFTP (公积金, 残联), for the demo and for tests on a machine
 * without OpenSSH: an in-process SSH server (ssh2) that only speaks SFTP, only accepts one user
 * with one public key, and keeps what it receives in a local folder.
 */
export interface SftpDepartmentOptions {
  /** Department code, for messages. */
  name: string
  /** Local folder that the client sees as `/`. It must exist. */
  root: string
  /** @defaultValue 0 (a free port) */
  port?: number
  /** @defaultValue '127.0.0.1' */
  host?: string
  /** @defaultValue 'houshi' */
  username?: string
  /**
   * The one public key allowed in, OpenSSH format (`ssh-ed25519 AAAA… comment`).
   * @defaultValue a new ed25519 key pair whose private half is written to `privateKeyPath`
   */
  authorizedKey?: string
  /**
   * Names of uploads still in progress, left out of `files()`.
   * @defaultValue dot files and names ending in `.tmp` or `.part`
   */
  isTempName?: (name: string) => boolean
}

export interface SftpDepartmentSim {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly username: string
  /** The client's private key (OpenSSH format); `undefined` when the caller gave `authorizedKey`. */
  readonly privateKeyPath: string | undefined
  /** `SHA256:…` fingerprint of the host key, as `ssh-keygen -lf` prints it. */
  readonly hostKeySha256: string
  readonly root: string
  /** Finished files under `root`, as `/`-separated relative paths, sorted; temp names left out. */
  files: () => string[]
  /** Bytes of a file under `root`, by the same relative (or remote) path. */
  read: (name: string) => Buffer
  /** Stops listening, drops connected clients and deletes a generated key. */
  close: () => Promise<void>
}

const defaultIsTempName = (name: string): boolean =>
  name.startsWith('.') || name.endsWith('.tmp') || name.endsWith('.part')

/** `SHA256:…` of a public key blob, as `ssh-keygen -lf` prints it (the hub's own function). */
export const sha256Fingerprint = hostKeyFingerprint

function parse (key: string, what: string): ParsedKey {
  const parsed = utils.parseKey(key)
  if (parsed instanceof Error) throw new Error(`SFTP 模拟部门：${what}无法解析（${parsed.message}）`)
  return parsed
}

function sameBytes (a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

export async function startSftpDepartment (opts: SftpDepartmentOptions): Promise<SftpDepartmentSim> {
  const { name, root } = opts
  const host = opts.host ?? '127.0.0.1'
  const username = opts.username ?? 'houshi'
  const isTempName = opts.isTempName ?? defaultIsTempName

  const hostKey = generateEd25519()
  const hostKeySha256 = sha256Fingerprint(parse(hostKey.private, '主机密钥').getPublicSSH())

  let keyDir: string | undefined
  let privateKeyPath: string | undefined
  let authorizedKey = opts.authorizedKey
  if (authorizedKey === undefined) {
    const clientKey = generateEd25519(`${username}@${name}-sim`)
    keyDir = await mkdtemp(join(tmpdir(), `houshi-sftp-${name}-`))
    privateKeyPath = join(keyDir, 'id_ed25519')
    await writeFile(privateKeyPath, clientKey.private, { mode: 0o600 })
    await writeFile(`${privateKeyPath}.pub`, `${clientKey.public}\n`)
    authorizedKey = clientKey.public
  }
  const allowed = parse(authorizedKey, '授权公钥')
  const allowedBlob = allowed.getPublicSSH()
  const allowedUser = Buffer.from(username)

  const ssh = new Server({ hostKeys: [hostKey.private] }, (client: Connection) => {
    // A client that vanishes or fails to authenticate must not crash the demo or a test run.
    client.on('error', () => {})
    client.on('authentication', ctx => {
      const userOk = sameBytes(Buffer.from(ctx.username), allowedUser)
      if (ctx.method !== 'publickey' || !userOk) return ctx.reject(['publickey'])
      const keyOk = ctx.key.algo === allowed.type && sameBytes(ctx.key.data, allowedBlob)
      if (!keyOk) return ctx.reject(['publickey'])
      // Without a signature the client only asks whether this key would do; with one it proves
      // that it holds the private half.
      if (ctx.signature === undefined) return ctx.accept()
      const signed = ctx.blob !== undefined && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true
      if (signed) ctx.accept()
      else ctx.reject(['publickey'])
    })
    client.on('ready', () => {
      client.on('session', accept => {
        accept().on('sftp', acceptSftp => serveSftp(acceptSftp(), root))
      })
    })
  })

  // Our own listener hands sockets to ssh2, so close() can drop them: ssh2's Server keeps none.
  const sockets = new Set<Socket>()
  const listener = createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    ssh.injectSocket(socket)
  })
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject)
    listener.listen(opts.port ?? 0, host, () => {
      listener.off('error', reject)
      resolve()
    })
  })
  const { port } = listener.address() as AddressInfo

  let closed = false
  return {
    name,
    host,
    port,
    username,
    privateKeyPath,
    hostKeySha256,
    root,
    files: () => listFiles(root, '').filter(path => !isTempName(path.slice(path.lastIndexOf('/') + 1))).sort(),
    read: file => readFileSync(localPath(root, file)),
    async close () {
      if (closed) return
      closed = true
      const stopped = new Promise<void>(resolve => listener.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await stopped
      if (keyDir !== undefined) await rm(keyDir, { recursive: true, force: true })
    }
  }
}

function listFiles (root: string, prefix: string): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap(entry => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`
    if (entry.isDirectory()) return listFiles(root, path)
    return entry.isFile() ? [path] : []
  })
}

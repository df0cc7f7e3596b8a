import { createHash, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { posix } from 'node:path'
import SftpClient from 'ssh2-sftp-client'
import type { SftpTransportConfig } from '../../config/schema.js'
import { settlesWithin } from '../../queues/settles-within.js'
import { boundedExchange } from '../bounded-exchange.js'
import { DeliveryError } from '../delivery-error.js'
import { NETWORK_CODES } from '../transport-failure.js'
import { doneFileName, partFileName } from './file-name.js'

/** One file for a department: its final name in `remoteDir`, and its bytes. */
export interface RemoteFile {
  name: string
  content: Buffer
}

export interface UploadResult {
  /** Final name in `remoteDir`. */
  name: string
  bytes: number
}

/** The upload step, as the batch runner and the per-notice deliverer see it (tests inject failures). */
export type Upload = (config: SftpTransportConfig, file: RemoteFile, signal: AbortSignal) => Promise<UploadResult>

type Stage = 'key' | 'connect' | 'write' | 'rename' | 'done-file'

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7) that ssh2 puts in `err.code`. */
const SFTP_NO_SUCH_FILE = 2
const SFTP_PERMISSION_DENIED = 3

/**
 * ssh2-sftp-client's words for a connection that ended under an operation (its code is then
 * `ERR_GENERIC_CLIENT`, or `ERR_NOT_CONNECTED` for "no SFTP connection").
 */
const CONNECTION_LOST = /Unexpected (end|close) event|No SFTP connection available/i

/** How long a clean-up step (removing a failed `.part`, closing the session) may take before the socket is simply destroyed. */
const END_GRACE_MS = 2_000

/**
 * Puts one file in the department's folder so that it appears whole or not at all: written as
 * `.<name>.part`, renamed to `<name>` (replacing the file of an earlier try of the same delivery),
 * then `<name>.ok` when the target asks for a done-file. The whole exchange is bounded by
 * `timeoutMs`; the connection is always closed.
 *
 * Failures are DeliveryErrors, all retryable: a wrong key, host key or folder is for ops to fix
 * (errorClass `sftp-config`), and once fixed the backlog must drain rather than be dead letters.
 * Messages name the server and file, never a person.
 */
export async function uploadFile (config: SftpTransportConfig, file: RemoteFile, signal: AbortSignal): Promise<UploadResult> {
  let stage: Stage = 'key'
  let privateKey: Buffer
  try {
    privateKey = await readFile(config.privateKeyPath)
  } catch {
    throw new DeliveryError('无法读取 SFTP 私钥文件（privateKeyPath）', true, 'sftp-config')
  }
  // The library's default listeners print to the console; errors reach us through the promises.
  const client = new SftpClient('houshi-sftp', { error: () => {}, end: () => {}, close: () => {} })
  let hostKeyRejected = false
  const finalPath = posix.join(config.remoteDir, file.name)
  const partPath = posix.join(config.remoteDir, partFileName(file.name))
  const exchange = boundedExchange(signal, config.timeoutMs)
  // When the deadline passes or the caller aborts, the connection is cut so that pending
  // operations fail at once, and the exchange is over.
  const expired = new Promise<never>((_resolve, reject) => {
    const end = (): void => {
      rawConnection(client)?.destroy()
      reject(new Error(exchange.timedOut() ? 'timed out' : 'aborted'))
    }
    if (exchange.signal.aborted) end()
    else exchange.signal.addEventListener('abort', end, { once: true })
  })
  expired.catch(() => {})
  let written = false
  const work = (async () => {
    stage = 'connect'
    await client.connect({
      host: config.host,
      port: config.port,
      username: config.username,
      privateKey,
      ...(config.passphrase === undefined ? {} : { passphrase: config.passphrase }),
      readyTimeout: config.timeoutMs,
      hostVerifier: (key: Buffer) => {
        if (config.hostKeySha256 === undefined) return true
        const ok = sameFingerprint(key, config.hostKeySha256)
        hostKeyRejected = !ok
        return ok
      }
    })
    stage = 'write'
    written = true
    await client.put(file.content, partPath)
    stage = 'rename'
    await renameOver(client, partPath, finalPath)
    written = false
    if (config.doneFile) {
      stage = 'done-file'
      await client.put(Buffer.alloc(0), posix.join(config.remoteDir, doneFileName(file.name)))
    }
  })()
  try {
    await Promise.race([work, expired])
    return { name: file.name, bytes: file.content.length }
  } catch (err) {
    // Set by the work above, which TypeScript's narrowing does not follow.
    const reached = stage as Stage
    const failure = classify(err, reached, { hostKeyRejected, timedOut: exchange.timedOut(), aborted: signal.aborted, config, name: file.name })
    // Departments only see a file once it has its final name: before the rename, nothing reached them.
    throw reached === 'rename' || reached === 'done-file' || failure.sentNothing
      ? failure
      : new DeliveryError(failure.message, failure.retryable, failure.errorClass, failure.status, { sentNothing: true })
  } finally {
    exchange.dispose()
    // The work promise may still settle after a timeout; its outcome is already decided.
    work.catch(() => {})
    let answering = !exchange.timedOut() && !signal.aborted
    // A half-written temporary file is removed (best effort, the next try rewrites it anyway),
    // but never waited for long: a half-open connection would hang the job. A server that does
    // not answer in time is not asked to close politely either.
    if (written && answering) answering = await settlesWithin(client.delete(partPath, true), END_GRACE_MS)
    await close(client, answering)
  }
}

/**
 * Replaces `to` atomically with the OpenSSH posix-rename extension when the server has it; plain
 * SFTP rename refuses an existing target, so otherwise the earlier file is deleted first.
 */
async function renameOver (client: SftpClient, from: string, to: string): Promise<void> {
  try {
    await client.posixRename(from, to)
    return
  } catch (err) {
    if (!/does not support/i.test((err as Error).message)) throw err
  }
  await client.delete(to, true)
  await client.rename(from, to)
}

/**
 * Compares the server's host key with the configured `SHA256:<base64>` fingerprint (as
 * `ssh-keygen -lf` prints it, the trailing `=` optional).
 */
export function sameFingerprint (key: Buffer, expected: string): boolean {
  const actual = Buffer.from(hostKeyFingerprint(key))
  const wanted = Buffer.from(expected.replace(/=+$/, ''))
  return actual.length === wanted.length && timingSafeEqual(actual, wanted)
}

/** `SHA256:<unpadded base64>` of a raw host key, the OpenSSH fingerprint format. */
export function hostKeyFingerprint (key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`
}

interface FailureContext {
  hostKeyRejected: boolean
  timedOut: boolean
  aborted: boolean
  config: SftpTransportConfig
  name: string
}

function classify (err: unknown, stage: Stage, c: FailureContext): DeliveryError {
  const server = `${c.config.host}:${c.config.port}`
  if (err instanceof DeliveryError) return err
  if (c.aborted) return new DeliveryError('SFTP 上传被中止', true, 'aborted')
  if (c.hostKeyRejected) {
    return new DeliveryError(`SFTP 服务器 ${server} 的主机密钥与配置的指纹（hostKeySha256）不符，已拒绝连接`, true, 'sftp-config')
  }
  const message = err instanceof Error ? err.message : String(err)
  const code = (err as { code?: unknown } | null)?.code
  if (c.timedOut || /timed out/i.test(message)) {
    return new DeliveryError(`SFTP 上传超时（${c.config.timeoutMs} ms，服务器 ${server}）`, true, 'timeout')
  }
  if (stage === 'connect') {
    if (/authentication methods failed/i.test(message)) {
      return new DeliveryError(`SFTP 服务器 ${server} 拒绝了用户 ${c.config.username} 的密钥认证`, true, 'sftp-config')
    }
    if (/privateKey|passphrase/i.test(message)) {
      return new DeliveryError('SFTP 私钥无法解析（格式错误或口令不对）', true, 'sftp-config')
    }
  }
  // ETIMEDOUT here is the socket's own connect timeout: the server did not answer at all.
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || code === 'ETIMEDOUT')) {
    return new DeliveryError(`SFTP 网络错误：${code}（服务器 ${server}）`, true, 'network')
  }
  if (stage !== 'connect' && CONNECTION_LOST.test(message)) {
    // Not the server refusing the operation: the connection ended under it (reset, closed).
    return new DeliveryError(`SFTP 连接在${stageLabel[stage]}时中断：文件 ${c.name}（服务器 ${server}）`, true, 'network')
  }
  if (code === SFTP_NO_SUCH_FILE && stage === 'write') {
    return new DeliveryError(`SFTP 远程目录 ${c.config.remoteDir} 不存在`, true, 'sftp-config')
  }
  if (code === SFTP_PERMISSION_DENIED) {
    return new DeliveryError(`SFTP 无权写入远程目录 ${c.config.remoteDir}（${stageLabel[stage]}）`, true, 'sftp-config')
  }
  if (stage === 'connect') return new DeliveryError(`SFTP 连接失败（服务器 ${server}）`, true, 'network')
  return new DeliveryError(`SFTP ${stageLabel[stage]}失败：文件 ${c.name}${typeof code === 'number' ? `，状态码 ${code}` : ''}`, true, 'sftp')
}

const stageLabel: Record<Stage, string> = {
  key: '读取私钥', connect: '连接', write: '写入临时文件', rename: '改名', 'done-file': '写入完成标志文件'
}

/** The library keeps ssh2's Client as `client` without typing it; we only need to destroy it. */
function rawConnection (client: SftpClient): { destroy: () => void } | undefined {
  return (client as unknown as { client?: { destroy: () => void } }).client
}

/** Ends the session politely, but never waits long for it: a dead server must not hang a worker. */
async function close (client: SftpClient, politely: boolean): Promise<void> {
  if (politely) await settlesWithin(client.end(), END_GRACE_MS)
  rawConnection(client)?.destroy()
}

import { readdir } from 'node:fs/promises'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { uploadFile } from '../../src/adapters/sftp/upload.js'
import type { SftpTransportConfig } from '../../src/config/schema.js'
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js'
import { failureOf } from '../helpers/deliveries.js'
import { startSshd, type TestSshd } from '../helpers/sshd.js'

/**
 * An SFTP upload whose connection drops mid-exchange (a real sshd behind the fault suite's
 * proxy): the failure says what happened, a broken connection at a stage, and whether the file
 * may have landed; the retry puts the same file under the same name.
 */

const never = new AbortController().signal
const content = Buffer.from('通知编号,姓名\r\nntc-1,李桂英\r\n', 'utf8')

let sshd: TestSshd
let proxy: FaultProxy
/** Bytes the server sends on a clean upload without a done-file (measured in `beforeAll`). */
let cleanBytes: number
let files = 0

beforeAll(async () => {
  sshd = await startSshd()
  proxy = await startFaultProxy(sshd.host, sshd.port)
  await uploadFile(config(), { name: 'clean.csv', content }, never)
  cleanBytes = proxy.connections[0]!.serverBytes
})

afterAll(async () => {
  await proxy?.close()
  await sshd?.stop()
})

beforeEach(() => { proxy.heal() })

function config (): SftpTransportConfig {
  return {
    host: sshd.host, port: proxy.port, username: sshd.username, privateKeyPath: sshd.privateKeyPath,
    hostKeySha256: sshd.hostKeySha256, remoteDir: sshd.remoteDir, mode: 'per-notice', format: 'csv',
    encoding: 'utf-8', header: true, doneFile: false, filePrefix: 'houshi', timeoutMs: 5_000
  }
}

async function landed (name: string): Promise<string[]> {
  return (await readdir(sshd.remoteDir)).filter(f => f.includes(name)).sort()
}

// As measured with OpenSSH's internal-sftp: the rename's status is the server's last packet
// (~70 bytes), the answers to writing the temporary file come just before it.
describe('an SFTP connection that drops mid-upload', () => {
  it('is a network failure while the rename is answered, one that may have sent the file, and the retry lands the same file', async () => {
    const name = `file-${++files}.csv`
    proxy.setPlan(() => ({ kind: 'drop', afterBytes: cleanBytes - 35 }))

    const err = await failureOf(uploadFile(config(), { name, content }, never))

    expect(err).toMatchObject({ retryable: true, errorClass: 'network', sentNothing: false })
    expect(err.message).toContain('改名')
    // The department has the file, though the hub does not know it.
    expect(await landed(name)).toEqual([name])

    proxy.heal()
    await uploadFile(config(), { name, content }, never)
    expect(await landed(name)).toEqual([name])
  })

  it('is a network failure while the temporary file is written, one that sent nothing the department sees', async () => {
    const name = `file-${++files}.csv`
    proxy.setPlan(() => ({ kind: 'drop', afterBytes: cleanBytes - 70 - 100 }))

    const err = await failureOf(uploadFile(config(), { name, content }, never))

    expect(err).toMatchObject({ retryable: true, errorClass: 'network', sentNothing: true })
    expect(err.message).toContain('写入临时文件')
    expect((await landed(name)).filter(f => !f.startsWith('.'))).toEqual([])
  })
})

import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '../../scripts/free-port.js'
import { hostKeyFingerprint } from '../../src/adapters/sftp/upload.js'

const run = promisify(execFile)

export const SSHD_PATH = '/usr/sbin/sshd'

/** A real OpenSSH server on 127.0.0.1 for one test file: key auth only, internal-sftp. */
export interface TestSshd {
  host: string
  port: number
  username: string
  /** Client private key (ed25519, no passphrase) that the server accepts. */
  privateKeyPath: string
  /** The server's host key as `ssh-keygen -lf` prints it: `SHA256:…`. */
  hostKeySha256: string
  /** Local folder the SFTP client writes to (the server runs as this user, without chroot). */
  remoteDir: string
  /** Kills the server (it can be asked for again with `start()`); the folder stays. */
  kill (): Promise<void>
  /** Starts it again on the same port, same keys (after `kill()`). */
  start (): Promise<void>
  /** Freezes the server (SIGSTOP): connections are accepted by the kernel, nothing answers. */
  pause (): void
  /** Lets a paused server run again (SIGCONT). */
  resume (): void
  /** Kills the server and removes its temporary folder. */
  stop (): Promise<void>
}

/**
 * Starts `/usr/sbin/sshd -D -e -f <config>` with its own config, keys and folder in a temp dir,
 * as the current user (root in CI: root may log in with a key only), and waits for its banner.
 */
export async function startSshd (): Promise<TestSshd> {
  if (!existsSync(SSHD_PATH)) throw new Error(`${SSHD_PATH} not found: install openssh-server (.ci/run does)`)
  const dir = await mkdtemp(join(tmpdir(), 'houshi-sshd-'))
  const username = userInfo().username
  const hostKey = join(dir, 'host_ed25519')
  const clientKey = join(dir, 'client_ed25519')
  const remoteDir = join(dir, 'remote')
  await mkdir(remoteDir)
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'houshi-test-host', '-f', hostKey])
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'houshi-test-client', '-f', clientKey])
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${clientKey}.pub`))
  // Privilege separation needs this directory when sshd runs as root; containers often lack it.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 })
  const port = await freePort()
  const config = join(dir, 'sshd_config')
  await writeFile(config, [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'StrictModes no',
    'UsePAM no',
    `AllowUsers ${username}`,
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
    ''
  ].join('\n'))

  let child: ChildProcess | undefined
  const start = async (): Promise<void> => {
    const proc = spawn(SSHD_PATH, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    proc.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
    child = proc
    const exited = new Promise<never>((_resolve, reject) => {
      proc.once('exit', (code) => { reject(new Error(`sshd exited (${String(code)}): ${stderr}`)) })
    })
    exited.catch(() => {})
    await Promise.race([waitForBanner(port), exited])
  }
  const kill = async (): Promise<void> => {
    const proc = child
    child = undefined
    if (proc === undefined || proc.exitCode !== null) return
    const gone = new Promise(resolve => proc.once('exit', resolve))
    proc.kill('SIGCONT')
    proc.kill('SIGTERM')
    await gone
  }
  await start()
  return {
    host: '127.0.0.1',
    port,
    username,
    privateKeyPath: clientKey,
    hostKeySha256: fingerprintOfPublicKey(await readFile(`${hostKey}.pub`, 'utf8')),
    remoteDir,
    kill,
    start,
    // `sshd -D` stays in the foreground: the spawned process is the listener.
    pause: () => { child?.kill('SIGSTOP') },
    resume: () => { child?.kill('SIGCONT') },
    stop: async () => {
      await kill()
      await rm(dir, { recursive: true, force: true })
    }
  }
}

/** `SHA256:<unpadded base64>` of an OpenSSH public key line, as `ssh-keygen -lf` prints it. */
export function fingerprintOfPublicKey (line: string): string {
  return hostKeyFingerprint(Buffer.from(line.trim().split(/\s+/)[1] ?? '', 'base64'))
}

/** Polls until the port answers with an SSH banner (sshd is then accepting sessions). */
async function waitForBanner (port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await bannerSeen(port)) return
    if (Date.now() > deadline) throw new Error(`sshd did not answer on port ${port} within ${timeoutMs} ms`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

async function bannerSeen (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const socket = net.connect(port, '127.0.0.1')
    const done = (ok: boolean): void => { socket.destroy(); resolve(ok) }
    socket.setTimeout(1_000, () => { done(false) })
    socket.once('data', (d: Buffer) => { done(d.toString('latin1').startsWith('SSH-')) })
    socket.once('error', () => { done(false) })
  })
}

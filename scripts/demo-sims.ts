import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { alwaysOk, failFirst, startRestDepartment, type ReceivedMessage, type RestDepartmentSim } from '../sim/rest-department.js'
import { startSftpDepartment, type SftpDepartmentSim } from '../sim/sftp-department.js'
import { startSoapDepartment, type SoapDepartmentSim } from '../sim/soap-department.js'
import { secret } from './demo-setup.js'

/**
 * A simulator for every department of config/hub.yaml, for `npm run demo` and `npm run sim`,
 * and the environment that points the sample config at them: every `${NAME}` it uses, with
 * fresh secrets each run. Only the SFTP ports cannot travel that way (the file's `port` is a
 * number): they are in `sftpPorts`, by target code.
 */

/**
 * The REST targets of the sample config: the variables of their address and signing secret.
 * The two 公安 targets are one department system, with one signing secret and one token.
 */
export const REST_TARGETS = [
  { code: 'gongan-rongjiawan', urlVar: 'GONGAN_RONGJIAWAN_URL', secretVar: 'GONGAN_SIGNING_SECRET', path: '/rongjiawan/notices' },
  { code: 'gongan', urlVar: 'GONGAN_URL', secretVar: 'GONGAN_SIGNING_SECRET', path: '/huzheng/notices' },
  { code: 'yibao', urlVar: 'YIBAO_URL', secretVar: 'YIBAO_SIGNING_SECRET', path: '/notices' },
  { code: 'minzheng', urlVar: 'MINZHENG_URL', secretVar: 'MINZHENG_SIGNING_SECRET', path: '/notices' }
] as const

/** The SFTP targets: where their server keeps what it receives, and their variables' prefix. */
export const SFTP_TARGETS = [
  { code: 'gongjijin', envPrefix: 'GONGJIJIN' },
  { code: 'canlian', envPrefix: 'CANLIAN' }
] as const

/** The folder of the sample config's `sftp.remoteDir`, as seen by the hub. */
export const SFTP_REMOTE_DIR = '/upload'

/** 医保 fails the first request of every delivery, so a retry shows. */
export const FLAKY_TARGET = 'yibao'

export interface DemoSimsOptions {
  /** Each SFTP server keeps its files in `<sftpRoot>/<code>`; wiped at start. */
  sftpRoot: string
  /** @defaultValue '127.0.0.1' */
  host?: string
  /** Called for each REST message once answered (the standalone simulators log it). */
  onRestMessage?: (target: string, message: ReceivedMessage) => void
  /** `false`: the REST simulators keep counters only (long runs). @defaultValue true */
  record?: boolean
}

export interface DemoSims {
  /** By target code. */
  rest: Record<string, RestDepartmentSim>
  soap: SoapDepartmentSim
  /** By target code. */
  sftp: Record<string, SftpDepartmentSim>
  /** Every `${NAME}` of config/hub.yaml. */
  env: Record<string, string>
  /** The port of each SFTP target's server, by target code. */
  sftpPorts: Record<string, number>
  close (): Promise<void>
}

export async function startDemoSims (opts: DemoSimsOptions): Promise<DemoSims> {
  const host = opts.host ?? '127.0.0.1'
  const started: Array<{ close: () => Promise<void> }> = []
  const close = async (): Promise<void> => {
    for (const s of started.splice(0).reverse()) await s.close().catch(() => {})
  }
  try {
    const env: Record<string, string> = {
      GONGAN_TOKEN: secret(), GONGAN_SIGNING_SECRET: secret(), YIBAO_PASSWORD: secret(), YIBAO_SIGNING_SECRET: secret(),
      MINZHENG_TOKEN: secret(), MINZHENG_SIGNING_SECRET: secret(),
      RENSHE_SOAP_USERNAME: 'houshi', RENSHE_SOAP_PASSWORD: secret(), TUIYI_FEED_TOKEN: secret()
    }
    const rest: Record<string, RestDepartmentSim> = {}
    for (const t of REST_TARGETS) {
      const sim = await startRestDepartment({
        name: t.code,
        host,
        path: t.path,
        signingSecret: env[t.secretVar],
        requireSignature: true,
        behaviour: t.code === FLAKY_TARGET ? failFirst(1, 503) : alwaysOk(),
        record: opts.record ?? true,
        onMessage: opts.onRestMessage === undefined ? undefined : m => opts.onRestMessage!(t.code, m)
      })
      started.push(sim)
      rest[t.code] = sim
      env[t.urlVar] = sim.url
    }

    const soap = await startSoapDepartment({ name: 'renshe', host, username: env.RENSHE_SOAP_USERNAME, password: env.RENSHE_SOAP_PASSWORD })
    started.push(soap)
    env.RENSHE_SOAP_URL = soap.url

    const sftp: Record<string, SftpDepartmentSim> = {}
    const sftpPorts: Record<string, number> = {}
    for (const t of SFTP_TARGETS) {
      const root = join(opts.sftpRoot, t.code)
      await rm(root, { recursive: true, force: true })
      await mkdir(join(root, SFTP_REMOTE_DIR), { recursive: true })
      const sim = await startSftpDepartment({ name: t.code, root, host })
      started.push(sim)
      sftp[t.code] = sim
      sftpPorts[t.code] = sim.port
      Object.assign(env, {
        [`${t.envPrefix}_SFTP_HOST`]: sim.host, [`${t.envPrefix}_SFTP_KEY_FILE`]: sim.privateKeyPath!, [`${t.envPrefix}_SFTP_HOST_KEY`]: sim.hostKeySha256
      })
    }
    return { rest, soap, sftp, env, sftpPorts, close }
  } catch (err) {
    await close()
    throw err
  }
}

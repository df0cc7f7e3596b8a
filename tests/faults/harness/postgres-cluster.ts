import { execFile, execFileSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from '../../../scripts/free-port.js'

/**
 * A throwaway PostgreSQL cluster the scenario may stop and start at will: `initdb` into a temp
 * directory (as the `postgres` user when the tests run as root, as PostgreSQL refuses root),
 * trust auth, a free port on 127.0.0.1, its socket in its own directory. `.ci/run` installs
 * the Debian `postgresql` package, whose binaries are under /usr/lib/postgresql/<ver>/bin
 * (or set PG_BIN).
 *
 * API: `createPostgresCluster()` → `{ url, port, start(), stop(mode), restart(), close() }`.
 */
export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string
  readonly port: number
  start (): Promise<void>
  /** `fast` disconnects clients and shuts down cleanly; `immediate` is a crash (recovery on start). */
  stop (mode?: 'fast' | 'immediate'): Promise<void>
  restart (): Promise<void>
  /** Stops it and removes its directory. */
  close (): Promise<void>
}

const run = promisify(execFile)

/** The directory of initdb and pg_ctl, or a clear reason why there is none. */
export function postgresBinDir (): string {
  if (process.env.PG_BIN !== undefined) return process.env.PG_BIN
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).filter(v => existsSync(join(root, v, 'bin', 'initdb'))) : []
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0]
  if (newest === undefined) throw new Error(`no initdb under ${root}/<version>/bin: apt-get install postgresql (or set PG_BIN)`)
  return join(root, newest, 'bin')
}

export async function createPostgresCluster (): Promise<PostgresCluster> {
  const bin = postgresBinDir()
  const asRoot = userInfo().uid === 0
  const dir = mkdtempSync(join(tmpdir(), 'hub-faults-pg-'))
  const data = join(dir, 'data')
  const port = await freePort()
  const pg = async (tool: string, args: string[]): Promise<void> => {
    const argv = asRoot ? ['runuser', '-u', 'postgres', '--', join(bin, tool), ...args] : [join(bin, tool), ...args]
    try {
      await run(argv[0]!, argv.slice(1), { timeout: 120_000 })
    } catch (err) {
      const e = err as { stderr?: string, stdout?: string, message: string }
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`)
    }
  }
  if (asRoot) {
    const { uid, gid } = postgresIds()
    chownSync(dir, uid, gid)
  }
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])

  let running = false
  const start = async (): Promise<void> => {
    await pg('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60',
      '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=100`, 'start'])
    running = true
  }
  const stop = async (mode: 'fast' | 'immediate' = 'fast'): Promise<void> => {
    if (!running) return
    await pg('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop'])
    running = false
  }
  await start()
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop,
    async restart () {
      await stop()
      await start()
    },
    async close () {
      await stop('immediate').catch(() => {})
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** The postgres user's uid and gid, for the directory initdb writes into. */
function postgresIds (): { uid: number, gid: number } {
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim())
  return { uid: id('-u'), gid: id('-g') }
}

import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from '../../../scripts/free-port.js'

/**
 * The hub as a real process (`node dist/server.js`), for the fault suite: it can be killed with
 * any signal, restarted with the same config and port, and its output read afterwards.
 *
 * API (shared with the other fault scenarios, keep it stable):
 * - `startHubProcess({ config, env, args? })` writes `config` (the full hub.yaml text) to a temp
 *   file, spawns `node dist/server.js --config <file> ...args` with only `env` (plus PATH) and
 *   resolves once it is started (not yet ready: call `waitReady()`). `env.PORT` is used when
 *   given, otherwise a free port is picked and kept across restarts.
 * - `HubProcess.url`                 `http://127.0.0.1:<port>`
 * - `pid()`                          the current process (the supervisor with `--processes N`)
 * - `workerPids()`                   with `--processes N`: the API processes that said "started"
 *                                    and are still alive
 * - `startedProcesses()`             the newest process of each index (`process` in the log)
 *                                    with its role, if alive (index 0 runs the workers, the
 *                                    others `api` only); needs log level info
 * - `output()`                       stdout + stderr of every run so far (restarts are marked)
 * - `waitReady(timeoutMs = 60 s)`    polls `/readyz` until 200; rejects if the process exits
 * - `kill(signal)`                   sends `signal` to the current process only
 * - `exited()`                       resolves with `{ code, signal }` once the current one exits
 * - `restart()`                      stops the current one if it still runs (SIGTERM), starts a
 *                                    new one with the same options and waits until it is ready
 * - `stop(timeoutMs = 20 s)`         SIGTERM, then SIGKILL of its whole process group after
 *                                    `timeoutMs`; idempotent (until the next `restart()`), also
 *                                    removes the config file (`restart()` writes it again)
 *
 * Run `npm run build` first: the suite tests the code that ships, not the TypeScript sources.
 */
export interface HubProcessOptions {
  /** The full hub.yaml text (see `hubConfig` in ./config.ts). */
  config: string
  /** The child's whole environment besides PATH: DATABASE_URL, REDIS_URL, HUB_MASTER_KEY, PORT, secrets… */
  env: Record<string, string>
  /** More arguments, e.g. `['--processes', '2']`. */
  args?: string[]
}

export interface Exit { code: number | null, signal: string | null }

/** A process of the hub that logged "houshi-hub started" and is still alive. */
export interface StartedProcess { pid: number, role: string, index: number }

export interface HubProcess {
  readonly url: string
  readonly port: number
  pid (): number
  workerPids (): number[]
  startedProcesses (): StartedProcess[]
  output (): string
  waitReady (timeoutMs?: number): Promise<void>
  kill (signal: NodeJS.Signals): void
  exited (): Promise<Exit>
  restart (): Promise<void>
  stop (timeoutMs?: number): Promise<Exit>
}

export const SERVER_JS = resolve('dist/server.js')
/** Keeps the tail of the output: a long run at `info` would otherwise hold every request's line. */
const MAX_OUTPUT_CHARS = 8_000_000

/** Every child still running, killed (with its group) if the test process ends without stop(). */
const running = new Set<ChildProcess>()
process.on('exit', () => {
  for (const c of running) killGroup(c, 'SIGKILL')
})

export async function startHubProcess (options: HubProcessOptions): Promise<HubProcess> {
  if (!existsSync(SERVER_JS)) {
    throw new Error(`${SERVER_JS} is missing: run \`npm run build\` first (npm run test:faults does)`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'hub-faults-'))
  const configFile = join(dir, 'hub.yaml')
  const port = options.env.PORT !== undefined ? Number(options.env.PORT) : await freePort()
  const url = `http://127.0.0.1:${port}`
  let out = ''
  let runs = 0
  let child: ChildProcess
  let exit: Promise<Exit>
  let stopped: Promise<Exit> | undefined

  const append = (text: string): void => {
    out += text
    if (out.length > MAX_OUTPUT_CHARS) out = out.slice(out.length - MAX_OUTPUT_CHARS / 2)
  }
  const spawnOne = (): void => {
    runs++
    // Written for every run: stop() removes it, and a stopped hub may be started again.
    mkdirSync(dir, { recursive: true })
    writeFileSync(configFile, options.config)
    if (runs > 1) append(`\n---- hub process restarted (run ${runs}) ----\n`)
    // Its own process group, so that stop() also reaches the API processes of a cluster.
    child = spawn(process.execPath, [SERVER_JS, '--config', configFile, ...(options.args ?? [])], {
      env: { PATH: process.env.PATH ?? '', ...options.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    })
    running.add(child)
    const c = child
    c.stdout!.on('data', (d: Buffer) => { append(d.toString()) })
    c.stderr!.on('data', (d: Buffer) => { append(d.toString()) })
    exit = new Promise<Exit>(resolve => c.once('exit', (code, signal) => {
      running.delete(c)
      resolve({ code, signal })
    }))
  }
  const isRunning = (): boolean => child.exitCode === null && child.signalCode === null

  const hub: HubProcess = {
    url,
    port,
    pid: () => child.pid!,
    workerPids: () => hub.startedProcesses().filter(p => p.pid !== child.pid).map(p => p.pid),
    startedProcesses: () => {
      // The newest start of each index counts: an older one of the same index has died.
      const newest = new Map<number, StartedProcess>()
      for (const line of out.split('\n').reverse()) {
        if (!line.includes('houshi-hub started')) continue
        try {
          const { pid, role, process: index = 0 } = JSON.parse(line) as { pid?: number, role?: string, process?: number }
          if (pid !== undefined && !newest.has(index)) newest.set(index, { pid, role: role ?? '?', index })
        } catch {}
      }
      return [...newest.values()].filter(p => alive(p.pid))
    },
    output: () => out,
    async waitReady (timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (!isRunning()) throw new Error(`the hub exited before it was ready (${JSON.stringify(await exit)}):\n${tail(out)}`)
        try {
          const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) })
          if (res.status === 200) return
        } catch {}
        if (Date.now() > deadline) throw new Error(`the hub was not ready within ${timeoutMs} ms:\n${tail(out)}`)
        await sleep(100)
      }
    },
    kill (signal) {
      if (isRunning()) child.kill(signal)
    },
    exited: async () => await exit,
    async restart () {
      if (isRunning()) await stopChild(child, exit, 20_000)
      stopped = undefined
      spawnOne()
      await hub.waitReady()
    },
    async stop (timeoutMs = 20_000) {
      stopped ??= stopChild(child, exit, timeoutMs).finally(() => { rmSync(dir, { recursive: true, force: true }) })
      return await stopped
    }
  }
  spawnOne()
  return hub
}

async function stopChild (child: ChildProcess, exit: Promise<Exit>, timeoutMs: number): Promise<Exit> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  const timer = setTimeout(() => { killGroup(child, 'SIGKILL') }, timeoutMs)
  const result = await exit
  clearTimeout(timer)
  // API processes left behind by a killed supervisor exit when it goes; make sure of it.
  killGroup(child, 'SIGKILL')
  return result
}

function killGroup (child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try { process.kill(-child.pid, signal) } catch {}
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export function tail (text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n')
}

export async function sleep (ms: number): Promise<void> {
  await new Promise(resolve => setTimeout(resolve, ms))
}

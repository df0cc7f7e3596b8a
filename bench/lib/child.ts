import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Cleanup } from './cleanup.js'

/** A child process speaking a tiny request/response protocol over IPC. */
export interface Child {
  pid: number
  call<T = unknown> (type: string, payload?: unknown): Promise<T>
  stop (): Promise<void>
}

interface Reply { id: number, ok: boolean, value?: unknown, error?: string }

/**
 * Forks a TypeScript module of bench/lib as its own process (so its CPU is its own, and the
 * load generator does not share its event loop). `stop` asks it to close, then kills it by pid.
 */
export async function startChild (/** a file of bench/lib, e.g. './sink-server.ts' */ module: string, cleanup: Cleanup): Promise<Child> {
  const file = fileURLToPath(new URL(module, import.meta.url))
  // Under tsx the parent's execArgv already loads TypeScript; otherwise load tsx explicitly.
  const execArgv = process.execArgv.some(a => a.includes('tsx')) ? [...process.execArgv] : ['--import', 'tsx']
  // BENCH_CPU_PROF=dir: V8 CPU profiles of the children (the servers under test) land in dir.
  if (process.env.BENCH_CPU_PROF !== undefined) execArgv.push('--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`)
  const proc: ChildProcess = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  let next = 0
  let exited = false
  const exitedPromise = new Promise<void>(resolve => proc.once('exit', () => {
    exited = true
    for (const p of pending.values()) p.reject(new Error(`${module} exited`))
    pending.clear()
    resolve()
  }))
  proc.on('message', (m: Reply) => {
    const p = pending.get(m.id)
    if (p === undefined) return
    pending.delete(m.id)
    if (m.ok) p.resolve(m.value)
    else p.reject(new Error(`${module}: ${m.error ?? 'failed'}`))
  })
  const call = async <T>(type: string, payload?: unknown): Promise<T> => {
    if (exited) throw new Error(`${module} has exited`)
    const id = ++next
    return await new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject })
      proc.send({ id, type, payload })
    })
  }
  const stop = cleanup.add(`stop ${module} (pid ${proc.pid ?? '?'})`, async () => {
    if (exited) return
    const timeout = async (ms: number): Promise<void> => await new Promise(resolve => setTimeout(resolve, ms).unref())
    // Asked to close, it answers and then exits by itself (writing a CPU profile, if asked to).
    await Promise.race([call('stop').then(async () => await exitedPromise).catch(() => {}), timeout(15_000)])
    if (!exited) proc.kill('SIGKILL')
    await exitedPromise
  })
  await call('ping')
  return { pid: proc.pid!, call, stop }
}

/** The child side: answers the parent's calls with `handlers`; `stop` closes and exits. */
export function serveParent (handlers: Record<string, (payload: unknown) => Promise<unknown> | unknown>): void {
  const reply = (m: Reply): void => { process.send?.(m) }
  process.on('message', (m: { id: number, type: string, payload: unknown }) => {
    void (async () => {
      try {
        if (m.type === 'ping') return reply({ id: m.id, ok: true, value: process.pid })
        const h = handlers[m.type]
        if (h === undefined && m.type !== 'stop') throw new Error(`unknown call ${m.type}`)
        const value = await h?.(m.payload)
        reply({ id: m.id, ok: true, value })
        if (m.type === 'stop') setImmediate(() => process.exit(0))
      } catch (err) {
        reply({ id: m.id, ok: false, error: (err as Error).stack ?? String(err) })
      }
    })()
  })
  // The parent died or hung up: do not linger holding ports and connections.
  process.on('disconnect', () => {
    void Promise.resolve(handlers.stop?.(undefined)).finally(() => process.exit(0))
  })
}

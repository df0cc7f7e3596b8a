import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { createRestartBackoff } from './restart-backoff.js'

/**
 * Several API processes on one machine (DESIGN §10: the API on every core). The primary only
 * supervises: it forks the workers, which share the listening port, replaces one that dies
 * unexpectedly (after a delay that grows while it keeps dying, see restart-backoff.ts; never
 * giving up, so the others keep serving), and on a stop signal passes it on and waits for all
 * of them to finish their graceful shutdown. Worker 0 runs the configured role; the others
 * serve the API only, so delivery workers and schedules are not duplicated.
 */

const INDEX_ENV = 'HUB_PROCESS_INDEX'
const STOP_MESSAGE = 'houshi:stop'
/** A worker says it listens for stop requests (a message sent before that would be lost). */
const LISTENING_MESSAGE = 'houshi:listening'
/** A worker's graceful shutdown gives attempts 30 s; past this it is killed. */
const STOP_DEADLINE_MS = 45_000

/** This process's index among the API processes (0 when not clustered). */
export function processIndex (): number {
  return cluster.isWorker ? Number(process.env[INDEX_ENV] ?? 0) : 0
}

/** In a worker: calls `stop` when the primary asks this process to shut down. */
export function onStopRequest (stop: (signal: string) => void): void {
  if (!cluster.isWorker) return
  process.on('message', (m: unknown) => {
    if ((m as { type?: unknown } | null)?.type === STOP_MESSAGE) stop((m as { signal?: string }).signal ?? 'SIGTERM')
  })
  process.send?.({ type: LISTENING_MESSAGE })
}

export function isClusterPrimary (processes: number): boolean {
  return processes > 1 && cluster.isPrimary
}

export interface Supervisor {
  /** Passes the signal to every worker and resolves with the exit code once all have exited. */
  stop (signal: NodeJS.Signals): Promise<number>
  pids (): number[]
}

export function superviseWorkers (processes: number, logger: Logger): Supervisor {
  const workers = new Map<number, Worker>()
  const backoff = createRestartBackoff()
  /** Restarts waiting for their delay, cancelled by a stop. */
  const pendingRestarts = new Map<number, NodeJS.Timeout>()
  let stopping = false
  let failed = false
  let allExited: (() => void) | undefined

  let stopSignal: NodeJS.Signals | undefined
  const listening = new Set<Worker>()
  const askToStop = (w: Worker): void => { w.send({ type: STOP_MESSAGE, signal: stopSignal }) }

  const fork = (index: number): void => {
    pendingRestarts.delete(index)
    const worker = cluster.fork({ [INDEX_ENV]: String(index) })
    const forkedAt = Date.now()
    workers.set(index, worker)
    worker.on('message', (m: unknown) => {
      if ((m as { type?: unknown } | null)?.type !== LISTENING_MESSAGE) return
      listening.add(worker)
      // A stop that came while this worker was starting reaches it now.
      if (stopping) askToStop(worker)
    })
    worker.on('exit', (code, signal) => {
      workers.delete(index)
      listening.delete(worker)
      if (stopping) {
        if (code !== 0) failed = true
        if (workers.size === 0) allExited?.()
        return
      }
      const { delayMs, deathsInARow } = backoff.died(index, Date.now() - forkedAt)
      // The alert: one error line per death, saying how often in a row and when it comes back.
      logger.error({ index, code, signal, deathsInARow, restartInMs: delayMs, serving: workers.size }, 'hub process died; starting a new one')
      // Not unref'd: with every process dead, this timer is what keeps the supervisor alive.
      pendingRestarts.set(index, setTimeout(() => { if (!stopping) fork(index) }, delayMs))
    })
  }

  const supervisor: Supervisor = {
    async stop (signal) {
      stopping = true
      for (const timer of pendingRestarts.values()) clearTimeout(timer)
      pendingRestarts.clear()
      const done = new Promise<void>(resolve => { allExited = resolve })
      if (workers.size === 0) allExited?.()
      // By message, not by signal: a Ctrl-C already reached every process of the group, and a
      // second signal would make a worker skip its graceful shutdown. A worker still starting
      // keeps the request and stops once started.
      stopSignal = signal
      for (const w of listening) askToStop(w)
      // A worker that does not finish in time is killed: the supervisor must not hang a deploy.
      const deadline = setTimeout(() => {
        logger.error({ pids: supervisor.pids() }, 'hub processes did not stop in time; killing them')
        failed = true
        for (const w of workers.values()) w.process.kill('SIGKILL')
      }, STOP_DEADLINE_MS)
      deadline.unref()
      await done
      clearTimeout(deadline)
      return failed ? 1 : 0
    },
    pids: () => [...workers.values()].map(w => w.process.pid!).filter(pid => pid !== undefined)
  }
  for (let i = 0; i < processes; i++) fork(i)
  return supervisor
}

import { writeFile } from 'node:fs/promises'
import { Session } from 'node:inspector/promises'
import { join } from 'node:path'

/**
 * BENCH_CPU_PROF=dir: a V8 CPU profile of this process over one phase. The delivery trial runs
 * the hub worker in the bench's own process, so `--cpu-prof` on the children cannot see it.
 * BENCH_HEAP_PROF=dir: a sampled allocation profile of the phase instead (every allocation,
 * also those garbage-collected since: what makes the collector work).
 */
export async function startProfiler (): Promise<{ save: (name: string) => Promise<void> } | undefined> {
  const cpuDir = process.env.BENCH_CPU_PROF
  const heapDir = process.env.BENCH_HEAP_PROF
  if (cpuDir === undefined && heapDir === undefined) return undefined
  const session = new Session()
  session.connect()
  if (heapDir !== undefined) {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true
    } as never)
  } else {
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
  }
  return {
    async save (name) {
      const [file, profile] = heapDir !== undefined
        ? [join(heapDir, `${name}-${Date.now()}.heapprofile`), (await session.post('HeapProfiler.stopSampling')).profile]
        : [join(cpuDir!, `${name}-${Date.now()}.cpuprofile`), (await session.post('Profiler.stop')).profile]
      session.disconnect()
      await writeFile(file, JSON.stringify(profile))
      console.log(`    profile of this phase: ${file}`)
    }
  }
}

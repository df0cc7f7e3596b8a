import { parseArgs } from 'node:util'

export type Engine = 'postgres' | 'pglite'

/** Command-line options shared by every benchmark script. */
export interface BenchArgs {
  engines: Engine[]
  /** Length of each measured phase of the ingest bench. */
  seconds: number
  /** Closed-loop connections of the ingest load generator. */
  connections: number
  /** Offered rate of the open-loop ingest phase (records/s). */
  rate: number
  /** Records pre-ingested for the delivery bench (each fans out to every target). */
  records: number
  /** Per-target worker concurrencies the delivery bench tries. */
  concurrency: number[]
  /** `database.poolSize` of the hub under test. */
  pool: number
  /** Department targets each record is routed to (3 = the REST ones; up to 7 with stand-ins). */
  targets: number
  /** Log level of the hub under test (its lines go to /dev/null). */
  logLevel: string
  /** Operations in flight at once in bench/profile.ts. */
  parallel: number
  /** Hub processes under test (`--processes` of server.ts): API processes in the ingest bench, worker processes in the delivery bench. */
  processes: number
}

const USAGE = `options: --engine postgres|pglite|both  --seconds N  --connections N  --rate N
         --records N  --concurrency 16,32,64  --pool N  --targets 3..7  --log-level info|warn|silent  --parallel N (profile)
         --processes N (hub processes: API for ingest, workers for deliver; PostgreSQL only)`

export function benchArgs (argv: string[] = process.argv.slice(2)): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    options: {
      engine: { type: 'string', default: 'postgres' },
      seconds: { type: 'string', default: '5' },
      connections: { type: 'string', default: '32' },
      rate: { type: 'string', default: '500' },
      records: { type: 'string', default: '3000' },
      concurrency: { type: 'string', default: '16,32,64' },
      pool: { type: 'string', default: '10' },
      targets: { type: 'string', default: '3' },
      'log-level': { type: 'string', default: 'info' },
      parallel: { type: 'string', default: '1' },
      processes: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false }
    }
  })
  if (values.help === true) {
    console.log(USAGE)
    process.exit(0)
  }
  const engine = values.engine ?? 'postgres'
  if (!['postgres', 'pglite', 'both'].includes(engine)) throw new Error(`--engine must be postgres, pglite or both\n${USAGE}`)
  const positive = (name: string, text: string | undefined, max = 1e9): number => {
    const n = Number(text)
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`--${name} must be a positive number ≤ ${max}\n${USAGE}`)
    return n
  }
  return {
    engines: engine === 'both' ? ['postgres', 'pglite'] : [engine as Engine],
    seconds: positive('seconds', values.seconds, 600),
    connections: Math.round(positive('connections', values.connections, 1024)),
    rate: positive('rate', values.rate, 100_000),
    records: Math.round(positive('records', values.records, 1_000_000)),
    concurrency: (values.concurrency ?? '').split(',').map(s => Math.round(positive('concurrency', s, 256))),
    pool: Math.round(positive('pool', values.pool, 200)),
    targets: Math.round(positive('targets', values.targets, 7)),
    logLevel: values['log-level'] ?? 'info',
    parallel: Math.round(positive('parallel', values.parallel, 256)),
    processes: Math.round(positive('processes', values.processes, 64))
  }
}

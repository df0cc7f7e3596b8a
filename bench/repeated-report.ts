/**
 * A repeated report against a large audit trail (issue #11): how long `POST /v1/cremations`
 * takes for a new record and for the same record again, once `audit_events` holds many rows,
 * and the plan of the statement that used to answer the repeat from the audit trail.
 *   npx tsx bench/repeated-report.ts [--events 200000] [--records 20] [--repeats 10] [--no-analyze]
 * Needs the test PostgreSQL and Redis (tests/helpers). Prints figures; asserts nothing.
 */
import { parseArgs } from 'node:util'
import { HISTORY } from '../src/store/cremation-status.js'
import { makeCremation } from '../tests/fixtures/cremation.js'
import { startHubWithDepartments } from '../tests/helpers/test-hub.js'

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    records: { type: 'string', default: '20' },
    repeats: { type: 'string', default: '10' },
    'no-analyze': { type: 'boolean', default: false }
  }
})
const events = Number(values.events)
const records = Number(values.records)
const repeats = Number(values.repeats)

/** The statement `noticeVersionOf` ran before issue #11, kept here to show its plan. */
const OLD_NOTICE_VERSION = `SELECT details FROM audit_events WHERE entity = $1 AND action IN ('record.received', 'record.corrected')
      ORDER BY id LIMIT 1`

const th = await startHubWithDepartments('postgres', ['gongan', 'yibao'])
try {
  const db = th.testDb.db
  const t0 = performance.now()
  // The shape of a working hub's trail: per record, one received event and two deliveries' outcomes.
  await db.query(
    `INSERT INTO audit_events (at, actor, action, entity, details)
     SELECT now() - g * interval '1 second', CASE WHEN g % 3 = 0 THEN 'api' ELSE 'worker' END,
            CASE WHEN g % 3 = 0 THEN 'record.received' ELSE 'delivery.delivered' END,
            CASE WHEN g % 3 = 0 THEN 'record:rec_bulk_' || g ELSE 'delivery:dlv_bulk_' || g END,
            json_build_object('version', 1, 'bulk', true)
       FROM generate_series(1, $1::int) g`, [events])
  if (values['no-analyze'] !== true) await db.exec('ANALYZE audit_events')
  console.log(`inserted ${events} audit events in ${Math.round(performance.now() - t0)} ms${values['no-analyze'] === true ? ' (no ANALYZE)' : ''}`)

  const post = async (i: number): Promise<{ ms: number, status: number }> => {
    const start = performance.now()
    const res = await th.hub.app.inject({ method: 'POST', url: '/v1/cremations', payload: makeCremation(i) as object })
    return { ms: performance.now() - start, status: res.statusCode }
  }
  const created: number[] = []
  for (let i = 0; i < records; i++) {
    const r = await post(i)
    if (r.status !== 201) throw new Error(`new record ${i}: ${r.status}`)
    created.push(r.ms)
  }
  const repeated: number[] = []
  for (let k = 0; k < repeats; k++) {
    for (let i = 0; i < records; i++) {
      const r = await post(i)
      if (r.status !== 200) throw new Error(`repeated record ${i}: ${r.status}`)
      repeated.push(r.ms)
    }
  }
  console.log(`new record      : ${summary(created)}`)
  console.log(`repeated record : ${summary(repeated)}`)

  // The old statement's plans: a custom plan for the value, and the generic plan a named
  // prepared statement switches to after five executions (the hub prepares its statements).
  const entity = (await db.query<{ entity: string }>(
    "SELECT entity FROM audit_events WHERE action = 'record.received' ORDER BY id DESC LIMIT 1")).rows[0]!.entity
  await db.transaction(async (tx) => {
    await tx.exec(`PREPARE old_notice_version(text) AS ${OLD_NOTICE_VERSION}`)
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      await tx.exec(`SET LOCAL plan_cache_mode = ${mode}`)
      const plan = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS) EXECUTE old_notice_version('${entity}')`)
      console.log(`\nold noticeVersionOf, ${mode}:\n${plan.rows.map(r => `  ${r['QUERY PLAN']}`).join('\n')}`)
    }
    // GET's history: the one request that still reads the trail, by entity.
    const entities = (await tx.query<{ entity: string }>(
      "SELECT entity FROM audit_events WHERE entity LIKE 'record:rec\\_%' OR entity LIKE 'delivery:dlv\\_%' ORDER BY id DESC LIMIT 6")).rows.map(r => r.entity)
    await tx.exec(`PREPARE history(text[]) AS ${HISTORY}`)
    for (const mode of ['force_custom_plan', 'force_generic_plan']) {
      await tx.exec(`SET LOCAL plan_cache_mode = ${mode}`)
      const plan = await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS) EXECUTE history('{${entities.join(',')}}')`)
      console.log(`\nhistory of one certificate, ${mode}:\n${plan.rows.map(r => `  ${r['QUERY PLAN']}`).join('\n')}`)
    }
  })
} finally {
  await th.close()
}

function summary (ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b)
  const at = (p: number): string => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1)
  return `n ${s.length} · median ${at(0.5)} ms · p95 ${at(0.95)} ms · max ${s[s.length - 1]!.toFixed(1)} ms`
}

import type { FastifyInstance } from 'fastify'
import { routeRecord } from '../domain/routing.js'
import { validateCremation } from '../domain/validate-cremation.js'
import { ambiguousCertificate, cremationNotFound, rulesViolated, schemaInvalid } from '../errors.js'
import { getCremationStatus } from '../store/cremation-status.js'
import { ingestCremation } from '../store/cremations.js'

const CERTIFICATE_NO = /^[A-Z0-9-]{1,40}$/

/** `POST /v1/cremations` (a funeral home reports a cremation) and its status lookup. */
export async function cremationRoutes (app: FastifyInstance): Promise<void> {
  app.post('/', async (req, reply) => {
    const { db, crypto, dispatcher, targets, config, logger } = app.hub
    const now = app.hub.now?.() ?? new Date()
    const checked = validateCremation(req.body, now, { timeZone: config.county.timeZone })
    if (!checked.ok) throw checked.kind === 'schema' ? schemaInvalid(checked.errors) : rulesViolated(checked.errors)

    const record = checked.value
    const routed = routeRecord(targets, 'notice.created', { policeStation: record.deceased.policeStation?.code })
    const result = await ingestCremation(db, crypto, record, routed, `funeral-home:${record.funeralHome.code}`)
    const pushed = result.deliveries.filter(d => dispatcher.handles(d.target))
    if (result.outcome === 'created' && pushed.length > 0) {
      // Committed already: if Redis fails now, the reconciler enqueues these later; the
      // funeral home must not retry a record the hub has safely stored. Feed and batch-file
      // deliveries wait in the database for their pull or their cron.
      await dispatcher.enqueue(pushed.map(d => ({ id: d.id, target: d.target }))).catch((err: unknown) => {
        logger.error({ err, noticeId: result.noticeId }, 'enqueue failed; the reconciler will retry')
      })
    }
    req.log.info({ noticeId: result.noticeId, outcome: result.outcome, deliveries: result.deliveries.length }, 'cremation record accepted')
    await reply.code(result.outcome === 'created' ? 201 : 200).send({
      noticeId: result.noticeId,
      certificateNo: result.certificateNo,
      version: result.version,
      outcome: result.outcome,
      deliveries: result.deliveries
    })
  })

  app.get<{ Params: { certificateNo: string }, Querystring: { funeralHome?: string } }>('/:certificateNo', async (req) => {
    const certificateNo = req.params.certificateNo.trim().toUpperCase()
    // Anything a certificate number cannot be is simply not found (and never reaches SQL).
    if (!CERTIFICATE_NO.test(certificateNo)) throw cremationNotFound()
    const funeralHome = typeof req.query.funeralHome === 'string' ? req.query.funeralHome.trim() : undefined
    const found = await getCremationStatus(app.hub.db, certificateNo, funeralHome)
    if (found.kind === 'not-found') throw cremationNotFound()
    if (found.kind === 'ambiguous') throw ambiguousCertificate(found.funeralHomes)
    return found.status
  })
}

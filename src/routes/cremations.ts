import type { FastifyInstance } from 'fastify'
import type { CremationRecord } from '../domain/cremation-record.js'
import { CREMATION_FIELDS } from '../domain/field-labels.js'
import { routeRecord } from '../domain/routing.js'
import { validateCremation } from '../domain/validate-cremation.js'
import { FUNERAL_HOME_MESSAGE, isFuneralHomeCode, validateVoidRequest, VOID_FIELDS } from '../domain/void-request.js'
import { badIfMatch, certificateNoMismatch, cremationNotFound, schemaInvalid, validOrThrow } from '../errors.js'
import { correctCremation } from '../store/corrections.js'
import { getCremationStatus } from '../store/cremation-status.js'
import { ingestCremation } from '../store/cremations.js'
import { voidCremation } from '../store/voids.js'
import { dispatchCommitted } from './dispatch-committed.js'
import { noteOutcome } from './request-outcome.js'

const CERTIFICATE_NO = /^[A-Z0-9-]{1,40}$/

type Params = { Params: { certificateNo: string } }

/**
 * A funeral home's cremation records: report (`POST`), correct (`PUT`), withdraw (`POST …/void`)
 * and look up where each department stands (`GET`).
 */
export async function cremationRoutes (app: FastifyInstance): Promise<void> {
  function validRecord (body: unknown): CremationRecord {
    const now = app.hub.now?.() ?? new Date()
    return validOrThrow(validateCremation(body, now, { timeZone: app.hub.config.county.timeZone }))
  }

  // The body parser names fields with these labels (a field that is not UTF-8, a duplicate key).
  const record = { config: { fields: CREMATION_FIELDS } }

  app.post('/', record, async (req, reply) => {
    const { db, crypto, targets } = app.hub
    const record = validRecord(req.body)
    const routed = routeRecord(targets, 'notice.created', { policeStation: record.deceased.policeStation?.code })
    const result = await ingestCremation(db, crypto, record, routed, `funeral-home:${record.funeralHome.code}`)
    dispatchCommitted(app, result.dispatch, result.noticeId)
    noteOutcome(req, 'cremation record accepted', { noticeId: result.noticeId, outcome: result.outcome, deliveries: result.deliveries.length })
    await reply.code(result.outcome === 'created' ? 201 : 200).send({
      noticeId: result.noticeId,
      certificateNo: result.certificateNo,
      version: result.version,
      certificateVersion: result.certificateVersion,
      outcome: result.outcome,
      deliveries: result.deliveries
    })
  })

  app.put<Params>('/:certificateNo', record, async (req) => {
    const { db, crypto, targets } = app.hub
    const certificateNo = pathCertificateNo(req.params.certificateNo)
    const record = validRecord(req.body)
    if (record.certificateNo !== certificateNo) throw certificateNoMismatch()
    const basedOn = ifMatchVersion(req.headers['if-match'])
    const result = await correctCremation(db, crypto, record, targets, `funeral-home:${record.funeralHome.code}`, basedOn)
    dispatchCommitted(app, result.dispatch, result.noticeId)
    noteOutcome(req, 'cremation record corrected', { noticeId: result.noticeId, outcome: result.outcome, version: result.version, superseded: result.superseded.length })
    return {
      noticeId: result.noticeId,
      certificateNo: result.certificateNo,
      version: result.version,
      certificateVersion: result.certificateVersion,
      outcome: result.outcome,
      superseded: result.superseded,
      deliveries: result.deliveries
    }
  })

  app.post<Params & { Querystring: { funeralHome?: string } }>('/:certificateNo/void', { config: { fields: VOID_FIELDS } }, async (req) => {
    const { db } = app.hub
    const certificateNo = pathCertificateNo(req.params.certificateNo)
    const { reason, funeralHome } = validOrThrow(validateVoidRequest(req.body, queryFuneralHome(req.query.funeralHome)))
    const result = await voidCremation(db, certificateNo, funeralHome, reason, `funeral-home:${funeralHome}`)
    dispatchCommitted(app, result.dispatch, result.noticeId)
    noteOutcome(req, 'cremation record voided', { noticeId: result.noticeId, outcome: result.outcome, cancelled: result.cancelled.length, told: result.deliveries.length })
    return {
      noticeId: result.noticeId,
      certificateNo: result.certificateNo,
      version: result.version,
      outcome: result.outcome,
      reason: result.reason,
      cancelled: result.cancelled,
      deliveries: result.deliveries
    }
  })

  app.get<Params & { Querystring: { funeralHome?: string } }>('/:certificateNo', async (req) => {
    const certificateNo = pathCertificateNo(req.params.certificateNo)
    return await getCremationStatus(app.hub.db, certificateNo, queryFuneralHome(req.query.funeralHome))
  })
}

/** Anything a certificate number cannot be is simply not found (and never reaches SQL). */
function pathCertificateNo (raw: string): string {
  const certificateNo = raw.trim().toUpperCase()
  if (!CERTIFICATE_NO.test(certificateNo)) throw cremationNotFound()
  return certificateNo
}

/**
 * `If-Match: "2"` (an entity tag holding the certificate version the correction replaces),
 * `If-Match: 2`, or `*` / absent for no precondition.
 * @see RFC 9110 §13.1.1
 */
function ifMatchVersion (raw: string | string[] | undefined): number | undefined {
  if (raw === undefined) return undefined
  const text = (Array.isArray(raw) ? raw.join(',') : raw).trim()
  if (text === '*') return undefined
  // Quoted or bare, never half-quoted: `"1` is a typo, and a typo must not pass as version 1.
  const m = /^(?:"([1-9]\d{0,8})"|([1-9]\d{0,8}))$/.exec(text)
  if (m === null) throw badIfMatch()
  return Number(m[1] ?? m[2])
}

function queryFuneralHome (raw: unknown): string | undefined {
  if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) return undefined
  if (!isFuneralHomeCode(raw)) {
    throw schemaInvalid([{ pointer: '/funeralHome', code: 'HUB_ERR_TYPE', message: FUNERAL_HOME_MESSAGE }])
  }
  return raw.trim()
}

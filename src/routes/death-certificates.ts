import type { FastifyInstance } from 'fastify'
import { DEATH_CERTIFICATE_FIELDS } from '../domain/death-certificate-schema.js'
import { validateDeathCertificate } from '../domain/validate-death-certificate.js'
import { validOrThrow } from '../errors.js'
import { ingestDeathCertificate } from '../store/death-certificates.js'
import { dispatchCommitted } from './dispatch-committed.js'
import { noteOutcome } from './request-outcome.js'

/**
 * `POST /v1/death-certificates`: a health institution posts the 《居民死亡医学证明（推断）书》, which
 * corroborates the cremation record of the same person (DESIGN §6).
 */
export async function deathCertificateRoutes (app: FastifyInstance): Promise<void> {
  app.post('/', { config: { fields: DEATH_CERTIFICATE_FIELDS } }, async (req, reply) => {
    const { db, crypto, config } = app.hub
    const now = app.hub.now?.() ?? new Date()
    const cert = validOrThrow(validateDeathCertificate(req.body, now, { timeZone: config.county.timeZone }))
    const result = await ingestDeathCertificate(db, crypto, cert, `clinic:${cert.issuer.creditCode}`)
    dispatchCommitted(app, result.dispatch, result.noticeId)
    noteOutcome(req, 'death certificate accepted', { noticeId: result.noticeId, outcome: result.outcome, corroboration: result.corroboration, released: result.released.length })
    // The certificate number is an ID number: it is not echoed back.
    await reply.code(result.outcome === 'created' ? 201 : 200).send({
      noticeId: result.noticeId,
      outcome: result.outcome,
      corroboration: result.corroboration,
      released: result.released
    })
  })
}

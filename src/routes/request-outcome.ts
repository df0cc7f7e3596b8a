import type { FastifyRequest } from 'fastify'

/** What a request did, for its one access log line (ids and counts only, never personal data). */
export interface RequestOutcome {
  message: string
  facts: Record<string, unknown>
}

declare module 'fastify' {
  interface FastifyRequest {
    outcome: RequestOutcome | null
  }
}

/** Notes what the request did; `app.ts` writes it with the status and duration when it ends. */
export function noteOutcome (req: FastifyRequest, message: string, facts: Record<string, unknown>): void {
  req.outcome = { message, facts }
}

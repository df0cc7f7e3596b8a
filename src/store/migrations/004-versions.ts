/**
 * Corrections, voids, holds and corroboration (DESIGN §6). A notice may now begin with a death
 * certificate (no cremation record yet), be voided with a reason, and hold deliveries back until
 * a second source corroborates it.
 */
export const sql = /* sql */ `
ALTER TABLE notices
  ADD COLUMN has_cremation boolean NOT NULL DEFAULT true,
  ADD COLUMN void_reason   text,
  ADD COLUMN voided_at     timestamptz;
ALTER TABLE notices DROP CONSTRAINT IF EXISTS notices_corroboration_check;
ALTER TABLE notices ADD CONSTRAINT notices_corroboration_check
  CHECK (corroboration IN ('cremation', 'certificate', 'cremation+certificate'));

-- 'corroboration': held until a death certificate about the same person arrives.
ALTER TABLE deliveries ADD COLUMN awaiting text CHECK (awaiting IN ('corroboration'));

-- Held deliveries are owed too (they go out when their hold ends); those awaiting a second
-- source are not, until it arrives.
DROP INDEX deliveries_pending;
CREATE INDEX deliveries_pending ON deliveries (id)
  WHERE status IN ('held', 'queued', 'retrying', 'delivering') AND awaiting IS NULL;
`

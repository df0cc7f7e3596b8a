/**
 * What a delivery's message said of its corroboration the first time it was built. A retry, a
 * batch file written again, or a feed page pulled again carries the same Idempotency-Key (the
 * delivery id), so it must carry the same body: a death certificate arriving between two tries
 * must not change it (a department that checks the key against the payload would refuse the
 * retry, and one that deduplicates by key would keep whichever came first).
 */
export const sql = /* sql */ `
ALTER TABLE deliveries ADD COLUMN sent_corroboration text
  CHECK (sent_corroboration IN ('cremation', 'certificate', 'cremation+certificate'));
`

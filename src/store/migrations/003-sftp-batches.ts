/**
 * SFTP batch files (issue 3). A batch is one file for one target: which deliveries it carries
 * and under which name, so a run that failed half-way is retried with the same file name and
 * the same lines, never a second file with the notices again.
 */
export const sql = /* sql */ `
CREATE TABLE sftp_batches (
  id              text PRIMARY KEY,
  target          text NOT NULL,
  -- Chosen once, at creation: every retry rewrites this same file.
  file_name       text NOT NULL UNIQUE,
  -- The deliveries whose lines the file holds (narrowed once rendered: rows that could not be
  -- written are left out before the first upload).
  delivery_ids    text[] NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed', 'empty')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- A run holds the batch while it writes the file; a run that died lets go when this passes.
  lease_until     timestamptz,
  last_error      text,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz
);
-- At most one unfinished batch per target: two schedulers can never write two files with the
-- same notices, and new deliveries wait until the earlier file is in place.
CREATE UNIQUE INDEX sftp_batches_open ON sftp_batches (target) WHERE status = 'pending';
CREATE INDEX sftp_batches_target ON sftp_batches (target, created_at);
-- A batch run looks for its target's due deliveries; the pending-only index keeps it small.
CREATE INDEX deliveries_due_by_target ON deliveries (target, next_attempt_at)
  WHERE status IN ('queued', 'retrying');
`

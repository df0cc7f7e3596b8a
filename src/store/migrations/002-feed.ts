/**
 * The pull feed (DESIGN §7): positions in a department's feed and how far it has been served.
 * Positions are handed out when the department pulls, not when a delivery is inserted; see
 * `src/store/feed.ts` for why that is what makes a cursor safe.
 */
export const sql = /* sql */ `
-- One sequence for every feed: positions only need to grow, not to be dense per department.
CREATE SEQUENCE feed_positions AS bigint;

ALTER TABLE deliveries
  -- The delivery's place in its target's feed; NULL until a pull places it.
  ADD COLUMN feed_seq bigint,
  -- When the department was first handed it: only what it has been handed can be acknowledged.
  ADD COLUMN feed_served_at timestamptz;

-- Pulls and acks walk a target's owed messages by position. Partial, so delivered rows (the
-- vast majority, kept for years) leave the index, and pushed targets' rows never enter it.
CREATE INDEX deliveries_feed_owed ON deliveries (target, feed_seq)
  WHERE feed_seq IS NOT NULL AND status IN ('held', 'queued', 'retrying');

-- How far each feed target has been served: an ack beyond this would confirm unseen messages.
CREATE TABLE feed_cursors (
  target     text PRIMARY KEY,
  served_seq bigint NOT NULL DEFAULT 0,
  acked_seq  bigint NOT NULL DEFAULT 0,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`

/**
 * What a repeated request is answered with, kept on the record itself (issue #11): the notice
 * version the first answer gave, and the void that withdrew the record. These used to be read
 * back out of `audit_events.details`, and with a million audit events a repeated report could
 * take a quarter of a second (the planner walked the primary key past every event) and drain
 * the connection pool. The audit trail is written, never read to decide anything.
 */
export const sql = /* sql */ `
ALTER TABLE records
  -- The notice's version when this record version was stored (a cremation record's only): it
  -- runs ahead of the certificate's own version after a void and a new report of the person.
  ADD COLUMN notice_version integer,
  -- The void of this record version, if it was voided: the notice version it took and why.
  ADD COLUMN void_version   integer,
  ADD COLUMN void_reason    text,
  ADD COLUMN voided_at      timestamptz;

-- Backfill, once, from the events that recorded them: the first received or corrected event of
-- each cremation record, and the last void of each. Nothing reads the trail for this after here.
UPDATE records r SET notice_version = a.version
  FROM (SELECT DISTINCT ON (entity) entity,
               CASE WHEN json_typeof(details -> 'version') = 'number' THEN (details ->> 'version')::numeric::integer END AS version
          FROM audit_events WHERE action IN ('record.received', 'record.corrected') AND entity LIKE 'record:%'
         ORDER BY entity, id) a
 WHERE a.entity = 'record:' || r.id AND r.kind = 'cremation';
-- A record whose event said no version was answered with its certificate version: so it stays.
UPDATE records SET notice_version = version WHERE kind = 'cremation' AND notice_version IS NULL;

UPDATE records r SET void_version = (a.details ->> 'version')::numeric::integer, void_reason = a.details ->> 'reason', voided_at = a.at
  FROM (SELECT DISTINCT ON (entity) entity, at, details FROM audit_events
         WHERE action = 'record.voided' AND entity LIKE 'record:%' ORDER BY entity, id DESC) a
 WHERE a.entity = 'record:' || r.id;

-- Every way of storing a cremation record says which notice version it is.
ALTER TABLE records ADD CONSTRAINT records_notice_version_check CHECK (kind <> 'cremation' OR notice_version IS NOT NULL);
`

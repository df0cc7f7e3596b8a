/**
 * The first schema (DESIGN §4). The database is the record of truth: Redis only dispatches,
 * so everything needed to re-enqueue a delivery lives here.
 */
export const sql = /* sql */ `
CREATE TABLE notices (
  id            text PRIMARY KEY,
  -- HMAC of the normalised ID number: finds one person's notice without storing the number.
  subject_key   text NOT NULL UNIQUE,
  version       integer NOT NULL,
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'voided')),
  corroboration text NOT NULL DEFAULT 'cremation',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE records (
  id           text PRIMARY KEY,
  kind         text NOT NULL CHECK (kind IN ('cremation', 'death-certificate')),
  source       text NOT NULL,
  document_no  text NOT NULL,
  version      integer NOT NULL,
  status       text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'voided', 'superseded')),
  notice_id    text NOT NULL REFERENCES notices (id),
  subject_key  text NOT NULL,
  -- HMAC of the whole normalised record: tells a resubmission from a conflicting one.
  content_hash text NOT NULL,
  -- AES-256-GCM of the personal fields, with the id of the key that sealed them.
  key_id       text NOT NULL,
  personal_enc text NOT NULL,
  -- The non-personal normalised fields (codes, dates, division, funeral home).
  data         jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  -- Certificate numbers are unique per issuer, not across the county's funeral homes.
  UNIQUE (kind, source, document_no, version)
);
CREATE INDEX records_document ON records (kind, document_no);
CREATE INDEX records_subject ON records (subject_key);

CREATE TABLE deliveries (
  id               text PRIMARY KEY,
  notice_id        text NOT NULL REFERENCES notices (id),
  record_id        text NOT NULL REFERENCES records (id),
  target           text NOT NULL,
  department       text NOT NULL,
  event            text NOT NULL,
  version          integer NOT NULL,
  status           text NOT NULL CHECK (status IN ('held', 'queued', 'delivering', 'delivered',
                     'retrying', 'dead', 'superseded', 'cancelled')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  first_attempt_at timestamptz,
  -- A worker holds a delivery while sending it; a lease that runs out makes it due again.
  lease_until      timestamptz,
  last_error       text,
  receipt          jsonb,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  delivered_at     timestamptz,
  UNIQUE (notice_id, target, event, version)
);
-- The reconciler pages through what is owed by id; delivered rows, the vast majority, stay out.
CREATE INDEX deliveries_pending ON deliveries (id)
  WHERE status IN ('queued', 'retrying', 'delivering');
CREATE INDEX deliveries_record ON deliveries (record_id);

CREATE TABLE attempts (
  delivery_id     text NOT NULL REFERENCES deliveries (id),
  attempt_no      integer NOT NULL,
  started_at      timestamptz NOT NULL,
  ended_at        timestamptz NOT NULL,
  outcome         text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
  status_code     integer,
  error_class     text,
  error           text,
  duration_ms     integer NOT NULL,
  -- Keyed HMAC-SHA256 of the bytes sent: proves what went out without keeping personal data.
  request_digest  text,
  response_summary text,
  PRIMARY KEY (delivery_id, attempt_no)
);

-- Append-only. Rows are written unsealed and chained by the sealer in seal order
-- (chain_seq, prev_hash, hash), so writers never queue on one chain head.
CREATE TABLE audit_events (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL,
  actor      text NOT NULL,
  action     text NOT NULL,
  entity     text NOT NULL,
  -- json, not jsonb: the exact text is hashed, so it must come back byte for byte.
  details    json NOT NULL,
  chain_seq  bigint UNIQUE,
  prev_hash  text,
  hash       text
);
CREATE INDEX audit_unsealed ON audit_events (id) WHERE chain_seq IS NULL;
CREATE INDEX audit_entity ON audit_events (entity);

-- Append-only in the database itself, not only by convention: no delete, no edit of an event,
-- and a seal, once written, is final. (A superuser can still disable this; the chain shows it.)
CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('DELETE', 'TRUNCATE') THEN
    RAISE EXCEPTION 'audit_events is append-only';
  END IF;
  IF OLD.chain_seq IS NOT NULL OR NEW.at IS DISTINCT FROM OLD.at OR NEW.actor IS DISTINCT FROM OLD.actor
     OR NEW.action IS DISTINCT FROM OLD.action OR NEW.entity IS DISTINCT FROM OLD.entity
     OR NEW.details::text IS DISTINCT FROM OLD.details::text THEN
    RAISE EXCEPTION 'audit event % cannot be changed', OLD.id;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_guard();

CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_guard();
`

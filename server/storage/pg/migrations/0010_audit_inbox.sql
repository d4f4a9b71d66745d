-- The audit trail's inbox (docs/performance.md, proposal 0). A request no longer writes its AuditEvent resource and
-- chain link itself: it inserts the record's final stored text here, in its own transaction (a write's) or in the
-- group commit of reads, which needs no lock and no search rows. A sealer (consent/audit/audit-trail.ts) moves the
-- records, in position order and under the chain's advisory lock, into "AuditEvent" (with history and search rows)
-- and audit_trail. So the chain's lock is never held across a request's commit. Chain order is seal order: a record
-- whose transaction commits late gets a later seq, never a gap.
CREATE TABLE audit_inbox (
  position bigserial PRIMARY KEY,
  recorded timestamptz NOT NULL,
  event_id text NOT NULL,
  content text NOT NULL,
  -- The Patient compartments the access touched (as "AuditEvent".compartments); the event's own are added on sealing.
  compartments uuid[] NOT NULL DEFAULT '{}'
);

-- audit_append (0009) with a time per record: the sealer chains records recorded at different moments.
CREATE FUNCTION audit_append(event_ids text[], content_hashes text[], recorded timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash text;
  i integer;
  next_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(7513);
  SELECT seq, chain_hash INTO last_seq, last_hash FROM audit_trail ORDER BY seq DESC LIMIT 1;
  IF last_seq IS NULL THEN
    -- After a prune removed everything, the chain resumes from the prune checkpoint.
    SELECT seq, chain_hash INTO last_seq, last_hash FROM audit_checkpoints ORDER BY seq DESC LIMIT 1;
  END IF;
  last_seq := coalesce(last_seq, 0);
  last_hash := coalesce(last_hash, repeat('0', 64));
  FOR i IN 1 .. coalesce(array_length(event_ids, 1), 0) LOOP
    next_hash := encode(sha256(convert_to(last_hash || content_hashes[i], 'UTF8')), 'hex');
    last_seq := last_seq + 1;
    INSERT INTO audit_trail (seq, recorded, event_id, content_hash, previous_hash, chain_hash)
    VALUES (last_seq, recorded[i], event_ids[i], content_hashes[i], last_hash, next_hash);
    last_hash := next_hash;
  END LOOP;
END;
$$;

-- The NEN 7513 audit trail's tamper evidence. Each AuditEvent the hub records (stored as a resource in "AuditEvent",
-- searchable like any other) gets a row here, in the same transaction: its position (seq), the SHA-256 of its
-- stored text, the chain hash of its predecessor and its own chain hash, sha256(previous_hash || content_hash).
-- audit_append() is the only writer: it takes a transaction-level advisory lock so that seq and the chain are
-- assigned in commit order of the lock, and it is always the last statement of its transaction, which keeps the
-- lock short. Checkpoints are JWS signatures of (seq, chain_hash) by the hub's key: rewriting the chain after a
-- checkpoint cannot be hidden without the key. Pruning (retention) writes a checkpoint of where the chain resumes.
CREATE TABLE audit_trail (
  seq bigint PRIMARY KEY,
  recorded timestamptz NOT NULL,
  event_id text NOT NULL,
  content_hash text NOT NULL,
  previous_hash text NOT NULL,
  chain_hash text NOT NULL
);
CREATE INDEX audit_trail_recorded ON audit_trail (recorded);

CREATE TABLE audit_checkpoints (
  seq bigint PRIMARY KEY,
  chain_hash text NOT NULL,
  created timestamptz NOT NULL DEFAULT now(),
  kind text NOT NULL CHECK (kind IN ('interval', 'prune')),
  jws text NOT NULL
);

CREATE FUNCTION audit_append(event_ids text[], content_hashes text[], at timestamptz) RETURNS void
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
    VALUES (last_seq, at, event_ids[i], content_hashes[i], last_hash, next_hash);
    last_hash := next_hash;
  END LOOP;
END;
$$;

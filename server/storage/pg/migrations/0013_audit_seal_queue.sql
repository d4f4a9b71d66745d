-- Each record's text is written once before indexing (docs/performance.md, "audit trail"). The request computes
-- the record's content hash itself and puts, in one statement, the text into audit_inbox and a narrow line (its
-- position, time, id and hash) into audit_unsealed. The sealer chains from audit_unsealed alone, so the text no
-- longer crosses the wire twice at sealing nor sits twice in the database: it stays in the inbox, sealed once its
-- audit_unsealed line is gone, until the indexer stores it as an "AuditEvent" and deletes it from the inbox.
-- A record's text is thus in the inbox until indexed, then in its AuditEvent; verification reads either.
CREATE TABLE audit_unsealed (
  position bigint PRIMARY KEY,
  recorded timestamptz NOT NULL,
  event_id text NOT NULL,
  content_hash text NOT NULL
);

-- Records not sealed yet: their line, with the hash of the text as it is now.
INSERT INTO audit_unsealed (position, recorded, event_id, content_hash)
SELECT position, recorded, event_id, encode(sha256(convert_to(content, 'UTF8')), 'hex') FROM audit_inbox;

-- Records sealed but not indexed yet (0011 kept their text in the chain): the text goes back to the inbox, sealed.
INSERT INTO audit_inbox (recorded, event_id, content, compartments)
SELECT recorded, event_id, content, coalesce(compartments, '{}') FROM audit_trail WHERE content IS NOT NULL ORDER BY seq;

DROP INDEX audit_trail_unindexed;
ALTER TABLE audit_trail DROP COLUMN content, DROP COLUMN compartments;

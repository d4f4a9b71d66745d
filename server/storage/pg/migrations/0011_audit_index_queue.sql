-- Sealing and indexing the audit trail apart (docs/performance.md, "audit trail"). Sealing chains a record the
-- moment it leaves the inbox: its link in audit_trail now carries the record's text and compartments, which is all
-- verification needs, so the chain's guarantees start within milliseconds, whatever the load. Indexing (the record
-- as an "AuditEvent" resource with its history and search rows, about ten times the work of sealing) follows in
-- the background, throttled while the hub is busy; it then clears the text here, since "AuditEvent" holds it.
-- Whatever reads AuditEvents waits for both (consent/audit/sealed-reads.ts), so no reader misses a record.
ALTER TABLE audit_trail ADD COLUMN content text, ADD COLUMN compartments uuid[];
CREATE INDEX audit_trail_unindexed ON audit_trail (seq) WHERE content IS NOT NULL;

-- The sealer now links the chain itself (server/storage/pg/audit-log.ts), under the same lock: the plpgsql
-- chaining of 0009 is no longer called.
DROP FUNCTION audit_append(text[], text[], timestamptz);

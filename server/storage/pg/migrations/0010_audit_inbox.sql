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
  -- The Patient compartments the access touched (as "AuditEvent".compartments); the event's own are added on indexing (0011).
  compartments uuid[] NOT NULL DEFAULT '{}'
);

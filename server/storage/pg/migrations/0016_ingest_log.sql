-- The ingest log (issue 23): every message an adapter took in, kept whole with its outcome. An accepted message's
-- row is its identity (the same message again changes nothing: the earlier answer is given); a quarantined one is
-- kept with the reason until it is replayed. The FHIR writes of a message go through the access seam like any
-- other; this log is the ingest path's own record of what arrived (the raw text holds a client's BSN and clinical
-- content: only the admin and the sending client read it, through the ingest routes).
CREATE TABLE ingest_message (
  id uuid PRIMARY KEY,
  adapter text NOT NULL,
  -- The OAuth client that sent it (its role and organisation decided what it could write).
  client_id text NOT NULL,
  -- The message's identity (MSH-10, BerichtIdentificatie, a row key, an event id, or a content hash).
  message_key text,
  received timestamptz NOT NULL,
  -- The message's own time: out-of-order input is judged by it.
  message_time timestamptz,
  -- Where it sat in the body it came in ("message 2", "row 5").
  position text NOT NULL,
  status text NOT NULL CHECK (status IN ('accepted', 'quarantined', 'replayed')),
  -- Why it is quarantined: the stage (parse, map, validate, authorise, store), the error code, where, and why.
  stage text,
  code text,
  fault_location text,
  reason text,
  raw text NOT NULL,
  media_type text,
  -- An accepted message: the transaction-response it had (the same message again is answered with it).
  response text,
  -- A replayed quarantined message: the message it became.
  replayed_as uuid,
  updated timestamptz NOT NULL
);
-- One accepted message per identity per sender and adapter.
CREATE UNIQUE INDEX ingest_message_identity ON ingest_message (adapter, client_id, message_key) WHERE status = 'accepted';
CREATE INDEX ingest_message_quarantine ON ingest_message (client_id, received) WHERE status = 'quarantined';
CREATE INDEX ingest_message_received ON ingest_message (received);

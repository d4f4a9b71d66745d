-- The audit trail as a log of its own (docs/api/audit.md). Until now each record became a generic "AuditEvent"
-- resource with history and search rows, indexed in the background, about three times the work of the read it
-- recorded, so that under load the index fell behind without bound. Now a record is one compact row of typed
-- columns in audit_log, written with its access (in the write's transaction or the read's group commit) and
-- searchable the moment it commits; the FHIR AuditEvent is rendered from it on read
-- (server/storage/audit-event-form.ts). The hash chain is unchanged: audit_unsealed lines (0013) are sealed into
-- audit_trail under the chain's lock; a record's hash is taken of its canonical form (the typed values in a fixed
-- order), so altering any column breaks verification.
--
-- Partitioned by month on `recorded` (UTC months), so that retention drops whole partitions. A partition is made
-- ahead of its month by audit_log_partition() (the hub calls it at start and with every checkpoint); a record
-- outside every partition lands in audit_log_default, from which a later partition of its month takes it.
-- Empty arrays are stored as NULL (no array header in the row).
CREATE TABLE audit_log (
  recorded timestamptz NOT NULL,
  id uuid NOT NULL,
  type text NOT NULL,
  subtype text NOT NULL,
  interaction text NOT NULL,
  action text NOT NULL,
  outcome text NOT NULL,
  outcome_desc text,
  purpose text NOT NULL,
  client_id text,
  role text NOT NULL,
  organization text,
  actor text,
  patient text,
  rules text[],
  consent text,
  address text,
  entrance text NOT NULL,
  source text NOT NULL,
  patients text[],
  entities text[],
  entity_versions text[],
  entity_clients text[],
  query text,
  compartments uuid[],
  -- A record written before this log: its stored AuditEvent text, which its chain hash was taken of. It is read
  -- and verified as that text; the typed columns beside it are extracted from it for search.
  legacy text
) PARTITION BY RANGE (recorded);

CREATE TABLE audit_log_default PARTITION OF audit_log DEFAULT;
-- A client or a resource is named by few records among millions: with the default statistics the planner guesses
-- 0.5% of the rows for `compartments @> {x}` and walks the time index instead of the GIN index (measured at 200,000
-- records). A long list of most common elements makes a rare one look rare.
ALTER TABLE audit_log ALTER COLUMN compartments SET STATISTICS 1000, ALTER COLUMN entities SET STATISTICS 1000;
ALTER TABLE audit_log_default ALTER COLUMN compartments SET STATISTICS 1000, ALTER COLUMN entities SET STATISTICS 1000;

-- The NEN 7513 questions: by time; by client (compartments); by OAuth client, organisation, resource, rule or Consent.
CREATE INDEX audit_log_id ON audit_log (id);
CREATE INDEX audit_log_recorded ON audit_log (recorded);
-- The GIN indexes without their pending list (fastupdate): a row names one or two clients, entities or rules, so
-- an insert is one or two entries, while a search had to read the whole pending list first (up to 4 MB: 9 of the
-- 10 ms of a client's query at a million records).
CREATE INDEX audit_log_compartments ON audit_log USING gin (compartments) WITH (fastupdate = off);
CREATE INDEX audit_log_client ON audit_log (client_id, recorded);
CREATE INDEX audit_log_organization ON audit_log (organization, recorded) WHERE organization IS NOT NULL;
CREATE INDEX audit_log_entities ON audit_log USING gin (entities) WITH (fastupdate = off);
CREATE INDEX audit_log_rules ON audit_log USING gin (rules) WITH (fastupdate = off);

-- The month starting at `month_start` (UTC) as a partition of its own, if it is not one yet. Rows of that month in
-- the default partition move into it. One maker at a time across hub processes (the advisory lock).
CREATE FUNCTION audit_log_partition(month_start date) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  name text := format('audit_log_%s', to_char(month_start, 'YYYY_MM'));
  low timestamptz := month_start::timestamp AT TIME ZONE 'UTC';
  high timestamptz := (month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC';
BEGIN
  IF to_regclass(name) IS NOT NULL THEN
    RETURN false;
  END IF;
  PERFORM pg_advisory_xact_lock(7515);
  IF to_regclass(name) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE audit_log INCLUDING DEFAULTS)', name);
  EXECUTE format('ALTER TABLE %I ALTER COLUMN compartments SET STATISTICS 1000, ALTER COLUMN entities SET STATISTICS 1000', name);
  EXECUTE format(
    'WITH moved AS (DELETE FROM audit_log_default WHERE recorded >= %L AND recorded < %L RETURNING *) INSERT INTO %I SELECT * FROM moved',
    low, high, name);
  EXECUTE format('ALTER TABLE audit_log ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', name, low, high);
  RETURN true;
END $$;

-- New records' lines in audit_unsealed take their position from here, after those of the inbox before.
CREATE SEQUENCE audit_unsealed_position;
SELECT setval('audit_unsealed_position', greatest(
  (SELECT coalesce(max(position), 0) FROM audit_inbox),
  (SELECT coalesce(max(position), 0) FROM audit_unsealed), 1));
ALTER TABLE audit_unsealed ALTER COLUMN position SET DEFAULT nextval('audit_unsealed_position');
CREATE INDEX audit_trail_event ON audit_trail (event_id);

-- The trail written before: every chained or waiting record, from its AuditEvent (indexed) or the inbox (not yet),
-- kept as its text (`legacy`) with its columns extracted for search.
CREATE FUNCTION pg_temp.audit_entities(content jsonb, role_code text) RETURNS SETOF jsonb LANGUAGE sql AS $$
  SELECT e FROM jsonb_array_elements(coalesce(content->'entity', '[]')) e WHERE e->'role'->>'code' = role_code
$$;
CREATE FUNCTION pg_temp.audit_agent(content jsonb, condition text) RETURNS jsonb LANGUAGE sql AS $$
  SELECT a FROM jsonb_array_elements(coalesce(content->'agent', '[]')) a
  WHERE CASE condition
    WHEN 'client' THEN a->'who'->'identifier'->>'system' = 'https://zorghub.example.org/fhir/NamingSystem/oauth-client'
    WHEN 'organization' THEN a->'who'->>'type' = 'Organization'
    WHEN 'actor' THEN a->'who'->>'reference' LIKE 'RelatedPerson/%'
    WHEN 'patient' THEN a->'who'->>'reference' LIKE 'Patient/%'
  END
  LIMIT 1
$$;
CREATE FUNCTION pg_temp.nullif_empty(value text[]) RETURNS text[] LANGUAGE sql AS $$
  SELECT CASE WHEN cardinality(value) = 0 THEN NULL ELSE value END
$$;

WITH texts AS (
  SELECT t.recorded, t.event_id, e.content, e.compartments FROM audit_trail t JOIN "AuditEvent" e ON e.id = t.event_id
  UNION ALL
  SELECT i.recorded, i.event_id, i.content, i.compartments FROM audit_inbox i
), parsed AS (
  SELECT recorded, event_id, content AS text, content::jsonb AS j, compartments FROM texts
)
INSERT INTO audit_log (recorded, id, type, subtype, interaction, action, outcome, outcome_desc, purpose, client_id,
  role, organization, actor, patient, rules, consent, address, entrance, source, patients, entities, entity_versions,
  entity_clients, query, compartments, legacy)
SELECT
  p.recorded,
  p.event_id::uuid,
  CASE p.j->'type'->>'code' WHEN '110137' THEN 'consent-change' WHEN '110114' THEN 'authentication' ELSE 'rest' END,
  coalesce(p.j->'subtype'->0->>'code', ''),
  coalesce(p.j->'subtype'->0->>'display', p.j->'subtype'->0->>'code', ''),
  coalesce(p.j->>'action', 'E'),
  coalesce(p.j->>'outcome', '0'),
  p.j->>'outcomeDesc',
  coalesce(p.j->'purposeOfEvent'->0->'coding'->0->>'code', ''),
  pg_temp.audit_agent(p.j, 'client')->'who'->'identifier'->>'value',
  coalesce(p.j->'agent'->0->'role'->0->>'text', ''),
  (SELECT o->'who'->'identifier'->>'system' || '|' || (o->'who'->'identifier'->>'value')
     FROM (SELECT pg_temp.audit_agent(p.j, 'organization') AS o) x),
  pg_temp.audit_agent(p.j, 'actor')->'who'->>'reference',
  substr(pg_temp.audit_agent(p.j, 'patient')->'who'->>'reference', 9),
  pg_temp.nullif_empty(ARRAY(
    SELECT CASE WHEN r LIKE 'urn:zorghub:access-rule:%' THEN substr(r, 25) ELSE r END
    FROM jsonb_array_elements_text(coalesce(p.j->'agent'->0->'policy', '[]')) r)),
  NULL,
  p.j->'agent'->0->'network'->>'address',
  CASE WHEN p.j->'source'->'observer'->>'display' = 'zorghub authorization server' THEN 'oauth'
       ELSE coalesce(p.j->'source'->>'site', 'rest') END,
  coalesce(p.j->'source'->'observer'->'identifier'->>'value', ''),
  pg_temp.nullif_empty(ARRAY(SELECT substr(e->'what'->>'reference', 9) FROM pg_temp.audit_entities(p.j, '1') e)),
  pg_temp.nullif_empty(ARRAY(
    SELECT split_part(e->'what'->>'reference', '/_history/', 1) FROM pg_temp.audit_entities(p.j, '4') e)),
  pg_temp.nullif_empty(ARRAY(
    SELECT split_part(e->'what'->>'reference', '/_history/', 2) FROM pg_temp.audit_entities(p.j, '4') e)),
  pg_temp.nullif_empty(ARRAY(
    SELECT coalesce((SELECT string_agg(substr(d->>'valueString', 9), ' ')
                     FROM jsonb_array_elements(coalesce(e->'detail', '[]')) d WHERE d->>'type' = 'client'), '')
    FROM pg_temp.audit_entities(p.j, '4') e)),
  (SELECT convert_from(decode(e->>'query', 'base64'), 'UTF8') FROM pg_temp.audit_entities(p.j, '24') e LIMIT 1),
  CASE WHEN cardinality(p.compartments) = 0 THEN NULL ELSE p.compartments END,
  p.text
FROM parsed p;

-- Their AuditEvent resources, history and search rows go; AuditEvents that are not the hub's records (stored by the
-- admin from elsewhere, outside the chain) stay where they were, no longer read through the API.
CREATE TEMP TABLE migrated_audit ON COMMIT DROP AS SELECT event_id AS id FROM audit_trail;
DELETE FROM search_string WHERE resource_type = 'AuditEvent' AND resource_id IN (SELECT id FROM migrated_audit);
DELETE FROM search_date WHERE resource_type = 'AuditEvent' AND resource_id IN (SELECT id FROM migrated_audit);
DELETE FROM search_number WHERE resource_type = 'AuditEvent' AND resource_id IN (SELECT id FROM migrated_audit);
DELETE FROM search_quantity WHERE resource_type = 'AuditEvent' AND resource_id IN (SELECT id FROM migrated_audit);
DELETE FROM search_reference WHERE resource_type = 'AuditEvent' AND resource_id IN (SELECT id FROM migrated_audit);
DELETE FROM search_uri WHERE resource_type = 'AuditEvent' AND resource_id IN (SELECT id FROM migrated_audit);
DELETE FROM resource_history WHERE resource_type = 'AuditEvent' AND id IN (SELECT id FROM migrated_audit);
DELETE FROM "AuditEvent" WHERE id IN (SELECT id FROM migrated_audit);
DROP TABLE audit_inbox;

-- Search values of every resource, extracted on write (server/storage/index-values.ts), one table per value kind
-- shared by all resource types: a new SearchParameter needs a reindex, never DDL. Token values stay in the
-- per-type tables' `tokens` array (GIN), which also holds the markers of :missing and the :identifier and
-- :of-type entries. Rows are replaced with their resource's current version in the same statement that writes it.
-- Ranges are half-open, [low, high), as the search layer compares them (server/fhir/search/extract/types.ts).

CREATE TABLE search_string (
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  param         text NOT NULL,
  normalized    text NOT NULL,
  exact         text NOT NULL
);
CREATE INDEX search_string_resource ON search_string (resource_type, resource_id);
CREATE INDEX search_string_value ON search_string (resource_type, param, normalized text_pattern_ops);

CREATE TABLE search_date (
  resource_type text        NOT NULL,
  resource_id   text        NOT NULL,
  param         text        NOT NULL,
  low           timestamptz NOT NULL,
  high          timestamptz NOT NULL
);
CREATE INDEX search_date_resource ON search_date (resource_type, resource_id);
CREATE INDEX search_date_low ON search_date (resource_type, param, low);
CREATE INDEX search_date_high ON search_date (resource_type, param, high);

CREATE TABLE search_number (
  resource_type text    NOT NULL,
  resource_id   text    NOT NULL,
  param         text    NOT NULL,
  low           numeric NOT NULL,
  high          numeric NOT NULL
);
CREATE INDEX search_number_resource ON search_number (resource_type, resource_id);
CREATE INDEX search_number_low ON search_number (resource_type, param, low);

CREATE TABLE search_quantity (
  resource_type text    NOT NULL,
  resource_id   text    NOT NULL,
  param         text    NOT NULL,
  system        text,
  code          text,
  unit          text,
  value         numeric NOT NULL,
  low           numeric NOT NULL,
  high          numeric NOT NULL
);
CREATE INDEX search_quantity_resource ON search_quantity (resource_type, resource_id);
CREATE INDEX search_quantity_low ON search_quantity (resource_type, param, low);

-- target_type / target_id for literal references (relative or absolute, normalised to Type/id); url for absolute,
-- canonical and urn references as written (version split off a canonical).
CREATE TABLE search_reference (
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  param         text NOT NULL,
  target_type   text,
  target_id     text,
  url           text,
  version       text
);
CREATE INDEX search_reference_resource ON search_reference (resource_type, resource_id);
CREATE INDEX search_reference_target ON search_reference (target_type, target_id, resource_type, param);
CREATE INDEX search_reference_url ON search_reference (url, resource_type, param) WHERE url IS NOT NULL;

CREATE TABLE search_uri (
  resource_type text NOT NULL,
  resource_id   text NOT NULL,
  param         text NOT NULL,
  value         text NOT NULL
);
CREATE INDEX search_uri_resource ON search_uri (resource_type, resource_id);
CREATE INDEX search_uri_value ON search_uri (resource_type, param, value text_pattern_ops);

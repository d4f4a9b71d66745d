-- Which search parameters each type's stored index values were computed with (a fingerprint of code, type and
-- expression of every parameter, see server/storage/pg/reindex.ts). A type whose parameters changed since (a hub
-- SearchParameter added to profiles/, a new extraction rule) is reindexed at start-up. No row: never indexed.
CREATE TABLE search_index_state (
  resource_type text        PRIMARY KEY,
  fingerprint   text        NOT NULL,
  indexed_at    timestamptz NOT NULL DEFAULT now()
);

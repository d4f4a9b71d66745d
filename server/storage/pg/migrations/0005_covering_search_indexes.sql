-- The value indexes of the search tables carry what a criterion needs besides the key (the other end of a date
-- range, the resource id), so PostgreSQL answers criteria from the index alone (index-only scans) instead of
-- fetching a table row per candidate: measured at a million resources, a month of SupplyRequest dates went from
-- 27 ms of heap fetches for 22,000 candidates to an index range.
DROP INDEX search_date_low;
CREATE INDEX search_date_low ON search_date (resource_type, param, low) INCLUDE (high, resource_id);
DROP INDEX search_date_high;
CREATE INDEX search_date_high ON search_date (resource_type, param, high) INCLUDE (low, resource_id);
DROP INDEX search_string_value;
CREATE INDEX search_string_value ON search_string (resource_type, param, normalized text_pattern_ops) INCLUDE (resource_id);
DROP INDEX search_reference_target;
CREATE INDEX search_reference_target ON search_reference (target_type, target_id, resource_type, param) INCLUDE (resource_id);

-- Every version of every resource, of all types, in one table: instance, type and system history read from here
-- without a UNION over 147 tables. A delete is a version too (deleted = true, content empty).
CREATE TABLE resource_history (
  resource_type text        NOT NULL,
  id            text        NOT NULL,
  version       integer     NOT NULL,
  last_updated  timestamptz NOT NULL,
  deleted       boolean     NOT NULL DEFAULT false,
  method        text        NOT NULL,
  content       text        NOT NULL,
  PRIMARY KEY (resource_type, id, version)
);
-- System history newest first, and type history newest first.
CREATE INDEX resource_history_last_updated ON resource_history (last_updated DESC, resource_type DESC, id DESC, version DESC);
CREATE INDEX resource_history_type_last_updated ON resource_history (resource_type, last_updated DESC, id DESC, version DESC);

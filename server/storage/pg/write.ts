// The three writes of a version: insert a new resource, replace the current version (guarded by the version it
// replaces: optimistic concurrency in the UPDATE itself), and mark deleted. Each is ONE statement that writes the
// current row, its history row and its search rows together (a data-modifying CTE), so no version exists without
// its history and no resource is found by values it no longer has.
import type { IndexValues } from '../index-values.js';
import type { StoredVersion } from '../../contracts/repository.js';
import type { CurrentRow, Db } from './db.js';
import { toStoredVersion } from './read.js';
import { deleteSearchRows, insertSearchRows } from './search-rows.js';

export interface VersionRow {
  resourceType: string;
  id: string;
  version: number;
  lastUpdated: Date;
  content: string;
  index: IndexValues;
  method: string;
}

/** Inserts version 1 (or `row.version`); returns undefined when the id already exists. */
export async function insertResource(db: Db, row: VersionRow): Promise<StoredVersion | undefined> {
  const rows = await db<CurrentRow[]>`
    WITH cur AS (
      INSERT INTO ${db(row.resourceType)} (id, version, last_updated, content, compartments, tokens)
      VALUES (${row.id}, ${row.version}, ${row.lastUpdated}, ${row.content},
              ${row.index.compartments}::uuid[], ${row.index.tokens}::text[])
      ON CONFLICT (id) DO NOTHING
      RETURNING id, version, last_updated, deleted, content
    ), hist AS (
      INSERT INTO resource_history (resource_type, id, version, last_updated, method, content)
      SELECT ${row.resourceType}, id, version, last_updated, ${row.method}, content FROM cur
    )${insertSearchRows(db, row.resourceType, [row])}
    SELECT * FROM cur`;
  return rows.length
    ? { ...toStoredVersion(row.resourceType, rows[0]), compartments: row.index.compartments }
    : undefined;
}

/** Inserts many new resources of one type in one statement. Ids are fresh uuids, so no conflict is expected. */
export async function insertResources(db: Db, rows: VersionRow[]): Promise<StoredVersion[]> {
  if (rows.length === 0) {
    return [];
  }
  const resourceType = rows[0].resourceType;
  const values = rows.map((row) => ({
    id: row.id,
    version: row.version,
    last_updated: row.lastUpdated,
    content: row.content,
    compartments: `{${row.index.compartments.join(',')}}`,
    tokens: pgTextArray(row.index.tokens),
  }));
  const inserted = await db<CurrentRow[]>`
    WITH cur AS (
      INSERT INTO ${db(resourceType)} ${db(values)}
      RETURNING id, version, last_updated, deleted, content
    ), hist AS (
      INSERT INTO resource_history (resource_type, id, version, last_updated, method, content)
      SELECT ${resourceType}, id, version, last_updated, 'POST', content FROM cur
    )${insertSearchRows(db, resourceType, rows)}
    SELECT id, version, last_updated, deleted, '' AS content FROM cur`;
  // The content and compartments are known here already; not sending them back halves the traffic of a bulk insert.
  const byId = new Map(rows.map((row) => [row.id, row]));
  return inserted.map((row) => ({
    ...toStoredVersion(resourceType, { ...row, content: byId.get(row.id)?.content ?? '' }),
    compartments: byId.get(row.id)?.index.compartments ?? [],
  }));
}

/** Writes version `row.version` over `expectedVersion`; undefined when the current version is no longer that. */
export async function replaceResource(
  db: Db,
  row: VersionRow,
  expectedVersion: number,
): Promise<StoredVersion | undefined> {
  const rows = await db<CurrentRow[]>`
    WITH cur AS (
      UPDATE ${db(row.resourceType)}
      SET version = ${row.version}, last_updated = ${row.lastUpdated}, deleted = false, content = ${row.content},
          compartments = ${row.index.compartments}::uuid[], tokens = ${row.index.tokens}::text[]
      WHERE id = ${row.id} AND version = ${expectedVersion}
      RETURNING id, version, last_updated, deleted, content
    ), hist AS (
      INSERT INTO resource_history (resource_type, id, version, last_updated, method, content)
      SELECT ${row.resourceType}, id, version, last_updated, ${row.method}, content FROM cur
    )${deleteSearchRows(db, row.resourceType)}${insertSearchRows(db, row.resourceType, [row])}
    SELECT * FROM cur`;
  return rows.length
    ? { ...toStoredVersion(row.resourceType, rows[0]), compartments: row.index.compartments }
    : undefined;
}

/** Marks the resource deleted as a new version; undefined when the current version is no longer `expectedVersion`. */
export async function markDeleted(
  db: Db,
  resourceType: string,
  id: string,
  expectedVersion: number,
  lastUpdated: Date,
): Promise<StoredVersion | undefined> {
  const rows = await db<CurrentRow[]>`
    WITH cur AS (
      UPDATE ${db(resourceType)}
      SET version = version + 1, last_updated = ${lastUpdated}, deleted = true, content = '',
          compartments = '{}', tokens = '{}'
      WHERE id = ${id} AND version = ${expectedVersion} AND NOT deleted
      RETURNING id, version, last_updated, deleted, content
    ), hist AS (
      INSERT INTO resource_history (resource_type, id, version, last_updated, deleted, method, content)
      SELECT ${resourceType}, id, version, last_updated, true, 'DELETE', '' FROM cur
    )${deleteSearchRows(db, resourceType)}
    SELECT * FROM cur`;
  return rows.length ? toStoredVersion(resourceType, rows[0]) : undefined;
}

/** A PostgreSQL array literal of text values, quoted so that commas, quotes and braces survive. */
export function pgTextArray(values: string[]): string {
  return `{${values.map((value) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`;
}

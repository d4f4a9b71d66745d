// Reads of current and past versions by id. The stored text is returned as is: no JSON parse on the read path.
import type { StoredVersion } from '../../contracts/repository.js';
import { auditEventText } from './audit-log.js';
import type { CurrentRow, Db } from './db.js';

export function toStoredVersion(resourceType: string, row: CurrentRow): StoredVersion {
  return {
    resourceType,
    id: row.id,
    versionId: String(row.version),
    lastUpdated: row.last_updated.toISOString(),
    deleted: row.deleted,
    // An audit log row (audit-log.ts) is rendered as its AuditEvent here, the one place every read path passes.
    json: resourceType === 'AuditEvent' ? auditEventText(row.content) : row.content,
    ...(row.compartments !== undefined ? { compartments: compartmentList(row.compartments) } : {}),
  };
}

/** uuid[] as postgres.js returns it: an array, or the array literal `{a,b}` when it has no parser for the type. */
function compartmentList(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',') : [];
}

/** `forUpdate` (inside a transaction) locks the row until commit: the pessimistic path under contention. */
export async function readCurrent(
  db: Db,
  resourceType: string,
  id: string,
  forUpdate = false,
): Promise<StoredVersion | undefined> {
  const rows = await db<CurrentRow[]>`
    SELECT id, version, last_updated, deleted, content, compartments FROM ${db(resourceType)} WHERE id = ${id}
    ${forUpdate ? db`FOR UPDATE` : db``}`;
  return rows.length ? toStoredVersion(resourceType, rows[0]) : undefined;
}

export async function readVersion(
  db: Db,
  resourceType: string,
  id: string,
  version: number,
): Promise<StoredVersion | undefined> {
  const rows = await db<CurrentRow[]>`
    SELECT id, version, last_updated, deleted, content FROM resource_history
    WHERE resource_type = ${resourceType} AND id = ${id} AND version = ${version}`;
  return rows.length ? toStoredVersion(resourceType, rows[0]) : undefined;
}

// Instance, type and system history from the shared resource_history table, newest first, paged by a keyset
// cursor (last_updated, type, id, version) so that pages stay stable while new versions are written.
import type { HistoryEntry, HistoryOptions, HistoryPage, HistoryScope } from '../../contracts/repository.js';
import { errors } from '../../errors.js';
import { isUuid } from '../../contracts/compartment-key.js';
import { auditRowSelect } from './audit-log.js';
import type { CurrentRow, Db } from './db.js';
import { toStoredVersion } from './read.js';

interface HistoryRow {
  resource_type: string;
  id: string;
  version: number;
  last_updated: Date;
  deleted: boolean;
  method: string;
  content: string;
}

interface Cursor {
  lastUpdated: string;
  resourceType: string;
  id: string;
  version: number;
}

function encodeCursor(entry: HistoryEntry): string {
  return Buffer.from(
    JSON.stringify([entry.lastUpdated, entry.resourceType, entry.id, Number(entry.versionId)]),
  ).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const [lastUpdated, resourceType, id, version] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof lastUpdated === 'string' &&
      typeof resourceType === 'string' &&
      typeof id === 'string' &&
      Number.isInteger(version)
    ) {
      return { lastUpdated, resourceType, id, version };
    }
  } catch {
    // fall through to the error below
  }
  throw errors.badParameter(`_cursor "${cursor}" is not a cursor this server issued`);
}

export async function readHistory(db: Db, scope: HistoryScope, options: HistoryOptions): Promise<HistoryPage> {
  if (scope.resourceType === 'AuditEvent') return readAuditHistory(db, scope, options);
  const conditions = [db`true`];
  if (scope.resourceType) {
    conditions.push(db`resource_type = ${scope.resourceType}`);
  }
  if (scope.id) {
    conditions.push(db`id = ${scope.id}`);
  }
  if (options.since) {
    conditions.push(db`last_updated >= ${new Date(options.since)}`);
  }
  if (options.cursor) {
    const c = decodeCursor(options.cursor);
    conditions.push(
      db`(last_updated, resource_type, id, version) < (${new Date(c.lastUpdated)}, ${c.resourceType}, ${c.id}, ${c.version})`,
    );
  }
  const where = conditions.reduce((acc, condition) => db`${acc} AND ${condition}`);
  const rows = await db<HistoryRow[]>`
    SELECT resource_type, id, version, last_updated, deleted, method, content FROM resource_history
    WHERE ${where}
    ORDER BY last_updated DESC, resource_type DESC, id DESC, version DESC
    LIMIT ${options.count + 1}`;
  const entries: HistoryEntry[] = rows.slice(0, options.count).map((row) => ({
    resourceType: row.resource_type,
    id: row.id,
    versionId: String(row.version),
    lastUpdated: row.last_updated.toISOString(),
    deleted: row.deleted,
    method: row.method,
    json: row.content,
  }));
  const hasMore = rows.length > options.count && entries.length > 0;
  return { entries, next: hasMore ? encodeCursor(entries[entries.length - 1]) : undefined };
}

/**
 * The history of AuditEvents: each record is its only version, so the log in time order, newest first, with the
 * same cursor. (System history holds the resources' versions only: the access log is read as AuditEvent.)
 */
async function readAuditHistory(db: Db, scope: HistoryScope, options: HistoryOptions): Promise<HistoryPage> {
  const conditions = [db`true`];
  if (scope.id) {
    if (!isUuid(scope.id)) return { entries: [] };
    conditions.push(db`l.id = ${scope.id}::uuid`);
  }
  if (options.since) conditions.push(db`l.recorded >= ${new Date(options.since)}`);
  if (options.cursor) {
    const c = decodeCursor(options.cursor);
    if (!isUuid(c.id)) throw errors.badParameter(`_cursor "${options.cursor}" is not a cursor this server issued`);
    conditions.push(db`(l.recorded, l.id) < (${new Date(c.lastUpdated)}, ${c.id}::uuid)`);
  }
  const where = conditions.reduce((acc, condition) => db`${acc} AND ${condition}`);
  const rows = await db<CurrentRow[]>`
    SELECT ${auditRowSelect(db, 'l')} FROM audit_log l WHERE ${where}
    ORDER BY l.recorded DESC, l.id DESC LIMIT ${options.count + 1}`;
  const entries: HistoryEntry[] = rows
    .slice(0, options.count)
    .map((row) => ({ ...toStoredVersion('AuditEvent', row), method: 'POST' }));
  const hasMore = rows.length > options.count && entries.length > 0;
  return { entries, next: hasMore ? encodeCursor(entries[entries.length - 1]) : undefined };
}

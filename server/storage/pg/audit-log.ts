// The storage side of the audit trail: an AuditEvent the hub records is stored as an ordinary AuditEvent resource
// (readable and searchable, through the policy like everything else) and chained in audit_trail by audit_append()
// (migration 0009), both in one transaction. The hub builds the events itself, so they skip the validation of
// client writes (a test holds the builder to the hub-AuditEvent profile instead). Their compartments are those of
// the resources the access touched, so that a client finds in his own compartment every access to his data, even
// where the event names no Patient of his.
import { createHash } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { computeIndexValues, type IndexOptions } from '../index-values.js';
import { newResourceId } from '../resource-id.js';
import type { Db } from './db.js';
import { storedContent } from './prepare.js';
import { insertSearchRows } from './search-rows.js';
import { pgTextArray, type VersionRow } from './write.js';

export interface AuditRecord {
  event: Resource;
  /** Patient compartment keys the access touched (compartment-key.ts). */
  compartments: string[];
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Inserts the events, their history and search rows, and chains them, in one statement: atomic on its own, and
 * inside the caller's transaction when there is one (the chain's advisory lock is held until that commits).
 */
export async function appendAuditRecords(db: Db, records: AuditRecord[], now: Date, options: IndexOptions): Promise<void> {
  if (records.length === 0) {
    return;
  }
  const rows: VersionRow[] = records.map(({ event, compartments }) => {
    const id = event.id ?? newResourceId();
    const content = storedContent(event, id, 1, now);
    const index = computeIndexValues({ ...event, id } as Resource, options);
    index.compartments = [...new Set([...index.compartments, ...compartments])];
    return { resourceType: 'AuditEvent', id, version: 1, lastUpdated: now, content, index, method: 'POST' };
  });
  const values = rows.map((row) => ({
    id: row.id,
    version: 1,
    last_updated: row.lastUpdated,
    content: row.content,
    compartments: `{${row.index.compartments.join(',')}}`,
    tokens: pgTextArray(row.index.tokens),
  }));
  await db`
    WITH cur AS (
      INSERT INTO "AuditEvent" ${db(values)}
      RETURNING id, version, last_updated, content
    ), hist AS (
      INSERT INTO resource_history (resource_type, id, version, last_updated, method, content)
      SELECT 'AuditEvent', id, version, last_updated, 'POST', content FROM cur
    )${insertSearchRows(db, 'AuditEvent', rows)}
    SELECT audit_append(${rows.map((r) => r.id)}::text[], ${rows.map((r) => sha256Hex(r.content))}::text[], ${now})`;
}

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
import { insertResources, type VersionRow } from './write.js';

export interface AuditRecord {
  event: Resource;
  /** Patient compartment keys the access touched (compartment-key.ts). */
  compartments: string[];
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Inserts the events and chains them; `db` must be inside a transaction (the chain lock is transaction-scoped). */
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
  await insertResources(db, rows);
  await db`SELECT audit_append(${rows.map((r) => r.id)}::text[], ${rows.map((r) => sha256Hex(r.content))}::text[], ${now})`;
}

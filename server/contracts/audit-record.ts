// An audit record as the hub hands it on: the NEN 7513 event (an AuditEvent, consent/audit/audit-event.ts) and the
// clients' compartments it is filed under, and the sink records go to. The consent layer builds records (only in
// the access seam, consent/access/); the storage writes them (server/storage/pg/audit-log.ts).
import type { AuditEvent } from '@medplum/fhirtypes';

export interface AuditRecord {
  event: AuditEvent;
  /** Patient compartment keys the access concerned (compartment-key.ts). */
  compartments: string[];
}

/** Where records go: recorded durably before the answer, or sealed after committing with a write. */
export interface AuditSink {
  /** Writes a record; resolves once it is durable (a failed record fails the access it records). */
  record(record: AuditRecord): Promise<void>;
  /** Records committed with a write (appendAudit) are waiting: chain them soon. */
  sealSoon(): void;
  /** Resolves once every record committed before the call is sealed and readable. */
  sealPending(): Promise<void>;
}

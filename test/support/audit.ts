// For tests that read the audit trail's chain directly: records reach audit_trail when sealed (consent/audit/
// audit-trail.ts), a little after their request; this seals now, as any hub process on the database would.
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Sql } from 'postgres';
import { auditEventText, auditRowSelect, sealAuditLog } from '../../server/storage/pg/audit-log.js';

export async function sealAudit(sql: Sql): Promise<void> {
  while ((await sealAuditLog(sql, 1000)) > 0);
}

/** Every record of the trail as its AuditEvent, in chain order (sealed first), as a reader of the tables sees it. */
export async function auditEvents(sql: Sql): Promise<AuditEvent[]> {
  await sealAudit(sql);
  const rows = await sql<{ content: string }[]>`
    SELECT ${auditRowSelect(sql, 'l')} FROM audit_trail t JOIN audit_log l ON l.id::text = t.event_id ORDER BY t.seq`;
  return rows.map((row) => JSON.parse(auditEventText(row.content)) as AuditEvent);
}

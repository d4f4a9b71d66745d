// For tests that read the audit trail's tables directly: records reach "AuditEvent" and audit_trail only when
// sealed (consent/audit/audit-trail.ts), a few milliseconds after their request; this seals them now, as any hub
// process on the database would.
import type { Sql } from 'postgres';
import { sealAuditInbox } from '../../server/storage/pg/audit-log.js';
import { TEST_BASE_URL } from './app.js';

export async function sealAudit(sql: Sql, baseUrl = TEST_BASE_URL): Promise<void> {
  while ((await sealAuditInbox(sql, 1000, { baseUrl })) > 0);
}

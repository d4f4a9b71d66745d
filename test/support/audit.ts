// For tests that read the audit trail's tables directly: records reach audit_trail when sealed and "AuditEvent"
// when indexed (consent/audit/audit-trail.ts), a little after their request; this does both now, as any hub
// process on the database would.
import type { Sql } from 'postgres';
import { indexAuditTrail, sealAuditInbox } from '../../server/storage/pg/audit-log.js';
import { TEST_BASE_URL } from './app.js';

export async function sealAudit(sql: Sql, baseUrl = TEST_BASE_URL): Promise<void> {
  while ((await sealAuditInbox(sql, 1000)) > 0);
  while ((await indexAuditTrail(sql, 1000, { baseUrl })) > 0);
}

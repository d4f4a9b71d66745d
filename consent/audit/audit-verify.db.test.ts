// $verify against the audit log's own ways of being tampered with (migration 0015): a row inserted behind the hub's
// back (or a whole partition of them attached), a partition dropped inside the retention period (a break) and one
// dropped past it (allowed: retention removes whole partitions), and pruning that drops whole partitions and
// leaves a chain that verifies.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditPartitions } from '../../server/storage/pg/audit-log.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { testAuditRecord } from '../../test/support/audit-record.js';
import { createTestDatabase } from '../../test/support/database.js';
import { HubKeys } from '../keys/hub-keys.js';
import { AuditTrail } from './audit-trail.js';

const MONTH_MS = 31 * 24 * 3600 * 1000;

/** A fresh log with records a few months back and now, sealed; the trail keeps `retentionMonths`. */
async function logWith(monthsAgo: number, retentionMonths: number) {
  const db = await createTestDatabase(4);
  const keys = await HubKeys.open({ dataDir: await mkdtemp(join(tmpdir(), 'audit-verify-')) });
  const trail = new AuditTrail(db.sql, new PgRepository(db.sql), keys, () => new Date(), { retentionMonths });
  const past = new Date(Date.now() - monthsAgo * MONTH_MS);
  for (let i = 0; i < 3; i++) await trail.record(testAuditRecord({ recorded: new Date(past.getTime() + i) }));
  for (let i = 0; i < 2; i++) await trail.record(testAuditRecord());
  const made = await trail.preparePartitions();
  expect(made).toContain(past.toISOString().slice(0, 7)); // the past month's rows moved out of the default partition
  await trail.sealPending();
  const partition = `audit_log_${past.toISOString().slice(0, 7).replace('-', '_')}`;
  return { db, trail, partition, past };
}

describe('$verify on the audit log', () => {
  it('finds a record inserted into the log behind the hub, and one in an attached partition', async () => {
    const { db, trail } = await logWith(2, 36);
    expect(await trail.verify()).toMatchObject({ intact: true, checked: 5 });
    const [row] = await db.sql<{ id: string }[]>`SELECT id::text AS id FROM audit_log LIMIT 1`;
    const forged = '01900000-0000-7000-8000-000000000001';
    await db.sql`INSERT INTO audit_log SELECT recorded, ${forged}::uuid, type, subtype, interaction, action, outcome,
      outcome_desc, purpose, client_id, role, organization, actor, patient, rules, consent, address, entrance, source,
      patients, entities, entity_versions, entity_clients, query, compartments, legacy FROM audit_log WHERE id = ${row.id}::uuid`;
    expect(await trail.verify()).toMatchObject({
      intact: false,
      firstBreak: { eventId: forged, reason: 'a record in the audit log is not in the chain: it was inserted' },
    });
    await db.sql`DELETE FROM audit_log WHERE id = ${forged}::uuid`;
    expect(await trail.verify()).toMatchObject({ intact: true });

    await db.sql`CREATE TABLE audit_log_forged (LIKE audit_log)`;
    await db.sql`INSERT INTO audit_log_forged SELECT * FROM audit_log WHERE id = ${row.id}::uuid`;
    await db.sql`UPDATE audit_log_forged SET id = ${forged}::uuid, recorded = '2001-01-15'`;
    await db.sql`ALTER TABLE audit_log ATTACH PARTITION audit_log_forged FOR VALUES FROM ('2001-01-01') TO ('2001-02-01')`;
    expect(await trail.verify()).toMatchObject({ intact: false, firstBreak: { eventId: forged } });
  });

  it('breaks on a partition dropped inside the retention period', async () => {
    const { db, trail, partition } = await logWith(2, 36);
    await db.sql`DROP TABLE ${db.sql(partition)}`;
    expect(await trail.verify()).toMatchObject({
      intact: false,
      firstBreak: { reason: 'the AuditEvent of this record is gone' },
    });
  });

  it('accepts a partition dropped past the retention period, and counts its records as expired', async () => {
    const { db, trail, partition } = await logWith(3, 1);
    await db.sql`DROP TABLE ${db.sql(partition)}`;
    expect(await trail.verify()).toMatchObject({ intact: true, expired: 3, checked: 5 });
  });

  it('prunes by dropping the partitions past retention, and the chain verifies after', async () => {
    const { db, trail, partition, past } = await logWith(3, 1);
    const before = new Date(Date.now() - MONTH_MS);
    const pruned = await trail.prune(before);
    expect(pruned).toMatchObject({ removed: 3, partitions: [partition] });
    expect((await auditPartitions(db.sql)).map((p) => p.name)).not.toContain(partition);
    expect((await db.sql`SELECT count(*)::int AS n FROM audit_log WHERE recorded < ${before}`)[0].n).toBe(0);
    expect(past < before).toBe(true);
    expect(await trail.verify()).toMatchObject({ intact: true, checked: 2, expired: 0 });
  });
});

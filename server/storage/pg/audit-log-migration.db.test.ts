// Migration 0015 on a trail written before it: records indexed as "AuditEvent" resources, one sealed but not yet
// indexed (its text in the inbox), one not yet sealed, all hash-chained over their stored texts and under a signed
// checkpoint. After the migration every record is in the audit log, read as the same text, found by search, and
// the chain verifies, the not yet sealed one included.
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AuditTrail } from '../../../consent/audit/audit-trail.js';
import { HubKeys } from '../../../consent/keys/hub-keys.js';
import { testAuditRecord } from '../../../test/support/audit-record.js';
import { openPool } from '../../db/connect.js';
import { loadDefinitions } from '../../fhir/definitions.js';
import { parseSearch } from '../../fhir/search/parse.js';
import { planSearch } from '../../fhir/search/plan.js';
import { renderAuditEvent } from '../audit-event-form.js';
import { newResourceId } from '../resource-id.js';
import { sha256Hex } from './audit-log.js';
import { listMigrations, migrate } from './migrate.js';
import { PgRepository } from './pg-repository.js';
import { storedResourceTypeSet } from './resource-tables.js';

loadDefinitions();
const adminUrl = inject('adminDatabaseUrl');
const name = `hub_migration_${randomBytes(6).toString('hex')}`;
const admin = openPool(adminUrl, 1);
await admin.unsafe(`CREATE DATABASE ${name}`);
await admin.end();
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const sql = openPool(url.toString(), 4);
afterAll(async () => {
  await sql.end({ timeout: 5 });
  const cleanup = openPool(adminUrl, 1);
  await cleanup.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await cleanup.end();
});

const PATIENT = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

/** Old records: the AuditEvent texts the hub stored before the log, of a supplier's reads of one client's data. */
function oldTexts(count: number): { id: string; recorded: Date; text: string }[] {
  return Array.from({ length: count }, (_, i) => {
    const recorded = new Date(Date.now() - (count - i) * 1000);
    const id = newResourceId(recorded.getTime());
    const record = testAuditRecord({
      id,
      recorded,
      patients: [PATIENT],
      entities: [`SupplyRequest/s${i}`],
      entityVersions: ['1'],
      entityClients: [PATIENT],
      query: null,
      compartments: [PATIENT],
    });
    return { id, recorded, text: JSON.stringify(renderAuditEvent(record)) };
  });
}

describe('migration 0015: the trail before the audit log', () => {
  it('moves every record into the log, readable as before and found by search, and the chain verifies', async () => {
    const before = listMigrations().filter((m) => m.name < '0015');
    await migrate(sql, before);
    const texts = oldTexts(5);
    let previous = '0'.repeat(64);
    for (const [seq, old] of texts.slice(0, 4).entries()) {
      // Sealed: a link in the chain over the text's hash. The first three also indexed as AuditEvent resources.
      const hash = sha256Hex(old.text);
      const chain = sha256Hex(previous + hash);
      await sql`INSERT INTO audit_trail (seq, recorded, event_id, content_hash, previous_hash, chain_hash)
        VALUES (${seq + 1}, ${old.recorded}, ${old.id}, ${hash}, ${previous}, ${chain})`;
      previous = chain;
      if (seq < 3) {
        await sql`INSERT INTO "AuditEvent" (id, version, last_updated, content, compartments)
          VALUES (${old.id}, 1, ${old.recorded}, ${old.text}, ${`{${PATIENT}}`})`;
        await sql`INSERT INTO resource_history (resource_type, id, version, last_updated, method, content)
          VALUES ('AuditEvent', ${old.id}, 1, ${old.recorded}, 'POST', ${old.text})`;
      } else {
        await sql`INSERT INTO audit_inbox (recorded, event_id, content, compartments)
          VALUES (${old.recorded}, ${old.id}, ${old.text}, ${`{${PATIENT}}`})`;
      }
    }
    const keys = await HubKeys.open({ dataDir: await mkdtemp(join(tmpdir(), 'audit-migration-')) });
    const trail = new AuditTrail(sql, new PgRepository(sql), keys);
    expect(await trail.checkpoint()).toBe(4); // signed over the old chain
    const waiting = texts[4];
    const [{ position }] = await sql<{ position: string }[]>`
      INSERT INTO audit_inbox (recorded, event_id, content, compartments)
      VALUES (${waiting.recorded}, ${waiting.id}, ${waiting.text}, ${`{${PATIENT}}`}) RETURNING position`;
    await sql`INSERT INTO audit_unsealed (position, recorded, event_id, content_hash)
      VALUES (${position}, ${waiting.recorded}, ${waiting.id}, ${sha256Hex(waiting.text)})`;

    expect(await migrate(sql)).toContain('0015_audit_log.sql');

    expect((await sql`SELECT count(*)::int AS n FROM audit_log`)[0].n).toBe(5);
    expect((await sql`SELECT count(*)::int AS n FROM "AuditEvent"`)[0].n).toBe(0);
    expect((await sql`SELECT count(*)::int AS n FROM resource_history WHERE resource_type = 'AuditEvent'`)[0].n).toBe(
      0,
    );
    const repository = new PgRepository(sql);
    for (const old of texts) expect((await repository.read('AuditEvent', old.id)).json).toBe(old.text);
    const search = async (query: string) =>
      (
        await repository.search(
          planSearch(parseSearch(['AuditEvent'], new URLSearchParams(query), storedResourceTypeSet())),
        )
      ).matches.map((v) => v.id);
    expect(await search(`patient=Patient/${PATIENT}&_sort=date`)).toEqual(texts.map((t) => t.id));
    expect(await search(`entity=SupplyRequest/s2`)).toEqual([texts[2].id]);
    expect(
      await search(
        'agent:identifier=https://zorghub.example.org/fhir/NamingSystem/oauth-client|leverancier.test&_count=2&_sort=-date',
      ),
    ).toEqual([texts[4].id, texts[3].id]);

    expect(await trail.verify()).toMatchObject({ intact: true, checked: 5, checkpoints: 1, pending: 0 });
    // A record written after the migration continues the same chain.
    await trail.record(testAuditRecord());
    expect(await trail.verify()).toMatchObject({ intact: true, checked: 6 });
    // An alteration of a migrated record is found as before.
    await sql`UPDATE audit_log SET legacy = replace(legacy, '"outcome":"0"', '"outcome":"4"') WHERE id = ${texts[1].id}::uuid`;
    expect(await trail.verify()).toMatchObject({ intact: false, firstBreak: { seq: 2, eventId: texts[1].id } });
  });
});

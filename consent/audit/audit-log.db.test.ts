// The audit log and its sealer (migrations 0013 and 0015, audit-trail.ts, server/storage/pg/audit-log.ts): a record
// is one row of typed columns, written with its write (and gone when the write rolls back) or by group commit
// before the answer; it is readable and searchable as an AuditEvent the moment it commits, whether sealed or not;
// the sealer chains records in position order into an intact chain, and a record whose transaction commits late
// simply comes later in the chain; closing the app seals what is left.
import { randomUUID } from 'node:crypto';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import { canonicalAuditText, renderAuditEvent } from '../../server/storage/audit-event-form.js';
import {
  AUDIT_LOCK,
  appendAuditRecords,
  auditContentHash,
  auditContents,
  sha256Hex,
} from '../../server/storage/pg/audit-log.js';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import { createTestApp, TEST_BASE_URL } from '../../test/support/app.js';
import { testAuditRecord } from '../../test/support/audit-record.js';
import { HubKeys } from '../keys/hub-keys.js';
import { AuditTrail } from './audit-trail.js';

const { app, db, dataDir } = await createTestApp();
const trail = new AuditTrail(
  db.sql,
  new PgRepository(db.sql, { baseUrl: TEST_BASE_URL }),
  await HubKeys.open({ dataDir }),
);

/** A record named by its own id (a v7 uuid of its time, as the log makes them). */
function record(overrides: Partial<AuditRecord> = {}): AuditRecord & { id: string } {
  const now = Date.now();
  const id = `${now
    .toString(16)
    .padStart(12, '0')
    .replace(/^(.{8})(.{4})$/, '$1-$2')}-7${randomUUID().slice(15)}`;
  return { ...testAuditRecord({ recorded: new Date(now), ...overrides }), id };
}
const chained = async () =>
  (await db.sql<{ event_id: string }[]>`SELECT event_id FROM audit_trail ORDER BY seq`).map((r) => r.event_id);
const inLog = async (id: string) => (await db.sql`SELECT 1 FROM audit_log WHERE id = ${id}::uuid`).length > 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the audit log', () => {
  it('takes any number of records: more than one statement carries, each with the hash of its canonical form', async () => {
    const records = Array.from({ length: 70 }, (_, i) =>
      record({ compartments: [randomUUID()], patients: [`p${i}`], rules: [`rule-${i}`, 'Consent/c'] }),
    );
    await db.sql.begin((tx) => appendAuditRecords(tx, records));
    const lines = await db.sql<{ event_id: string; content_hash: string }[]>`
      SELECT event_id, content_hash FROM audit_unsealed WHERE event_id = ANY(${records.map((r) => r.id)}::text[])
      ORDER BY position`;
    expect(lines.map((l) => l.event_id)).toEqual(records.map((r) => r.id));
    const contents = await auditContents(
      db.sql,
      records.map((r) => r.id),
    );
    for (const [i, line] of lines.entries()) {
      expect(line.content_hash).toBe(sha256Hex(canonicalAuditText(records[i])));
      expect(auditContentHash(contents.get(line.event_id)!)).toBe(line.content_hash); // stored values round-trip
    }
    await trail.sealPending();
  });

  it('renders a stored record as the AuditEvent its record says, nothing added or lost', async () => {
    const stored = record({
      patients: ['a', 'b'],
      entities: ['SupplyRequest/s1', 'Device/d1'],
      entityVersions: ['3', ''],
      entityClients: ['a', 'a b'],
      outcome: '4',
      outcomeDesc: 'HUB_ERR_AUTH_INSUFFICIENT_SCOPE: not allowed',
      address: '10.0.0.7',
      entrance: 'ingest',
      query: 'GET SupplyRequest?status=active',
    });
    await appendAuditRecords(db.sql, [stored]);
    const answer = await app.inject({ method: 'GET', url: `/AuditEvent/${stored.id}` });
    expect(answer.statusCode, answer.body).toBe(200);
    const expected = renderAuditEvent(stored);
    expect(answer.json()).toEqual(expected);
    expect(expected.entity?.map((e) => e.what?.reference)).toEqual([
      'Patient/a',
      'Patient/b',
      'SupplyRequest/s1/_history/3',
      'Device/d1',
      undefined,
    ]);
    expect(expected.source?.site).toBe('ingest');
  });

  it('stores text that array literals treat specially exactly as given: quotes, backslashes, braces, commas, NULL', async () => {
    const awkward = ['a "quoted", {braced} value', 'back\\slash\\', 'NULL', '', ' spaced ', 'ë€\u0001'];
    const stored = record({
      query: `GET SupplyRequest?note=${awkward[0]}\\${awkward[1]}`,
      outcomeDesc: 'NULL',
      actor: awkward[0]!,
      rules: awkward.filter(Boolean),
      entities: ['Device/x'],
      entityVersions: [''],
      entityClients: [awkward[1]!],
      patients: [awkward[2]!, awkward[4]!],
    });
    const plain = record();
    await appendAuditRecords(db.sql, [stored, plain]);
    for (const expected of [stored, plain]) {
      const answer = await app.inject({ method: 'GET', url: `/AuditEvent/${expected.id}` });
      expect(answer.statusCode, answer.body).toBe(200);
      expect(answer.json()).toEqual(renderAuditEvent(expected));
    }
    // Its line waits in audit_unsealed, or is in the chain already if a sealer was quicker.
    const [line] = await db.sql<{ content_hash: string }[]>`
      SELECT content_hash FROM audit_unsealed WHERE event_id = ${stored.id!}
      UNION ALL SELECT content_hash FROM audit_trail WHERE event_id = ${stored.id!}`;
    expect(line?.content_hash).toBe(sha256Hex(canonicalAuditText(stored)));
  });

  it("holds a write's record inside the write's transaction; a rolled-back write leaves neither", async () => {
    const audit = record();
    let inside = -1;
    let outside = -1;
    await expect(
      db.sql.begin(async (tx) => {
        const repository = new PgRepository(tx, { baseUrl: TEST_BASE_URL }, true);
        await repository.create({ resourceType: 'Patient', name: [{ family: 'Teruggedraaid' }] });
        await repository.appendAudit([audit]);
        inside = (await tx`SELECT 1 FROM audit_log WHERE id = ${audit.id}::uuid`).length;
        outside = Number(await inLog(audit.id));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(inside).toBe(1);
    expect(outside).toBe(0); // not visible before commit: the sealer cannot chain a record whose write may still fail
    expect(await inLog(audit.id)).toBe(false);
    expect((await db.sql`SELECT count(*)::int AS n FROM "Patient" WHERE content LIKE '%Teruggedraaid%'`)[0].n).toBe(0);
    await trail.sealPending();
    expect(await chained()).not.toContain(audit.id);
  });

  it('seals records in position order into a chain that verifies, with nothing left waiting', async () => {
    const records = [record(), record(), record(), record(), record()];
    for (const r of records) await trail.record(r);
    await trail.sealPending();
    const order = await chained();
    const seqs = records.map((r) => order.indexOf(r.id));
    expect(seqs[0]).toBeGreaterThanOrEqual(0);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0] + i));
    expect(await trail.verify()).toMatchObject({ intact: true, pending: 0 });
    expect(await trail.lag()).toEqual({ unsealed: 0, oldestSeconds: 0 });
  });

  it('chains a record whose transaction commits late after the ones sealed meanwhile, and the chain stays intact', async () => {
    const late = record();
    const early = record();
    let entered!: () => void;
    let release!: () => void;
    const inTransaction = new Promise<void>((resolve) => (entered = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const transaction = db.sql.begin(async (tx) => {
      await new PgRepository(tx, {}, true).appendAudit([late]); // the lower position
      entered();
      await gate;
    });
    await inTransaction;
    await trail.record(early);
    await trail.sealPending(); // does not wait for the open transaction
    expect(await chained()).toContain(early.id);
    expect(await chained()).not.toContain(late.id);
    release();
    await transaction;
    await trail.sealPending();
    const order = await chained();
    expect(order.indexOf(late.id)).toBeGreaterThan(order.indexOf(early.id));
    expect(await trail.verify()).toMatchObject({ intact: true });
  });

  it('lets a read, search or history of AuditEvents see a record at once, while the sealer is held up', async () => {
    const patient = (
      await app.inject({
        method: 'POST',
        url: '/Patient',
        headers: { 'content-type': 'application/fhir+json' },
        payload: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Direct' }] }),
      })
    ).json();
    await trail.sealPending();
    // Hold the chain's lock, as a sealer in another process would: nothing can be sealed meanwhile.
    const holder = await db.sql.reserve();
    await holder`BEGIN`;
    await holder`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
    try {
      expect((await app.inject({ method: 'GET', url: `/Patient/${patient.id}` })).statusCode).toBe(200);
      const [row] = await db.sql<{ id: string }[]>`
        SELECT id::text AS id FROM audit_log WHERE ${`Patient/${patient.id}`} = ANY(entities) AND subtype = 'read'`;
      expect(row).toBeDefined();
      expect(await chained()).not.toContain(row.id); // recorded, not yet sealed
      const answers = await Promise.all(
        [
          `/AuditEvent/${row.id}`,
          '/AuditEvent?_count=1000&_sort=-date',
          `/AuditEvent/${row.id}/_history/1`,
          '/AuditEvent/_history',
        ].map((url) => app.inject({ method: 'GET', url })),
      );
      const [read, search, vread, history] = answers;
      expect(read.statusCode).toBe(200);
      expect(vread.statusCode).toBe(200);
      expect(((search.json() as Bundle<AuditEvent>).entry ?? []).map((e) => e.resource!.id)).toContain(row.id);
      expect(((history.json() as Bundle).entry ?? []).map((e) => e.fullUrl)).toContainEqual(
        expect.stringContaining(`/AuditEvent/${row.id}`),
      );
    } finally {
      await holder`COMMIT`;
      holder.release();
    }
  });

  it('writes each of many concurrent single creates with its own record (group commit), and only those that committed', async () => {
    const post = (family: string) =>
      app.inject({
        method: 'POST',
        url: '/Patient',
        headers: { 'content-type': 'application/fhir+json' },
        payload: JSON.stringify({ resourceType: 'Patient', name: [{ family }] }),
      });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(`Gelijktijdig${i}`)));
    expect(answers.map((a) => a.statusCode)).toEqual(answers.map(() => 201));
    await db.sql`ALTER TABLE audit_unsealed ADD CONSTRAINT test_refuse CHECK (position < 0) NOT VALID`;
    try {
      expect((await post('Onopgenomen')).statusCode).toBe(500); // its record failed: the create did not commit
    } finally {
      await db.sql`ALTER TABLE audit_unsealed DROP CONSTRAINT test_refuse`;
    }
    expect((await db.sql`SELECT count(*)::int AS n FROM "Patient" WHERE content LIKE '%Onopgenomen%'`)[0].n).toBe(0);
    for (const answer of answers) {
      const mine = await db.sql<{ action: string; outcome: string }[]>`
        SELECT action, outcome FROM audit_log WHERE ${`Patient/${answer.json().id}`} = ANY(entities) AND subtype = 'create'`;
      expect(mine).toEqual([{ action: 'C', outcome: '0' }]);
    }
  });

  it('shows the sealing backlog in /readyz, and is not ready while the oldest record waits too long', async () => {
    await trail.sealPending(); // what the tests before left is chained: the sealer runs a few ms after a record
    const ready = await app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ok', audit: { unsealed: 0, oldestSeconds: 0 } });
    const holder = await db.sql.reserve();
    await holder`BEGIN`;
    await holder`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`; // no sealer gets through meanwhile
    try {
      await appendAuditRecords(db.sql, [record({ recorded: new Date(Date.now() - 120_000) })]);
      const behind = await app.inject({ method: 'GET', url: '/readyz' });
      expect(behind.statusCode).toBe(503);
      expect(behind.json()).toMatchObject({ status: 'unavailable', audit: { unsealed: 1 } });
      expect(behind.json().audit.oldestSeconds).toBeGreaterThan(100);
    } finally {
      await holder`COMMIT`;
      holder.release();
    }
    await trail.sealPending();
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('seals what is left when the app closes', async () => {
    const hub = await createTestApp();
    const left = record();
    await appendAuditRecords(hub.db.sql, [left]); // committed, and the hub's sealer not told
    await sleep(10);
    await hub.app.close();
    expect((await hub.db.sql`SELECT count(*)::int AS n FROM audit_unsealed`)[0].n).toBe(0);
    expect((await hub.db.sql`SELECT count(*)::int AS n FROM audit_trail WHERE event_id = ${left.id}`)[0].n).toBe(1);
  });

  it('refuses to create, change or delete an AuditEvent through the API, even for the admin', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/AuditEvent',
      headers: { 'content-type': 'application/fhir+json' },
      payload: JSON.stringify({ ...renderAuditEvent(record()), id: undefined }),
    });
    expect([403, 405]).toContain(created.statusCode);
    expect(created.json().issue[0].diagnostics).toMatch(/AuditEvent/);
  });
});

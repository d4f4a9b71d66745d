// The audit inbox and its sealer (migrations 0010 and 0013, audit-trail.ts, sealed-reads.ts): a write's record is in the inbox
// inside the write's transaction and goes with it when it rolls back; the sealer chains records in position order
// into an intact chain, and a record whose transaction commits late simply comes later in the chain; whatever reads
// AuditEvents sees the records of the requests before it, sealed or not yet; closing the app drains the inbox.
import { randomUUID } from 'node:crypto';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { PgRepository } from '../../server/storage/pg/pg-repository.js';
import {
  AUDIT_LOCK,
  appendAuditRecords,
  auditRecordTexts,
  auditUnindexedSize,
  indexAuditTrail,
  sealAuditInbox,
  sha256Hex,
} from '../../server/storage/pg/audit-log.js';
import type { AuditRecord } from '../../server/contracts/audit-record.js';
import { createTestApp, TEST_BASE_URL } from '../../test/support/app.js';
import { HubKeys } from '../keys/hub-keys.js';
import { AuditTrail } from './audit-trail.js';

const { app, db, dataDir } = await createTestApp();
const trail = new AuditTrail(
  db.sql,
  new PgRepository(db.sql, { baseUrl: TEST_BASE_URL }),
  await HubKeys.open({ dataDir }),
  undefined,
  { baseUrl: TEST_BASE_URL },
);

/** A minimal record of the hub's kind, named by its id. */
function record(what?: string): AuditRecord & { id: string } {
  const id = randomUUID();
  const event = {
    resourceType: 'AuditEvent',
    id,
    type: { code: 'rest' },
    recorded: new Date().toISOString(),
    agent: [{ requestor: true }],
    source: { observer: { display: 'test' } },
    ...(what ? { entity: [{ what: { reference: what } }] } : {}),
  };
  return { id, event: event as never, compartments: [] };
}
const chained = async () =>
  (await db.sql<{ event_id: string }[]>`SELECT event_id FROM audit_trail ORDER BY seq`).map((r) => r.event_id);
const inInbox = async (id: string) => (await db.sql`SELECT 1 FROM audit_inbox WHERE event_id = ${id}`).length > 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the audit inbox', () => {
  it('takes any number of records: more than one statement carries, in order, with their hashes and compartments', async () => {
    const records = Array.from({ length: 70 }, () => ({ ...record(), compartments: [randomUUID()] }));
    await db.sql.begin((tx) => appendAuditRecords(tx, records, new Date()));
    const rows = await db.sql<{ event_id: string; compartments: string[]; content: string; content_hash: string }[]>`
      SELECT i.event_id, i.compartments, i.content, u.content_hash FROM audit_inbox i JOIN audit_unsealed u USING (position)
      WHERE i.event_id = ANY(${records.map((r) => r.id)}::text[]) ORDER BY i.position`;
    expect(rows.map((r) => r.event_id)).toEqual(records.map((r) => r.id));
    expect(rows.map((r) => r.compartments)).toEqual(records.map((r) => r.compartments));
    for (const row of rows) expect(row.content_hash).toBe(sha256Hex(row.content));
    await trail.sealPending();
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
        inside = (await tx`SELECT 1 FROM audit_inbox WHERE event_id = ${audit.id}`).length;
        outside = Number(await inInbox(audit.id));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(inside).toBe(1);
    expect(outside).toBe(0); // not visible before commit: the sealer cannot chain a record whose write may still fail
    expect(await inInbox(audit.id)).toBe(false);
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
    const [stored] = await db.sql<
      { content: string; last_updated: Date }[]
    >`SELECT content, last_updated FROM "AuditEvent" WHERE id = ${records[0].id}`;
    expect(JSON.parse(stored.content).meta).toEqual({ versionId: '1', lastUpdated: stored.last_updated.toISOString() });
    expect(await trail.verify()).toMatchObject({ intact: true, pending: 0 });
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

  it('lets a read, search or history of AuditEvents right after a request see its record, though the sealer is held up', async () => {
    const patient = (
      await app.inject({
        method: 'POST',
        url: '/Patient',
        headers: { 'content-type': 'application/fhir+json' },
        payload: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Barrière' }] }),
      })
    ).json();
    await trail.sealPending();
    // Hold the chain's lock, as a sealer in another process would: nothing can be sealed meanwhile.
    const holder = await db.sql.reserve();
    await holder`BEGIN`;
    await holder`SELECT pg_advisory_xact_lock(${AUDIT_LOCK})`;
    let eventId: string;
    let answers: Promise<{ statusCode: number; json(): unknown }>[];
    try {
      expect((await app.inject({ method: 'GET', url: `/Patient/${patient.id}` })).statusCode).toBe(200);
      const [row] = await db.sql<
        { event_id: string }[]
      >`SELECT event_id FROM audit_inbox WHERE content LIKE ${`%Patient/${patient.id}/_history/1%`} ORDER BY position DESC LIMIT 1`;
      expect(row).toBeDefined(); // recorded, not yet sealed
      eventId = row.event_id;
      answers = [
        `/AuditEvent/${eventId}`,
        '/AuditEvent?_count=1000',
        '/_history?_count=50',
        `/AuditEvent/${eventId}/_history/1`,
      ].map((url) => app.inject({ method: 'GET', url }));
      let settled = false;
      void Promise.all(answers).then(() => (settled = true));
      await sleep(150);
      expect(settled).toBe(false); // each waits for the record to be sealed
    } finally {
      await holder`COMMIT`;
      holder.release();
    }
    const [read, search, history, vread] = await Promise.all(answers);
    expect(read.statusCode).toBe(200);
    expect(vread.statusCode).toBe(200);
    expect(((search.json() as Bundle<AuditEvent>).entry ?? []).map((e) => e.resource!.id)).toContain(eventId);
    expect(((history.json() as Bundle).entry ?? []).map((e) => e.fullUrl)).toContainEqual(
      expect.stringContaining(`/AuditEvent/${eventId}`),
    );
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
    await db.sql`ALTER TABLE audit_inbox ADD CONSTRAINT test_refuse CHECK (position < 0) NOT VALID`;
    try {
      expect((await post('Onopgenomen')).statusCode).toBe(500); // its record failed: the create did not commit
    } finally {
      await db.sql`ALTER TABLE audit_inbox DROP CONSTRAINT test_refuse`;
    }
    expect((await db.sql`SELECT count(*)::int AS n FROM "Patient" WHERE content LIKE '%Onopgenomen%'`)[0].n).toBe(0);
    await trail.sealPending();
    const events = (
      await db.sql<
        { content: string }[]
      >`SELECT content FROM "AuditEvent" WHERE content LIKE '%"subtype":[{"system":"http://hl7.org/fhir/restful-interaction","code":"create"%'`
    ).map((r) => JSON.parse(r.content) as AuditEvent);
    for (const answer of answers) {
      const mine = events.filter((e) =>
        e.entity?.some((x) => x.what?.reference === `Patient/${answer.json().id}/_history/1`),
      );
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ action: 'C', outcome: '0' });
    }
  });

  it('seals what is in the inbox when the app closes', async () => {
    const hub = await createTestApp();
    const left = record();
    await appendAuditRecords(hub.db.sql, [left], new Date()); // committed, and the hub's sealer not told
    await hub.app.close();
    expect((await hub.db.sql`SELECT count(*)::int AS n FROM audit_unsealed`)[0].n).toBe(0);
    expect((await hub.db.sql`SELECT count(*)::int AS n FROM audit_inbox`)[0].n).toBe(0);
    expect((await hub.db.sql`SELECT count(*)::int AS n FROM audit_trail WHERE event_id = ${left.id}`)[0].n).toBe(1);
    expect((await hub.db.sql`SELECT count(*)::int AS n FROM "AuditEvent" WHERE id = ${left.id}`)[0].n).toBe(1); // indexed too
  });
});

describe('sealing and indexing apart', () => {
  const sealOnly = async () => {
    while ((await sealAuditInbox(db.sql, 1000)) > 0);
  };

  it('hashes a record at the request; sealing chains the hash, the text stays in the inbox until indexing moves it', async () => {
    const r = record('Patient/apart');
    await appendAuditRecords(db.sql, [r], new Date());
    const [inbox] = await db.sql<{ content: string }[]>`SELECT content FROM audit_inbox WHERE event_id = ${r.id}`;
    const [line] = await db.sql<
      { content_hash: string }[]
    >`SELECT content_hash FROM audit_unsealed WHERE event_id = ${r.id}`;
    expect(line.content_hash).toBe(sha256Hex(inbox.content));
    await sealOnly();
    expect(await db.sql`SELECT 1 FROM audit_unsealed WHERE event_id = ${r.id}`).toHaveLength(0);
    const [link] = await db.sql<
      { content_hash: string }[]
    >`SELECT content_hash FROM audit_trail WHERE event_id = ${r.id}`;
    expect(link.content_hash).toBe(line.content_hash);
    expect((await db.sql`SELECT 1 FROM "AuditEvent" WHERE id = ${r.id}`).length).toBe(0);
    // Sealed, not indexed: its text is found in the inbox.
    expect(await auditUnindexedSize(db.sql)).toBeGreaterThan(0);
    expect((await auditRecordTexts(db.sql, [r.id])).get(r.id)).toBe(inbox.content);
    while ((await indexAuditTrail(db.sql, 1000, { baseUrl: TEST_BASE_URL })) > 0);
    expect(await inInbox(r.id)).toBe(false);
    const [event] = await db.sql<{ content: string }[]>`SELECT content FROM "AuditEvent" WHERE id = ${r.id}`;
    expect(event.content).toBe(inbox.content);
    expect((await auditRecordTexts(db.sql, [r.id])).get(r.id)).toBe(inbox.content);
    expect(await trail.verify()).toMatchObject({ intact: true });
  });

  it('names a record whose text was altered in the inbox, sealed or not yet', async () => {
    for (const sealFirst of [true, false]) {
      const r = record();
      await appendAuditRecords(db.sql, [r], new Date());
      if (sealFirst) await sealOnly();
      await db.sql`UPDATE audit_inbox SET content = replace(content, '"test"', '"vervalst"') WHERE event_id = ${r.id}`;
      const verification = await trail.verify();
      expect(verification).toMatchObject({
        intact: false,
        firstBreak: { eventId: r.id, reason: 'the AuditEvent was altered after it was recorded' },
      });
      // Put it right again for the tests after this one.
      await db.sql`UPDATE "AuditEvent" SET content = replace(content, '"vervalst"', '"test"') WHERE id = ${r.id}`;
      expect(await trail.verify()).toMatchObject({ intact: true });
    }
  });

  it('lets a reader of AuditEvents wait for the index, not for the throttle', async () => {
    const records = Array.from({ length: 1200 }, () => record());
    await appendAuditRecords(db.sql, records, new Date());
    await sealOnly();
    const search = await app.inject({ method: 'GET', url: `/AuditEvent?_id=${records[1199].id}` });
    expect((search.json() as Bundle).entry?.map((e) => e.resource?.id)).toEqual([records[1199].id]);
    expect(await auditUnindexedSize(db.sql)).toBe(0);
  });
});

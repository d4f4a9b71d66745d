// The ingest path end to end, over real HTTP with real tokens: each adapter's messages written through the access
// seam as the client that sent them (role and organisation decide), all or nothing, idempotent, with Provenance,
// quarantine and replay, refusals audited naming the message, and older input never overwriting newer state.
import type { Bundle, Coverage, DeviceRequest, OperationOutcome, Provenance } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/app.js';
import { sealAudit } from '../../test/support/audit.js';
import { adapterFixture, ingestAs } from '../../test/support/ingest.js';
import { type Headers, systemClients } from '../../test/support/system-clients.js';

const fixture = adapterFixture;

const AGB = 'http://fhir.nl/fhir/NamingSystem/agb-z';
const GEMEENTE = 'urn:oid:2.16.840.1.113883.2.4.6.14';

let server: TestServer;
let clients: ReturnType<typeof systemClients>;
let hospital: Headers;
let otherHospital: Headers;
let municipality: Headers;
let supplier: Headers;

const ingest = (headers: Headers, adapter: string, body: string, accept = 'application/fhir+json') =>
  ingestAs(server.baseUrl, headers, adapter, body, { accept });

async function get<T>(headers: Headers, path: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.baseUrl}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as T };
}

async function count(type: string, query = ''): Promise<number> {
  const admin = await server.adminHeaders();
  const { body } = await get<Bundle>(admin, `/${type}?_summary=count${query ? `&${query}` : ''}`);
  return body.total ?? -1;
}

async function versions(): Promise<number> {
  const [row] = await server.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM resource_history`;
  return row!.n;
}

beforeAll(async () => {
  server = await startTestServer();
  clients = systemClients(server);
  // The hospital of the HL7 fixtures: Ziekenhuis Amstelland, AGB 06010203 (ORC-21).
  await clients.register('ehr.amstelland', 'care-provider', { system: AGB, value: '06010203' });
  await clients.register('ehr.elders', 'care-provider', { system: AGB, value: '06099999' });
  // The municipality of the iWmo fixtures: gemeentecode 0344.
  await clients.register('gemeente.0344', 'financier', { system: GEMEENTE, value: '0344' });
  await clients.register('leverancier', 'supplier', { system: 'https://www.gs1.org/gln', value: '8712345000011' });
  hospital = await clients.tokenOf('ehr.amstelland');
  otherHospital = await clients.tokenOf('ehr.elders');
  municipality = await clients.tokenOf('gemeente.0344');
  supplier = await clients.tokenOf('leverancier');
});

describe('the ingest path', () => {
  it('lists its adapters, with any that cannot run here and why', async () => {
    const { status, body } = await get<{ adapters: { name: string }[] }>({}, '/$ingest');
    expect(status).toBe(200);
    expect(body.adapters.map((a) => a.name).sort()).toEqual([
      'hl7v2-order',
      'iwlz-toewijzing',
      'iwmo-toewijzing',
      'logistics-events',
      'supplier-delivery-csv',
    ]);
  });

  it('refuses an unknown adapter and a caller without a token', async () => {
    const unknown = await ingest(hospital, 'edifact', 'UNB+');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('HUB_ERR_INGEST_UNKNOWN_ADAPTER');
    const anonymous = await ingest({}, 'hl7v2-order', fixture('hl7v2-order', 'orm-new-order-complete.hl7'));
    expect(anonymous.status).toBe(401);
    expect(await server.db.sql`SELECT 1 FROM ingest_message`).toHaveLength(0); // nothing kept for a stranger
  });

  it('writes an HL7 order as the hospital that sent it, with its Provenance, and answers the transaction', async () => {
    const before = await versions();
    const answer = await ingest(hospital, 'hl7v2-order', fixture('hl7v2-order', 'orm-new-order-complete.hl7'));
    expect(answer.status, answer.text).toBe(200);
    const response = JSON.parse(answer.text) as Bundle;
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.every((e) => /^20[01]/.test(e.response?.status ?? ''))).toBe(true);
    const orders = await get<Bundle<DeviceRequest>>(
      await server.adminHeaders(),
      '/DeviceRequest?identifier=ZA-ORD-88123',
    );
    const [order] = orders.body.entry ?? [];
    expect(order?.resource?.status).toBe('active');
    expect(order?.resource?.note?.length).toBeGreaterThan(0);
    // Every object the message set carries its time, for out-of-order input.
    expect(JSON.stringify(order?.resource)).toContain('hub-ext-source-time');
    const provenance = await get<Bundle<Provenance>>(
      await server.adminHeaders(),
      `/Provenance?target=DeviceRequest/${order?.resource?.id}`,
    );
    expect(provenance.body.entry).toHaveLength(1);
    expect(provenance.body.entry?.[0]?.resource?.entity?.[0]?.what?.identifier?.value).toMatch(/^[0-9a-f-]{36}$/);
    expect(await versions()).toBeGreaterThan(before);
  });

  it('takes the same message twice as one: nothing new is written, the first answer is given again', async () => {
    const message = fixture('hl7v2-order', 'orm-new-order-complete.hl7');
    const before = await versions();
    const again = await ingest(hospital, 'hl7v2-order', message);
    expect(again.status).toBe(200);
    expect(await versions()).toBe(before);
    const [row] = await server.db.sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM ingest_message WHERE status = 'accepted' AND adapter = 'hl7v2-order'`;
    expect(row!.n).toBe(1);
  });

  it('answers an HL7 sender with an ACK unless it asks for FHIR', async () => {
    const ack = await ingest(hospital, 'hl7v2-order', fixture('hl7v2-order', 'orm-change.hl7'), '*/*');
    expect(ack.status).toBe(200);
    expect(ack.type).toContain('hl7-v2');
    expect(ack.text).toMatch(/^MSH\|/);
    expect(ack.text).toContain('MSA|AA|');
  });

  it('quarantines a message it cannot read, whole, with where and why; the sender and the admin see it, no other', async () => {
    const broken = fixture('hl7v2-order', 'broken-wrong-type.hl7');
    const answer = await ingest(hospital, 'hl7v2-order', broken);
    expect(answer.status).toBe(400);
    const outcome = JSON.parse(answer.text) as OperationOutcome;
    expect(outcome.issue[0]?.diagnostics).toContain('MSH-9');
    const id = /kept in quarantine as ([0-9a-f-]{36})/.exec(answer.text)?.[1];
    expect(id).toBeDefined();
    const own = await get<{ messages: { id: string; fault: { stage: string } }[] }>(hospital, '/$ingest/quarantine');
    expect(own.status).toBe(200);
    expect(own.body.messages.map((m) => m.id)).toContain(id);
    expect(own.body.messages.find((m) => m.id === id)?.fault.stage).toBe('parse');
    const whole = await get<{ raw: string }>(hospital, `/$ingest/quarantine/${id}`);
    expect(whole.body.raw.split(/\r\n?|\n/).filter(Boolean)).toEqual(broken.split(/\r\n?|\n/).filter(Boolean));
    const other = await get<{ messages: { id: string }[] }>(otherHospital, '/$ingest/quarantine');
    expect(other.body.messages.map((m) => m.id)).not.toContain(id);
    expect((await get(otherHospital, `/$ingest/quarantine/${id}`)).status).toBe(404);
    const admin = await get<{ messages: { id: string }[] }>(await server.adminHeaders(), '/$ingest/quarantine');
    expect(admin.body.messages.map((m) => m.id)).toContain(id);
  });

  it('replays a quarantined message as the client that sent it, and marks it replayed', async () => {
    const own = await get<{ messages: { id: string }[] }>(hospital, '/$ingest/quarantine');
    const id = own.body.messages[0]!.id;
    const replay = await fetch(`${server.baseUrl}/$ingest/quarantine/${id}/$replay`, {
      method: 'POST',
      headers: hospital,
    });
    // Still the wrong message type: quarantined anew, the old one replayed into it.
    expect(replay.status).toBe(400);
    const [row] = await server.db.sql<{ status: string; replayed_as: string }[]>`
      SELECT status, replayed_as::text FROM ingest_message WHERE id = ${id}`;
    expect(row?.status).toBe('replayed');
    expect(row?.replayed_as).toMatch(/^[0-9a-f-]{36}$/);
    const again = await fetch(`${server.baseUrl}/$ingest/quarantine/${id}/$replay`, {
      method: 'POST',
      headers: hospital,
    });
    expect(again.status).toBe(409);
  });

  it('quarantines a message its sender may not write, as unauthorised, and the audit trail names the message', async () => {
    const answer = await ingest(supplier, 'hl7v2-order', fixture('hl7v2-order', 'omg-new-client.hl7'));
    expect(answer.status).toBe(403);
    const [row] = await server.db.sql<{ stage: string; message_key: string }[]>`
      SELECT stage, message_key FROM ingest_message WHERE client_id = 'leverancier' AND status = 'quarantined'`;
    expect(row?.stage).toBe('authorise');
    await sealAudit(server.db.sql);
    const [record] = await server.db.sql<{ outcome: string; query: string }[]>`
      SELECT outcome, query FROM audit_log WHERE client_id = 'leverancier' AND entrance = 'ingest' AND outcome <> '0'`;
    expect(record?.outcome).toBe('4');
    expect(record?.query).toContain(encodeURIComponent(row!.message_key));
    // A refused message about a client the hub knows is filed under him: it is in his own access log.
    const known = await ingest(supplier, 'hl7v2-order', fixture('hl7v2-order', 'orm-change.hl7'));
    expect(known.status).toBe(403);
    const [client] = await server.db.sql<{ id: string }[]>`
      SELECT id FROM "Patient" WHERE content LIKE ${'%999931271%'}`;
    await sealAudit(server.db.sql);
    const filed = await server.db.sql<{ patients: string[] | null }[]>`
      SELECT patients FROM audit_log WHERE client_id = 'leverancier' AND entrance = 'ingest' AND outcome <> '0'`;
    expect(filed.some((r) => r.patients?.includes(client!.id))).toBe(true);
  });

  it('writes a WMO301 allocation as the municipality, and an older message never overwrites a newer one', async () => {
    const complete = await ingest(municipality, 'iwmo-toewijzing', fixture('iwmo-toewijzing', 'wmo301-complete.xml'));
    expect(complete.status, complete.text).toBe(200);
    const coverages = await count('Coverage', 'beneficiary.identifier=http://fhir.nl/fhir/NamingSystem/bsn|');
    expect(coverages).toBeGreaterThan(0);
    const shortening = fixture('iwmo-toewijzing', 'wmo301-shortening.xml');
    const shortened = await ingest(municipality, 'iwmo-toewijzing', shortening);
    expect(shortened.status, shortened.text).toBe(200);
    const after = await server.db.sql<{ content: string }[]>`SELECT content FROM "Coverage" ORDER BY id`;
    // The same allocation sent with an earlier Dagtekening, after the later one: nothing changes.
    const older = shortening.replace(
      /<([a-z0-9]+:)?Dagtekening>(\d{4})/g,
      (_m, p = '', year) => `<${p}Dagtekening>${Number(year) - 5}`,
    );
    expect(older).not.toBe(shortening);
    const late = await ingest(municipality, 'iwmo-toewijzing', older);
    expect(late.status, late.text).toBe(200);
    const now = await server.db.sql<{ content: string }[]>`SELECT content FROM "Coverage" ORDER BY id`;
    expect(now.map((r) => r.content)).toEqual(after.map((r) => r.content));
    const cov = JSON.parse(after[0]!.content) as Coverage;
    expect(cov.payor?.[0]).toBeDefined();
  });

  it('refuses an allocation from a municipality for another municipality', async () => {
    await clients.register('gemeente.0363', 'financier', { system: GEMEENTE, value: '0363' });
    const other = await clients.tokenOf('gemeente.0363');
    const answer = await ingest(
      other,
      'iwmo-toewijzing',
      fixture('iwmo-toewijzing', 'wmo301-variant-no-namespace.xml'),
    );
    expect([403, 422]).toContain(answer.status);
  });

  it('takes a CSV report row by row: a bad row is quarantined alone, with its row and column, the others go on', async () => {
    const report = fixture('supplier-delivery-csv', 'bad-gtin.csv');
    const answer = await ingest(supplier, 'supplier-delivery-csv', report);
    expect(answer.status).toBe(200);
    const response = JSON.parse(answer.text) as Bundle;
    expect(response.type).toBe('batch-response');
    expect(response.entry).toHaveLength(2);
    const rows = await server.db.sql<{ position: string; stage: string; fault_location: string | null; raw: string }[]>`
      SELECT position, stage, fault_location, raw FROM ingest_message
      WHERE adapter = 'supplier-delivery-csv' ORDER BY position`;
    expect(rows.map((r) => r.position)).toEqual(['row 2', 'row 3']);
    expect(rows[0]).toMatchObject({ stage: 'parse', fault_location: 'row 2, column gtin' });
    // Each row is kept replayable on its own: the header line and that row.
    expect(rows[0]!.raw.split(/\r?\n/).filter(Boolean)).toEqual(report.split(/\r?\n/).filter(Boolean).slice(0, 2));
    // The good row was mapped and went on to the store on its own (whatever the store then said of it).
    expect(['parse', 'map']).not.toContain(rows[1]?.stage);
  });
});

// The delivery adapters end to end, over real HTTP with real tokens: a logistics provider's events and a supplier's
// CSV report written as the sender, each delivery filed under the client of the delivery request it answers (the
// sender never names a client by BSN, which its mask hides), the device it carried kept within its reach after the
// client holds it, and a sender quoting a delivery request addressed to another finding no one: quarantined, with
// nothing written.
import type { Bundle, Device, Resource, SupplyDelivery, SupplyRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/app.js';
import { sealAudit } from '../../test/support/audit.js';
import { adapterFixture, ingestAs } from '../../test/support/ingest.js';
import { type Headers, systemClients } from '../../test/support/system-clients.js';

const fixture = adapterFixture;

const GLN = 'https://www.gs1.org/gln';
const GEMEENTE = 'urn:oid:2.16.840.1.113883.2.4.6.14';
const NUMBER = 'https://zorghub.example.org/fhir/NamingSystem/supply-request-number';
const SSCC = 'https://www.gs1.org/sscc';
const DIRECTION = 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-supply-direction';
const HOLDER = 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-holder';
// The carrier of the logistics fixtures, another carrier, and the supplier of the CSV report.
const CARRIER = '8719876000008';
const OTHER_CARRIER = '8712345000035';
const SUPPLIER = '8712345000011';

let server: TestServer;
let clients: ReturnType<typeof systemClients>;
let admin: Headers;
let carrier: Headers;
let otherCarrier: Headers;
let supplier: Headers;

const ingest = (headers: Headers, adapter: string, body: string, type = 'application/json') =>
  ingestAs(server.baseUrl, headers, adapter, body, { type });

const put = async (resource: Resource) => {
  const answer = await clients.call(admin, 'PUT', `/${resource.resourceType}/${resource.id}`, resource);
  expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
};

/** The one resource of `type` matching `query`, as the admin sees it. */
async function only<T extends Resource>(type: string, query: string): Promise<T> {
  const answer = await clients.call(admin, 'GET', `/${type}?${query}`);
  const entries = (answer.body as Bundle).entry ?? [];
  expect(entries, `${type}?${query}`).toHaveLength(1);
  return entries[0]!.resource as T;
}

const deliveryRequest = (id: string, number: string, carrierOrg: string, extra: Record<string, unknown> = {}) =>
  ({
    resourceType: 'SupplyRequest',
    id,
    identifier: [{ system: NUMBER, value: number }],
    status: 'active',
    quantity: { value: 1 },
    supplier: [{ reference: `Organization/${carrierOrg}` }],
    deliverTo: { reference: 'Patient/hendrik' },
    ...extra,
  }) as Resource;

beforeAll(async () => {
  server = await startTestServer();
  clients = systemClients(server);
  admin = await server.adminHeaders();
  for (const [id, system, value] of [
    ['carrier', GLN, CARRIER],
    ['other-carrier', GLN, OTHER_CARRIER],
    ['supplier', GLN, SUPPLIER],
    ['amsterdam', GEMEENTE, '0363'],
  ]) {
    await put({ resourceType: 'Organization', id, identifier: [{ system, value }], name: id });
  }
  await put({
    resourceType: 'Patient',
    id: 'hendrik',
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999933218' }],
    name: [{ family: 'Vries', given: ['Hendrik'] }],
  });
  await put(deliveryRequest('sr-bed', 'SR-2025-0412', 'carrier', { itemCodeableConcept: { text: 'hoog-laagbed' } }));
  await put(deliveryRequest('sr-pads', 'SR-2025-0518', 'supplier', { itemCodeableConcept: { text: 'incontinentie' } }));
  await clients.register('lsp.zx', 'logistics', { system: GLN, value: CARRIER });
  await clients.register('lsp.other', 'logistics', { system: GLN, value: OTHER_CARRIER });
  await clients.register('leverancier', 'supplier', { system: GLN, value: SUPPLIER });
  carrier = await clients.tokenOf('lsp.zx');
  otherCarrier = await clients.tokenOf('lsp.other');
  supplier = await clients.tokenOf('leverancier');
});

describe('deliveries ingested from logistics providers and suppliers', () => {
  it('files a delivery event under the client of the delivery request it answers, and registers the device at the client', async () => {
    const answer = await ingest(carrier, 'logistics-events', fixture('logistics-events', 'single-delivered.json'));
    expect(answer.status, answer.text).toBe(200);
    const delivery = await only<SupplyDelivery>('SupplyDelivery', `identifier=${SSCC}|387198760000042177`);
    expect(delivery.patient?.reference).toBe('Patient/hendrik');
    expect(delivery.basedOn?.[0]?.reference).toBe('SupplyRequest/sr-bed');
    expect(delivery.supplier?.reference).toBe('Organization/carrier');
    const deviceId = delivery.suppliedItem?.itemReference?.reference?.split('/')[1];
    const device = (await clients.call(admin, 'GET', `/Device/${deviceId}`)).body as Device;
    expect(device.patient?.reference).toBe('Patient/hendrik');
    expect(device.owner?.reference).toBe('Organization/amsterdam');
    expect(device.extension?.find((e) => e.url === HOLDER)?.valueReference?.reference).toBe('Patient/hendrik');
    // Neither owned nor held by the carrier, the device stays within its reach as the item of its delivery.
    const seen = await clients.call(carrier, 'GET', `/Device/${deviceId}`);
    expect(seen.status).toBe(200);
    expect((await clients.call(otherCarrier, 'GET', `/Device/${deviceId}`)).status).toBe(404);
    // The delivery request is completed, and nothing else of it changed.
    const request = (await clients.call(admin, 'GET', '/SupplyRequest/sr-bed')).body as SupplyRequest;
    expect(request.status).toBe('completed');
    expect(request.itemCodeableConcept?.text).toBe('hoog-laagbed');
  });

  it('lets a carrier change only the status of a delivery request addressed to it', async () => {
    const stored = (await clients.call(admin, 'GET', '/SupplyRequest/sr-bed')).body as SupplyRequest;
    const moved = { ...stored, occurrenceDateTime: '2030-01-01' };
    expect((await clients.call(carrier, 'PUT', '/SupplyRequest/sr-bed', moved)).status).toBe(403);
    const reopened = { ...stored, status: 'active' };
    expect((await clients.call(carrier, 'PUT', '/SupplyRequest/sr-bed', reopened)).status).toBe(200);
    expect((await clients.call(otherCarrier, 'PUT', '/SupplyRequest/sr-bed', stored)).status).toBe(404);
    expect((await clients.call(carrier, 'PUT', '/SupplyRequest/sr-bed', stored)).status).toBe(200);
  });

  it('quarantines the event of a carrier quoting a delivery request addressed to another: no one found, nothing written', async () => {
    const before = await clients.call(admin, 'GET', '/SupplyDelivery?_summary=count');
    const event = JSON.parse(fixture('logistics-events', 'single-delivered.json')) as Record<string, unknown>;
    const forged = { ...event, eventId: 'OTHER-EVT-1', sscc: '387198760000042184' };
    const answer = await ingest(otherCarrier, 'logistics-events', JSON.stringify(forged));
    expect(answer.status).toBeGreaterThanOrEqual(400);
    const after = await clients.call(admin, 'GET', '/SupplyDelivery?_summary=count');
    expect((after.body as Bundle).total).toBe((before.body as Bundle).total);
    const [row] = await server.db.sql<{ status: string; stage: string }[]>`
      SELECT status, stage FROM ingest_message WHERE client_id = 'lsp.other' ORDER BY received DESC LIMIT 1`;
    expect(row).toMatchObject({ status: 'quarantined' });
    // The client's name never reached the other carrier; the attempt is in his own access log.
    expect(answer.text).not.toContain('Vries');
    await sealAudit(server.db.sql);
    const filed = await server.db.sql<{ patients: string[] | null }[]>`
      SELECT patients FROM audit_log WHERE client_id = 'lsp.other' AND entrance = 'ingest' AND outcome <> '0'`;
    expect(filed.some((r) => r.patients?.includes('hendrik'))).toBe(true);
  });

  it('collects the device for return on the return request naming it, and hands it to the carrier', async () => {
    const delivered = await only<SupplyDelivery>('SupplyDelivery', `identifier=${SSCC}|387198760000042177`);
    const item = delivered.suppliedItem!.itemReference!.reference!;
    await put(
      deliveryRequest('sr-return', 'RT-2025-0930', 'carrier', {
        extension: [
          {
            url: DIRECTION,
            valueCoding: { system: 'https://zorghub.example.org/fhir/CodeSystem/supply-direction', code: 'return' },
          },
        ],
        itemReference: { reference: item },
      }),
    );
    const answer = await ingest(carrier, 'logistics-events', fixture('logistics-events', 'collected-for-return.json'));
    expect(answer.status, answer.text).toBe(200);
    const collection = await only<SupplyDelivery>('SupplyDelivery', `identifier=${SSCC}|387198760000044249`);
    expect(collection.basedOn?.[0]?.reference).toBe('SupplyRequest/sr-return');
    expect(collection.suppliedItem?.itemReference?.reference).toBe(item);
    const device = (await clients.call(admin, 'GET', `/${item}`)).body as Device;
    expect(device.extension?.find((e) => e.url === HOLDER)?.valueReference?.reference).toBe('Organization/carrier');
  });

  it("writes a supplier's CSV row under the client of its delivery request; a row quoting another's request is quarantined alone", async () => {
    const [header, bed, pads] = fixture('supplier-delivery-csv', 'plain-comma.csv').split(/\r?\n/);
    // The bed's request is addressed to the carrier, not to this supplier: that row finds no one.
    const answer = await ingest(supplier, 'supplier-delivery-csv', [header, bed, pads, ''].join('\n'), 'text/csv');
    expect(answer.status, answer.text).toBe(200);
    const response = JSON.parse(answer.text) as Bundle;
    expect(response.type).toBe('batch-response');
    const statuses = response.entry?.map((e) => e.response?.status.split(' ')[0]);
    expect(statuses?.[0]).not.toMatch(/^2/);
    expect(statuses?.[1]).toMatch(/^2/);
    const pad = await only<SupplyDelivery>('SupplyDelivery', `identifier=${SSCC}|387198760000043068`);
    expect(pad.patient?.reference).toBe('Patient/hendrik');
    expect(pad.basedOn?.[0]?.reference).toBe('SupplyRequest/sr-pads');
    expect(((await clients.call(admin, 'GET', '/SupplyRequest/sr-pads')).body as SupplyRequest).status).toBe(
      'completed',
    );
    const rows = await server.db.sql<{ position: string; status: string }[]>`
      SELECT position, status FROM ingest_message WHERE client_id = 'leverancier' ORDER BY position`;
    expect(rows).toEqual([
      { position: 'row 2', status: 'quarantined' },
      { position: 'row 3', status: 'accepted' },
    ]);
  });
});

import type { Device, Location, SupplyDelivery } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { MappedMessage, MappingContext } from '../adapter.js';
import { NAMING } from '../shared/naming-systems.js';
import { type Outcome, runBody } from '../supplier-delivery-csv/run-body.js';
import { logisticsEvents as adapter } from './adapter.js';

const context: MappingContext = {
  receivedAt: '2025-12-07T12:00:00+01:00',
  sender: { system: NAMING.gln, value: '8719876000008' },
};
const EVENT = {
  eventId: 'ZX-EVT-1',
  type: 'delivered',
  occurredAt: '2025-04-01T10:42:00+02:00',
  sscc: '387198760000042177',
  orderNumber: 'SR-2025-0412',
  gtin: '08712345100018',
  serial: 'HLB-2023-004417',
  owner: 'gemeente:0363',
  location: { address: { line: 'Linnaeusstraat 88-2', postalCode: '1093 EM', city: 'Amsterdam', country: 'NL' } },
  receivedBy: 'Hendrik de Vries',
  reason: 'Niet thuis',
  bsn: '999933218',
};
/** The client of delivery request SR-2025-0412: its subject, found through its number (never by BSN). */
const PATIENT =
  'Patient?_has:SupplyRequest:subject:identifier=https%3A%2F%2Fzorghub.example.org%2Ffhir%2FNamingSystem%2Fsupply-request-number|SR-2025-0412';
const CARRIER = 'Organization?identifier=https%3A%2F%2Fwww.gs1.org%2Fgln|8719876000008';

async function outcomeOf(changes: Record<string, unknown>, ctx: MappingContext = context): Promise<Outcome> {
  const { outcomes } = await runBody(adapter, JSON.stringify({ ...EVENT, ...changes }), ctx);
  expect(outcomes).toHaveLength(1);
  return outcomes[0];
}

async function mapOf(changes: Record<string, unknown>): Promise<MappedMessage> {
  const outcome = await outcomeOf(changes);
  if (!('bundle' in outcome)) throw new Error(`not mapped: ${JSON.stringify(outcome)}`);
  return outcome;
}

const delivery = (m: MappedMessage) =>
  m.bundle.entry?.find((e) => e.resource?.resourceType === 'SupplyDelivery')?.resource as SupplyDelivery;
const device = (m: MappedMessage) =>
  m.bundle.entry?.find((e) => e.resource?.resourceType === 'Device')?.resource as Device | undefined;
const ext = (resource: { extension?: { url: string }[] }, name: string) =>
  resource.extension?.find((e) => e.url.endsWith(name));

describe('logistics-events event types', () => {
  it.each([
    ['picked_up', 'in-progress', 'delivery', 'in-transit', CARRIER],
    ['out_for_delivery', 'in-progress', 'delivery', 'in-transit', CARRIER],
    ['failed_attempt', 'in-progress', 'delivery', 'in-transit', CARRIER],
    ['delivered', 'completed', 'delivery', 'at-client', PATIENT],
    ['collected_for_return', 'completed', 'return', 'in-transit', CARRIER],
  ])(
    'maps %s to status %s, direction %s, the device %s held by %s',
    async (type, status, direction, lifecycle, holder) => {
      const m = await mapOf({ type });
      const sd = delivery(m);
      expect(sd.status).toBe(status);
      expect(ext(sd, 'hub-ext-supply-direction')).toMatchObject({ valueCoding: { code: direction } });
      const dev = device(m)!;
      expect(ext(dev, 'hub-ext-device-lifecycle')).toMatchObject({ valueCoding: { code: lifecycle } });
      expect(ext(dev, 'hub-ext-holder')).toMatchObject({ valueReference: { reference: holder } });
      expect(dev.patient).toEqual(lifecycle === 'at-client' ? { reference: PATIENT } : undefined);
    },
  );

  it('refuses an unknown event type for that event, naming the types it takes', async () => {
    expect(await outcomeOf({ type: 'returned_to_depot' })).toEqual({
      error: {
        location: 'events[0].type',
        stage: 'map',
        message:
          'unknown event type "returned_to_depot": accepted are picked_up, out_for_delivery, failed_attempt, delivered, collected_for_return',
      },
    });
    expect(await outcomeOf({ type: 'constructor' })).toMatchObject({ error: { location: 'events[0].type' } });
  });
});

describe('logistics-events SupplyDelivery', () => {
  it('is the shipment, found by its SSCC, answering the delivery request by its number, with the carrier as supplier', async () => {
    const m = await mapOf({});
    const sd = delivery(m);
    expect(m.bundle.entry?.[0].request).toEqual({
      method: 'PUT',
      url: 'SupplyDelivery?identifier=https%3A%2F%2Fwww.gs1.org%2Fsscc|387198760000042177',
    });
    expect(sd.identifier).toEqual([{ system: NAMING.sscc, value: '387198760000042177' }]);
    expect(sd.basedOn?.[0].reference).toBe(
      'SupplyRequest?identifier=https%3A%2F%2Fzorghub.example.org%2Ffhir%2FNamingSystem%2Fsupply-request-number|SR-2025-0412',
    );
    expect([sd.patient, sd.supplier, sd.occurrenceDateTime]).toEqual([
      { reference: PATIENT },
      { reference: CARRIER },
      '2025-04-01T10:42:00+02:00',
    ]);
  });

  it('records where the event happened as a contained Location, and a delivery also as its destination', async () => {
    const sd = delivery(await mapOf({ location: { gln: '8712345000004', geo: { lat: 52.36, long: 4.93 } } }));
    expect(sd.contained).toEqual([
      {
        resourceType: 'Location',
        id: 'event-location',
        identifier: [{ system: NAMING.gln, value: '8712345000004' }],
        position: { longitude: 4.93, latitude: 52.36 },
      } satisfies Location,
    ]);
    expect(ext(sd, 'event-location')).toEqual({
      url: 'http://hl7.org/fhir/StructureDefinition/event-location',
      valueReference: { reference: '#event-location' },
    });
    expect(sd.destination).toEqual({ reference: '#event-location' });
    expect(delivery(await mapOf({ type: 'out_for_delivery' })).destination).toBeUndefined();
    expect(delivery(await mapOf({ location: undefined })).contained).toBeUndefined();
  });

  it('names the receiver of a delivery only, and the reason of a failed attempt only', async () => {
    expect(ext(delivery(await mapOf({})), 'hub-ext-received-by')).toMatchObject({
      valueReference: { display: 'Hendrik de Vries' },
    });
    expect(ext(delivery(await mapOf({ type: 'collected_for_return' })), 'hub-ext-received-by')).toBeUndefined();
    expect(ext(delivery(await mapOf({ type: 'failed_attempt' })), 'event-statusReason')).toEqual({
      url: 'http://hl7.org/fhir/StructureDefinition/event-statusReason',
      valueCodeableConcept: { text: 'Niet thuis' },
    });
    expect(ext(delivery(await mapOf({})), 'event-statusReason')).toBeUndefined();
  });

  it('supplies the Device when it writes one, else the GTIN with lot and quantity', async () => {
    const m = await mapOf({});
    expect(delivery(m).suppliedItem).toEqual({ itemReference: { reference: m.bundle.entry?.[1].fullUrl } });
    const consumable = delivery(await mapOf({ serial: undefined, gtin: '8712345300128', lot: 'L1', quantity: 4 }));
    expect(consumable.suppliedItem).toEqual({
      extension: [
        { url: 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-lot-number', valueString: 'L1' },
      ],
      quantity: { value: 4 },
      itemCodeableConcept: { coding: [{ system: NAMING.gtin, code: '8712345300128' }] },
    });
  });

  it.each([
    [{ gtin: undefined }, 'events[0].gtin', 'the event names no item'],
    [{ receivedBy: ' ' }, 'events[0].receivedBy', 'a delivered event says who received it'],
  ])('refuses %o at %s: the hub needs it', async (changes, location, start) => {
    expect(await outcomeOf(changes)).toEqual({
      error: { location, stage: 'map', message: expect.stringMatching(new RegExp(`^${start}`)) },
    });
  });

  it('never reads a bsn: with, without or with a malformed one the event maps the same, its client named by the order', async () => {
    const without = await mapOf({ bsn: undefined });
    for (const bsn of ['999933218', '999933219', 999933218]) {
      const withBsn = await mapOf({ bsn });
      expect(withBsn, String(bsn)).toEqual(without);
      expect(JSON.stringify(withBsn.bundle), String(bsn)).not.toContain(String(bsn));
    }
    expect(delivery(without).patient).toEqual({ reference: PATIENT });
    expect(device(without)?.patient).toEqual({ reference: PATIENT });
  });

  it('refuses every event when the sender has no organisation to name as supplier', async () => {
    expect(await outcomeOf({}, { receivedAt: context.receivedAt })).toMatchObject({
      error: { location: 'events[0]', stage: 'map' },
    });
  });
});

describe('logistics-events Device', () => {
  it('puts the UDI, serial and owner on the Device and locates it where the event happened', async () => {
    const m = await mapOf({ lot: 'B7' });
    const dev = device(m)!;
    // After the delivery that names it: as its item the Device stays within the LSP's reach (rules.ts).
    expect(m.bundle.entry?.map((e) => e.resource?.resourceType)).toEqual(['SupplyDelivery', 'Device', 'Binary']);
    expect(m.bundle.entry?.[1].request?.url).toBe(
      'Device?identifier=https%3A%2F%2Fid.gs1.org%2F01%2F08712345100018%2F21|HLB-2023-004417',
    );
    expect(dev.udiCarrier?.[0].carrierHRF).toBe('(01)08712345100018(10)B7(21)HLB-2023-004417');
    expect(dev.owner).toEqual({ reference: 'Organization?identifier=urn%3Aoid%3A2.16.840.1.113883.2.4.6.14|0363' });
    expect(dev.location).toEqual({ reference: '#event-location' });
    expect(dev.contained).toEqual(delivery(m).contained);
    expect(dev.contained?.[0]).not.toBe(delivery(m).contained?.[0]);
  });

  it('writes no Device without a serial or without an owner (hub-Device needs one)', async () => {
    expect(device(await mapOf({ serial: undefined }))).toBeUndefined();
    expect(device(await mapOf({ owner: undefined }))).toBeUndefined();
  });
});

describe('logistics-events event refusals', () => {
  it.each([
    [{ occurredAt: undefined }, 'events[0].occurredAt', expect.stringContaining('the event has no occurredAt')],
    [{ occurredAt: '2025-04-01' }, 'events[0].occurredAt', expect.stringContaining('has no time of day')],
    [{ sscc: 387198760000042180 }, 'events[0].sscc', 'sscc must be a JSON string (identifiers go as strings, "...")'],
    [{ sscc: '387198760000042178' }, 'events[0].sscc', 'SSCC 387198760000042178 has a wrong check digit (GS1 mod 10)'],
    [{ gtin: '08712345100019' }, 'events[0].gtin', expect.stringContaining('wrong check digit')],
    [{ eventId: 'has space' }, 'events[0].eventId', expect.stringContaining('printable')],
    [{ orderNumber: undefined }, 'events[0].orderNumber', expect.stringContaining('no orderNumber')],
    [{ quantity: 2.5 }, 'events[0].quantity', 'quantity must be a whole number from 1 to 999999'],
    [{ location: 'Amsterdam' }, 'events[0].location', 'location must be a JSON object'],
    [{ location: {} }, 'events[0].location', 'location names no gln, address or geo'],
    [
      { location: { geo: { lat: 91, long: 4 } } },
      'events[0].location.geo.lat',
      expect.stringContaining('from -90 to 90'),
    ],
    [{ location: { geo: { lat: 52 } } }, 'events[0].location.geo.long', 'geo has no long'],
    [{ location: { address: { country: 'Nederland' } } }, 'events[0].location.address.country', expect.any(String)],
    [{ owner: 'gln:1' }, 'events[0].owner', expect.stringContaining('a gln is 13 digits')],
  ])('refuses %o at %s', async (changes, location, message) => {
    expect(await outcomeOf(changes)).toEqual({ error: { location, stage: 'parse', message } });
  });
});

import type { Device, SupplyDelivery } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { MappedMessage, MappingContext } from '../adapter.js';
import { NAMING } from '../shared/naming-systems.js';
import { supplierDeliveryCsv as adapter } from './adapter.js';
import { type Outcome, runBody } from './run-body.js';

const context: MappingContext = {
  receivedAt: '2025-12-07T12:00:00+01:00',
  sender: { system: NAMING.gln, value: '8712345000004' },
};
const HEADER = 'ordernummer,gtin,serienummer,lot,sscc,geleverd_op,ontvanger,status,bsn,aantal,reden,eigenaar';
const BED = {
  ordernummer: 'SR-2025-0412',
  gtin: '08712345100018',
  serienummer: 'HLB-2023-004417',
  lot: '',
  sscc: '387198760000042177',
  geleverd_op: '2025-04-01T10:42:00+02:00',
  ontvanger: 'Hendrik de Vries',
  status: 'geleverd',
  bsn: '999933218',
  aantal: '1',
  reden: '',
  eigenaar: 'gemeente:0363',
};

async function outcomeOf(changes: Partial<typeof BED>, ctx: MappingContext = context): Promise<Outcome> {
  const cells = { ...BED, ...changes };
  const body = `${HEADER}\n${HEADER.split(',')
    .map((name) => cells[name as keyof typeof BED])
    .join(',')}\n`;
  const { outcomes } = await runBody(adapter, body, ctx);
  expect(outcomes).toHaveLength(1);
  return outcomes[0];
}

async function mapOf(changes: Partial<typeof BED>): Promise<MappedMessage> {
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
/** The client of delivery request SR-2025-0412: its subject, found through its number (never by BSN). */
const PATIENT =
  'Patient?_has:SupplyRequest:subject:identifier=https%3A%2F%2Fzorghub.example.org%2Ffhir%2FNamingSystem%2Fsupply-request-number|SR-2025-0412';
const SUPPLIER = 'Organization?identifier=https%3A%2F%2Fwww.gs1.org%2Fgln|8712345000004';

describe('supplier-delivery-csv status words', () => {
  it.each([
    ['geleverd', 'completed', 'delivery'],
    ['Afgeleverd', 'completed', 'delivery'],
    ['DELIVERED', 'completed', 'delivery'],
    ['opgehaald', 'completed', 'return'],
    ['retour', 'completed', 'return'],
    ['collected', 'completed', 'return'],
    ['mislukt', 'abandoned', 'delivery'],
    ['niet geleverd', 'abandoned', 'delivery'],
    ['failed', 'abandoned', 'delivery'],
    ['ophalen mislukt', 'abandoned', 'return'],
    ['niet_opgehaald', 'abandoned', 'return'],
    ['collection failed', 'abandoned', 'return'],
  ])('maps %s to status %s, direction %s', async (word, status, direction) => {
    const sd = delivery(await mapOf({ status: word }));
    expect([sd.status, ext(sd, 'hub-ext-supply-direction')]).toEqual([
      status,
      expect.objectContaining({ valueCoding: expect.objectContaining({ code: direction }) }),
    ]);
  });

  it('refuses an unknown status word for that row, at its cell, naming the words it takes', async () => {
    const outcome = await outcomeOf({ status: 'gedeeltelijk' });
    expect(outcome).toEqual({
      error: {
        location: 'row 2, column status',
        stage: 'map',
        message: expect.stringMatching(/^unknown status "gedeeltelijk": accepted are geleverd, afgeleverd, delivered;/),
      },
    });
  });
});

describe('supplier-delivery-csv SupplyDelivery', () => {
  it('answers the delivery request by its number, files under the client of that request and names the sender as supplier', async () => {
    const sd = delivery(await mapOf({}));
    expect(sd.basedOn).toEqual([
      {
        reference:
          'SupplyRequest?identifier=https%3A%2F%2Fzorghub.example.org%2Ffhir%2FNamingSystem%2Fsupply-request-number|SR-2025-0412',
      },
    ]);
    expect(sd.patient).toEqual({ reference: PATIENT });
    expect(sd.supplier).toEqual({ reference: SUPPLIER });
    expect(sd.occurrenceDateTime).toBe('2025-04-01T10:42:00+02:00');
  });

  it('is found by its line (order ^ GTIN ^ serial, else lot, else SSCC) and carries the SSCC beside it', async () => {
    const line = (m: MappedMessage) =>
      m.bundle.entry?.find((e) => e.resource?.resourceType === 'SupplyDelivery')?.request?.url;
    const base =
      'SupplyDelivery?identifier=https%3A%2F%2Fzorghub.example.org%2Ffhir%2FNamingSystem%2Fsupply-delivery-line|';
    expect(line(await mapOf({}))).toBe(`${base}SR-2025-0412%5E08712345100018%5EHLB-2023-004417`);
    expect(line(await mapOf({ serienummer: '', lot: 'L1' }))).toBe(`${base}SR-2025-0412%5E08712345100018%5EL1`);
    expect(line(await mapOf({ serienummer: '' }))).toBe(`${base}SR-2025-0412%5E08712345100018%5E387198760000042177`);
    expect(line(await mapOf({ serienummer: '', sscc: '' }))).toBe(`${base}SR-2025-0412%5E08712345100018`);
    expect(delivery(await mapOf({})).identifier?.[0]).toEqual({ system: NAMING.sscc, value: '387198760000042177' });
  });

  it('names who received a delivery by name, and leaves the receiver off a return', async () => {
    expect(ext(delivery(await mapOf({})), 'hub-ext-received-by')).toEqual({
      url: 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-received-by',
      valueReference: { display: 'Hendrik de Vries' },
    });
    expect(ext(delivery(await mapOf({ status: 'opgehaald' })), 'hub-ext-received-by')).toBeUndefined();
  });

  it('gives the reason of a failed attempt as its status reason, and only there', async () => {
    const failed = delivery(await mapOf({ status: 'mislukt', ontvanger: '', reden: 'Niet thuis' }));
    expect(ext(failed, 'event-statusReason')).toEqual({
      url: 'http://hl7.org/fhir/StructureDefinition/event-statusReason',
      valueCodeableConcept: { text: 'Niet thuis' },
    });
    expect(ext(delivery(await mapOf({ reden: 'Niet thuis' })), 'event-statusReason')).toBeUndefined();
  });

  it('supplies consumables by GTIN with the lot and quantity', async () => {
    const sd = delivery(await mapOf({ gtin: '8712345300128', serienummer: '', lot: 'L2504-1187', aantal: '4' }));
    expect(sd.suppliedItem).toEqual({
      extension: [
        { url: 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-lot-number', valueString: 'L2504-1187' },
      ],
      quantity: { value: 4 },
      itemCodeableConcept: { coding: [{ system: NAMING.gtin, code: '8712345300128' }] },
    });
  });

  it('never reads a BSN: with, without or with a malformed one the row maps the same, its client named by the order', async () => {
    const without = await mapOf({ bsn: '' });
    for (const bsn of ['999933218', '999933219', '12345672']) {
      const withBsn = await mapOf({ bsn });
      expect(withBsn, bsn).toEqual(without); // the same key and the same Bundle: the column is not read
      expect(JSON.stringify(withBsn.bundle), bsn).not.toContain(bsn);
    }
    expect(delivery(without).patient).toEqual({ reference: PATIENT });
  });

  it('refuses a delivery without receiver', async () => {
    expect(await outcomeOf({ ontvanger: '' })).toMatchObject({
      error: { location: 'row 2, column ontvanger', stage: 'map' },
    });
    expect('bundle' in (await outcomeOf({ ontvanger: '', status: 'opgehaald' }))).toBe(true);
  });

  it('refuses every row when the sender has no organisation to name as supplier', async () => {
    expect(await outcomeOf({}, { receivedAt: context.receivedAt })).toMatchObject({
      error: { location: 'row 2', stage: 'map', message: expect.stringContaining('names no organisation') },
    });
  });
});

describe('supplier-delivery-csv Device', () => {
  it('leaves a delivered device at the client: holder and patient the client, UDI from GTIN, lot and serial', async () => {
    const m = await mapOf({ lot: 'B7' });
    const dev = device(m)!;
    // After the delivery that names it: as its item the Device is within the supplier's reach (rules.ts).
    expect(m.bundle.entry?.map((e) => e.resource?.resourceType)).toEqual(['SupplyDelivery', 'Device', 'Binary']);
    expect(m.bundle.entry?.[1].request).toEqual({
      method: 'PUT',
      url: 'Device?identifier=https%3A%2F%2Fid.gs1.org%2F01%2F08712345100018%2F21|HLB-2023-004417',
    });
    expect(ext(dev, 'hub-ext-device-lifecycle')).toMatchObject({ valueCoding: { code: 'at-client' } });
    expect(ext(dev, 'hub-ext-holder')).toMatchObject({ valueReference: { reference: PATIENT } });
    expect(dev.patient).toEqual({ reference: PATIENT });
    expect(dev.udiCarrier).toEqual([
      {
        deviceIdentifier: '08712345100018',
        issuer: NAMING.gtin,
        carrierHRF: '(01)08712345100018(10)B7(21)HLB-2023-004417',
      },
    ]);
    expect([dev.serialNumber, dev.lotNumber, dev.status]).toEqual(['HLB-2023-004417', 'B7', 'active']);
    expect(dev.owner).toEqual({ reference: 'Organization?identifier=urn%3Aoid%3A2.16.840.1.113883.2.4.6.14|0363' });
    expect(delivery(m).suppliedItem).toEqual({
      quantity: { value: 1 },
      itemReference: { reference: m.bundle.entry?.[1].fullUrl },
    });
  });

  it('puts a collected device in transit with the sender, no longer with the client', async () => {
    const dev = device(await mapOf({ status: 'opgehaald' }))!;
    expect(ext(dev, 'hub-ext-device-lifecycle')).toMatchObject({ valueCoding: { code: 'in-transit' } });
    expect(ext(dev, 'hub-ext-holder')).toMatchObject({ valueReference: { reference: SUPPLIER } });
    expect(dev.patient).toBeUndefined();
  });

  it('writes no Device after a failed attempt, without a serial, or without an owner (hub-Device needs one)', async () => {
    for (const changes of [{ status: 'mislukt' }, { serienummer: '' }, { eigenaar: '' }]) {
      const m = await mapOf(changes);
      expect(device(m)).toBeUndefined();
      expect(delivery(m).suppliedItem?.itemCodeableConcept?.coding).toEqual([
        { system: NAMING.gtin, code: '08712345100018' },
      ]);
    }
  });
});

describe('supplier-delivery-csv row refusals', () => {
  it.each([
    [{ gtin: '08712345100019' }, 'row 2, column gtin', 'GTIN 08712345100019 has a wrong check digit (GS1 mod 10)'],
    [{ gtin: '"8,71235E+12"' }, 'row 2, column gtin', expect.stringContaining('scientific notation')],
    [
      { sscc: '387198760000042178' },
      'row 2, column sscc',
      'SSCC 387198760000042178 has a wrong check digit (GS1 mod 10)',
    ],
    [{ geleverd_op: 'gisteren' }, 'row 2, column geleverd_op', expect.stringContaining('gisteren is not a date-time')],
    [{ geleverd_op: '2025-13-01T10:00' }, 'row 2, column geleverd_op', expect.stringContaining('no such day')],
    [{ ordernummer: '' }, 'row 2, column ordernummer', expect.stringContaining('no order number')],
    [{ aantal: '0' }, 'row 2, column aantal', expect.stringContaining('above 0')],
    [{ serienummer: 'A(1)' }, 'row 2, column serienummer', expect.stringContaining('characters')],
    [{ eigenaar: 'kvk:12345678' }, 'row 2, column eigenaar', expect.stringContaining('the scheme kvk')],
    [{ eigenaar: '8712345000005' }, 'row 2, column eigenaar', expect.stringContaining('valid 13-digit GLN')],
  ])('refuses %o at %s', async (changes, location, message) => {
    expect(await outcomeOf(changes)).toEqual({ error: { location, stage: 'parse', message } });
  });

  it('refuses only the bad row of a file, the others mapped', async () => {
    const body = `${HEADER}\n${Object.values(BED).join(',')}\n${Object.values({ ...BED, gtin: '1' }).join(',')}\n${Object.values(BED).join(',')}\n`;
    const { outcomes } = await runBody(adapter, body, context);
    expect(outcomes.map((o) => ('error' in o ? o.error.location : 'mapped'))).toEqual([
      'mapped',
      'row 3, column gtin',
      'mapped',
    ]);
  });
});

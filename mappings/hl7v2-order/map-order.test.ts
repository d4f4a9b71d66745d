import type { DeviceRequest, Organization, Practitioner } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dropSegments, fixture, insertAfter, mapOne, refusal, resources, setField } from './testing.js';

const ORDER = fixture('orm-new-order-complete.hl7');
const orderOf = (raw: string) => resources<DeviceRequest>(mapOne(raw), 'DeviceRequest')[0];
const PLACER = 'https://zorghub.example.org/fhir/NamingSystem/placer-order-number/';

describe('the order control (ORC-1)', () => {
  it('maps NW and XO to active and CA to revoked', () => {
    const status = (control: string) => orderOf(setField(ORDER, 'ORC', 1, control)).status;
    expect([status('NW'), status('XO'), status('CA')]).toEqual(['active', 'active', 'revoked']);
  });

  it('refuses other order controls and a missing one at ORC-1', () => {
    const err = refusal(() => mapOne(setField(ORDER, 'ORC', 1, 'SC')));
    expect([err.location, err.message]).toEqual(['ORC-1', expect.stringMatching(/SC is not supported/)]);
    expect(refusal(() => mapOne(setField(ORDER, 'ORC', 1, ''))).location).toBe('ORC-1');
  });
});

describe('the order numbers', () => {
  it('finds the order by the placer number, scoped by its assigning authority', () => {
    expect(orderOf(ORDER).identifier?.[0]).toEqual({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'PLAC' }] },
      system: `${PLACER}HIX`,
      value: 'ZA-ORD-88123',
    });
  });

  it('takes OBR-2 when ORC-2 is empty, and MSH-4 when the number names no authority', () => {
    const fromObr = setField(ORDER, 'ORC', 2, '');
    expect(orderOf(fromObr).identifier?.[0].value).toBe('ZA-ORD-88123');
    const bare = setField(setField(ORDER, 'ORC', 2, 'ZA-ORD-88123'), 'OBR', 2, '');
    expect(orderOf(bare).identifier?.[0].system).toBe(`${PLACER}ZHAMSTELLAND`);
  });

  it('refuses an order without a placer number, or with ORC-2 and OBR-2 that differ', () => {
    const none = setField(setField(ORDER, 'ORC', 2, ''), 'OBR', 2, '');
    expect(refusal(() => mapOne(none)).location).toBe('ORC-2');
    const differ = refusal(() => mapOne(setField(ORDER, 'OBR', 2, 'ZA-ORD-99999^HIX')));
    expect([differ.location, differ.message]).toEqual(['OBR-2', expect.stringMatching(/differs from ORC-2/)]);
  });

  it('adds the filler number of ORC-3', () => {
    const filler = orderOf(setField(ORDER, 'ORC', 3, 'HMC-55120^HMCNOORD')).identifier?.[1];
    expect(filler).toEqual({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'FILL' }] },
      system: 'https://zorghub.example.org/fhir/NamingSystem/filler-order-number/HMCNOORD',
      value: 'HMC-55120',
    });
  });

  it('refuses the same placer number twice in one message', () => {
    const twice = `${ORDER.trimEnd()}\r${ORDER.split('\r')
      .filter((l) => /^(ORC|TQ1|OBR)\|/.test(l))
      .join('\r')}`;
    expect(refusal(() => mapOne(twice)).message).toMatch(/occurs twice/);
  });
});

describe('the aid (OBR-4)', () => {
  const code = (value: string) => orderOf(setField(ORDER, 'OBR', 4, value)).codeCodeableConcept ?? {};

  it('writes ISO 9999 codes in pairs and gives the hub display', () => {
    expect(code('1222^Rolstoel^ISO9999')).toEqual({
      coding: [{ system: 'urn:iso:std:iso:9999', code: '12 22', display: 'Manual wheelchairs' }],
      text: 'Rolstoel',
    });
  });

  it('takes SNOMED CT and GTIN codes, the GTIN with a valid check digit only', () => {
    expect(code('58938008^Rolstoel^SCT').coding).toEqual([{ system: 'http://snomed.info/sct', code: '58938008' }]);
    expect(code('8712345300128^Incontinentieverband^GTIN').coding?.[0].system).toBe('https://www.gs1.org/gtin');
    expect(refusal(() => mapOne(setField(ORDER, 'OBR', 4, '8712345300121^Verband^GTIN'))).message).toMatch(
      /check digit/,
    );
  });

  it('refuses an ISO 9999 class outside the hub list (required binding), unless another code is in it', () => {
    const err = refusal(() => mapOne(setField(ORDER, 'OBR', 4, '18 99^Overig^ISO9999')));
    expect([err.location, err.message]).toEqual(['OBR-4', expect.stringMatching(/not in the hub's aid list/)]);
    expect(code('18 99^Overig^ISO9999^91537007^Bed^SCT').coding?.map((c) => c.code)).toEqual(['18 99', '91537007']);
  });

  it('refuses a code of a system it does not know, and no code at all', () => {
    expect(refusal(() => mapOne(setField(ORDER, 'OBR', 4, 'BED-01^Bed^L'))).location).toBe('OBR-4');
    expect(refusal(() => mapOne(setField(ORDER, 'OBR', 4, ''))).location).toBe('OBR-4');
  });
});

describe('the provision mode and services (OBR-46)', () => {
  const extensions = (value: string) =>
    orderOf(setField(ORDER, 'OBR', 46, value)).extension?.map((e) => e.url.split('/').pop());

  it('needs one provision mode and adds installation and instruction when asked', () => {
    expect(orderOf(setField(ORDER, 'OBR', 46, 'koop')).extension?.[0].valueCoding?.code).toBe('purchase');
    expect(extensions('bruikleen~instructie')).toEqual(['hub-ext-provision-mode', 'hub-ext-instruction-required']);
    const none = refusal(() => mapOne(setField(ORDER, 'OBR', 46, 'installatie')));
    expect([none.location, none.message]).toEqual(['OBR-46', expect.stringMatching(/no provision mode/)]);
  });

  it('refuses an unknown modifier and two provision modes', () => {
    expect(refusal(() => mapOne(setField(ORDER, 'OBR', 46, 'huur~spoed'))).message).toMatch(/spoed is not/);
    expect(refusal(() => mapOne(setField(ORDER, 'OBR', 46, 'huur~koop'))).message).toMatch(/more than one/);
  });
});

describe('the intended period of use', () => {
  it('takes TQ1-7 and TQ1-8, and falls back to ORC-7 start and end', () => {
    expect(orderOf(ORDER).occurrencePeriod).toEqual({ start: '2025-03-17', end: '2025-09-15' });
    const legacy = setField(dropSegments(ORDER, 'TQ1'), 'ORC', 7, '1^^^202503170800^20250915');
    expect(orderOf(legacy).occurrencePeriod).toEqual({ start: '2025-03-17T08:00:00+01:00', end: '2025-09-15' });
  });

  it('refuses an order without any period of use, and one that ends before it starts', () => {
    const err = refusal(() => mapOne(dropSegments(ORDER, 'TQ1')));
    expect([err.location, err.message]).toEqual(['TQ1-7', expect.stringMatching(/no intended period of use/)]);
    expect(refusal(() => mapOne(setField(ORDER, 'TQ1', 8, '20250101'))).location).toBe('TQ1-8');
  });

  it('gives a time without offset the Amsterdam offset of that date', () => {
    const summer = setField(ORDER, 'TQ1', 7, '202507010930');
    expect(orderOf(summer).occurrencePeriod?.start).toBe('2025-07-01T09:30:00+02:00');
    expect(orderOf(setField(ORDER, 'ORC', 9, '20250310142500-0500')).authoredOn).toBe('2025-03-10T14:25:00-05:00');
  });
});

describe('the notes (NTE)', () => {
  it('keeps each NTE whole, repetitions as lines, escapes undone', () => {
    const raw = setField(ORDER, 'NTE', 3, 'Trap 14 treden\\.br\\Lift \\T\\ bed^boven~Sleutel bij buren', 2);
    expect(orderOf(raw).note?.[1].text).toBe('Trap 14 treden\nLift & bed^boven\nSleutel bij buren');
  });

  it('leaves notes out when there is no NTE', () => {
    expect(orderOf(dropSegments(ORDER, 'NTE')).note).toBeUndefined();
  });
});

describe('the requester', () => {
  const mapped = (raw: string, sender?: { system: string; value: string }) =>
    mapOne(raw, { receivedAt: '2025-03-10T14:31:00+01:00', sender });
  const noProvider = setField(setField(ORDER, 'ORC', 12, ''), 'OBR', 16, '');

  it('is the ordering provider with an AGB (ORC-12, else OBR-16)', () => {
    const fromObr = mapped(setField(ORDER, 'ORC', 12, ''));
    const practitioner = resources<Practitioner>(fromObr, 'Practitioner')[0];
    expect(practitioner.identifier).toEqual([{ system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '03012345' }]);
  });

  it('is the ordering organisation when no provider has an AGB, and a provider without one is left out', () => {
    const other = mapped(setField(noProvider, 'ORC', 12, '4471^Visser^Marieke^^^^^^ZHAMSTELLAND'));
    expect(resources(other, 'Practitioner')).toEqual([]);
    const org = other.bundle.entry?.find((e) => (e.resource as Organization).name === 'Ziekenhuis Amstelland');
    expect(resources<DeviceRequest>(other, 'DeviceRequest')[0].requester?.reference).toBe(org?.fullUrl);
  });

  it('falls back to MSH-4 (URA as OID) and then to the registered sender', () => {
    const viaMsh = mapped(setField(noProvider, 'ORC', 21, ''));
    const org = resources<Organization>(viaMsh, 'Organization').find((o) => o.name === 'ZHAMSTELLAND');
    expect(org?.identifier).toEqual([{ system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '90001234' }]);
    const bare = setField(setField(noProvider, 'ORC', 21, ''), 'MSH', 4, 'ZHAMSTELLAND');
    const sender = { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '90001234' };
    expect(resources<DeviceRequest>(mapped(bare, sender), 'DeviceRequest')[0].requester?.reference).toBe(
      'Organization?identifier=http%3A%2F%2Ffhir.nl%2Ffhir%2FNamingSystem%2Fura|90001234',
    );
    expect(refusal(() => mapped(bare)).location).toBe('ORC-12');
  });

  it('refuses an AGB code that does not have 8 digits', () => {
    expect(refusal(() => mapped(setField(ORDER, 'ORC', 12, '3012345^Visser^^^^^^^AGB'))).message).toMatch(/8 digits/);
  });
});

describe('the order groups', () => {
  it('refuses an order without OBR, or with an RQD instead', () => {
    expect(refusal(() => mapOne(dropSegments(ORDER, 'OBR'))).message).toMatch(/no OBR/);
    const rqd = insertAfter(dropSegments(ORDER, 'OBR'), 'TQ1', 'RQD|1|23455^Hoog-laagbed||||1');
    expect(refusal(() => mapOne(rqd)).message).toMatch(/RQD order/);
  });

  it('refuses two OBR in one order', () => {
    const obr = ORDER.split('\r').find((l) => l.startsWith('OBR|')) ?? '';
    const err = refusal(() => mapOne(insertAfter(ORDER, 'OBR', obr)));
    expect(err.location).toBe('OBR[2]');
  });

  it('maps every order of a message to its own DeviceRequest', () => {
    const orders = resources<DeviceRequest>(mapOne(fixture('omg-new-client.hl7')), 'DeviceRequest');
    expect(orders.map((o) => o.identifier?.[0].value)).toEqual(['TZW-2025-0412', 'TZW-2025-0413']);
  });
});

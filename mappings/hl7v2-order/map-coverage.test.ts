import type { Coverage, DeviceRequest, Organization } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { dropSegments, fixture, insertAfter, mapOne, refusal, resources, setField } from './testing.js';

const ORDER = fixture('orm-new-order-complete.hl7');
const withIn1 = (field: number, value: string) => setField(ORDER, 'IN1', field, value);
const coverageOf = (raw: string) => resources<Coverage>(mapOne(raw), 'Coverage')[0];

describe('the Coverage from IN1', () => {
  it('is a Zvw coverage with the Verzekeringssoort, the verzekerdenummer and the insurer by UZOVI', () => {
    const coverage = coverageOf(ORDER);
    expect(coverage.type?.coding?.map((c) => c.code)).toEqual(['zvw', 'B']);
    expect(coverage.subscriberId).toBe('184726395');
    expect(coverage.period).toEqual({ start: '2025-01-01', end: '2025-12-31' });
    expect(coverage.payor[0].identifier).toEqual({ system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '3311' });
  });

  it('is found by the verzekerdenummer, scoped by the insurer', () => {
    const entry = mapOne(ORDER).bundle.entry?.find((e) => e.resource?.resourceType === 'Coverage');
    expect(entry?.request).toEqual({
      method: 'PUT',
      url: 'Coverage?identifier=https%3A%2F%2Fzorghub.example.org%2Ffhir%2FNamingSystem%2Fzvw-verzekerdenummer%2F3311|184726395',
    });
  });

  it('takes the verzekerdenummer from IN1-49 when IN1-36 is empty', () => {
    expect(coverageOf(withIn1(49, '184726395^^^3311')).subscriberId).toBe('184726395');
    expect(coverageOf(setField(withIn1(36, ''), 'IN1', 49, '555000111')).subscriberId).toBe('555000111');
  });

  it('creates the insurer if absent, and only refers to it by UZOVI when IN1-4 gives no name', () => {
    expect(resources<Organization>(mapOne(ORDER), 'Organization')[0].name).toBe(
      'Zilveren Kruis Zorgverzekeringen N.V.',
    );
    const nameless = mapOne(withIn1(4, ''));
    expect(resources<Organization>(nameless, 'Organization').map((o) => o.name)).toEqual(['Ziekenhuis Amstelland']);
    expect(resources<Coverage>(nameless, 'Coverage')[0].payor[0].reference).toBe(
      'Organization?identifier=http%3A%2F%2Ffhir.nl%2Ffhir%2FNamingSystem%2Fuzovi|3311',
    );
  });

  it('refuses an order without IN1: the hub DeviceRequest needs its Coverage', () => {
    const err = refusal(() => mapOne(dropSegments(ORDER, 'IN1')));
    expect([err.location, err.message]).toEqual(['IN1', expect.stringMatching(/no IN1 segment/)]);
  });

  it('refuses an insurer that is not a UZOVI code, and a zorgkantoor', () => {
    expect(refusal(() => mapOne(withIn1(3, ''))).location).toBe('IN1-3');
    expect(refusal(() => mapOne(withIn1(3, '3311^^^NIIP'))).message).toMatch(/UZOVI/);
    expect(refusal(() => mapOne(withIn1(3, '331^^^UZOVI'))).message).toMatch(/4 digits/);
    expect(refusal(() => mapOne(withIn1(3, '5515^^^UZOVI'))).message).toMatch(/zorgkantoor/);
  });

  it('refuses a coverage without verzekerdenummer, Verzekeringssoort or start', () => {
    expect(refusal(() => mapOne(withIn1(36, ''))).location).toBe('IN1-36');
    expect(refusal(() => mapOne(withIn1(15, ''))).location).toBe('IN1-15');
    expect(refusal(() => mapOne(withIn1(15, 'HMO'))).message).toMatch(/not a zib Verzekeringssoort/);
    expect(refusal(() => mapOne(withIn1(12, ''))).location).toBe('IN1-12');
    expect(refusal(() => mapOne(withIn1(13, '20241231'))).location).toBe('IN1-13');
  });

  it('maps each IN1 to a Coverage the orders refer to, and refuses the same one twice', () => {
    const fields: [number, string][] = [
      [3, '3311^^^UZOVI'],
      [4, 'Zilveren Kruis'],
      [12, '20250101'],
      [15, 'A'],
      [36, '900112233'],
    ];
    const second = fields.reduce((segment, [field, value]) => setField(segment, 'IN1', field, value), 'IN1|2');
    const two = mapOne(insertAfter(ORDER, 'IN1', second));
    const urls = two.bundle.entry?.filter((e) => e.resource?.resourceType === 'Coverage').map((e) => e.fullUrl);
    expect(urls).toHaveLength(2);
    expect(resources<DeviceRequest>(two, 'DeviceRequest')[0].insurance?.map((i) => i.reference)).toEqual(urls);
    const same = insertAfter(ORDER, 'IN1', second.replace('900112233', '184726395'));
    expect(refusal(() => mapOne(same)).message).toMatch(/repeats the insurer and verzekerdenummer/);
  });
});

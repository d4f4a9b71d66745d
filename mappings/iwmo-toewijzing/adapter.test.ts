import path from 'node:path';
import type { Coverage, Organization, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { expectGolden, expectWellMapped } from '../../test/support/mapping-checks.js';
import { NAMING } from '../shared/naming-systems.js';
import { FIXTURES, fixture, fixtureNames, golden, mapOne, run } from './test-support.js';

/** What each fixture must come to, so that rewriting goldens cannot turn a refusal into a mapping unnoticed. */
const EXPECTED: Record<string, 'mapped' | 'parse' | 'map'> = {
  'broken-doctype': 'parse',
  'broken-not-well-formed': 'parse',
  'wmo301-bad-bsn': 'map',
  'wmo301-complete': 'mapped',
  'wmo301-intrekking': 'mapped',
  'wmo301-minimal': 'mapped',
  'wmo301-shortening': 'mapped',
  'wmo301-unknown-category': 'mapped',
  'wmo301-variant-no-namespace': 'mapped',
  'wmo307-incomplete': 'mapped', // a patch of the end of the allocation the hub holds
  'wmo307-stop': 'mapped',
};

const resources = <T>(bundle: { entry?: { resource?: unknown }[] }, type: string): T[] =>
  (bundle.entry ?? []).map((e) => e.resource as { resourceType: string }).filter((r) => r.resourceType === type) as T[];

describe('fixtures', () => {
  it('has a fixture for every expectation and an expectation for every fixture', () => {
    expect(fixtureNames()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const name of fixtureNames()) {
    it(`${name}: golden output, and every mapped message meets the rules`, async () => {
      const outcomes = await run(fixture(name));
      expect(outcomes).toHaveLength(1);
      const [outcome] = outcomes;
      expect('error' in outcome ? outcome.error.stage : 'mapped').toBe(EXPECTED[name]);
      expectGolden(path.join(FIXTURES, `${name}.golden.json`), golden(outcomes));
      if ('mapped' in outcome) {
        await expectWellMapped(outcome.mapped, outcome.message.raw);
      }
    });
  }
});

describe('WMO301 toewijzing', () => {
  it('keys the message by gemeentecode and identity, timed at midnight in Amsterdam on the Dagtekening', async () => {
    const winter = await mapOne(fixture('wmo301-complete'));
    expect(winter.key).toBe('iwmo:0344:UTR2025-0311');
    expect(winter.time).toBe('2025-03-14T00:00:00+01:00');
    const summer = await mapOne(fixture('wmo301-variant-no-namespace'));
    expect(summer.key).toBe('iwmo:0307:AMF-20250602-07');
    expect(summer.time).toBe('2025-06-02T00:00:00+02:00');
  });

  it('writes the municipality, then per client the Patient and its Coverages', async () => {
    const { bundle } = await mapOne(fixture('wmo301-complete'));
    expect(bundle.entry?.map((e) => `${e.request?.method} ${e.resource?.resourceType}`)).toEqual([
      'POST Organization',
      'POST Patient',
      'PUT Coverage',
      'PUT Coverage',
      'POST Patient',
      'PUT Coverage',
    ]);
    const [organization] = resources<Organization>(bundle, 'Organization');
    expect(organization.identifier).toEqual([{ system: NAMING.gemeentecode, value: '0344' }]);
    expect(organization.type?.[0].coding?.[0].code).toBe('municipality');
    expect(bundle.entry?.[0].request?.ifNoneExist).toBe(`identifier=${encodeURIComponent(NAMING.gemeentecode)}|0344`);
  });

  it('maps an allocation to a Wmo Coverage: number, regime, payor, product category and code, period', async () => {
    const { bundle } = await mapOne(fixture('wmo301-complete'));
    const stairlift = bundle.entry?.[2];
    const coverage = stairlift?.resource as Coverage;
    expect(stairlift?.request?.url).toBe(
      `Coverage?identifier=${encodeURIComponent(NAMING.toewijzingNummer)}|2025000412`,
    );
    expect(coverage.identifier).toEqual([{ system: NAMING.toewijzingNummer, value: '2025000412' }]);
    expect(coverage.status).toBe('active');
    expect(coverage.type?.coding?.[0]).toMatchObject({ code: 'wmo' });
    expect(coverage.beneficiary.reference).toBe(bundle.entry?.[1].fullUrl);
    expect(coverage.payor[0]).toEqual({
      reference: bundle.entry?.[0].fullUrl,
      type: 'Organization',
      identifier: { system: NAMING.gemeentecode, value: '0344' },
    });
    expect(coverage.class?.map((c) => [c.type.coding?.[0].code, c.value, c.name])).toEqual([
      ['productcategorie', '13', 'Woonvoorzieningen'],
      ['productcode', '13A05', undefined],
    ]);
    expect(coverage.period).toEqual({ start: '2025-04-01', end: '2026-03-31' });
  });

  it('maps the client to a Patient: BSN, name, gender, birth date, addresses, phone and e-mail', async () => {
    const { bundle } = await mapOne(fixture('wmo301-complete'));
    const [truus, hans] = resources<Patient>(bundle, 'Patient');
    expect(truus.identifier).toEqual([{ system: NAMING.bsn, value: '999993653' }]);
    expect(truus.name).toEqual([{ use: 'official', family: 'van den Berg', given: ['Geertruida', 'Johanna'] }]);
    expect(truus.gender).toBe('female');
    expect(truus.birthDate).toBe('1941-06-22');
    expect(truus.address).toEqual([
      { use: 'home', line: ['Dorpsstraat 14A'], city: 'Vleuten', postalCode: '3451BK', country: 'NL' },
    ]);
    expect(truus.telecom).toEqual([{ system: 'phone', value: '0306771234' }]);
    expect(hans.gender).toBe('male');
    expect(hans.address?.map((a) => [a.use, a.type, a.line?.[0]])).toEqual([
      ['home', undefined, 'Korte Nieuwstraat 3 bis'],
      [undefined, 'postal', 'Postbus 1200'],
    ]);
    expect(hans.telecom).toEqual([
      { system: 'phone', value: '0612345678' },
      { system: 'email', value: 'j.smit@example.nl' },
    ]);
  });

  it('leaves out what the message leaves out: no end date, no product code; initials and a partial birth date', async () => {
    const { bundle } = await mapOne(fixture('wmo301-minimal'));
    const [coverage] = resources<Coverage>(bundle, 'Coverage');
    expect(coverage.period).toEqual({ start: '2025-11-01' });
    expect(coverage.class?.map((c) => c.type.coding?.[0].code)).toEqual(['productcategorie']);
    const [patient] = resources<Patient>(bundle, 'Patient');
    expect(patient.birthDate).toBe('1939-05');
    expect(patient.gender).toBe('unknown');
    expect(patient.name?.[0].given).toEqual(['W']);
    // @medplum/fhirtypes has no _given: the primitive's extension is read untyped.
    const initials = (patient.name?.[0] as { _given?: { extension?: { valueCode?: string }[] }[] } | undefined)?._given;
    expect(initials?.[0].extension?.[0]).toMatchObject({ valueCode: 'IN' });
    expect(patient.telecom).toBeUndefined();
  });

  it('reads the variant with products under Client, Ingangsdatum / Einddatum, Reden and no namespace', async () => {
    const { bundle } = await mapOne(fixture('wmo301-variant-no-namespace'));
    const coverages = resources<Coverage>(bundle, 'Coverage');
    expect(coverages.map((c) => [c.identifier?.[0].value, c.period])).toEqual([
      ['88120034', { start: '2025-06-16', end: '2030-06-15' }],
      ['88120035', { start: '2025-06-16', end: '2025-12-31' }],
    ]);
    const [patient] = resources<Patient>(bundle, 'Patient');
    expect(patient.name?.[0].family).toBe('Yılmaz');
    expect(patient.address?.[1]).toMatchObject({ use: 'temp', period: { start: '2025-06-01', end: '2025-08-31' } });
  });

  it('keeps an unknown product category as its value, without a name', async () => {
    const { bundle } = await mapOne(fixture('wmo301-unknown-category'));
    const [coverage] = resources<Coverage>(bundle, 'Coverage');
    expect(coverage.class?.[0]).toEqual({
      type: {
        coding: [{ system: 'https://zorghub.example.org/fhir/CodeSystem/coverage-class', code: 'productcategorie' }],
      },
      value: '19',
    });
  });

  it('a shortening updates the same Coverage (same conditional PUT) with the earlier end', async () => {
    const original = (await mapOne(fixture('wmo301-complete'))).bundle.entry?.[2];
    const shortened = (await mapOne(fixture('wmo301-shortening'))).bundle.entry?.find(
      (e) => (e.resource as Coverage).identifier?.[0].value === '2025000412',
    );
    expect(shortened?.request).toEqual(original?.request);
    const coverage = shortened?.resource as Coverage;
    expect(coverage.period).toEqual({ start: '2025-04-01', end: '2025-09-30' });
    expect(coverage.status).toBe('active');
  });

  it('an intrekking (RedenWijziging 13, Verwijderd) cancels the Coverage', async () => {
    const { bundle } = await mapOne(fixture('wmo301-intrekking'));
    const [coverage] = resources<Coverage>(bundle, 'Coverage');
    expect(coverage.status).toBe('cancelled');
    expect(coverage.period).toEqual({ start: '2025-03-17', end: '2025-03-17' });
  });

  it('refers to the client by BSN when the message cannot make a valid Patient (no address to deliver to)', async () => {
    const withoutAddress = fixture('wmo301-minimal').replace(/<Contactgegevens>[\s\S]*<\/Contactgegevens>/, '');
    const onlyPostal = fixture('wmo301-minimal').replace('<Soort>01</Soort>', '<Soort>02</Soort>');
    for (const raw of [withoutAddress, onlyPostal]) {
      const mapped = await mapOne(raw);
      expect(resources(mapped.bundle, 'Patient')).toEqual([]);
      const [coverage] = resources<Coverage>(mapped.bundle, 'Coverage');
      expect(coverage.beneficiary.reference).toBe(`Patient?identifier=${encodeURIComponent(NAMING.bsn)}|999997336`);
      await expectWellMapped(mapped, raw);
    }
  });

  it('maps the same body to the same output, byte for byte', async () => {
    for (const name of ['wmo301-complete', 'wmo307-stop']) {
      const first = await mapOne(fixture(name));
      const second = await mapOne(fixture(name));
      expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    }
  });
});

describe('WMO307 stop product', () => {
  it('keys the message by the aanbieder (AGB) and identity', async () => {
    const mapped = await mapOne(fixture('wmo307-stop'));
    expect(mapped.key).toBe('iwmo:73730801:HMV-STOP-00917');
    expect(mapped.time).toBe('2025-10-02T00:00:00+02:00');
  });

  it('ends the allocation: the same Coverage as the toewijzing, with the stop date as its end', async () => {
    const toewijzing = (await mapOne(fixture('wmo301-complete'))).bundle.entry?.[2];
    const stop = (await mapOne(fixture('wmo307-stop'))).bundle.entry ?? [];
    expect(stop.map((e) => e.resource?.resourceType)).toEqual(['Coverage']);
    expect(stop[0].request).toEqual(toewijzing?.request);
    const before = toewijzing?.resource as Coverage;
    const after = stop[0].resource as Coverage;
    // Every field the toewijzing wrote is written again, so the PUT wipes nothing.
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    expect({ ...after, beneficiary: undefined, payor: undefined, period: undefined }).toEqual({
      ...before,
      beneficiary: undefined,
      payor: undefined,
      period: undefined,
    });
    expect(after.period).toEqual({ start: '2025-04-01', end: '2025-09-30' });
    expect(after.beneficiary.reference).toBe(`Patient?identifier=${encodeURIComponent(NAMING.bsn)}|999993653`);
    expect(after.payor[0].reference).toBe(`Organization?identifier=${encodeURIComponent(NAMING.gemeentecode)}|0344`);
  });
});

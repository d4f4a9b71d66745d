import type { Coverage, DeviceRequest, Patient, SupplyRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../fhir/definitions.js';
import { compartmentKey } from '../contracts/compartment-key.js';
import { computeIndexValues } from './index-values.js';

beforeAll(() => loadDefinitions());

describe('computeIndexValues', () => {
  it('puts a Patient in its own compartment', () => {
    const patient: Patient = { resourceType: 'Patient', id: 'p1' };
    expect(computeIndexValues(patient).compartments).toEqual([compartmentKey('p1')]);
  });

  it('puts a DeviceUseStatement in the compartment of its subject (its `subject` parameter is stored as `patient`)', () => {
    const statement = {
      resourceType: 'DeviceUseStatement',
      id: 'u1',
      status: 'active',
      subject: { reference: 'Patient/p1' },
      device: { reference: 'Device/d1' },
    } as const;
    expect(computeIndexValues(statement).compartments).toEqual([compartmentKey('p1')]);
  });

  it('puts a DeviceRequest in the compartment of its subject', () => {
    const request: DeviceRequest = {
      resourceType: 'DeviceRequest',
      id: 'dr1',
      status: 'active',
      intent: 'order',
      codeCodeableConcept: { coding: [{ system: 'urn:iso:std:iso:9999', code: '12 22' }] },
      subject: { reference: 'Patient/p1' },
    };
    const values = computeIndexValues(request);
    expect(values.compartments).toEqual([compartmentKey('p1')]);
    expect(values.tokens).toContain('code|urn:iso:std:iso:9999|12 22');
    expect(values.tokens).toContain('status||active');
    expect(values.references).toContainEqual({
      param: 'subject',
      targetType: 'Patient',
      targetId: 'p1',
      url: null,
      version: null,
    });
  });

  it('puts a Coverage in the compartments of beneficiary and subscriber, once each', () => {
    const coverage: Coverage = {
      resourceType: 'Coverage',
      status: 'active',
      beneficiary: { reference: 'Patient/p1' },
      subscriber: { reference: 'Patient/p2' },
      policyHolder: { reference: 'Patient/p1' },
      payor: [{ reference: 'Organization/o1' }],
    };
    expect(computeIndexValues(coverage).compartments.sort()).toEqual(
      [compartmentKey('p1'), compartmentKey('p2')].sort(),
    );
  });

  it('puts a SupplyRequest delivered to a Patient in that compartment (R4 parameter "subject" is deliverTo)', () => {
    const supply: SupplyRequest = {
      resourceType: 'SupplyRequest',
      status: 'active',
      quantity: { value: 1 },
      itemCodeableConcept: { text: 'bed' },
      deliverTo: { reference: 'Patient/p1' },
    };
    expect(computeIndexValues(supply).compartments).toEqual([compartmentKey('p1')]);
  });

  it('leaves a Device in no compartment, as the R4 CompartmentDefinition lists no parameter for it', () => {
    expect(computeIndexValues({ resourceType: 'Device', patient: { reference: 'Patient/p1' } }).compartments).toEqual(
      [],
    );
  });

  it('ignores references to other resource types and absolute URLs of other types', () => {
    const request: DeviceRequest = {
      resourceType: 'DeviceRequest',
      status: 'active',
      intent: 'order',
      codeReference: { reference: 'Device/d1' },
      subject: { reference: 'Group/g1' },
    };
    expect(computeIndexValues(request).compartments).toEqual([]);
  });

  it("reads an absolute reference under this server's base as that Patient", () => {
    const request: DeviceRequest = {
      resourceType: 'DeviceRequest',
      status: 'active',
      intent: 'order',
      codeReference: { reference: 'Device/d1' },
      subject: { reference: 'https://hub.example.org/fhir/Patient/p9' },
    };
    expect(computeIndexValues(request, { baseUrl: 'https://hub.example.org/fhir' }).compartments).toEqual([
      compartmentKey('p9'),
    ]);
  });

  it("keeps a reference to another server's Patient by URL, in no compartment here", () => {
    const request: DeviceRequest = {
      resourceType: 'DeviceRequest',
      status: 'active',
      intent: 'order',
      codeReference: { reference: 'Device/d1' },
      subject: { reference: 'https://other.example.org/fhir/Patient/p9' },
    };
    const values = computeIndexValues(request, { baseUrl: 'https://hub.example.org/fhir' });
    expect(values.compartments).toEqual([]);
    expect(values.references).toContainEqual({
      param: 'subject',
      targetType: 'Patient',
      targetId: null,
      url: 'https://other.example.org/fhir/Patient/p9',
      version: null,
    });
  });
});

describe('computeIndexValues search rows', () => {
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'p1',
    identifier: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999911120' }],
    name: [{ family: 'Jansen', given: ['Ánna'] }],
    birthDate: '1941-03-12',
    managingOrganization: {
      reference: 'Organization/o1',
      identifier: { system: 'http://fhir.nl/fhir/NamingSystem/ura', value: '1234' },
    },
    maritalStatus: { text: 'Weduwe' },
  };
  let values: ReturnType<typeof computeIndexValues>;
  beforeAll(() => {
    values = computeIndexValues(patient);
  });

  it('marks token and reference parameters with a value as present, for :missing', () => {
    expect(values.tokens).toEqual(expect.arrayContaining(['?identifier', '?organization']));
    expect(values.tokens).not.toContain('?gender');
  });

  it('leaves the presence of other types to their search rows, and stores a duplicate parameter once', () => {
    expect(values.tokens).not.toContain('?birthdate');
    expect(values.tokens).not.toContain('?name');
    expect(values.strings.filter((s) => s.param === 'phonetic')).toEqual([]);
    expect(values.strings.filter((s) => s.param === 'name').length).toBeGreaterThan(0);
  });

  it('stores names normalised for prefix search next to the exact text', () => {
    expect(values.strings).toContainEqual({ param: 'given', normalized: 'anna', exact: 'Ánna' });
  });

  it('stores a birth date as the day it covers', () => {
    expect(values.dates).toContainEqual({
      param: 'birthdate',
      low: '1941-03-12T00:00:00.000Z',
      high: '1941-03-13T00:00:00.000Z',
    });
  });

  it('stores a reference by target type and id, and its identifier as :identifier tokens', () => {
    expect(values.references).toContainEqual({
      param: 'organization',
      targetType: 'Organization',
      targetId: 'o1',
      url: null,
      version: null,
    });
    expect(values.tokens).toContain('organization:identifier|http://fhir.nl/fhir/NamingSystem/ura|1234');
  });

  it('stores a logical reference (type and identifier) as :identifier and presence tokens only, no reference row', () => {
    const coverage = computeIndexValues({
      resourceType: 'Coverage',
      status: 'active',
      beneficiary: { reference: 'Patient/p1' },
      payor: [
        { type: 'Organization', identifier: { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '3311' } },
      ],
    });
    expect(coverage.references.some((row) => row.param === 'payor')).toBe(false);
    expect(coverage.tokens).toEqual(
      expect.arrayContaining(['payor:identifier|http://fhir.nl/fhir/NamingSystem/uzovi|3311', '?payor']),
    );
  });

  it('stores no token parameter texts as tokens but as :text strings', () => {
    const observation = computeIndexValues({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Bloeddruk' },
    });
    expect(observation.strings).toContainEqual({ param: 'code:text', normalized: 'bloeddruk', exact: 'Bloeddruk' });
  });

  it('stores token$token composites under every pair of token forms', () => {
    const observation = computeIndexValues({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '1234' }] },
    });
    expect(observation.tokens).toContain('code-value-concept|http://loinc.org|8480-6$|http://snomed.info/sct|1234');
    expect(observation.tokens).toContain('code-value-concept#8480-6$#1234');
  });
});

describe('computeIndexValues over the official R4 examples', () => {
  it('indexes every example without throwing, each reference row naming a target or a URL', async () => {
    const { loadExamples } = await import('../../bench/support/r4-examples.js');
    let references = 0;
    for (const { resource } of loadExamples()) {
      const index = computeIndexValues(resource);
      for (const row of index.references) {
        expect(row.targetType !== null || row.url !== null, JSON.stringify(row)).toBe(true);
        references++;
      }
    }
    expect(references).toBeGreaterThan(4000);
  }, 120_000);
});

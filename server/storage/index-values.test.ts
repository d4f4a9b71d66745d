import type { Coverage, DeviceRequest, Patient, SupplyRequest } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../fhir/definitions.js';
import { compartmentKey } from './compartment-key.js';
import { computeIndexValues } from './index-values.js';

beforeAll(() => loadDefinitions());

describe('computeIndexValues', () => {
  it('puts a Patient in its own compartment', () => {
    const patient: Patient = { resourceType: 'Patient', id: 'p1' };
    expect(computeIndexValues(patient).compartments).toEqual([compartmentKey('p1')]);
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
    expect(computeIndexValues(coverage).compartments.sort()).toEqual([compartmentKey('p1'), compartmentKey('p2')].sort());
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
    expect(computeIndexValues({ resourceType: 'Device', patient: { reference: 'Patient/p1' } }).compartments).toEqual([]);
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

  it('reads an absolute Patient reference as that Patient', () => {
    const request: DeviceRequest = {
      resourceType: 'DeviceRequest',
      status: 'active',
      intent: 'order',
      codeReference: { reference: 'Device/d1' },
      subject: { reference: 'https://other.example.org/fhir/Patient/p9' },
    };
    expect(computeIndexValues(request).compartments).toEqual([compartmentKey('p9')]);
  });
});

describe('computeIndexValues over the official R4 examples', () => {
  it('gives the same compartments and tokens with plain-path walks as with FHIRPath alone', async () => {
    const { setPlainPaths } = await import('./index-values.js');
    const { loadExamples } = await import('../../test/support/r4-examples.js');
    const examples = loadExamples()
      .map(({ resource }) => resource)
      .filter((resource) => resource.resourceType !== 'Bundle');
    const sorted = (values: { compartments: string[]; tokens: string[] }) => ({
      compartments: [...values.compartments].sort(),
      tokens: [...values.tokens].sort(),
    });
    try {
      setPlainPaths(true);
      const walked = examples.map((resource) => sorted(computeIndexValues(resource)));
      setPlainPaths(false);
      const evaluated = examples.map((resource) => sorted(computeIndexValues(resource)));
      expect(walked).toEqual(evaluated);
      expect(evaluated.filter((values) => values.tokens.length > 0).length).toBeGreaterThan(3000);
    } finally {
      setPlainPaths(true);
    }
  }, 120_000);
});

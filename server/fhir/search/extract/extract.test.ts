import type { Observation } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDefinitions } from '../../definitions.js';
import { POS_INFINITY } from './date.js';
import { extractSearchValues, skippedParameters } from './extract.js';
import { coverage, deviceRequest, patient } from '../../../../bench/support/extract-fixtures.js';

beforeAll(() => loadDefinitions());

describe('extractSearchValues', () => {
  it('extracts a Patient: tokens, strings, dates, references and meta parameters', () => {
    const values = extractSearchValues(patient);
    expect(values.identifier).toMatchObject({
      type: 'token',
      values: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', code: '999911120' }],
      ofType: [{ typeCode: 'NI', value: '999911120' }],
    });
    expect(values.family).toEqual({ type: 'string', values: [{ normalized: 'undrik', exact: 'Ündrik' }] });
    expect(values.birthdate).toEqual({
      type: 'date',
      values: [{ low: '1948-03-01T00:00:00.000Z', high: '1948-04-01T00:00:00.000Z' }],
    });
    expect(values.email).toMatchObject({ values: [{ system: 'email', code: 'zoe@example.nl' }] });
    expect(values['general-practitioner']).toEqual({
      type: 'reference',
      values: [
        { reference: 'Practitioner/h1', type: 'Practitioner', url: 'https://huisarts.example.nl/fhir/Practitioner/h1' },
      ],
    });
    expect(values._profile).toEqual({
      type: 'uri',
      values: ['http://fhir.nl/fhir/StructureDefinition/nl-core-Patient'],
    });
    expect(values._tag).toMatchObject({ values: [{ system: 'urn:hub', code: 'test' }] });
    expect(values._source).toEqual({ type: 'uri', values: ['urn:hub:import'] });
    // Absent values leave the parameter out; row columns (_id, _lastUpdated) are not extracted.
    expect(values['death-date']).toBeUndefined();
    expect(values._id).toBeUndefined();
  });

  it('extracts a DeviceRequest: choice types, open periods, contained and canonical references', () => {
    const values = extractSearchValues(deviceRequest);
    expect(values.code).toMatchObject({
      values: [{ system: 'urn:iso:std:iso:9999', code: '12 06 06', display: 'Rollator' }],
      text: ['rollator', 'Rollator'],
    });
    expect(values['event-date']).toEqual({
      type: 'date',
      values: [{ low: '2024-05-01T07:00:00.000Z', high: POS_INFINITY }],
    });
    expect(values.requester).toEqual({ type: 'reference', values: [{ reference: '#pr1', type: 'Practitioner' }] });
    expect(values['instantiates-canonical']).toEqual({
      type: 'reference',
      values: [{ url: 'http://example.nl/PlanDefinition/rollator', version: '2' }],
    });
    expect(values.patient).toEqual({ type: 'reference', values: [{ reference: 'Patient/p1', type: 'Patient' }] });
  });

  it('extracts a Coverage: logical references keep their identifier', () => {
    const values = extractSearchValues(coverage);
    expect(values.payor).toEqual({
      type: 'reference',
      values: [
        {
          reference: 'Organization/zorgverzekeraar',
          type: 'Organization',
          identifier: { system: 'http://fhir.nl/fhir/NamingSystem/uzovi', code: '3311' },
        },
      ],
    });
    expect(values.dependent).toEqual({ type: 'string', values: [{ normalized: '01', exact: '01' }] });
    expect(values['class-value']).toEqual({ type: 'string', values: [{ normalized: 'basis', exact: 'basis' }] });
  });

  it('builds composite tuples per element, only when every component has a value', () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
      valueQuantity: { value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
      component: [
        {
          code: { coding: [{ system: 'http://loinc.org', code: '8462-4' }] },
          valueQuantity: { value: 80, code: 'mm[Hg]' },
        },
        { code: { coding: [{ system: 'http://loinc.org', code: 'x' }] } },
      ],
    };
    const values = extractSearchValues(observation);
    expect(values['code-value-quantity']).toMatchObject({
      type: 'composite',
      values: [
        {
          components: [
            { type: 'token', values: [{ code: '8480-6' }] },
            { type: 'quantity', values: [{ value: 120, low: 119.5, high: 120.5 }] },
          ],
        },
      ],
    });
    expect(values['component-code-value-quantity']).toMatchObject({
      values: [{ components: [{ values: [{ code: '8462-4' }] }, { values: [{ value: 80 }] }] }],
    });
    expect(values['value-quantity']).toMatchObject({ type: 'quantity', values: [{ value: 120, code: 'mm[Hg]' }] });
  });

  it('lists what it leaves out: row columns and special parameters', () => {
    expect(
      skippedParameters('Patient')
        .map((p) => p.code)
        .sort(),
    ).toEqual(['_compartment', '_id', '_lastUpdated']);
    expect(skippedParameters('Location').map((p) => `${p.code}:${p.type}`)).toContain('near:special');
  });
});

describe('extractSearchValues over the R4 examples', () => {
  it('gives the same values with plain-path walks as with FHIRPath alone', async () => {
    const { loadExamples } = await import('../../../../bench/support/r4-examples.js');
    const { setPlainPaths } = await import('./extract.js');
    const resources = loadExamples().map((e) => e.resource);
    try {
      setPlainPaths(false);
      const evaluated = resources.map((resource) => extractSearchValues(resource));
      setPlainPaths(true);
      const walked = resources.map((resource) => extractSearchValues(resource));
      expect(walked).toEqual(evaluated);
    } finally {
      setPlainPaths(true);
    }
  }, 60_000);
});

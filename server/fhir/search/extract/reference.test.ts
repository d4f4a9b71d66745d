import { describe, expect, it } from 'vitest';
import { parseCanonical, parseReference, referenceValues } from './reference.js';

describe('parseReference', () => {
  it('normalises relative and absolute references to Type/id, keeping the absolute URL', () => {
    expect(parseReference('Patient/123')).toEqual({ reference: 'Patient/123', type: 'Patient' });
    expect(parseReference('Patient/123/_history/2')).toEqual({ reference: 'Patient/123', type: 'Patient' });
    expect(parseReference('https://fhir.example.org/r4/Patient/abc-1')).toEqual({
      reference: 'Patient/abc-1',
      type: 'Patient',
      url: 'https://fhir.example.org/r4/Patient/abc-1',
    });
  });

  it('keeps urn:uuid and URLs that name no resource as URLs only', () => {
    expect(parseReference('urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0')).toEqual({
      url: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0',
    });
    expect(parseReference('http://example.org/something')).toEqual({ url: 'http://example.org/something' });
  });

  it('keeps a contained reference as #id, typed from the contained resource', () => {
    expect(parseReference('#p1', new Map([['p1', 'Practitioner']]))).toEqual({
      reference: '#p1',
      type: 'Practitioner',
    });
    expect(parseReference('#p1')).toEqual({ reference: '#p1' });
  });
});

describe('parseCanonical', () => {
  it('splits |version', () => {
    expect(parseCanonical('http://example.org/Questionnaire/q|2.0')).toEqual({
      url: 'http://example.org/Questionnaire/q',
      version: '2.0',
    });
    expect(parseCanonical('http://example.org/Questionnaire/q')).toEqual({ url: 'http://example.org/Questionnaire/q' });
  });
});

describe('referenceValues', () => {
  it('reads Reference, canonical, inline resources and logical (identifier) references', () => {
    const contained = () => new Map([['o1', 'Organization']]);
    expect(
      referenceValues(
        [
          { type: 'Reference', value: { reference: 'Device/d1' } },
          { type: 'Reference', value: { reference: '#o1' } },
          { type: 'Reference', value: { type: 'Patient', identifier: { system: 'bsn', value: '123' } } },
          { type: 'canonical', value: 'http://x.org/PlanDefinition/p|1' },
          { type: 'Patient', value: { resourceType: 'Patient', id: 'p9' } },
          { type: 'Reference', value: { display: 'only a display' } },
        ],
        contained,
      ),
    ).toEqual([
      { reference: 'Device/d1', type: 'Device' },
      { reference: '#o1', type: 'Organization' },
      { type: 'Patient', identifier: { system: 'bsn', code: '123' } },
      { url: 'http://x.org/PlanDefinition/p', version: '1' },
      { reference: 'Patient/p9', type: 'Patient' },
    ]);
  });
});

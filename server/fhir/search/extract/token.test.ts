import { describe, expect, it } from 'vitest';
import { tokenValues } from './token.js';

describe('tokenValues', () => {
  it('reads Identifier system/value, with its type for :of-type and :text', () => {
    const identifier = {
      system: 'http://fhir.nl/fhir/NamingSystem/bsn',
      value: '999911120',
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'NI' }], text: 'BSN' },
    };
    expect(tokenValues([{ type: 'Identifier', value: identifier }])).toEqual({
      type: 'token',
      values: [{ system: 'http://fhir.nl/fhir/NamingSystem/bsn', code: '999911120' }],
      text: ['BSN'],
      ofType: [{ typeSystem: 'http://terminology.hl7.org/CodeSystem/v2-0203', typeCode: 'NI', value: '999911120' }],
    });
  });

  it('reads every coding of a CodeableConcept, its text and displays', () => {
    const concept = {
      coding: [{ system: 's', code: 'a', display: 'Aa' }, { system: 's2', code: 'b' }, { display: 'no code' }],
      text: 'free',
    };
    const tokens = tokenValues([{ type: 'CodeableConcept', value: concept }]);
    expect(tokens.values).toEqual([
      { system: 's', code: 'a', display: 'Aa' },
      { system: 's2', code: 'b' },
    ]);
    expect(tokens.text).toEqual(['free', 'Aa', 'no code']);
  });

  it('reads Coding, ContactPoint (its system as system) and primitives without system', () => {
    expect(
      tokenValues([
        { type: 'Coding', value: { system: 's', code: 'c' } },
        { type: 'ContactPoint', value: { system: 'email', value: 'a@b.nl', use: 'work' } },
        { type: 'boolean', value: false },
        { type: 'code', value: 'active' },
        { type: 'uri', value: 'http://x' },
      ]).values,
    ).toEqual([
      { system: 's', code: 'c' },
      { system: 'email', code: 'a@b.nl' },
      { system: undefined, code: 'false' },
      { system: undefined, code: 'active' },
      { system: undefined, code: 'http://x' },
    ]);
  });

  it('skips identifiers without value, empty strings, and duplicates', () => {
    expect(
      tokenValues([
        { type: 'Identifier', value: { system: 's' } },
        { type: 'code', value: '' },
        { type: 'Coding', value: { system: 's', code: 'c' } },
        { type: 'Coding', value: { system: 's', code: 'c', display: 'again' } },
      ]).values,
    ).toEqual([{ system: 's', code: 'c' }]);
  });
});

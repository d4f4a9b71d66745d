import { toTypedValue } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { tokenCriterion, tokenEntries } from './token-entry.js';

const bsn = { type: 'Identifier', value: { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '123456782' } };

describe('tokenEntries', () => {
  it('stores system|code, code alone and system alone for an Identifier', () => {
    expect(tokenEntries('identifier', bsn)).toEqual([
      'identifier|http://fhir.nl/fhir/NamingSystem/bsn|123456782',
      'identifier#123456782',
      'identifier|http://fhir.nl/fhir/NamingSystem/bsn|',
    ]);
  });

  it('stores every coding of a CodeableConcept', () => {
    const concept = { type: 'CodeableConcept', value: { coding: [{ system: 's1', code: 'a' }, { system: 's2', code: 'b' }] } };
    expect(tokenEntries('code', concept)).toContain('code|s2|b');
    expect(tokenEntries('code', concept)).toContain('code|s1|a');
  });

  it('stores a plain code with an empty system', () => {
    expect(tokenEntries('gender', toTypedValue('female'))).toEqual(['gender||female', 'gender#female']);
  });
});

describe('tokenCriterion', () => {
  it.each([
    ['123', 'identifier#123'],
    ['sys|123', 'identifier|sys|123'],
    ['|123', 'identifier||123'],
    ['sys|', 'identifier|sys|'],
  ])('turns identifier=%s into the stored entry %s', (value, entry) => {
    expect(tokenCriterion('identifier', value)).toBe(entry);
  });

  it('finds what tokenEntries stored for each FHIR token form', () => {
    const stored = tokenEntries('identifier', bsn);
    for (const value of ['123456782', 'http://fhir.nl/fhir/NamingSystem/bsn|123456782', 'http://fhir.nl/fhir/NamingSystem/bsn|']) {
      expect(stored).toContain(tokenCriterion('identifier', value));
    }
    expect(stored).not.toContain(tokenCriterion('identifier', '|123456782'));
  });
});

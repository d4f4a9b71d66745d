import { describe, expect, it } from 'vitest';
import { ofTypeEntry, presenceEntry, tokenCriterion, tokenEntries } from './token-entry.js';

const bsn = { system: 'http://fhir.nl/fhir/NamingSystem/bsn', code: '123456782' };

describe('tokenEntries', () => {
  it('stores system|code, code alone and system alone for a value with a system', () => {
    expect(tokenEntries('identifier', bsn)).toEqual([
      'identifier|http://fhir.nl/fhir/NamingSystem/bsn|123456782',
      'identifier#123456782',
      'identifier|http://fhir.nl/fhir/NamingSystem/bsn|',
    ]);
  });

  it('stores a plain code with an empty system', () => {
    expect(tokenEntries('gender', { system: undefined, code: 'female' })).toEqual(['gender||female', 'gender#female']);
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

  it('finds what tokenEntries stored for each FHIR token form, and not a code without system', () => {
    const stored = tokenEntries('identifier', bsn);
    for (const value of [
      '123456782',
      'http://fhir.nl/fhir/NamingSystem/bsn|123456782',
      'http://fhir.nl/fhir/NamingSystem/bsn|',
    ]) {
      expect(stored).toContain(tokenCriterion('identifier', value));
    }
    expect(stored).not.toContain(tokenCriterion('identifier', '|123456782'));
  });
});

describe('marker entries', () => {
  it('spells presence and of-type entries so that no token value entry can collide with them', () => {
    expect(presenceEntry('birthdate')).toBe('?birthdate');
    expect(ofTypeEntry('identifier', 'http://terminology.hl7.org/CodeSystem/v2-0203', 'MR', '12')).toBe(
      'identifier:of-type|http://terminology.hl7.org/CodeSystem/v2-0203|MR|12',
    );
  });
});

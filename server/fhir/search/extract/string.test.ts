import { describe, expect, it } from 'vitest';
import { normalizeString, stringValues } from './string.js';

describe('normalizeString', () => {
  it('lowers case, removes accents and collapses whitespace', () => {
    expect(normalizeString('  Zoë  Müller-Ängström ')).toBe('zoe muller-angstrom');
    expect(normalizeString('Çelik\tvan\n den Berg')).toBe('celik van den berg');
    expect(normalizeString('Ĳsselmeer')).toBe('ĳsselmeer');
  });
});

describe('stringValues', () => {
  it('reads every part of a HumanName, once each, keeping the exact original', () => {
    const name = {
      family: 'Jansen',
      given: ['Éva', 'Maria'],
      prefix: ['Dr.'],
      suffix: ['PhD'],
      text: 'Dr. Éva Jansen',
      use: 'official',
    };
    expect(
      stringValues([
        { type: 'HumanName', value: name },
        { type: 'HumanName', value: { family: 'Jansen' } },
      ]),
    ).toEqual([
      { normalized: 'jansen', exact: 'Jansen' },
      { normalized: 'eva', exact: 'Éva' },
      { normalized: 'maria', exact: 'Maria' },
      { normalized: 'dr.', exact: 'Dr.' },
      { normalized: 'phd', exact: 'PhD' },
      { normalized: 'dr. eva jansen', exact: 'Dr. Éva Jansen' },
    ]);
  });

  it('reads the parts of an Address but not its use or period', () => {
    const address = {
      use: 'home',
      line: ['Dorpsstraat 1'],
      city: "'s-Hertogenbosch",
      postalCode: '5211 AB',
      country: 'NL',
    };
    expect(stringValues([{ type: 'Address', value: address }]).map((v) => v.normalized)).toEqual([
      'dorpsstraat 1',
      "'s-hertogenbosch",
      '5211 ab',
      'nl',
    ]);
  });

  it('reads string and markdown primitives, and ignores other complex types', () => {
    expect(
      stringValues([
        { type: 'string', value: 'Hé' },
        { type: 'Coding', value: { code: 'x' } },
      ]),
    ).toEqual([{ normalized: 'he', exact: 'Hé' }]);
  });
});

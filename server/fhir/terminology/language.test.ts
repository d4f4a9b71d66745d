// displayIn: which text a concept shows for displayLanguage.
import { describe, expect, it } from 'vitest';
import { displayIn, languageMatch } from './language.js';

const DISPLAY = { system: 'http://terminology.hl7.org/CodeSystem/designation-usage', code: 'display' };
const SYNONYM = { system: 'http://snomed.info/sct', code: '900000000000013009' };

describe('languageMatch', () => {
  it.each([
    ['nl', 'nl', 2],
    ['NL-nl', 'nl-NL', 2],
    ['nl-NL', 'nl', 1],
    ['nl', 'nl-BE', 1],
    ['en', 'nl', 0],
    [undefined, 'nl', 0],
  ])('scores tag %s against %s as %i', (tag, wanted, score) => {
    expect(languageMatch(tag, wanted)).toBe(score);
  });
});

describe('displayIn', () => {
  it('takes the designation in the language asked for', () => {
    expect(
      displayIn('nl', 'Female', [
        { language: 'de', value: 'Weiblich' },
        { language: 'nl', value: 'Vrouw' },
      ]),
    ).toBe('Vrouw');
  });

  it('prefers an exact tag over a shared primary language', () => {
    expect(
      displayIn('nl-BE', 'x', [
        { language: 'nl', value: 'NL' },
        { language: 'nl-BE', value: 'BE' },
      ]),
    ).toBe('BE');
  });

  it('prefers a display designation over a synonym', () => {
    expect(
      displayIn('nl', 'x', [
        { language: 'nl', use: SYNONYM, value: 'syn' },
        { language: 'nl', use: DISPLAY, value: 'disp' },
      ]),
    ).toBe('disp');
  });

  it('keeps the display when the CodeSystem is written in that language', () => {
    expect(displayIn('nl', 'Eigen', [{ language: 'nl-BE', value: 'Andere' }], { language: 'nl' })).toBe('Eigen');
  });

  it('answers undefined when nothing is in that language', () => {
    expect(displayIn('fr', 'Female', [{ language: 'nl', value: 'Vrouw' }], { language: 'en' })).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { NAMING } from '../shared/naming-systems.js';
import { checkGln, checkGs1Text, checkGtin, checkOwner, checkSscc, gs1CheckDigitValid } from './identifiers.js';

describe('identifiers', () => {
  it.each([
    ['8712345300128', true],
    ['08712345100018', true],
    ['387198760000042177', true],
    ['8712345000004', true],
    ['8712345300129', false],
    ['387198760000042178', false],
  ])('GS1 check digit of %s is valid: %s', (digits, valid) => {
    expect(gs1CheckDigitValid(digits)).toBe(valid);
  });

  it('pads a GTIN to 14 digits for the UDI and keeps the code as written', () => {
    expect(checkGtin('8712345300128')).toEqual({
      ok: true,
      value: { code: '8712345300128', gtin14: '08712345300128' },
    });
    expect(checkGtin('(01)08712345100018')).toEqual({
      ok: true,
      value: { code: '08712345100018', gtin14: '08712345100018' },
    });
    expect(checkGtin('871234530012')).toMatchObject({ ok: false });
    expect(checkGtin('12345')).toEqual({ ok: false, reason: 'GTIN 12345 is not 8, 12, 13 or 14 digits' });
  });

  it('reads an SSCC with or without its application identifier 00', () => {
    expect(checkSscc('(00)387198760000042177')).toEqual({ ok: true, value: '387198760000042177' });
    expect(checkSscc('00387198760000042177')).toEqual({ ok: true, value: '387198760000042177' });
    expect(checkSscc('3871987600000421')).toMatchObject({ ok: false });
  });

  it('names an owner by scheme and value, or by a bare GLN', () => {
    expect(checkOwner('gemeente:0363')).toEqual({ ok: true, value: { system: NAMING.gemeentecode, value: '0363' } });
    expect(checkOwner('AGB: 57340012')).toEqual({ ok: true, value: { system: NAMING.agb, value: '57340012' } });
    expect(checkOwner('8712345000004')).toEqual({ ok: true, value: { system: NAMING.gln, value: '8712345000004' } });
    expect(checkOwner('ura:123')).toEqual({ ok: false, reason: 'owner ura:123: a ura is 8 digits' });
    expect(checkGln('8712345000005')).toMatchObject({ ok: false });
  });

  it('keeps serials and lots to what a GS1 UDI string can carry', () => {
    expect(checkGs1Text('serial', 'HLB-2023-004417')).toEqual({ ok: true, value: 'HLB-2023-004417' });
    expect(checkGs1Text('lot', 'L'.repeat(21))).toMatchObject({ ok: false });
    expect(checkGs1Text('serial', 'AB 12')).toMatchObject({ ok: false });
  });
});

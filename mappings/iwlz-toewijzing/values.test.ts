// The small value rules, and the schema folder the adapter is built on.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireExternal } from '../../test/support/external-material.js';
import { MappingError } from '../adapter.js';
import { iwlzToewijzingAdapter } from './adapter.js';
import { loadSchemas } from './schemas.js';
import { schemaDirOf } from './testing.js';
import { isValidBsn as passesElfproef } from '../../server/fhir/bsn.js';
import { amsterdamMidnight, besluitnummer, toewijzingIdentifier } from './values.js';

const folder = requireExternal('iwlz-xsd');

describe('value rules', () => {
  it('applies the 11-proof to a BSN', () => {
    expect(['999990548', '999933218', '999941549'].map(passesElfproef)).toEqual([true, true, true]);
    expect(['999990549', '99999054', '9999905481', '000000000', 'abcdefghi'].map(passesElfproef)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('gives 00:00 in Amsterdam with the offset of that moment, around both DST switches', () => {
    expect(amsterdamMidnight('2025-01-15')).toBe('2025-01-15T00:00:00+01:00');
    expect(amsterdamMidnight('2025-03-30')).toBe('2025-03-30T00:00:00+01:00');
    expect(amsterdamMidnight('2025-03-31')).toBe('2025-03-31T00:00:00+02:00');
    expect(amsterdamMidnight('2025-10-26')).toBe('2025-10-26T00:00:00+02:00');
    expect(amsterdamMidnight('2025-10-27')).toBe('2025-10-27T00:00:00+01:00');
  });

  it('writes a Besluitnummer canonically and refuses one out of range', () => {
    expect(besluitnummer({ value: '+000241045873', path: '/x' })).toBe('241045873');
    expect(() => besluitnummer({ value: '0', path: '/Bericht/x/Besluitnummer' })).toThrow(MappingError);
    expect(() => besluitnummer({ value: '1000000000', path: '/x' })).toThrow(/1 to 999999999/);
  });

  it('identifies a toewijzing by Besluitnummer, ZzpCode and Ingangsdatum', () => {
    expect(toewijzingIdentifier('241045873', '754', '2025-06-01')).toEqual({
      system: 'https://zorghub.example.org/fhir/NamingSystem/iwlz-toewijzing',
      value: '241045873 754 2025-06-01',
    });
  });
});

describe('the schema folder', () => {
  it('is required: a missing folder is an Error naming the folder and HUB_IWLZ_XSD_DIR', () => {
    const missing = path.join(tmpdir(), 'no-such-iwlz-folder');
    expect(() => iwlzToewijzingAdapter({ schemaDir: missing })).toThrow(
      new RegExp(`${missing}.*AW33.xsd or aw33.xsd is missing.*Set HUB_IWLZ_XSD_DIR`),
    );
  });

  it.skipIf(!folder.available)('must hold all three schemas, of iWlz 2.2', () => {
    const partial = mkdtempSync(path.join(tmpdir(), 'iwlz-xsd-'));
    copyFileSync(path.join(schemaDirOf(folder.path), 'AW33.xsd'), path.join(partial, 'AW33.xsd'));
    expect(() => loadSchemas(partial)).toThrow(/AW35.xsd or aw35.xsd is missing/);
    copyFileSync(path.join(schemaDirOf(folder.path), 'Basisschema.xsd'), path.join(partial, 'Basisschema.xsd'));
    writeFileSync(
      path.join(partial, 'AW35.xsd'),
      '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.istandaarden.nl/iwlz/2_1/aw35/schema"/>',
    );
    expect(() => loadSchemas(partial)).toThrow(/AW35.xsd has targetNamespace .*2_1.*, not iWlz 2.2's/);
  });

  it.skipIf(!folder.available)('gives the code labels of the basisschema', () => {
    const { labels } = loadSchemas(schemaDirOf(folder.path));
    expect(labels.zorgkantoor.get('5515')).toBe('Zorgkantoor Amsterdam');
    expect(labels.zzp.get('754')).toBe('5VV: Beschermd wonen met intensieve dementiezorg');
    expect([...labels.leveringsvorm.keys()]).toEqual(['2', '4', '5', '7', '8', '9']);
  });
});

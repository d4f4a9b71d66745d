// Every fixture against its golden file and the rules every mapped message is held to; each fixture that is meant
// to be a valid iWlz message is checked against the official XSD first, so the tests run on messages of the real shape.
import { beforeAll, describe, expect, it } from 'vitest';
import { requireExternal } from '../../test/support/external-material.js';
import { expectGolden, expectWellMapped } from '../../test/support/mapping-checks.js';
import type { Adapter } from '../adapter.js';
import { iwlzToewijzingAdapter, type Parsed } from './adapter.js';
import { readDocument, validateAgainstXsd } from './parse-xml.js';
import { loadSchemas } from './schemas.js';
import { fixture, fixturePath, isMapped, runBody, schemaDirOf } from './testing.js';

const folder = requireExternal('iwlz-xsd');

/** Each fixture, and whether it is a message the official XSD accepts. */
const FIXTURES: readonly { name: string; validXsd: boolean; mapped: boolean }[] = [
  { name: 'aw33-complete.xml', validXsd: true, mapped: true },
  { name: 'aw33-minimal.xml', validXsd: true, mapped: true },
  { name: 'aw33-rare-codes.xml', validXsd: true, mapped: true },
  { name: 'aw33-new-client.xml', validXsd: true, mapped: true },
  { name: 'aw33-change.xml', validXsd: true, mapped: true },
  { name: 'aw33-stop.xml', validXsd: true, mapped: true },
  { name: 'aw33-bad-bsn.xml', validXsd: true, mapped: false },
  { name: 'aw33-functie.xml', validXsd: true, mapped: false },
  { name: 'aw35-aanvang.xml', validXsd: true, mapped: true },
  { name: 'aw35-change.xml', validXsd: true, mapped: true },
  { name: 'aw35-functie.xml', validXsd: true, mapped: false },
  { name: 'aw35-withdrawn.xml', validXsd: true, mapped: false },
  { name: 'aw33-unknown-leveringsvorm.xml', validXsd: false, mapped: false },
  { name: 'aw33-xsd-invalid.xml', validXsd: false, mapped: false },
  { name: 'aw33-not-well-formed.xml', validXsd: false, mapped: false },
];

describe.skipIf(!folder.available)('iwlz-toewijzing fixtures', () => {
  let adapter: Adapter<Parsed>;
  beforeAll(() => {
    adapter = iwlzToewijzingAdapter({ schemaDir: schemaDirOf(folder.path) });
  });

  describe.each(FIXTURES)('$name', ({ name, validXsd, mapped }) => {
    it(validXsd ? 'validates against the official XSD' : 'does not validate against the official XSD', async () => {
      const raw = fixture(name);
      const schemas = loadSchemas(schemaDirOf(folder.path));
      const check = async () => validateAgainstXsd(raw, readDocument(raw).kind, schemas);
      if (validXsd) {
        await expect(check()).resolves.toBeUndefined();
      } else {
        await expect(check()).rejects.toThrow();
      }
    });

    it(mapped ? 'maps as its golden file says, by every rule' : 'is refused as its golden file says', async () => {
      const raw = fixture(name);
      const outcomes = await runBody(adapter, raw);
      expectGolden(fixturePath(name.replace(/\.xml$/, '.golden.json')), outcomes);
      expect(outcomes).toHaveLength(1);
      expect(outcomes.every(isMapped)).toBe(mapped);
      for (const outcome of outcomes) {
        if (isMapped(outcome)) {
          await expectWellMapped(outcome, raw);
        }
      }
    });
  });

  it('maps the same body to the same output, byte for byte', async () => {
    const raw = fixture('aw33-complete.xml');
    const first = JSON.stringify(await runBody(adapter, raw));
    const second = JSON.stringify(await runBody(iwlzToewijzingAdapter({ schemaDir: schemaDirOf(folder.path) }), raw));
    expect(second).toBe(first);
  });
});

// Each refusal of the adapter: where it points and at which stage. Bodies are fixtures with one thing changed.
import { describe, expect, it } from 'vitest';
import { MappingError } from '../adapter.js';
import { NAMING } from '../shared/naming-systems.js';
import { adapter, fixture, fixtureNames, refusal, run } from './test-support.js';

const complete = fixture('wmo301-complete');
const minimal = fixture('wmo301-minimal');
const stop = fixture('wmo307-stop');

function changed(body: string, from: string | RegExp, to: string): string {
  const result = body.replace(from, to);
  if (result === body) {
    throw new Error(`the test's change ${String(from)} does not apply`);
  }
  return result;
}

describe('refused at parse: not a WMO301 or WMO307', () => {
  const cases: [string, string, string, RegExp][] = [
    ['an empty body', '  \n', 'body', /empty/],
    ['a DOCTYPE', fixture('broken-doctype'), 'line 2', /DOCTYPE/],
    ['XML that is not well-formed', fixture('broken-not-well-formed'), 'line 16, Naam', /not well-formed/],
    ['an undeclared entity', changed(minimal, 'Bakker', 'B&auml;kker'), '<Achternaam>', /undeclared entity "&auml;"/],
    ['another root element', '<Patient xmlns="http://hl7.org/fhir"/>', '/Patient', /root element is Patient/],
    ['no Header', changed(minimal, /<Header>[\s\S]*<\/Header>/, ''), '/Bericht/Header', /no Header/],
    [
      'another iWmo message',
      changed(minimal, '<BerichtCode>414', '<BerichtCode>418'),
      '/Bericht/Header/BerichtCode',
      /418 is a WMO305/,
    ],
    [
      'an unknown BerichtCode',
      changed(minimal, '<BerichtCode>414', '<BerichtCode>999'),
      '/Bericht/Header/BerichtCode',
      /not an iWmo message code/,
    ],
    [
      'no BerichtCode under Bericht',
      changed(minimal, '<BerichtCode>414</BerichtCode>', ''),
      '/Bericht/Header/BerichtCode',
      /missing/,
    ],
    [
      'a root that contradicts the code',
      changed(fixture('wmo301-variant-no-namespace'), '<Header>', '<Header><BerichtCode>420</BerichtCode>'),
      '/WMO301/Header/BerichtCode',
      /root element is WMO301/,
    ],
    [
      'iWmo 2.x',
      changed(minimal, '<BerichtVersie>3', '<BerichtVersie>2'),
      '/Bericht/Header/BerichtVersie',
      /reads iWmo 3\.x/,
    ],
    [
      'no message identity',
      changed(minimal, '<Identificatie>A2025-118734</Identificatie>', ''),
      '/Bericht/Header/BerichtIdentificatie/Identificatie',
      /identity .* is missing/,
    ],
    [
      'no Dagtekening',
      changed(minimal, '<Dagtekening>2025-10-27</Dagtekening>', ''),
      '/Bericht/Header/BerichtIdentificatie/Dagtekening',
      /Dagtekening .* is missing/,
    ],
    ['no Client', changed(minimal, /<Client>[\s\S]*<\/Client>/, ''), '/Bericht/Client', /no Client/],
    ['no Bsn', changed(minimal, '<Bsn>999997336</Bsn>', ''), '/Bericht/Client[1]/Bsn', /Bsn is missing/],
    [
      'no ToegewezenProduct',
      changed(minimal, /<ToegewezenProducten>[\s\S]*<\/ToegewezenProducten>/, ''),
      '/Bericht/Client[1]/ToegewezenProducten',
      /no ToegewezenProduct/,
    ],
    [
      'no start date',
      changed(minimal, '<Ingangsdatum>2025-11-01</Ingangsdatum>', ''),
      '/Bericht/Client[1]/ToegewezenProducten/ToegewezenProduct[1]/Ingangsdatum',
      /start date .* is missing/,
    ],
    [
      'two start dates',
      changed(minimal, '<Ingangsdatum>', '<ToewijzingIngangsdatum>2025-11-01</ToewijzingIngangsdatum><Ingangsdatum>'),
      '/Bericht/Client[1]/ToegewezenProducten/ToegewezenProduct[1]/Ingangsdatum',
      /ToewijzingIngangsdatum and Ingangsdatum occurs 2 times/,
    ],
    [
      'a value that holds elements',
      changed(minimal, '<Bsn>999997336</Bsn>', '<Bsn><Nummer>999997336</Nummer></Bsn>'),
      '/Bericht/Client[1]/Bsn',
      /holds elements/,
    ],
    [
      'a stop without Einddatum',
      changed(stop, '<wmo307:Einddatum>2025-09-30</wmo307:Einddatum>', ''),
      '/Bericht/Client[1]/StopProducten/StopProduct[1]/Einddatum',
      /Einddatum is missing/,
    ],
  ];
  for (const [what, body, location, reason] of cases) {
    it(what, async () => {
      const refused = await refusal(body);
      expect(refused).toMatchObject({ stage: 'parse', location });
      expect(refused.message).toMatch(reason);
    });
  }
});

describe('refused at map: an iWmo message whose content the hub cannot take', () => {
  const product = '/Bericht/Client[1]/ToegewezenProducten/ToegewezenProduct[1]';
  const cases: [string, string, string, RegExp][] = [
    ['a BSN failing the elfproef', fixture('wmo301-bad-bsn'), '/Bericht/Client[2]/Bsn', /elfproef/],
    ['a BSN of 8 digits', changed(minimal, '999997336', '99999733'), '/Bericht/Client[1]/Bsn', /9 digits/],
    [
      'a gemeentecode of 3 digits',
      changed(minimal, '<Afzender>0363', '<Afzender>363'),
      '/Bericht/Header/Afzender',
      /4 digits/,
    ],
    [
      'a Dagtekening that is no date',
      changed(minimal, '<Dagtekening>2025-10-27', '<Dagtekening>2025-02-30'),
      '/Bericht/Header/BerichtIdentificatie/Dagtekening',
      /not a date/,
    ],
    [
      'an unknown RedenWijziging',
      changed(
        minimal,
        '<Ingangsdatum>2025-11-01</Ingangsdatum>',
        '<Ingangsdatum>2025-11-01</Ingangsdatum><RedenWijziging>99</RedenWijziging>',
      ),
      `${product}/RedenWijziging`,
      /not a code of WMO002/,
    ],
    [
      'an unknown Geslacht',
      changed(minimal, '<Geslacht>0', '<Geslacht>9'),
      '/Bericht/Client[1]/Geslacht',
      /not a code of COD046/,
    ],
    [
      'an unknown DatumGebruik',
      changed(minimal, '<DatumGebruik>1', '<DatumGebruik>7'),
      '/Bericht/Client[1]/Geboortedatum/DatumGebruik',
      /COD170/,
    ],
    [
      'an unknown Soort adres',
      changed(minimal, '<Soort>01', '<Soort>09'),
      '/Bericht/Client[1]/Contactgegevens/Contact[1]/Soort',
      /COD757/,
    ],
    [
      'a malformed Dutch postcode',
      changed(minimal, '1055KL', '1055 kl'),
      '/Bericht/Client[1]/Contactgegevens/Contact[1]/Adres/Postcode',
      /not a Dutch postcode/,
    ],
    [
      'no product category',
      changed(minimal, '<Categorie>14</Categorie>', ''),
      `${product}/Product/Categorie`,
      /product category/,
    ],
    [
      'no Product at all',
      changed(minimal, /<Product>[\s\S]*?<\/Product>/, ''),
      `${product}/Product`,
      /product category/,
    ],
    [
      'a product category of one digit',
      changed(minimal, '<Categorie>14', '<Categorie>4'),
      `${product}/Product/Categorie`,
      /2 digits/,
    ],
    [
      'a malformed product code',
      changed(complete, '13A05', '13-A5'),
      '/Bericht/Client[1]/ToegewezenProducten/ToegewezenProduct[1]/Product/Code',
      /5 characters/,
    ],
    [
      'an end before the start',
      changed(
        minimal,
        '<Ingangsdatum>2025-11-01</Ingangsdatum>',
        '<Ingangsdatum>2025-11-01</Ingangsdatum><Einddatum>2025-10-31</Einddatum>',
      ),
      `${product}/Einddatum`,
      /before the start date/,
    ],
    [
      'a ToewijzingNummer twice',
      changed(complete, '2025000413', '2025000412'),
      '/Bericht/Client[1]/ToegewezenProducten/ToegewezenProduct[2]/ToewijzingNummer',
      /occurs twice/,
    ],
    [
      'a client twice',
      changed(complete, '<wmo301:Bsn>999991693', '<wmo301:Bsn>999993653'),
      '/Bericht/Client[2]/Bsn',
      /occurs twice/,
    ],
    [
      'a stop withdrawing an earlier stop',
      changed(stop, '<wmo307:StatusAanlevering>1', '<wmo307:StatusAanlevering>3'),
      '/Bericht/Client[1]/StopProducten/StopProduct[1]/StatusAanlevering',
      /StatusAanlevering 3/,
    ],
    [
      'a stop from an AGB code of 7 digits',
      changed(stop, '<wmo307:Afzender>73730801', '<wmo307:Afzender>7373080'),
      '/Bericht/Header/Afzender',
      /8 digits/,
    ],
  ];
  for (const [what, body, location, reason] of cases) {
    it(what, async () => {
      const refused = await refusal(body);
      expect(refused).toMatchObject({ stage: 'map', location });
      expect(refused.message).toMatch(reason);
    });
  }
});

describe('the sending client', () => {
  const receivedAt = '2025-10-03T12:00:00+02:00';
  const mapAs = async (body: string, sender: { system: string; value: string }) =>
    adapter.map(await adapter.parse({ raw: body, location: 'message 1' }), { receivedAt, sender });

  it('refuses a WMO301 whose Afzender is another gemeente than the registered one', async () => {
    await expect(mapAs(complete, { system: NAMING.gemeentecode, value: '0363' })).rejects.toMatchObject({
      location: '/Bericht/Header/Afzender',
      stage: 'map',
      message: expect.stringMatching(/registered as 0363/),
    });
  });

  it('refuses a WMO307 whose Afzender is another aanbieder than the registered one', async () => {
    await expect(mapAs(stop, { system: NAMING.agb, value: '01234567' })).rejects.toMatchObject({
      location: '/Bericht/Header/Afzender',
    });
  });

  it('accepts the registered gemeente, and a client registered under another system (a gateway)', async () => {
    expect((await mapAs(complete, { system: NAMING.gemeentecode, value: '0344' })).key).toBe('iwmo:0344:UTR2025-0311');
    expect((await mapAs(complete, { system: NAMING.ura, value: '90000123' })).key).toBe('iwmo:0344:UTR2025-0311');
  });
});

describe('never a crash', () => {
  it('every cut-off or element-less version of every fixture maps or is refused with a MappingError', async () => {
    let refused = 0;
    for (const name of fixtureNames()) {
      const body = fixture(name);
      const variants = [
        ...Array.from({ length: Math.ceil(body.length / 61) }, (_, i) => body.slice(0, i * 61)),
        ...[...body.matchAll(/<([\w:]+)>[^<]*<\/\1>/g)].map((m) => body.replace(m[0], '')),
      ];
      for (const variant of variants) {
        // run() rethrows anything that is not a MappingError; the guard's own wording means an unforeseen failure.
        for (const outcome of await run(variant)) {
          if ('error' in outcome) {
            refused++;
            expect(outcome.error.message).not.toMatch(/could not be read/);
          }
        }
      }
    }
    expect(refused).toBeGreaterThan(100);
  });

  it('wraps an unexpected failure of map in a MappingError', () => {
    expect(() => adapter.map({ kind: 'WMO301' } as never, { receivedAt: '2025-10-03T12:00:00+02:00' })).toThrow(
      MappingError,
    );
  });
});

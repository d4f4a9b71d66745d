// The rules of the mapping one by one, and each refusal, on the fixtures changed in one place.
import type { Binary, Coverage, Patient } from '@medplum/fhirtypes';
import jsonpatch from 'fast-json-patch';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireExternal } from '../../test/support/external-material.js';
import { expectWellMapped, profileProblems } from '../../test/support/mapping-checks.js';
import type { Adapter, MappedMessage } from '../adapter.js';
import { iwlzToewijzingAdapter, type Parsed } from './adapter.js';
import { fixture, mapOne, refusalOf, schemaDirOf } from './testing.js';

const folder = requireExternal('iwlz-xsd');
const SOURCE_TIME = 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-source-time';

/** The fixture with one piece replaced; fails when the piece is not there, so no test passes on an unchanged message. */
function edit(raw: string, from: string | RegExp, to: string): string {
  const changed = raw.replace(from, to);
  if (changed === raw) {
    throw new Error(`${String(from)} is not in the fixture`);
  }
  return changed;
}

function resources<T>(mapped: MappedMessage, type: string): T[] {
  return (mapped.bundle.entry ?? []).filter((e) => e.resource?.resourceType === type).map((e) => e.resource as T);
}

function requests(mapped: MappedMessage, type: string): string[] {
  return (mapped.bundle.entry ?? [])
    .filter((e) => e.resource?.resourceType === type)
    .map((e) => `${e.request?.method} ${e.request?.url}`);
}

describe.skipIf(!folder.available)('iwlz-toewijzing mapping rules', () => {
  let adapter: Adapter<Parsed>;
  beforeAll(() => {
    adapter = iwlzToewijzingAdapter({ schemaDir: schemaDirOf(folder.path) });
  });

  it('keys a message by BerichtCode, Afzender and Identificatie, timed at 00:00 Amsterdam of the Dagtekening', async () => {
    const summer = await mapOne(adapter, fixture('aw33-complete.xml'));
    expect(summer.key).toBe('iwlz:352:5515:ZK5515-08812');
    expect(summer.time).toBe('2025-05-12T00:00:00+02:00');
    const winter = await mapOne(
      adapter,
      edit(
        fixture('aw33-complete.xml'),
        '<iwlz:Dagtekening>2025-05-12</iwlz:Dagtekening>',
        '<iwlz:Dagtekening>2025-03-30</iwlz:Dagtekening>',
      ),
    );
    // 30 March 2025 is the day summer time starts, at 02:00: midnight is still winter time.
    expect(winter.time).toBe('2025-03-30T00:00:00+01:00');
  });

  it('makes one Coverage per toewijzing, and a later AW33 for the same toewijzing updates that Coverage', async () => {
    const first = await mapOne(adapter, fixture('aw33-complete.xml'));
    const later = await mapOne(adapter, fixture('aw33-change.xml'));
    const [vpt, verblijf] = requests(first, 'Coverage');
    expect(requests(later, 'Coverage')).toEqual([verblijf]);
    expect(vpt).not.toBe(verblijf);
    const before = resources<Coverage>(first, 'Coverage')[1];
    const after = resources<Coverage>(later, 'Coverage')[0];
    expect(before?.period).toEqual({ start: '2025-06-01' });
    expect(after?.period).toEqual({ start: '2025-06-01', end: '2025-12-31' });
    expect(after?.identifier).toEqual(before?.identifier);
    // The entries' fullUrls are per message; what the Coverage points at is the same zorgkantoor.
    expect(after?.payor?.[0]?.identifier).toEqual(before?.payor?.[0]?.identifier);
  });

  it('carries the Besluitnummer, the regime, the zorgkantoor as payor and both classes, labelled from the basisschema', async () => {
    const mapped = await mapOne(adapter, fixture('aw33-rare-codes.xml'));
    const [dtv, vkb] = resources<Coverage>(mapped, 'Coverage');
    expect(dtv?.identifier?.[0]).toEqual({
      system: 'https://zorghub.example.org/fhir/NamingSystem/iwlz-besluitnummer',
      value: '241112007',
    });
    expect(dtv?.type?.coding?.[0]?.code).toBe('wlz');
    expect(dtv?.payor?.[0]?.identifier).toEqual({ system: 'http://fhir.nl/fhir/NamingSystem/uzovi', value: '5520' });
    expect(dtv?.class?.map((c) => [c.value, c.name])).toEqual([
      ['808', '5VG: Wonen met intensieve begeleiding en intensieve verzorging'],
      ['8', 'Deeltijdverblijf (DTV)'],
    ]);
    expect(vkb?.class?.[1]?.name).toBe('Verkeerde bed (VKB)');
    // Two clients of one zorgkantoor: one Organization entry.
    expect(requests(mapped, 'Organization')).toHaveLength(1);
    expect(resources<Patient>(mapped, 'Patient')).toHaveLength(2);
  });

  it('writes the Besluitnummer in its canonical form', async () => {
    const raw = edit(fixture('aw33-minimal.xml'), '<aw33:Besluitnummer>241077310<', '<aw33:Besluitnummer>+0241077310<');
    const mapped = await mapOne(adapter, raw);
    expect(resources<Coverage>(mapped, 'Coverage')[0]?.identifier?.map((i) => i.value)).toEqual([
      '241077310',
      '241077310 753 2025-04-01',
    ]);
    await expectWellMapped(mapped, raw);
  });

  it('ends a stopped toewijzing at its Einddatum and cancels one withdrawn before it began', async () => {
    const mapped = await mapOne(adapter, fixture('aw33-stop.xml'));
    const [running, planned] = resources<Coverage>(mapped, 'Coverage');
    expect([running?.status, running?.period]).toEqual(['active', { start: '2025-04-01', end: '2025-08-20' }]);
    expect([planned?.status, planned?.period]).toEqual(['cancelled', { start: '2025-09-01' }]);
  });

  it('refers to a known Patient by BSN when the message lacks an address to deliver to', async () => {
    const mapped = await mapOne(adapter, fixture('aw33-minimal.xml'));
    expect(resources(mapped, 'Patient')).toEqual([]);
    expect(resources<Coverage>(mapped, 'Coverage')[0]?.beneficiary).toEqual({
      reference: 'Patient?identifier=http%3A%2F%2Ffhir.nl%2Ffhir%2FNamingSystem%2Fbsn|999990822',
    });
  });

  it('creates the Patient if absent when the message carries what hub-Patient needs, and refers to that entry', async () => {
    const mapped = await mapOne(adapter, fixture('aw33-new-client.xml'));
    const entry = mapped.bundle.entry?.find((e) => e.resource?.resourceType === 'Patient');
    expect(entry?.request).toEqual({
      method: 'POST',
      url: 'Patient',
      ifNoneExist: 'identifier=http%3A%2F%2Ffhir.nl%2Ffhir%2FNamingSystem%2Fbsn|999992740',
    });
    expect(resources<Coverage>(mapped, 'Coverage')[0]?.beneficiary?.reference).toBe(entry?.fullUrl);
  });

  it('leaves the Patient out when only the year of birth is unknown too (DatumGebruik 3)', async () => {
    const raw = edit(
      fixture('aw33-new-client.xml'),
      '<iwlz:DatumGebruik>1</iwlz:DatumGebruik>',
      '<iwlz:DatumGebruik>3</iwlz:DatumGebruik>',
    );
    const mapped = await mapOne(adapter, raw);
    expect(resources(mapped, 'Patient')).toEqual([]);
    expect(resources<Coverage>(mapped, 'Coverage')[0]?.beneficiary?.reference).toMatch(/^Patient\?identifier=/);
  });

  it('reads Dutch names: own name as family, the name as used in text, initials as given', async () => {
    const partnerFirst = resources<Patient>(await mapOne(adapter, fixture('aw33-new-client.xml')), 'Patient')[0];
    expect(partnerFirst?.name?.[0]).toMatchObject({ text: 'J.H. Bakker-Smit', family: 'Smit', given: ['J', 'H'] });
    const raw = edit(
      fixture('aw33-complete.xml'),
      '<iwlz:NaamGebruik>4</iwlz:NaamGebruik>',
      '<iwlz:NaamGebruik>2</iwlz:NaamGebruik>',
    );
    const partner = resources<Patient>(await mapOne(adapter, raw), 'Patient')[0];
    expect(partner?.name?.[0]).toMatchObject({ text: 'Wilhelmina Johanna de Groot', family: 'van den Berg' });
    expect(partner?.gender).toBe('female');
    expect(partner?.birthDate).toBe('1936-08-14');
  });

  it('writes a Dutch postcode in capitals, as hub-Patient wants it', async () => {
    const mapped = await mapOne(adapter, fixture('aw33-rare-codes.xml'));
    expect(resources<Patient>(mapped, 'Patient')[0]?.address?.[0]?.postalCode).toBe('2806LB');
  });

  it('refuses a BSN that fails the 11-proof at its element', async () => {
    const error = await refusalOf(adapter, fixture('aw33-bad-bsn.xml'));
    expect([error.stage, error.location]).toEqual(['map', '/Bericht/Clienten/Client[1]/Bsn']);
    expect(error.message).toContain('11-proof');
  });

  it('refuses an unknown code at parse, naming the element and its line', async () => {
    const error = await refusalOf(adapter, fixture('aw33-unknown-leveringsvorm.xml'));
    expect([error.stage, error.location]).toEqual(['parse', 'line 52, Leveringsvorm']);
    expect(error.message).toContain("The value '6' is not an element of the set");
  });

  it('refuses a message whose XSD errors are several, and says how many more there are', async () => {
    const raw = edit(
      edit(fixture('aw33-minimal.xml'), '<aw33:Geslacht>1<', '<aw33:Geslacht>3<'),
      '<aw33:Leefeenheid>1<',
      '<aw33:Leefeenheid>8<',
    );
    const error = await refusalOf(adapter, raw);
    expect(error.location).toBe('line 25, Geslacht');
    expect(error.message).toMatch(/\(and 1 more error\)$/);
  });

  it('refuses a DOCTYPE before anything reads it', async () => {
    const raw = edit(
      fixture('aw33-minimal.xml'),
      '?>\n',
      '?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n',
    );
    const error = await refusalOf(adapter, raw);
    expect([error.stage, error.location]).toEqual(['parse', 'line 2']);
    expect(error.message).toContain('DOCTYPE');
  });

  it('refuses other releases and other messages by their namespace', async () => {
    const older = await refusalOf(
      adapter,
      fixture('aw33-minimal.xml').replaceAll('/iwlz/2_2/aw33/', '/iwlz/2_1/aw33/'),
    );
    expect([older.stage, older.location]).toEqual(['parse', 'line 2']);
    expect(older.message).toContain('iWlz 2.1 AW33 is not accepted');
    const other = await refusalOf(adapter, '<Bericht xmlns="http://www.istandaarden.nl/iwlz/2_2/aw39/schema"/>');
    expect(other.message).toContain('iWlz 2.2 AW39 is not accepted');
    const html = await refusalOf(adapter, '<html><body/></html>');
    expect(html.message).toContain('the root element is html');
  });

  it('refuses an empty body when splitting', () => {
    expect(() => adapter.split('  \n')).toThrow(/the body is empty/);
  });

  it('refuses a message naming one client twice, or one toewijzing twice', async () => {
    const complete = fixture('aw33-complete.xml');
    const client = complete.slice(complete.indexOf('    <aw33:Client>'), complete.indexOf('  </aw33:Clienten>'));
    const twice = await refusalOf(adapter, edit(complete, '  </aw33:Clienten>', `${client}  </aw33:Clienten>`));
    expect([twice.location, twice.message]).toEqual([
      '/Bericht/Clienten/Client[2]/Bsn',
      'BSN 999990548 is also at /Bericht/Clienten/Client[1]/Bsn: one Client per BSN',
    ]);
    const sameStart = edit(complete, '<aw33:Ingangsdatum>2025-06-01<', '<aw33:Ingangsdatum>2025-02-01<');
    const repeated = await refusalOf(adapter, sameStart);
    expect(repeated.location).toBe(
      '/Bericht/Clienten/Client[1]/Indicatie/ToegewezenZorgzwaartepakketten/ToegewezenZorgzwaartepakket[2]',
    );
  });

  it('refuses a client with toegewezen functies, which hub-Coverage cannot hold yet', async () => {
    const error = await refusalOf(adapter, fixture('aw33-functie.xml'));
    expect([error.stage, error.location]).toEqual([
      'map',
      '/Bericht/Clienten/Client[1]/Indicatie/ToegewezenFuncties/ToegewezenFunctie[1]',
    ]);
  });

  it("patches an AW35's report onto the Coverage of the toewijzing it names, for its client only, valid by hub-Coverage", async () => {
    const coverage = resources<Coverage>(await mapOne(adapter, fixture('aw33-complete.xml')), 'Coverage')[1]!;
    const mapped = await mapOne(adapter, fixture('aw35-aanvang.xml'));
    expect(mapped.key).toBe('iwlz:354:73730802:AB-0000431');
    const [entry, ...others] = mapped.bundle.entry ?? [];
    expect(others).toEqual([]);
    const toewijzing = coverage.identifier?.[1];
    expect(entry?.request).toEqual({
      method: 'PATCH',
      url:
        `Coverage?identifier=${encodeURIComponent(toewijzing!.system!)}|${encodeURIComponent(toewijzing!.value!)}` +
        `&beneficiary:Patient.identifier=${encodeURIComponent('http://fhir.nl/fhir/NamingSystem/bsn')}|999990548`,
    });
    const operations = JSON.parse(Buffer.from((entry!.resource as Binary).data!, 'base64').toString('utf8'));
    // As the ingest path holds it: with the source time an AW33's Coverage always carries.
    const held = {
      ...coverage,
      id: 'c1',
      extension: [{ url: SOURCE_TIME, valueDateTime: '2025-05-12T00:00:00+02:00' }],
    };
    const patched = jsonpatch.applyPatch(structuredClone(held), operations).newDocument as Coverage;
    expect(await profileProblems(patched)).toEqual([]);
    expect(patched.extension?.[1]).toEqual({
      url: 'https://zorghub.example.org/fhir/StructureDefinition/hub-ext-care-start',
      extension: [
        { url: 'start', valueDate: '2025-06-03' },
        {
          url: 'status',
          valueCoding: {
            system: 'https://zorghub.example.org/fhir/CodeSystem/iwlz-leveringsstatus',
            code: '4',
            display: 'In zorg',
          },
        },
        { url: 'provider', valueIdentifier: { system: 'http://fhir.nl/fhir/NamingSystem/agb-z', value: '73730802' } },
        { url: 'reported', valueDateTime: '2025-06-04T00:00:00+02:00' },
      ],
    });
    const { extension: _x, ...unchanged } = patched;
    const { extension: _y, ...before } = held;
    expect(unchanged).toEqual(before);
  });

  it('refuses an AW35 with a bad BSN, a functie, a withdrawal, or one toewijzing twice, naming where', async () => {
    const aanvang = fixture('aw35-aanvang.xml');
    const badBsn = await refusalOf(adapter, edit(aanvang, '999990548', '999990549'));
    expect(badBsn.location).toBe('/Bericht/Clienten/Client[1]/Bsn');
    const functie = await refusalOf(adapter, fixture('aw35-functie.xml'));
    expect(functie.location).toBe('/Bericht/Clienten/Client[1]/GeleverdeFuncties/GeleverdeFunctie[1]');
    const withdrawn = await refusalOf(adapter, fixture('aw35-withdrawn.xml'));
    expect(withdrawn.location).toMatch(/GeleverdZorgzwaartepakket\[1\]\/StatusAanlevering$/);
    const one = aanvang.slice(
      aanvang.indexOf('        <aw35:GeleverdZorgzwaartepakket>'),
      aanvang.indexOf('      </aw35:GeleverdeZorgzwaartepakketten>'),
    );
    const twice = await refusalOf(
      adapter,
      edit(aanvang, '      </aw35:GeleverdeZorgzwaartepakketten>', `${one}      </aw35:GeleverdeZorgzwaartepakketten>`),
    );
    expect(twice.location).toMatch(/GeleverdZorgzwaartepakket\[2\]$/);
  });
});

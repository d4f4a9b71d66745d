import type { Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { isValidBsn as passesElfproef } from '../../server/fhir/bsn.js';
import { fixture, mapOne, refusal, resources, setField } from './testing.js';

const ORDER = fixture('orm-new-order-complete.hl7');
const patientOf = (raw: string) => resources<Patient>(mapOne(raw), 'Patient')[0];
const withPid = (field: number, value: string) => setField(ORDER, 'PID', field, value);

describe('the client from PID', () => {
  it('takes the BSN from the PID-3 repetition of NLMINBIZA, not the hospital number', () => {
    expect(patientOf(ORDER).identifier).toEqual([
      { system: 'http://fhir.nl/fhir/NamingSystem/bsn', value: '999931271' },
    ]);
  });

  it('also knows the BSN by identifier type NNNLD or by the BSN OID as assigning authority', () => {
    expect(patientOf(withPid(3, '7012345^^^HOSP^PI~999931271^^^^NNNLD')).identifier?.[0].value).toBe('999931271');
    expect(patientOf(withPid(3, '999931271^^^&2.16.840.1.113883.2.4.6.3&ISO')).identifier?.[0].value).toBe('999931271');
  });

  it('refuses a message without a BSN at PID-3', () => {
    const err = refusal(() => mapOne(withPid(3, '7012345^^^ZHAMSTELLAND^PI')));
    expect([err.location, err.stage]).toEqual(['PID-3', 'map']);
    expect(err.message).toMatch(/^no BSN/);
  });

  it('refuses a BSN that fails the 11-test, and two different BSNs', () => {
    expect(passesElfproef('999931271')).toBe(true);
    expect(passesElfproef('999931272')).toBe(false);
    expect(passesElfproef('000000000')).toBe(false); // its sum is 0, yet it is no BSN (the copy here accepted it)
    expect(refusal(() => mapOne(withPid(3, '999931272^^^NLMINBIZA'))).message).toMatch(/11-test/);
    const two = refusal(() => mapOne(withPid(3, '999931271^^^NLMINBIZA~999937339^^^NLMINBIZA')));
    expect([two.location, two.message]).toEqual(['PID-3', expect.stringMatching(/more than one BSN/)]);
  });

  it('writes the voorvoegsel into family and the parts into the nl-core extensions', () => {
    const [name] = patientOf(ORDER).name ?? [];
    expect(name).toEqual({
      use: 'official',
      family: 'van der Berg',
      _family: {
        extension: [
          { url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix', valueString: 'van der' },
          { url: 'http://hl7.org/fhir/StructureDefinition/humanname-own-name', valueString: 'Berg' },
        ],
      },
      given: ['Hendrika', 'Johanna'],
    });
  });

  it('does not repeat a voorvoegsel that the surname already carries', () => {
    const [name] = patientOf(withPid(5, 'van der Berg&van der^Hendrika')).name ?? [];
    expect(name.family).toBe('van der Berg');
    expect(JSON.stringify(name)).toContain('"valueString":"Berg"');
  });

  it('keeps a plain surname plain, and the partner name in its extensions', () => {
    expect(patientOf(withPid(5, 'Smit^Jan')).name).toEqual([{ family: 'Smit', given: ['Jan'] }]);
    const [name] = patientOf(withPid(5, 'Jansen-de Wit&&Jansen&de&Wit^Gerarda')).name ?? [];
    expect(name.family).toBe('Jansen-de Wit');
    expect(JSON.stringify(name)).toContain('humanname-partner-prefix","valueString":"de"');
  });

  it('refuses a client without a name, a birth date or a valid birth date', () => {
    expect(refusal(() => mapOne(withPid(5, ''))).location).toBe('PID-5');
    expect(refusal(() => mapOne(withPid(7, ''))).location).toBe('PID-7');
    expect(refusal(() => mapOne(withPid(7, '19411322'))).message).toMatch(/not an HL7 date/);
  });

  it('keeps only the date of a birth date with a time', () => {
    expect(patientOf(withPid(7, '194106220830+0200')).birthDate).toBe('1941-06-22');
  });

  it('maps administrative sex M, F, O, U and refuses another code', () => {
    const genders = ['M', 'F', 'O', 'U'].map((sex) => patientOf(withPid(8, sex)).gender);
    expect(genders).toEqual(['male', 'female', 'other', 'unknown']);
    expect(patientOf(withPid(8, '')).gender).toBeUndefined();
    const err = refusal(() => mapOne(withPid(8, 'X')));
    expect([err.location, err.message]).toEqual(['PID-8', expect.stringMatching(/X is not/)]);
  });

  it('needs an address to deliver to, with a Dutch postcode', () => {
    expect(refusal(() => mapOne(withPid(11, ''))).location).toBe('PID-11');
    expect(refusal(() => mapOne(withPid(11, 'Kastanjelaan 14^^Amstelveen'))).message).toMatch(/no address/);
    expect(refusal(() => mapOne(withPid(11, 'Kastanjelaan 14^^Amstelveen^^1181kj^NL'))).message).toMatch(
      /not a Dutch postcode/,
    );
    const foreign = patientOf(withPid(11, 'Kastanjelaan 14^^Amstelveen^^1181 KJ^NL~Hauptstr. 5^^Kleve^^47533^DE'));
    expect(foreign.address?.[1]).toEqual({ line: ['Hauptstr. 5'], city: 'Kleve', postalCode: '47533', country: 'DE' });
  });

  it('builds the street line from street name and house number when SAD-1 is empty', () => {
    const patient = patientOf(withPid(11, '&Kastanjelaan&14^2 hoog^Amstelveen^^1181 KJ^NL^H'));
    expect(patient.address?.[0].line).toEqual(['Kastanjelaan 14', '2 hoog']);
  });

  it('maps phone numbers with their use, a mobile phone as mobile, and e-mail', () => {
    const patient = patientOf(withPid(13, '020-6431289^PRN^PH~06-41234567^^CP~^NET^Internet^h.vdberg@example.nl'));
    expect(patient.telecom).toEqual([
      { system: 'phone', value: '020-6431289', use: 'home' },
      { system: 'phone', value: '06-41234567', use: 'mobile' },
      { system: 'email', value: 'h.vdberg@example.nl' },
    ]);
  });
});

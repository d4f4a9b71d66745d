// A Zvw Coverage from an IN1: the insurer by UZOVI (IN1-3), the verzekerdenummer (IN1-36, else IN1-49) as
// subscriberId and, scoped by the UZOVI code, as the identifier the Coverage is found by; the zib Verzekeringssoort
// from IN1-15, the period from IN1-12 / IN1-13. Wlz (zorgkantoor codes 55xx) and Wmo coverage do not come from HL7 v2
// orders but from iWlz / iWmo messages, so they are refused here.
import type { Coverage, Identifier } from '@medplum/fhirtypes';
import { HUB_CODE_SYSTEM, HUB_PROFILE, VERZEKERINGSSOORT } from './code-maps.js';
import { refuse } from './errors.js';
import type { Seg } from './hl7-read.js';
import { fhirDate } from './hl7-time.js';
import { cxId, verzekerdenummerSystem } from './identifiers.js';
import { compact } from './map-person.js';
import { NAMING } from '../shared/naming-systems.js';

export interface MappedCoverage {
  readonly uzovi: string;
  readonly identifier: Identifier;
  /** The Coverage, its beneficiary and payor still to be filled by reference. */
  readonly build: (beneficiary: string, payor: string) => Coverage;
}

export function mapCoverage(in1: Seg): MappedCoverage {
  const company = in1.rep(3);
  const uzovi = company?.get(1);
  if (!company || !uzovi) {
    throw refuse.missing(in1.at(3), 'no insurer in IN1-3: send the UZOVI code of the health insurer');
  }
  const register = cxId(company)?.register;
  const named = company.get(4, 1) ?? company.get(4, 2) ?? company.get(5);
  if ((register && register !== 'uzovi') || (!register && named)) {
    throw refuse.unknownCode(in1.at(3), `IN1-3 is issued by ${named}: expects the insurer's UZOVI code`);
  }
  if (!/^\d{4}$/.test(uzovi)) {
    throw refuse.invalid(in1.at(3), `UZOVI code ${uzovi} must have 4 digits`);
  }
  if (uzovi.startsWith('55')) {
    throw refuse.unknownCode(
      in1.at(3),
      `UZOVI ${uzovi} is a zorgkantoor: Wlz coverage comes from iWlz messages, not from an HL7 v2 order`,
    );
  }
  const number = in1.value(36) ?? in1.value(49);
  if (!number) {
    throw refuse.missing(in1.at(36), 'no verzekerdenummer in IN1-36 (or IN1-49): a Zvw coverage needs it');
  }
  const soort = in1.value(15);
  if (!soort) {
    throw refuse.missing(
      in1.at(15),
      `no Verzekeringssoort in IN1-15: send one of ${[...VERZEKERINGSSOORT.codes.keys()].join(', ')}`,
    );
  }
  const soortDisplay = VERZEKERINGSSOORT.codes.get(soort.toUpperCase());
  if (!soortDisplay) {
    throw refuse.unknownCode(
      in1.at(15),
      `IN1-15 ${soort} is not a zib Verzekeringssoort (${[...VERZEKERINGSSOORT.codes.keys()].join(', ')})`,
    );
  }
  const start = date(in1, 12, 'the start of the insurance (IN1-12 plan effective date)');
  const end = in1.value(13) === undefined ? undefined : date(in1, 13, 'IN1-13 plan expiration date');
  if (end && start > end) {
    throw refuse.invalid(in1.at(13), `IN1-13 ${end} is before IN1-12 ${start}`);
  }
  const identifier: Identifier = { system: verzekerdenummerSystem(uzovi), value: number };
  const build = (beneficiary: string, payor: string): Coverage =>
    compact({
      resourceType: 'Coverage',
      meta: { profile: [`${HUB_PROFILE}hub-Coverage`] },
      identifier: [identifier],
      status: 'active',
      type: {
        coding: [
          { system: `${HUB_CODE_SYSTEM}financing-regime`, code: 'zvw', display: 'Health Insurance Act (Zvw)' },
          { system: VERZEKERINGSSOORT.system, code: soort.toUpperCase(), display: soortDisplay },
        ],
      },
      subscriberId: number,
      beneficiary: { reference: beneficiary },
      period: compact({ start, end }),
      payor: [{ reference: payor, type: 'Organization', identifier: { system: NAMING.uzovi, value: uzovi } }],
    });
  return { uzovi, identifier, build };
}

function date(in1: Seg, field: number, what: string): string {
  const value = in1.value(field);
  if (!value) {
    throw refuse.missing(in1.at(field), `no ${what}: the hub's Coverage needs a period start`);
  }
  const parsed = fhirDate(value);
  if (!parsed) {
    throw refuse.invalid(in1.at(field), `${what} ${value} is not an HL7 date (YYYYMMDD)`);
  }
  return parsed;
}

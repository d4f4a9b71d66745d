// The client (PID) and the names, addresses and phone numbers of people, from XPN / XCN, XAD and XTN. Dutch surnames
// keep their voorvoegsel in HumanName.family ("van der Berg"), with nl-core's humanname-own-prefix / own-name (and
// partner-prefix / partner-name) extensions on it when the message gives the parts.
import type { Address, ContactPoint, Element, Extension, HumanName, Patient } from '@medplum/fhirtypes';
import { isValidBsn } from '../../server/fhir/bsn.js';
import { ADDRESS_TYPE, GENDER, HUB_PROFILE, NAME_USE, TELECOM_EQUIPMENT, TELECOM_USE } from './code-maps.js';
import { refuse } from './errors.js';
import type { Rep, Seg } from './hl7-read.js';
import { fhirDate } from './hl7-time.js';
import { cxId } from './identifiers.js';
import { NAMING } from '../shared/naming-systems.js';

/** The BSN of the client: the PID-3 repetitions from the BSN register (NLMINBIZA, NNNLD or its OID). */
export function clientBsn(pid: Seg): string {
  const bsns = [
    ...new Set(
      pid
        .reps(3)
        .map(cxId)
        .filter((id) => id?.register === 'bsn')
        .map((id) => id!.value),
    ),
  ];
  if (bsns.length === 0) {
    throw refuse.missing(
      pid.at(3),
      "no BSN in PID-3: send the client's burgerservicenummer with assigning authority NLMINBIZA or identifier type NNNLD",
    );
  }
  if (bsns.length > 1) {
    throw refuse.invalid(
      pid.at(3),
      `PID-3 holds more than one BSN (${bsns.join(', ')}): one message is for one client`,
    );
  }
  const [bsn] = bsns;
  if (!isValidBsn(bsn)) {
    throw refuse.invalid(pid.at(3), `BSN ${bsn} is not a valid burgerservicenummer (9 digits passing the 11-test)`);
  }
  return bsn;
}

export function mapPatient(pid: Seg, bsn: string): Patient {
  const names = pid.reps(5).map((rep) => humanName(rep, XPN));
  if (!names.some((n) => n.family || n.given)) {
    throw refuse.missing(pid.at(5), "no patient name in PID-5 (the hub's Patient needs one)");
  }
  const birth = pid.value(7);
  const birthDate = birth ? fhirDate(birth) : undefined;
  if (!birth) {
    throw refuse.missing(pid.at(7), "no date of birth in PID-7 (the hub's Patient needs one)");
  }
  if (!birthDate) {
    throw refuse.invalid(pid.at(7), `PID-7 ${birth} is not an HL7 date (YYYYMMDD)`);
  }
  const sex = pid.value(8);
  const gender = sex === undefined ? undefined : GENDER[sex.toUpperCase()];
  if (sex !== undefined && !gender) {
    throw refuse.unknownCode(pid.at(8), `PID-8 administrative sex ${sex} is not M, F, O, U, A or N`);
  }
  const address = pid.reps(11).map(mapAddress);
  checkDeliverable(pid, address);
  const telecom = [
    ...pid.reps(13).map((rep) => contactPoint(rep, 'home')),
    ...pid.reps(14).map((rep) => contactPoint(rep, 'work')),
  ].filter((c): c is ContactPoint => c !== undefined);
  return compact({
    resourceType: 'Patient',
    meta: { profile: [`${HUB_PROFILE}hub-Patient`] },
    identifier: [{ system: NAMING.bsn, value: bsn }],
    name: names,
    telecom,
    gender,
    birthDate,
    address,
  });
}

/** hub-pat-2 and hub-pat-3, checked at PID-11 so that the sender learns which field to fix. */
function checkDeliverable(pid: Seg, addresses: Address[]): void {
  for (const a of addresses) {
    const dutch = !a.country || ['NL', 'NLD', 'NEDERLAND'].includes(a.country.toUpperCase());
    if (dutch && a.postalCode && !/^[1-9][0-9]{3} ?[A-Z]{2}$/.test(a.postalCode)) {
      throw refuse.invalid(pid.at(11), `postcode ${a.postalCode} is not a Dutch postcode (1234 AB)`);
    }
  }
  if (!addresses.some((a) => a.use !== 'old' && a.line && a.postalCode && a.city)) {
    throw refuse.missing(
      pid.at(11),
      'no address to deliver to in PID-11: the hub needs a street and house number, postcode and city',
    );
  }
}

/** Component positions of a person name: XPN (PID-5) starts at 1, XCN (ORC-12, OBR-16) has the id first. */
export const XPN = { family: 1, given: 2, middle: 3, suffix: 4, prefix: 5, use: 7 } as const;
export const XCN = { family: 2, given: 3, middle: 4, suffix: 5, prefix: 6, use: 10 } as const;

const OWN_PREFIX = 'http://hl7.org/fhir/StructureDefinition/humanname-own-prefix';
const OWN_NAME = 'http://hl7.org/fhir/StructureDefinition/humanname-own-name';
const PARTNER_PREFIX = 'http://hl7.org/fhir/StructureDefinition/humanname-partner-prefix';
const PARTNER_NAME = 'http://hl7.org/fhir/StructureDefinition/humanname-partner-name';

/** A HumanName with the extensions of its family name (the `_family` of FHIR JSON, which the types leave out). */
export type DutchHumanName = HumanName & { _family?: Element };

/** A HumanName from an XPN or XCN; FN subcomponents: surname & own prefix & own surname & partner prefix & partner surname. */
export function humanName(rep: Rep, at: typeof XPN | typeof XCN): DutchHumanName {
  const surname = rep.get(at.family, 1);
  const ownPrefix = rep.get(at.family, 2);
  const ownSurname = rep.get(at.family, 3);
  const partnerPrefix = rep.get(at.family, 4);
  const partnerSurname = rep.get(at.family, 5);
  const base = surname ?? ownSurname;
  const startsWithPrefix = !!(base && ownPrefix && base.toLowerCase().startsWith(`${ownPrefix.toLowerCase()} `));
  const family = base && ownPrefix && !startsWithPrefix ? `${ownPrefix} ${base}` : base;
  const partner = partnerPrefix !== undefined || partnerSurname !== undefined;
  const ownName =
    ownSurname ?? (partner || !surname ? undefined : startsWithPrefix ? surname.slice(ownPrefix!.length + 1) : surname);
  const extension: Extension[] =
    ownPrefix || partner || ownSurname
      ? [
          ...(ownPrefix ? [{ url: OWN_PREFIX, valueString: ownPrefix }] : []),
          ...(ownName ? [{ url: OWN_NAME, valueString: ownName }] : []),
          ...(partnerPrefix ? [{ url: PARTNER_PREFIX, valueString: partnerPrefix }] : []),
          ...(partnerSurname ? [{ url: PARTNER_NAME, valueString: partnerSurname }] : []),
        ]
      : [];
  const nameType = rep.get(at.use);
  return compact<DutchHumanName>({
    use: nameType ? NAME_USE[nameType] : undefined,
    family,
    _family: extension.length ? { extension } : undefined,
    given: [rep.get(at.given), rep.get(at.middle)].filter((g): g is string => !!g),
    prefix: [rep.get(at.prefix)].filter((p): p is string => !!p),
    suffix: [rep.get(at.suffix)].filter((s): s is string => !!s),
  });
}

/** An Address from an XAD: street (SAD-1, else street name and house number), other designation, city, postcode. */
export function mapAddress(rep: Rep): Address {
  const street = rep.get(1, 1) ?? ([rep.get(1, 2), rep.get(1, 3)].filter(Boolean).join(' ') || undefined);
  const kind = ADDRESS_TYPE[rep.get(7) ?? ''] ?? {};
  return compact({
    use: kind.use,
    type: kind.type,
    line: [street, rep.get(2)].filter((l): l is string => !!l),
    city: rep.get(3),
    district: rep.get(9),
    state: rep.get(4),
    postalCode: rep.get(5),
    country: rep.get(6),
  });
}

/** A ContactPoint from an XTN: the number in XTN-1 (else XTN-12, else area code and local number), or XTN-4 for e-mail. */
export function contactPoint(rep: Rep, fallbackUse: ContactPoint['use']): ContactPoint | undefined {
  const equipment = TELECOM_EQUIPMENT[rep.get(3) ?? ''];
  const useCode = rep.get(2);
  const email = equipment?.system === 'email' || useCode === 'NET';
  const value = email
    ? (rep.get(4) ?? rep.get(1))
    : (rep.get(1) ?? rep.get(12) ?? ([rep.get(6), rep.get(7)].filter(Boolean).join('') || undefined));
  if (!value) {
    return undefined;
  }
  return compact({
    system: email ? 'email' : (equipment?.system ?? 'phone'),
    value,
    use: equipment?.use ?? (useCode ? TELECOM_USE[useCode] : undefined) ?? (email ? undefined : fallbackUse),
  });
}

/** Drops undefined values and empty arrays, so that no resource carries an empty element. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
  ) as T;
}

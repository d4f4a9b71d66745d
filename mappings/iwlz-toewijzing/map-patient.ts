// The client as a hub Patient: BSN, name (Dutch name parts as the core HumanName extensions), gender, birth date,
// addresses and telecom, as far as the message carries them.
import type { Address, ContactPoint, Element as FhirElement, Extension, HumanName, Patient } from '@medplum/fhirtypes';
import { MappingError } from '../adapter.js';
import { ADDRESS_KIND, ASSEMBLY_ORDER, BIRTH_DATE_KNOWN, EXTENSION, GENDER, NL, PROFILE } from './code-maps.js';
import type { Aw33Client, Contact, Naam, NamePart } from './parse-messages.js';
import { bsnIdentifier, date } from './values.js';

function joined(...parts: (string | undefined)[]): string {
  return parts.filter((p): p is string => !!p).join(' ');
}

function fullPart(part: NamePart): string {
  return joined(part.voorvoegsel, part.achternaam);
}

function stringExtension(url: string, value: string | undefined): Extension[] {
  return value ? [{ url, valueString: value }] : [];
}

/** The family name as used, per NaamGebruik: own, partner's, partner's-own or own-partner's. */
function familyAsUsed(naam: Naam): string {
  const own = fullPart(naam.geslachtsnaam);
  const partner = naam.partnernaam ? fullPart(naam.partnernaam) : undefined;
  switch (partner ? ASSEMBLY_ORDER[naam.naamGebruik ?? ''] : undefined) {
    case 'NL2':
      return partner ?? own;
    case 'NL3':
      return `${partner}-${own}`;
    case 'NL4':
      return `${own}-${partner}`;
    default:
      return own;
  }
}

/** R4 JSON carries extensions of primitive values in `_name` siblings, which @medplum/fhirtypes leaves out. */
type WithPrimitiveExtensions<T> = T & { _family?: FhirElement; _given?: FhirElement[]; _line?: FhirElement[] };

/** Voornamen as given names; without them, Voorletters as initials (iso21090-EN-qualifier IN, as nl-core does). */
function givenParts(naam: Naam): Pick<WithPrimitiveExtensions<HumanName>, 'given' | '_given'> & { display?: string } {
  const names = naam.voornamen?.split(/\s+/).filter(Boolean) ?? [];
  if (names.length) {
    return { given: names, display: names.join(' ') };
  }
  const initials = [...(naam.voorletters ?? '')];
  if (!initials.length) {
    return {};
  }
  return {
    given: initials,
    _given: initials.map((): FhirElement => ({ extension: [{ url: EXTENSION.nameQualifier, valueCode: 'IN' }] })),
    display: initials.map((i) => `${i}.`).join(''),
  };
}

function humanName(naam: Naam): WithPrimitiveExtensions<HumanName> {
  const order = ASSEMBLY_ORDER[naam.naamGebruik ?? ''];
  const { display, ...given } = givenParts(naam);
  const familyParts: Extension[] = [
    ...stringExtension(EXTENSION.ownPrefix, naam.geslachtsnaam.voorvoegsel),
    ...stringExtension(EXTENSION.ownName, naam.geslachtsnaam.achternaam),
    ...stringExtension(EXTENSION.partnerPrefix, naam.partnernaam?.voorvoegsel),
    ...stringExtension(EXTENSION.partnerName, naam.partnernaam?.achternaam),
  ];
  return {
    ...(order ? { extension: [{ url: EXTENSION.assemblyOrder, valueCode: order }] } : {}),
    use: 'official',
    text: joined(display, familyAsUsed(naam)),
    // family is the own geslachtsnaam: the name as used (text) may join two names, which is not the message's text.
    family: fullPart(naam.geslachtsnaam),
    _family: { extension: familyParts },
    ...given,
  };
}

/** Geboortedatum, as far as DatumGebruik says it is known. */
function birthDate(client: Aw33Client): string | undefined {
  const full = date(client.geboortedatum);
  switch (BIRTH_DATE_KNOWN[client.datumGebruik ?? '']) {
    case 'month':
      return full.slice(0, 7);
    case 'year':
      return full.slice(0, 4);
    case 'nothing':
      return undefined;
    default:
      return full;
  }
}

const DUTCH_POSTCODE = /^[1-9][0-9]{3} ?[A-Z]{2}$/;

/** "1092ab" and "1092 AB" as the profile wants a Dutch postcode (capitals); other countries' postcodes as given. */
function postcode(value: string | undefined, landCode: string | undefined): string | undefined {
  if (value && (!landCode || landCode === NL.landCode) && DUTCH_POSTCODE.test(value.toUpperCase())) {
    return value.toUpperCase();
  }
  return value;
}

function address(contact: Contact): Address | undefined {
  const adres = contact.adres;
  if (!adres) {
    return undefined;
  }
  const suffix = joined(adres.huisletter, adres.huisnummerToevoeging);
  const number = adres.huisnummer ? `${adres.huisnummer}${adres.huisletter ?? ''}` : undefined;
  const line = adres.straatnaam ? joined(adres.straatnaam, number, adres.huisnummerToevoeging) : undefined;
  const parts: Extension[] = [
    ...stringExtension(EXTENSION.streetName, adres.straatnaam),
    ...stringExtension(EXTENSION.houseNumber, adres.huisnummer),
    ...stringExtension(EXTENSION.houseNumberSuffix, suffix || undefined),
  ];
  const period = contact.periode && {
    ...(contact.periode.begindatum ? { start: contact.periode.begindatum } : {}),
    ...(contact.periode.einddatum ? { end: contact.periode.einddatum } : {}),
  };
  const result: WithPrimitiveExtensions<Address> = {
    ...ADDRESS_KIND[contact.soort],
    ...(line ? { line: [line], _line: [{ extension: parts }] } : {}),
    ...(adres.plaatsnaam ? { city: adres.plaatsnaam } : {}),
    ...(adres.postcode ? { postalCode: postcode(adres.postcode, adres.landCode) } : {}),
    ...(adres.landCode ? { country: adres.landCode } : {}),
    ...(period && Object.keys(period).length ? { period } : {}),
  };
  return Object.keys(result).some((k) => k !== 'use' && k !== 'type') ? result : undefined;
}

function telecom(contacts: readonly Contact[]): ContactPoint[] {
  const points = contacts.flatMap((c): ContactPoint[] => [
    ...c.telefoon.map(
      (t): ContactPoint => ({
        system: 'phone',
        value: t.landnummer === NL.landnummer ? t.nummer : `${t.landnummer} ${t.nummer}`,
      }),
    ),
    ...(c.email ? [{ system: 'email' as const, value: c.email }] : []),
  ]);
  return points.filter((p, i) => points.findIndex((q) => q.system === p.system && q.value === p.value) === i);
}

/** Whether the Patient meets hub-Patient: a birth date, an address to deliver to, Dutch postcodes in their form. */
function deliverable(patient: Patient): boolean {
  const addresses = patient.address ?? [];
  return (
    !!patient.birthDate &&
    addresses.some((a) => a.use !== 'old' && a.line?.length && a.postalCode && a.city) &&
    addresses.every(
      (a) => (a.country && a.country !== NL.landCode) || !a.postalCode || DUTCH_POSTCODE.test(a.postalCode),
    )
  );
}

/**
 * The client as a hub Patient, or undefined when the message does not carry what hub-Patient requires (a birth date
 * and a deliverable address): the Coverage then refers to the Patient the hub already holds, by BSN.
 */
export function patientOf(client: Aw33Client): Patient | undefined {
  const gender = GENDER[client.geslacht];
  if (!gender) {
    throw new MappingError(`${client.path}/Geslacht`, `Geslacht ${client.geslacht} is not an LDT_Geslacht code`, 'map');
  }
  const addresses = client.contacts.map(address).filter((a): a is Address => !!a);
  const phones = telecom(client.contacts);
  const born = birthDate(client);
  const patient: Patient = {
    resourceType: 'Patient',
    meta: { profile: [PROFILE.patient] },
    identifier: [bsnIdentifier(client.bsn)],
    name: [humanName(client.naam)],
    ...(phones.length ? { telecom: phones } : {}),
    gender,
    ...(born ? { birthDate: born } : {}),
    ...(addresses.length ? { address: addresses } : {}),
  };
  return deliverable(patient) ? patient : undefined;
}

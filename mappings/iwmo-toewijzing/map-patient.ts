// The client of a WMO301 as a hub-Patient: BSN, name, gender, birth date, addresses and contact points. The Patient
// is only a createIfAbsent party, so when the message lacks what hub-Patient requires (a name, a birth date, an
// address to deliver to) no Patient entry is made and the Coverage refers to the client by BSN instead.
import type { Address, ContactPoint, HumanName, Identifier, Patient } from '@medplum/fhirtypes';
import { MappingError } from '../adapter.js';
import { isValidBsn } from '../../server/fhir/bsn.js';
import { NAMING } from '../shared/naming-systems.js';
import { ADRES_SOORT, DATUM_GEBRUIK, GESLACHT } from './code-maps.js';
import type { Adres, Contact, Located, Naam, Person, ToewijzingClient } from './model.js';
import { coded, date, period } from './values.js';

const HUB_PATIENT = 'https://zorghub.example.org/fhir/StructureDefinition/hub-Patient';
const INITIAL = 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier';
const DUTCH_POSTCODE = /^[1-9][0-9]{3} ?[A-Z]{2}$/;

/** The client's BSN identifier; a BSN that is not 9 digits passing the elfproef is refused. */
export function bsnIdentifier(person: Person): Identifier {
  if (!isValidBsn(person.bsn.value)) {
    throw new MappingError(
      person.bsn.at,
      `Bsn "${person.bsn.value}" is not a BSN: it must have 9 digits and pass the elfproef (11-test)`,
    );
  }
  return { system: NAMING.bsn, value: person.bsn.value };
}

/** The Patient, or undefined when the message does not carry enough for a valid hub-Patient. */
export function patientFor(client: ToewijzingClient, identifier: Identifier): Patient | undefined {
  const name = humanName(client.naam);
  const birthDate = birthDateOf(client);
  const gender = client.geslacht && coded(client.geslacht, GESLACHT, 'COD046 Geslacht');
  const addresses = client.contacts.flatMap((contact) => {
    const address = contact.adres && addressOf(contact, contact.adres);
    return address ? [address] : [];
  });
  const telecom = client.contacts.flatMap(contactPoints);
  const deliverable = addresses.some((a) => a.deliverable && a.address.line && a.address.postalCode && a.address.city);
  if (!name || !birthDate || !deliverable) {
    return undefined;
  }
  return {
    resourceType: 'Patient',
    meta: { profile: [HUB_PATIENT] },
    identifier: [identifier],
    name: [name],
    ...(telecom.length ? { telecom } : {}),
    ...(gender ? { gender } : {}),
    birthDate,
    address: addresses.map((a) => a.address),
  };
}

function humanName(naam: Naam | undefined): HumanName | undefined {
  if (!naam) {
    return undefined;
  }
  const family = [naam.voorvoegsel?.value, naam.achternaam?.value].filter(Boolean).join(' ');
  const given = naam.voornamen?.value.split(/\s+/);
  // Only initials: each is a given name marked as an initial (as nl-core does).
  const initials = given ? undefined : naam.voorletters?.value.replace(/[.\s]/g, '').split('');
  if (!family && !given && !initials?.length) {
    return undefined;
  }
  return {
    use: 'official',
    ...(family ? { family } : {}),
    ...(given ? { given } : {}),
    ...(initials?.length
      ? { given: initials, _given: initials.map(() => ({ extension: [{ url: INITIAL, valueCode: 'IN' }] })) }
      : {}),
  };
}

function birthDateOf(client: ToewijzingClient): string | undefined {
  if (!client.geboortedatum) {
    return undefined;
  }
  const full = date(client.geboortedatum, 'Geboortedatum');
  const known = client.datumGebruik && coded(client.datumGebruik, DATUM_GEBRUIK, 'COD170 DatumGebruik');
  return known === 'unknown'
    ? undefined
    : known === 'year'
      ? full.slice(0, 4)
      : known === 'year-month'
        ? full.slice(0, 7)
        : full;
}

function addressOf(contact: Contact, adres: Adres): { address: Address; deliverable: boolean } | undefined {
  const soort = contact.soort && coded(contact.soort, ADRES_SOORT, 'COD757 Soort adres');
  const country = adres.landcode?.value;
  const postcode = adres.postcode;
  if (postcode && (!country || country === 'NL') && !DUTCH_POSTCODE.test(postcode.value)) {
    throw new MappingError(
      postcode.at,
      `Postcode "${postcode.value}" is not a Dutch postcode (four digits, two capitals: 1234AB)`,
    );
  }
  const house = [adres.huisnummer?.value, adres.huisletter?.value].filter(Boolean).join('');
  const line = adres.straatnaam
    ? [adres.straatnaam.value, house, adres.toevoeging?.value].filter(Boolean).join(' ')
    : undefined;
  const when = contact.begindatum || contact.einddatum ? period(contact.begindatum, contact.einddatum) : undefined;
  const address: Address = {
    ...(soort?.address ?? {}),
    ...(line ? { line: [line] } : {}),
    ...(adres.plaatsnaam ? { city: adres.plaatsnaam.value } : {}),
    ...(postcode ? { postalCode: postcode.value } : {}),
    ...(country ? { country } : {}),
    ...(when ? { period: when } : {}),
  };
  if (!line && !adres.plaatsnaam && !postcode && !country) {
    return undefined;
  }
  return { address, deliverable: soort ? soort.deliverable : true };
}

function contactPoints(contact: Contact): ContactPoint[] {
  const phones = contact.telefoonnummers.map((n: Located): ContactPoint => ({ system: 'phone', value: n.value }));
  return contact.email ? [...phones, { system: 'email', value: contact.email.value }] : phones;
}

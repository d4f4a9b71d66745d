// The parts of a Client element: the person (Bsn, Geboortedatum, Geslacht, Naam), the contacts (address, phone,
// e-mail) and a product (Categorie, Code).
import type { Adres, Contact, Located, Naam, Person, Product } from './model.js';
import { all, type Node, one, required, text, textOf } from './navigate.js';

export function readPerson(client: Node): Person {
  const birth = one(client, ['Geboortedatum']);
  // CDT_Geboortedatum holds Datum and DatumGebruik; a bare date is read too.
  const structured = birth !== undefined && birth.element.children.length > 0;
  return {
    at: client.path,
    bsn: required(textOf(client, ['Bsn']), `${client.path}/Bsn`, 'Bsn'),
    geboortedatum: structured ? textOf(birth, ['Datum']) : text(birth),
    datumGebruik: structured ? textOf(birth, ['DatumGebruik']) : undefined,
    geslacht: textOf(client, ['Geslacht']),
    naam: readNaam(one(client, ['Naam'])),
  };
}

function readNaam(naam: Node | undefined): Naam | undefined {
  if (!naam) {
    return undefined;
  }
  // Geslachtsnaam/Achternaam (3.x), Geslachtsnaam/Naam (older), Geslachtsnaam as text, or Achternaam directly.
  const geslachtsnaam = one(naam, ['Geslachtsnaam']);
  const nested = geslachtsnaam !== undefined && geslachtsnaam.element.children.length > 0;
  return {
    at: naam.path,
    achternaam: nested
      ? textOf(geslachtsnaam, ['Achternaam', 'Naam'])
      : (text(geslachtsnaam) ?? textOf(naam, ['Achternaam'])),
    voorvoegsel: (nested ? textOf(geslachtsnaam, ['Voorvoegsel']) : undefined) ?? textOf(naam, ['Voorvoegsel']),
    voornamen: textOf(naam, ['Voornamen']),
    voorletters: textOf(naam, ['Voorletters']),
  };
}

/** Contactgegevens/Contact (3.2) or Contact directly under Client. */
export function readContacts(client: Node, contactgegevens: Node | undefined): { contacts: Contact[] } {
  const nodes = [...all(contactgegevens, ['Contact']), ...all(client, ['Contact'])];
  return { contacts: nodes.map(readContact) };
}

function readContact(contact: Node): Contact {
  const telefoon = one(contact, ['Telefoon']);
  const periode = one(contact, ['Periode']);
  return {
    at: contact.path,
    soort: textOf(contact, ['Soort']),
    adres: readAdres(one(contact, ['Adres'])),
    telefoonnummers: telefoon ? phoneNumbers(telefoon) : [],
    email: textOf(contact, ['Emailadres']),
    begindatum: textOf(periode, ['Begindatum']),
    einddatum: textOf(periode, ['Einddatum']),
  };
}

/** Telefoon as text, or its Telefoon01 / Telefoon02 (CDT_Telefoonnummers) with a Telefoonnummer each. */
function phoneNumbers(telefoon: Node): Located[] {
  if (telefoon.element.children.length === 0) {
    const own = text(telefoon);
    return own ? [own] : [];
  }
  const direct = textOf(telefoon, ['Telefoonnummer']);
  const numbered = all(telefoon, ['Telefoon01', 'Telefoon02', 'Telefoon03'], false).map((t) =>
    textOf(t, ['Telefoonnummer']),
  );
  return [direct, ...numbered].filter((n): n is Located => n !== undefined);
}

function readAdres(adres: Node | undefined): Adres | undefined {
  if (!adres) {
    return undefined;
  }
  // CDT_Adres (3.2) nests the house number in Huis; earlier forms put Huisnummer directly under Adres.
  const huis = one(adres, ['Huis']) ?? adres;
  return {
    at: adres.path,
    straatnaam: textOf(adres, ['Straatnaam', 'Straat']),
    huisnummer: textOf(huis, ['Huisnummer']),
    huisletter: textOf(huis, ['Huisletter']),
    toevoeging: textOf(huis, ['HuisnummerToevoeging']),
    postcode: textOf(adres, ['Postcode']),
    plaatsnaam: textOf(adres, ['Plaatsnaam', 'Woonplaats']),
    landcode: textOf(adres, ['LandCode', 'Landcode']),
  };
}

export function readProduct(item: Node): Product | undefined {
  const product = one(item, ['Product']);
  return product && { at: product.path, categorie: textOf(product, ['Categorie']), code: textOf(product, ['Code']) };
}
